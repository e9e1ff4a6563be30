/* conn.h - one client connection: frames in, frames out, back-pressure.
 *
 * Loop thread. A connection knows bytes and frames, not what they mean:
 * its user (session.c) gets each whole frame through conn_ops and says
 * whether the connection may take more. When it may not (a job's chunks
 * wait for room in the queue, a read is in flight, the daemon drains), the
 * connection stops processing buffered frames and stops reading from the
 * socket, so the client's writes block in its kernel buffer. Memory per
 * connection is thus bounded by one frame (max_frame_bytes) plus one read
 * block on the way in, and by max_unsent_bytes plus one answer on the way
 * out: a client that does not read its answers gets no more requests
 * taken. conn_tick enforces the timeouts (conn_limits).
 */
#ifndef PT_CONN_H
#define PT_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../common/buf.h"
#include "../common/compat.h"

typedef struct conn conn;

/* Owned by the user and read at each use, so a reload reaches every
 * connection. Timeouts of 0 are off. */
typedef struct conn_limits {
    uint64_t max_frame_bytes;       /* ingest.max_frame_bytes */
    uint64_t max_unsent_bytes;      /* listen.max_unsent_bytes */
    uint64_t handshake_timeout_ms;  /* no first frame: ERROR timeout */
    uint64_t frame_timeout_ms;      /* a frame begun, not finished */
    uint64_t idle_timeout_ms;       /* nothing sent while owed nothing */
    uint64_t write_timeout_ms;      /* answers not taken: dropped */
} conn_limits;

typedef struct conn_ops {
    /* May the connection take frames now? */
    int (*may_read)(void *ud, conn *c);
    /* One whole frame: 0 to go on, 1 to pause (conn_resume later), <0 to
     * close once what is queued is written (an ERROR was queued). */
    int (*on_frame)(void *ud, conn *c, int type, const char *payload, size_t len);
    /* The daemon owes the client something (a read in flight, a job's
     * acknowledgements): it is not idle, however long it stays quiet. */
    int (*waiting)(void *ud, conn *c);
    /* The client shut down its sending side and every whole frame it sent
     * has been handled: the user closes when it has answered. */
    void (*on_eof)(void *ud, conn *c);
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
                  const conn_limits *lim, const conn_ops *ops, void *ud);
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
/* Apply the timeouts at now (the daemon's tick). 1 when it closed or
 * began closing the connection. */
int conn_tick(conn *c, uint64_t now_ns);

#endif
