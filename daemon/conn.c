/* conn.c - one client connection (see conn.h). Loop thread. */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/frame.h"
#include "../common/log.h"
#include "../common/protocol.h"

#define READ_BLOCK (64 * 1024)

struct conn {
    uv_pipe_t pipe;            /* pipe.data = this */
    const conn_ops *ops;
    void *ud;
    uint64_t id;
    const conn_limits *lim;
    pt_buf rbuf;
    size_t rpos;               /* consumed prefix of rbuf */
    int reading;               /* uv_read_start is on */
    int closing;
    int close_after_write;     /* an error frame was queued: close once written */
    int no_read;               /* draining: never read again */
    int eof;                   /* the client shut down its sending side */
    int eof_told;
    uint64_t wbytes;           /* bytes queued in uv_write, not yet written */
    uint64_t frames_in;
    uint64_t accepted_ns, last_frame_ns;
    uint64_t partial_since_ns; /* a frame begun and not finished, since */
    uint64_t write_wait_ns;    /* answers waiting, with no progress since */
};

typedef struct write_req {
    uv_write_t req;
    conn *c;
    char *data;
    size_t len;
    int notify;
} write_req;

uint64_t conn_id(const conn *c)
{
    return c->id;
}

int conn_closing(const conn *c)
{
    return c->closing;
}

static void on_close(uv_handle_t *h)
{
    conn *c = h->data;
    const conn_ops *ops = c->ops;
    void *ud = c->ud;

    pt_buf_free(&c->rbuf);
    free(c);
    ops->on_closed(ud);
}

void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    c->ops->on_close(c->ud, c);
    uv_close((uv_handle_t *)&c->pipe, on_close);
}

void conn_close_after_write(conn *c)
{
    c->close_after_write = 1;
    if (c->wbytes == 0)
        conn_close(c);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    conn *c = w->c;
    int was_full = c->wbytes >= c->lim->max_unsent_bytes;

    c->wbytes -= w->len;
    c->write_wait_ns = pt_now_ns();
    free(w->data);
    if (w->notify && !c->closing)
        c->ops->on_written(c->ud, c, status);
    free(w);
    if (status < 0 && !c->closing) {
        log_debug("client %llu: write failed: %s", (unsigned long long)c->id,
                  uv_strerror(status));
        conn_close(c);
    } else if (c->close_after_write && c->wbytes == 0 && !c->closing) {
        conn_close(c);
    } else if (was_full && c->wbytes < c->lim->max_unsent_bytes && !c->closing) {
        conn_resume(c); /* it reads its answers again: take its requests */
    }
}

static int send_frame(conn *c, pt_buf *frame, int notify)
{
    write_req *w;
    uv_buf_t b;
    int r;

    if (c->closing) {
        pt_buf_free(frame);
        return -EPIPE;
    }
    w = calloc(1, sizeof(*w));
    if (!w) {
        pt_buf_free(frame);
        return -ENOMEM;
    }
    w->c = c;
    w->len = frame->len;
    w->notify = notify;
    w->data = pt_buf_steal(frame);
    b = uv_buf_init(w->data, (unsigned)w->len);
    if (c->wbytes == 0)
        c->write_wait_ns = pt_now_ns();
    c->wbytes += w->len;
    r = uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, on_write);
    if (r < 0) {
        c->wbytes -= w->len;
        free(w->data);
        free(w);
        conn_close(c);
    }
    return r;
}

int conn_send(conn *c, pt_buf *frame)
{
    return send_frame(c, frame, 0);
}

int conn_send_notify(conn *c, pt_buf *frame)
{
    return send_frame(c, frame, 1);
}

void conn_send_error(conn *c, int code, const char *fmt, ...)
{
    char msg[512];
    pt_error_msg m;
    pt_buf b;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_info("client %llu: error (%s): %s", (unsigned long long)c->id,
             pt_err_name(code), msg);
    m.code = (uint32_t)code;
    m.message = pt_str_c(msg);
    pt_buf_init(&b);
    if (pt_enc_error(&b, &m) == 0)
        conn_send(c, &b);
    else
        pt_buf_free(&b);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    conn *c = h->data;

    (void)hint;
    /* Drop what was consumed before growing: the buffer holds at most one
     * partial frame plus a read block. */
    if (c->rpos) {
        pt_buf_consume(&c->rbuf, c->rpos);
        c->rpos = 0;
    }
    if (pt_buf_reserve(&c->rbuf, READ_BLOCK) < 0) {
        *buf = uv_buf_init(NULL, 0);
        return;
    }
    *buf = uv_buf_init(c->rbuf.data + c->rbuf.len, READ_BLOCK);
}

static int may_take(conn *c)
{
    return !c->closing && !c->close_after_write && !c->no_read &&
           c->wbytes < c->lim->max_unsent_bytes && c->ops->may_read(c->ud, c);
}

/* Handle every complete frame in the buffer until the user says pause. */
static void process(conn *c)
{
    while (may_take(c)) {
        const char *p = c->rbuf.data + c->rpos;
        size_t avail = c->rbuf.len - c->rpos, plen;
        int type, r;

        r = pt_frame_peek(p, avail, c->lim->max_frame_bytes, &type, &plen);
        if (r == 0)
            break;
        if (r < 0) {
            c->ops->on_bad_frame(c->ud, c);
            if (r == -EMSGSIZE)
                conn_send_error(c, PT_ERR_TOO_LARGE,
                                "frame larger than ingest.max_frame_bytes (%llu bytes)",
                                (unsigned long long)c->lim->max_frame_bytes);
            else
                conn_send_error(c, PT_ERR_PROTOCOL, "malformed frame header");
            c->close_after_write = 1;
            break;
        }
        c->rpos += PT_FRAME_HEADER + plen;
        c->frames_in++;
        c->last_frame_ns = pt_now_ns();
        r = c->ops->on_frame(c->ud, c, type, p + PT_FRAME_HEADER, plen);
        if (r < 0) {
            c->close_after_write = 1;
            break;
        }
    }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;

    (void)buf;
    if (n == UV_EOF) {
        /* A half-close: what it sent is still handled and answered. */
        uv_read_stop((uv_stream_t *)&c->pipe);
        c->reading = 0;
        c->eof = 1;
        conn_resume(c);
        return;
    }
    if (n < 0) {
        log_debug("client %llu: read failed: %s", (unsigned long long)c->id,
                  uv_strerror((int)n));
        conn_close(c);
        return;
    }
    c->rbuf.len += (size_t)n;
    conn_resume(c);
}

void conn_stop_reading(conn *c)
{
    c->no_read = 1;
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->pipe);
        c->reading = 0;
    }
}

/* Bytes of a frame not yet whole sit in the buffer (not merely frames
 * waiting while the connection is paused). */
static int partial_frame(conn *c)
{
    int type;
    size_t plen;

    return c->rbuf.len > c->rpos &&
           pt_frame_peek(c->rbuf.data + c->rpos, c->rbuf.len - c->rpos,
                         c->lim->max_frame_bytes, &type, &plen) == 0;
}

void conn_resume(conn *c)
{
    int paused;

    if (c->closing)
        return;
    process(c);
    if (c->closing)
        return;
    if (c->close_after_write && c->wbytes == 0) {
        conn_close(c);
        return;
    }
    if (!partial_frame(c))
        c->partial_since_ns = 0;
    else if (!c->partial_since_ns)
        c->partial_since_ns = pt_now_ns();
    if (c->eof) {
        /* every whole frame handled: the user answers, then closes */
        if (!c->eof_told && (c->rbuf.len == c->rpos || partial_frame(c))) {
            c->eof_told = 1;
            c->ops->on_eof(c->ud, c);
        }
        return;
    }
    paused = !may_take(c);
    if (paused && c->reading) {
        uv_read_stop((uv_stream_t *)&c->pipe);
        c->reading = 0;
    } else if (!paused && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0)
            c->reading = 1;
    }
}

static void free_unaccepted(uv_handle_t *h)
{
    conn *c = h->data;

    pt_buf_free(&c->rbuf);
    free(c);
}

conn *conn_accept(uv_loop_t *loop, uv_stream_t *server, uint64_t id,
                  const conn_limits *lim, const conn_ops *ops, void *ud)
{
    conn *c = calloc(1, sizeof(*c));
    int r;

    if (!c) {
        log_error("out of memory accepting a client");
        return NULL;
    }
    c->ops = ops;
    c->ud = ud;
    c->id = id;
    c->lim = lim;
    c->accepted_ns = c->last_frame_ns = pt_now_ns();
    pt_buf_init(&c->rbuf);
    uv_pipe_init(loop, &c->pipe, 0);
    c->pipe.data = c;
    if ((r = uv_accept(server, (uv_stream_t *)&c->pipe)) < 0) {
        log_warn("accept failed: %s", uv_strerror(r));
        uv_close((uv_handle_t *)&c->pipe, free_unaccepted);
        return NULL;
    }
    return c;
}

static uint64_t ms_since(uint64_t now, uint64_t then)
{
    return now > then ? (now - then) / 1000000 : 0;
}

static int timed_out(conn *c, const char *what, const char *key, uint64_t ms)
{
    conn_send_error(c, PT_ERR_TIMEOUT, "%s within %s (%llu ms)", what, key,
                    (unsigned long long)ms);
    conn_close_after_write(c);
    return 1;
}

int conn_tick(conn *c, uint64_t now)
{
    const conn_limits *l = c->lim;

    if (c->closing)
        return 0;
    /* Answers it does not take: memory is held for it and, while
     * draining, the daemon waits for it. It cannot read an ERROR. */
    if (c->wbytes && l->write_timeout_ms &&
        ms_since(now, c->write_wait_ns) > l->write_timeout_ms) {
        log_warn("client %llu: took none of %llu bytes of answers in %llu ms "
                 "(listen.write_timeout_ms): dropping it",
                 (unsigned long long)c->id, (unsigned long long)c->wbytes,
                 (unsigned long long)ms_since(now, c->write_wait_ns));
        conn_close(c);
        return 1;
    }
    if (c->close_after_write || c->eof)
        return 0;
    if (!c->frames_in && l->handshake_timeout_ms &&
        ms_since(now, c->accepted_ns) > l->handshake_timeout_ms)
        return timed_out(c, "no HELLO", "listen.handshake_timeout_ms",
                         l->handshake_timeout_ms);
    if (!c->reading)
        return 0; /* the daemon holds it back (back-pressure, a read, a drain) */
    if (c->partial_since_ns && l->frame_timeout_ms &&
        ms_since(now, c->partial_since_ns) > l->frame_timeout_ms)
        return timed_out(c, "a frame was not finished", "listen.frame_timeout_ms",
                         l->frame_timeout_ms);
    if (l->idle_timeout_ms && !c->partial_since_ns && c->frames_in &&
        !c->ops->waiting(c->ud, c) && ms_since(now, c->last_frame_ns) > l->idle_timeout_ms)
        return timed_out(c, "nothing was sent", "listen.idle_timeout_ms", l->idle_timeout_ms);
    return 0;
}
