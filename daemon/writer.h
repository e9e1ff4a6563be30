/* writer.h - the one thread that writes to RocksDB.
 *
 * Owns: every store_write/store_sync_wal call. Talks to the loop only
 * through the chunk queue (chunks in, finished chunks out, plus the
 * queue's wake callback, a uv_async_send). Its counters are atomics so
 * that status can read them from the loop thread without a lock.
 *
 * Group commit: the writer takes every chunk that is waiting (up to
 * group_max_bytes), writes each as its own WriteBatch without fsync, and
 * then fsyncs the WAL once if any of them asked for it. One fsync thus
 * covers every chunk that was ready, across clients, and each chunk is
 * still atomic on its own.
 */
#ifndef PT_WRITER_H
#define PT_WRITER_H

#include <stdint.h>

#include "chunk_queue.h"
#include "lathist.h"
#include "store.h"


typedef struct writer writer;

/* What the loop may change while the writer runs (settings hooks). */
typedef struct writer_limits {
    uint64_t min_free_bytes;      /* ingest.min_free_bytes: refuse writes below */
    int pacing;                   /* stall.pacing */
    uint64_t flush_bound_hold_ms; /* stall.flush_bound_hold_ms */
    uint64_t bulk_l0_max_files;   /* stall.bulk_l0_max_files (0: no bound) */
} writer_limits;

/* A snapshot of the writer's counters, readable from any thread. */
typedef struct writer_stats {
    uint64_t chunks_written, rows_written, bytes_written;
    uint64_t groups, syncs, errors;
    uint64_t busy_ns;            /* time spent inside RocksDB calls */
    uint64_t heartbeat_ns;       /* last finished group, or idle since */
    uint64_t refused_low_space;
    int pace_reason;             /* enum pace_reason: why it holds back now */
    uint64_t paced_ns, pace_events;
    uint64_t nowait_retries;     /* RocksDB said it would stall */
    uint64_t drain_rate;         /* bytes/s flushes drain memtables */
    int alive;
} writer_stats;

/* The writer for queue q; each chunk names the database (store) it goes
 * to, and a chunk with `forget` set makes the writer let go of one before
 * it closes. initial_rate_bytes_per_sec is stall.initial_rate_bytes_per_sec
 * (0 = 8 MB/s). Nothing runs yet. */
int writer_new(writer **out, chunk_queue *q, uint64_t initial_rate_bytes_per_sec);
int writer_start(writer *w);
/* Close the queue and wait until the writer has written what was queued. */
void writer_stop(writer *w);
/* Stops it first if it runs. NULL ok. */
void writer_free(writer *w);

/* Loop thread; takes effect from the next group. */
void writer_set_limits(writer *w, const writer_limits *l);
void writer_get_stats(writer *w, writer_stats *out);
int writer_pace_reason(writer *w);
/* From a chunk's seal to RocksDB accepting it with the configured
 * durability. */
void writer_commit_latency(writer *w, lathist_snap *out);

/* The bulk-ingest profile (store_set_bulk): the loop says whether it
 * wants it; the writer switches between groups and while it waits. */
void writer_want_bulk(writer *w, int on);
int writer_bulk_wanted(writer *w);

/* Alive, and not stuck inside one group for longer than max_ns while
 * chunks wait. Any thread. */
int writer_healthy(writer *w, uint64_t now_ns, uint64_t max_ns, int work_waiting);

#endif
