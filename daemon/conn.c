/* conn.c - one client connection: reading frames, writing frames, closing.
 *
 * Loop thread. Back-pressure lives here: when a frame handler says pause
 * (its job's chunks wait for room in the queue, or a read is in flight),
 * the connection stops processing buffered frames and stops reading from
 * the socket, so the client's writes block in its kernel buffer. Memory
 * per connection is thus bounded by one frame (max_frame_bytes) plus one
 * read block.
 */
#include "daemon.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "../common/log.h"

#define READ_BLOCK (64 * 1024)

typedef struct write_req {
    uv_write_t req;
    conn *c;
    char *data;
    size_t len;
    void (*cb)(conn *c, int status);
} write_req;

static void on_close(uv_handle_t *h)
{
    conn *c = h->data;
    pt_daemon *d = c->d;

    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    d->nconns--;
    pt_buf_free(&c->rbuf);
    free(c);
    daemon_maybe_finish(d);
}

void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (c->job) {
        job_conn_gone(c->job);
        c->job = NULL;
    }
    reads_conn_gone(c);
    uv_close((uv_handle_t *)&c->pipe, on_close);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    conn *c = w->c;

    c->wbytes -= w->len;
    free(w->data);
    if (w->cb)
        w->cb(c, status);
    free(w);
    if (status < 0 && !c->closing) {
        log_debug("client %llu: write failed: %s", (unsigned long long)c->id,
                  uv_strerror(status));
        conn_close(c);
    } else if (c->close_after_write && c->wbytes == 0 && !c->closing) {
        conn_close(c);
    }
}

int conn_send_then(conn *c, pt_buf *frame, void (*cb)(conn *c, int status))
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
    w->cb = cb;
    w->data = pt_buf_steal(frame);
    b = uv_buf_init(w->data, (unsigned)w->len);
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
    return conn_send_then(c, frame, NULL);
}

void conn_send_error(conn *c, int code, const char *fmt, ...)
{
    char msg[512];
    pt_buf b;
    pt_wr w;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_info("client %llu: error (%s): %s", (unsigned long long)c->id,
             pt_err_name(code), msg);
    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_ERROR);
    pt_wr_u32(&w, (uint32_t)code);
    pt_wr_cstr(&w, msg);
    if (pt_wr_end(&w) == 0)
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

/* Handle every complete frame in the buffer until one says pause. */
static void process(conn *c)
{
    pt_daemon *d = c->d;

    /* While draining nothing new is taken: buffered rows were never
     * acknowledged and the client resumes from its last acknowledgement. */
    while (d->state == DAEMON_READY && !c->closing && !c->close_after_write &&
           c->busy == CONN_IDLE &&
           !(c->job && job_blocked(c->job))) {
        const char *p = c->rbuf.data + c->rpos;
        size_t avail = c->rbuf.len - c->rpos, plen;
        int type, r;

        r = pt_frame_peek(p, avail, d->cfg.max_frame_bytes, &type, &plen);
        if (r == 0)
            break;
        if (r < 0) {
            d->errors_protocol++;
            if (r == -EMSGSIZE)
                conn_send_error(c, PT_ERR_TOO_LARGE,
                                "frame larger than ingest.max_frame_bytes (%llu bytes)",
                                (unsigned long long)d->cfg.max_frame_bytes);
            else
                conn_send_error(c, PT_ERR_PROTOCOL, "malformed frame header");
            c->close_after_write = 1;
            break;
        }
        c->rpos += PT_FRAME_HEADER + plen;
        r = protocol_handle(c, type, p + PT_FRAME_HEADER, plen);
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
    if (n < 0) {
        if (n != UV_EOF)
            log_debug("client %llu: read failed: %s", (unsigned long long)c->id,
                      uv_strerror((int)n));
        conn_close(c);
        return;
    }
    c->rbuf.len += (size_t)n;
    conn_resume(c);
}

void conn_resume(conn *c)
{
    int paused;

    if (c->closing)
        return;
    process(c);
    if (c->closing)
        return;
    paused = c->close_after_write || c->busy != CONN_IDLE ||
             (c->job && job_blocked(c->job)) || c->d->state != DAEMON_READY;
    if (c->close_after_write && c->wbytes == 0) {
        conn_close(c);
        return;
    }
    if (paused && c->reading) {
        uv_read_stop((uv_stream_t *)&c->pipe);
        c->reading = 0;
    } else if (!paused && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0)
            c->reading = 1;
    }
}

void conn_accept(pt_daemon *d)
{
    conn *c = calloc(1, sizeof(*c));

    if (!c) {
        log_error("out of memory accepting a client");
        return;
    }
    c->d = d;
    c->id = ++d->next_conn_id;
    pt_buf_init(&c->rbuf);
    uv_pipe_init(d->loop, &c->pipe, 0);
    c->pipe.data = c;
    c->next = d->conns;
    if (d->conns)
        d->conns->prev = c;
    d->conns = c;
    d->nconns++;
    if (uv_accept((uv_stream_t *)&d->listener, (uv_stream_t *)&c->pipe) < 0) {
        conn_close(c);
        return;
    }
    d->conns_accepted++;
    if (d->nconns > d->cfg.max_clients) {
        d->errors_busy++;
        conn_send_error(c, PT_ERR_BUSY, "too many clients (listen.max_clients = %llu)",
                        (unsigned long long)d->cfg.max_clients);
        c->close_after_write = 1;
        return;
    }
    log_debug("client %llu connected", (unsigned long long)c->id);
    conn_resume(c);
}
