/* conn.h - one client connection: frames in, frames out, back-pressure.
 *
 * Loop thread. A connection knows bytes and frames, not what they mean:
 * its user (session.c) gets each whole frame through conn_ops and says
 * whether the connection may take more. When it may not (a job's chunks
 * wait for room in the queue, a read is in flight, the daemon drains), the
 * connection stops processing buffered frames and stops reading from the
 * socket, so the client's writes block in its kernel buffer. Memory per
 * connection is thus bounded by one frame (max_frame_bytes) plus one read
 * block.
 */
#ifndef PT_CONN_H
#define PT_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../common/buf.h"
#include "../common/compat.h"

typedef struct conn conn;

typedef struct conn_ops {
    /* May the connection take frames now? */
    int (*may_read)(void *ud, conn *c);
    /* One whole frame: 0 to go on, 1 to pause (conn_resume later), <0 to
     * close once what is queued is written (an ERROR was queued). */
    int (*on_frame)(void *ud, conn *c, int type, const char *payload, size_t len);
    /* A frame header was malformed or too large (an ERROR is queued). */
    void (*on_bad_frame)(void *ud, conn *c);
    /* A frame sent with conn_send_notify was written (status < 0: not). */
    void (*on_written)(void *ud, conn *c, int status);
    /* The connection is closing: drop every reference to it. */
    void (*on_close)(void *ud, conn *c);
    /* Its memory is gone (the handle's close callback). */
    void (*on_closed)(void *ud);
} conn_ops;

/* Accept the client waiting on server. NULL when out of memory or the
 * accept failed (logged; nothing to clean up). */
conn *conn_accept(uv_loop_t *loop, uv_stream_t *server, uint64_t id,
                  uint64_t max_frame_bytes, const conn_ops *ops, void *ud);
uint64_t conn_id(const conn *c);
int conn_closing(const conn *c);

/* Queue a frame (takes the buffer's bytes). */
int conn_send(conn *c, pt_buf *frame);
/* The same, and call ops->on_written once it is written. */
int conn_send_notify(conn *c, pt_buf *frame);
/* Queue an ERROR frame (logged). */
void conn_send_error(conn *c, int code, const char *fmt, ...) PT_PRINTF(3, 4);
/* Close once every queued frame is written. */
void conn_close_after_write(conn *c);
void conn_close(conn *c);
/* Process what is buffered, then read more if allowed. */
void conn_resume(conn *c);
/* Stop reading from the socket (a drain); queued frames still go out. */
void conn_stop_reading(conn *c);

#endif
