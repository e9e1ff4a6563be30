/* progress.h - the ingest progress bar on a terminal (stderr).
 *
 * Percent, MB and ETA follow the input bytes whose rows the daemon has
 * acknowledged (durable); bytes handed to the daemon but not yet
 * acknowledged are shown apart. The client reports what it sends with
 * progress_sent() and what is acknowledged with progress_acked(); the bar
 * maps acknowledged rows back to input bytes through checkpoints of
 * (rows sent, input bytes) kept only for rows not yet acknowledged. */
#ifndef PTI_PROGRESS_H
#define PTI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#define PROGRESS_MARKS 1024

typedef struct progress_mark {
    uint64_t rows, bytes;
} progress_mark;

typedef struct progress_bar {
    FILE *out;
    int enabled;
    uint64_t total_bytes;    /* input size, 0 when unknown (a pipe) */
    uint64_t start_ns;
    uint64_t last_draw_ns;
    uint64_t input_bytes;    /* input consumed so far */
    uint64_t sent_rows, sent_bytes;   /* rows handed to the daemon, their input bytes */
    uint64_t rows_acked;
    uint64_t durable_bytes;  /* input bytes of the acknowledged rows */
    uint64_t resumed_bytes;  /* input bytes a resumed job already had */
    uint64_t bytes_acked;    /* the daemon's payload figure */
    uint64_t rows_per_s;     /* the daemon's figure */
    uint64_t queue_bytes, queue_capacity;
    char stall[32];
    char phase[48];          /* a bulk job's phase, "" otherwise */
    int drawn;
    /* checkpoints after base, oldest first, in a ring */
    progress_mark base;
    progress_mark marks[PROGRESS_MARKS];
    unsigned head, count;
    uint64_t mark_every;     /* input bytes between checkpoints */
} progress_bar;

void progress_init(progress_bar *p, FILE *out, int enabled, uint64_t total_bytes);
/* rows rows (in all) have been handed to the daemon, covering the first
 * bytes bytes of the input. */
void progress_sent(progress_bar *p, uint64_t rows, uint64_t bytes);
/* A resumed job: its first rows rows (bytes bytes of input) are durable
 * from an earlier run. */
void progress_resumed(progress_bar *p, uint64_t rows, uint64_t bytes);
/* The daemon has acknowledged the first rows rows as durable. */
void progress_acked(progress_bar *p, uint64_t rows);
/* Redraw at most every 100 ms unless force. */
void progress_draw(progress_bar *p, int force);
/* Erase the bar so the next line starts clean. */
void progress_clear(progress_bar *p);
/* Text of one bar line (for tests). */
void progress_format(const progress_bar *p, uint64_t now_ns, char *out, size_t outlen);

#endif
