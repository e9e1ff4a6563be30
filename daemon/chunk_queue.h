/* chunk_queue.h - the bounded queue between the loop and the writer.
 *
 * LOCKS (with readpool.h's, the daemon's whole list):
 *   chunk_queue.mu guards `pending`, `done`, `bytes`, `chunks`, `capacity`,
 *   `closing` and `kicked`. It is held only to move list pointers and counters,
 *   never across a RocksDB call, an allocation or a libuv call other than
 *   uv_cond_signal. The writer waits on `cond` when there is nothing to
 *   write. The writer's statistics (writer.h) are atomics, not locked.
 *
 * Bound: `bytes` counts every chunk from push until the loop has taken it
 * back from the done list, so queued and in-flight chunks together stay
 * within `capacity`. The loop asks chunk_queue_has_room before pushing and
 * keeps a sealed chunk (and stops reading that client) when there is none;
 * push itself never blocks and never fails.
 */
#ifndef PT_CHUNK_QUEUE_H
#define PT_CHUNK_QUEUE_H

#include <stdint.h>
#include <uv.h>

#include "chunk.h"

typedef struct chunk_queue {
    uv_mutex_t mu;
    uv_cond_t cond;
    chunk_list pending;  /* for the writer */
    chunk_list done;     /* written (or failed), for the loop */
    uint64_t bytes;      /* pending + in flight + done */
    uint64_t chunks;
    uint64_t capacity;
    int closing;
    int kicked;          /* chunk_queue_kick: the writer has other work */
    void (*wake)(void *arg); /* tells the loop that `done` has chunks */
    void *wake_arg;
} chunk_queue;

int chunk_queue_init(chunk_queue *q, uint64_t capacity,
                     void (*wake)(void *), void *wake_arg);
void chunk_queue_destroy(chunk_queue *q);
void chunk_queue_set_capacity(chunk_queue *q, uint64_t capacity);

/* Loop thread. An empty queue always has room, so a chunk larger than the
 * capacity still goes through (alone). */
int chunk_queue_has_room(chunk_queue *q, uint64_t mem);
void chunk_queue_push(chunk_queue *q, chunk *c);
/* Take back every finished chunk and release their bytes. */
void chunk_queue_take_done(chunk_queue *q, chunk_list *out);

/* Writer thread: wait for chunks, take up to max_bytes of them (at least
 * one) as a group. Returns with an empty list once closing and drained,
 * or when kicked (chunk_queue_closed tells which). */
void chunk_queue_pop_group(chunk_queue *q, uint64_t max_bytes, chunk_list *out);
int chunk_queue_closed(chunk_queue *q);
/* Any thread: wake the writer from pop_group once (work of its own that
 * another thread has made ready: a bulk job's SST files, writer.c). */
void chunk_queue_kick(chunk_queue *q);
void chunk_queue_complete(chunk_queue *q, chunk_list *group);

/* Move every chunk the writer has not taken yet to the done list with
 * status -ECANCELED (shutdown past its grace period). */
void chunk_queue_cancel_pending(chunk_queue *q);

/* Ask the writer to stop once what is pending has been written. */
void chunk_queue_close(chunk_queue *q);

typedef struct chunk_queue_stats {
    uint64_t chunks, bytes, capacity;
} chunk_queue_stats;
void chunk_queue_get_stats(chunk_queue *q, chunk_queue_stats *st);

#endif
