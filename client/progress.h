/* progress.h - the ingest progress bar on a terminal (stderr). */
#ifndef PTI_PROGRESS_H
#define PTI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct progress_bar {
    FILE *out;
    int enabled;
    uint64_t total_bytes;    /* input size, 0 when unknown (a pipe) */
    uint64_t start_ns;
    uint64_t last_draw_ns;
    uint64_t input_bytes;    /* input consumed so far */
    uint64_t rows_acked;
    uint64_t bytes_acked;
    uint64_t rows_per_s;     /* the daemon's figure */
    uint64_t queue_bytes, queue_capacity;
    char stall[32];
    int drawn;
} progress_bar;

void progress_init(progress_bar *p, FILE *out, int enabled, uint64_t total_bytes);
/* Redraw at most every 100 ms unless force. */
void progress_draw(progress_bar *p, int force);
/* Erase the bar so the next line starts clean. */
void progress_clear(progress_bar *p);
/* Text of one bar line (for tests). */
void progress_format(const progress_bar *p, uint64_t now_ns, char *out, size_t outlen);

#endif
