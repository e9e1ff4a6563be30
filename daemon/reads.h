/* reads.h - get, count and export, run on libuv's thread pool.
 *
 * RocksDB reads may wait on disk, and the loop must not, so each read is
 * a uv_work_t: the work callback touches only the store and its request,
 * the after-callback (loop thread) answers the client. An export is a
 * chain of work items, each filling one EXPORT_ROWS frame; the next starts
 * only when the client has taken the previous frame, so a slow reader
 * holds at most one frame of memory.
 *
 * reads knows no connection: it answers an opaque `client` through
 * read_client_ops, and the client tells it when a frame was written
 * (reads_written) or when it is gone (reads_detach).
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
} read_client_ops;

#define READS_PAGE_BYTES (512 * 1024)

/* inflight counts thread-pool items not yet back (a drain waits for 0). */
int reads_new(reads **out, uv_loop_t *loop, store *s, const read_client_ops *ops,
              uint64_t *inflight);
void reads_free(reads *rd);
/* An EXPORT_ROWS frame is closed once it holds this many bytes. */
void reads_set_page_bytes(reads *rd, size_t bytes);

/* A GET, COUNT or EXPORT frame from client. 1: the read is in flight
 * (*out; the client pauses until ops->done); 0: answered at once with an
 * error, go on; <0: malformed (an ERROR was queued; close). */
int reads_request(reads *rd, void *client, int type, const char *payload, size_t len,
                  read_req **out);
/* The frame sent with notify was written (status < 0: it was not). */
void reads_written(read_req *q, int status);
/* The client is gone: no more answers; freed when its work is back. */
void reads_detach(read_req *q);
/* Reads that failed in RocksDB, for metrics. */
uint64_t reads_errors(const reads *rd);

#endif
