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

#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "chunk_queue.h"
#include "lathist.h"
#include "pacer.h"
#include "store.h"


typedef struct writer {
    uv_thread_t thread;
    chunk_queue *q;
    store *s;
    uint64_t group_max_bytes;
    int started;
    atomic_uint_fast64_t chunks_written;
    atomic_uint_fast64_t rows_written;
    atomic_uint_fast64_t bytes_written;
    atomic_uint_fast64_t groups;
    atomic_uint_fast64_t syncs;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t busy_ns;   /* time spent inside RocksDB calls */
    /* when the writer last finished a group or went idle: a watchdog
     * reads it to tell a busy writer from a wedged one */
    atomic_uint_fast64_t heartbeat_ns;
    atomic_int alive;
    /* ingest.min_free_bytes, set by the loop (reload) */
    atomic_uint_fast64_t min_free_bytes;
    atomic_uint_fast64_t refused_low_space;
    /* admission control (pacer.h): why the writer holds back now (enum
     * pace_reason, 0 = writing), how often and how long it has */
    atomic_int pace_reason;
    atomic_uint_fast64_t paced_ns;
    atomic_uint_fast64_t pace_events;
    atomic_uint_fast64_t nowait_retries; /* RocksDB said it would stall */
    atomic_int pacing_enabled;
    atomic_uint_fast64_t flush_bound_hold_ns; /* stall.flush_bound_hold_ms, set by the loop */
    /* the loop wants the bulk-ingest profile (jobs are running); the
     * writer applies the change between groups (store_set_bulk) */
    atomic_int bulk_wanted;
    pace_rate rate;         /* writer thread only */
    pace_mode mode;         /* writer thread only */
    uint64_t bytes_in;      /* batch bytes handed to RocksDB (writer thread) */
    atomic_uint_fast64_t drain_rate; /* bytes/s flushes drain memtables, for status */
    /* commit latency: from a chunk's seal to RocksDB accepting it with
     * the configured durability */
    lathist commit_latency;
    /* jobs with a failed chunk: their later chunks are not written, so a
     * job's stored rows are always a prefix of what it sent (writer
     * thread only) */
    uint64_t failed_tokens[32];
    unsigned failed_next;
} writer;

int writer_start(writer *w, chunk_queue *q, store *s);
/* Close the queue and wait until the writer has written what was queued. */
void writer_stop(writer *w);
/* Alive, and not stuck inside one group for longer than max_ns while
 * chunks wait. Any thread. */
int writer_healthy(writer *w, uint64_t now_ns, uint64_t max_ns, int work_waiting);

#endif
