/* stall.h - the stall monitor: what RocksDB says about write stalls.
 *
 * Sampling reads RocksDB properties, which take RocksDB's own mutex, so it
 * runs as a work item on libuv's thread pool every stall.sample_ms; the
 * snapshot is then published on the loop thread (status, metrics,
 * progress). The parsing of RocksDB's text statistics lives here too,
 * kept pure for unit tests.
 */
#ifndef PT_STALL_H
#define PT_STALL_H

#include <stdint.h>
#include <uv.h>

typedef struct stall_sample {
    uint64_t l0_files;
    uint64_t immutable_memtables;
    uint64_t pending_compaction_bytes;
    uint64_t delayed_write_rate;   /* actual-delayed-write-rate, bytes/s, 0 = none */
    int is_write_stopped;
    uint64_t stall_micros;         /* cumulative, from rocksdb.dbstats */
    uint64_t taken_ns;
    int valid;
} stall_sample;

struct store;

typedef struct stall_monitor {
    uv_timer_t timer;
    uv_work_t work;
    int work_busy;
    int closing;
    int started;
    struct store *store;
    stall_sample cur;      /* latest published snapshot (loop thread) */
    stall_sample scratch;  /* filled on the thread pool */
    uint64_t stopped_samples; /* samples that saw is-write-stopped */
    uint64_t delayed_samples;
    uint64_t samples;
    uint64_t *inflight;    /* the daemon's count of thread-pool items */
} stall_monitor;

int stall_start(stall_monitor *m, uv_loop_t *loop, struct store *s,
                uint64_t sample_ms, uint64_t *inflight);
void stall_set_interval(stall_monitor *m, uint64_t sample_ms);
void stall_stop(stall_monitor *m);
/* "rocksdb-stopped", "rocksdb-delayed", "pacing" (the writer holds back:
 * pace_reason != 0) or "ok", from the last published sample. */
const char *stall_state_name(const stall_monitor *m, int pace_reason);

/* Take one sample synchronously (any thread but the loop's). */
void stall_sample_now(struct store *s, stall_sample *out);

/* "Cumulative stall: 00:01:02.345 H:M:S, 12.5 percent" in the text of
 * rocksdb.dbstats -> microseconds. Returns 0, or -ENOENT if absent. */
int stall_parse_cumulative(const char *dbstats, uint64_t *micros);

#endif
