/* rows.h - the benchmark programs' common ground: an NDJSON file parsed
 * once into memory (client/ndjson, the CLI's own parser), so that what is
 * timed afterwards is only the store being measured; the daemon's chunking
 * rule, so every store gets batches/transactions of the same size; and
 * clock and memory readings.
 */
#ifndef PT_BENCH_ROWS_H
#define PT_BENCH_ROWS_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_REL 64

/* daemon/chunk.h CHUNK_ROW_OVERHEAD: a row costs klen + vlen + 16 bytes
 * against ingest.chunk_max_bytes. */
#define BENCH_ROW_OVERHEAD 16
/* The daemon's built-in ingest.chunk_max_rows / chunk_max_bytes. */
#define BENCH_CHUNK_ROWS 8192
#define BENCH_CHUNK_BYTES 1048576

typedef struct bench_row {
    const char *key;
    const char *val;    /* NULL for a delete */
    uint32_t klen;
    uint32_t vlen;
    uint16_t rel;       /* index into bench_rows.rel_names */
    uint8_t del;
} bench_row;

typedef struct bench_rows {
    bench_row *v;
    size_t n;
    uint64_t key_bytes, val_bytes;
    size_t nrel;
    char *rel_names[BENCH_MAX_REL];
    uint64_t rel_rows[BENCH_MAX_REL];
    /* private */
    char **blocks;
    size_t nblocks, blocks_cap;
    size_t block_used, block_cap;
} bench_rows;

/* Parse FILE (NDJSON rows) into r. The five default relations get indexes
 * 0-4 in the daemon's order whether or not they occur; others follow in
 * order of appearance. Returns 0, or -1 with a message in err. */
int bench_rows_load(bench_rows *r, const char *path, char *err, size_t errlen);
void bench_rows_free(bench_rows *r);

/* End (exclusive) of the chunk that starts at row `start`, by the daemon's
 * rule (daemon/chunk.c chunker_add): seal before a row that would push the
 * chunk over max_rows or max_bytes (unless the chunk is empty), and after
 * a row that reaches either bound. */
size_t bench_chunk_end(const bench_rows *r, size_t start, uint64_t max_rows,
                       uint64_t max_bytes);

double bench_now(void);
/* CPU time (user + system) of the whole process so far, every thread
 * (RocksDB's and SQLite's own threads included), in seconds. */
double bench_cpu_s(void);
/* Resident set now / at its peak (VmRSS / VmHWM), in KiB; 0 if unknown. */
long bench_rss_kib(void);
long bench_peak_rss_kib(void);
/* Restart the peak at the current resident set (Linux: clear_refs 5), so
 * that the peak of what follows is not the loading's (the file buffer is
 * freed once parsed). Returns the current RSS in KiB. */
long bench_reset_peak_rss(void);

/* One JSON line on stdout with the common figures; extra is "" or
 * ",\"name\":value..." appended inside the object. */
void bench_report(const char *system, const bench_rows *r, double secs,
                  long rss_base_kib, const char *extra);

#endif
