/* reads.h - get, count, export, scan and multi-get, on the read workers.
 *
 * RocksDB reads may wait on disk, and the loop must not, so every read
 * runs on readpool.h's workers in bounded steps (readwork.h): the loop
 * only decodes the request, schedules a step and sends what it produced.
 * A read's frames go out with a notify; its next page is made meanwhile
 * and sent only once they are written, so a slow reader holds two pages
 * of memory; one that takes nothing for reads.stalled_reader_timeout_ms
 * is dropped (its read pins a RocksDB snapshot). Every read sees one
 * snapshot.
 *
 * reads knows no connection: it answers an opaque `client` through
 * read_client_ops, and the client tells it when a frame was written
 * (reads_written) or when it is gone (reads_detach). Loop thread.
 */
#ifndef PT_READS_H
#define PT_READS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../common/buf.h"
#include "store.h"

typedef struct reads reads;
typedef struct read_req read_req;

typedef struct read_client_ops {
    /* Queue a frame; with notify, call reads_written once it is out. */
    int (*send)(void *client, pt_buf *frame, int notify);
    /* Queue an ERROR frame. */
    void (*error)(void *client, int code, const char *msg);
    /* The request is over (answered or failed; q is freed): the client
     * may take its next frame. client is NULL for a request whose client
     * had gone (a drain may wait for it). */
    void (*done)(void *client);
    /* The client has left its answer unread too long (msg says so): close
     * it. Its request is then detached like any other. */
    void (*stalled)(void *client, const char *msg);
    /* The request no longer reads the database: let go of `hold` (what
     * reads_request was given). Called once per request, whether its
     * client stayed or went. */
    void (*release)(void *hold);
} read_client_ops;

#define READS_PAGE_BYTES (512 * 1024)

/* The settings reads follow (reloadable). */
typedef struct reads_limits {
    size_t page_bytes;                   /* reads.page_bytes: a frame closes past it */
    uint64_t stalled_reader_timeout_ms;  /* reads.stalled_reader_timeout_ms; 0 = never */
} reads_limits;

typedef struct reads_stats {
    uint64_t active;                     /* requests not yet over */
    uint64_t requests;                   /* taken since start */
    uint64_t errors;                     /* failed in RocksDB */
    uint64_t stalled_dropped;            /* readers dropped for not reading */
} reads_stats;

/* workers: reads.workers threads. inflight counts steps on the workers
 * not yet back (a drain waits for 0). On failure *out may still be set:
 * reads_free it. */
int reads_new(reads **out, uv_loop_t *loop, const read_client_ops *ops,
              unsigned workers, uint64_t *inflight);
/* No step may be in flight. The workers stop; run the loop afterwards so
 * their wake-up handle closes. */
void reads_free(reads *rd);
void reads_set_limits(reads *rd, const reads_limits *l);

/* A GET, COUNT, EXPORT, SCAN or MGET frame from client, on database s,
 * which `hold` keeps open until ops->release(hold). 1: the read is in
 * flight (*out; the client pauses until ops->done); 0: answered at once
 * with an error, go on; <0: malformed (an ERROR was queued; close). */
int reads_request(reads *rd, void *client, store *s, void *hold, int type, const char *payload,
                  size_t len, read_req **out);
/* The frames sent with notify were written (status < 0: they were not). */
void reads_written(read_req *q, int status);
/* The client is gone: no more answers; freed when its step is back. */
void reads_detach(read_req *q);
/* Drop the readers that have left an answer unread past the timeout
 * (the daemon's tick). */
void reads_tick(reads *rd, uint64_t now_ns);
/* Reads that failed in RocksDB, for metrics. */
uint64_t reads_errors(const reads *rd);
void reads_get_stats(const reads *rd, reads_stats *st);

#endif
