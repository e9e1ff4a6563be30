/* readpool.h - the daemon's read workers: threads of their own that run
 * RocksDB reads, so that the event loop never waits on disk.
 *
 * Why not libuv's thread pool: it is shared with the stall monitor and a
 * reload's SetOptions, it is first in, first out, and its size is a
 * process-wide environment variable read once. Reads need two lanes
 * instead: a point read (GET) must not queue behind the pages of long
 * reads (scans, exports, counts, multi-gets), which come one step at a
 * time. So the first worker takes only point reads, every other worker
 * takes a point read when one waits and a step of a long read otherwise;
 * a GET then waits for at most one step, even while every worker scans.
 *
 * Threads: readpool_submit, readpool_free and every `after` callback run
 * on the loop thread; `work` runs on a worker. The workers and the loop
 * share the two queues and the finished list under one mutex (the
 * daemon's second lock; daemon.h), and a uv_async wakes the loop.
 */
#ifndef PT_READPOOL_H
#define PT_READPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct readpool readpool;

typedef struct readpool_item readpool_item;
struct readpool_item {
    readpool_item *next;                 /* the pool's */
    void (*work)(readpool_item *it);     /* on a worker */
    void (*after)(readpool_item *it);    /* back on the loop thread */
};

enum readpool_lane { READPOOL_POINT, READPOOL_LONG };

/* Start `workers` threads (at least 1; with 1 it takes both lanes). On
 * failure *out may still be set: readpool_free it. */
int readpool_new(readpool **out, uv_loop_t *loop, unsigned workers);
/* Queue an item; its `after` runs once `work` is done. */
void readpool_submit(readpool *p, readpool_item *it, int lane);
/* Items queued or running (a drain waits for none). */
size_t readpool_pending(const readpool *p);
unsigned readpool_workers(const readpool *p);
/* No items may be pending. Joins the workers; the memory goes once the
 * loop has closed the wake-up handle (run the loop after). NULL ok. */
void readpool_free(readpool *p);

#endif
