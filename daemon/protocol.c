/* protocol.c - what each frame means (docs/protocol.md). Loop thread.
 *
 * A connection says HELLO first, then either runs jobs (JOB_BEGIN, ROWS...,
 * JOB_END) or asks reads, one request at a time. Anything out of place is
 * a protocol error: an ERROR frame, and that connection closes; the
 * daemon and every other client carry on.
 */
#include "daemon.h"

#include <errno.h>
#include <string.h>

#include "../common/compat.h"
#include "../common/frame.h"
#include "../common/log.h"

static int send_hello_ok(conn *c)
{
    pt_daemon *d = c->d;
    size_t n = store_nrelations(d->store);
    pt_buf b;
    pt_wr w;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_HELLO_OK);
    pt_wr_u32(&w, PT_PROTO_VERSION);
    pt_wr_cstr(&w, PT_VERSION);
    pt_wr_u64(&w, d->cfg.max_frame_bytes);
    pt_wr_u64(&w, d->cfg.max_key_bytes);
    pt_wr_u64(&w, d->cfg.max_value_bytes);
    pt_wr_u64(&w, d->cfg.chunk_max_rows);
    pt_wr_u64(&w, d->cfg.chunk_max_bytes);
    pt_wr_u16(&w, (uint16_t)n);
    for (size_t i = 0; i < n; i++)
        pt_wr_cstr(&w, store_relation_name(d->store, i));
    if (pt_wr_end(&w) < 0) {
        pt_buf_free(&b);
        return -ENOMEM;
    }
    return conn_send(c, &b);
}

static int handle_hello(conn *c, const char *p, size_t len)
{
    pt_rd r;
    uint32_t version;
    size_t nlen;
    const char *name;

    pt_rd_init(&r, p, len);
    version = pt_rd_u32(&r);
    name = pt_rd_str(&r, &nlen);
    if (!pt_rd_done(&r)) {
        conn_send_error(c, PT_ERR_PROTOCOL, "malformed HELLO");
        return -EBADMSG;
    }
    if (version != PT_PROTO_VERSION) {
        conn_send_error(c, PT_ERR_VERSION,
                        "protocol version %u not supported (this daemon speaks %u)",
                        version, PT_PROTO_VERSION);
        return -EPROTO;
    }
    log_debug("client %llu: hello from %.*s", (unsigned long long)c->id, (int)nlen, name);
    c->hello_done = 1;
    return send_hello_ok(c) < 0 ? -EIO : 0;
}

static int handle_job_begin(conn *c, const char *p, size_t len)
{
    char err[256];
    int code;
    pt_rd r;
    size_t idlen;
    const char *id;

    pt_rd_init(&r, p, len);
    id = pt_rd_str(&r, &idlen);
    if (!pt_rd_done(&r)) {
        conn_send_error(c, PT_ERR_PROTOCOL, "malformed JOB_BEGIN");
        return -EBADMSG;
    }
    if (c->job) {
        conn_send_error(c, PT_ERR_PROTOCOL, "JOB_BEGIN while job %s is open", c->job->id);
        return -EPROTO;
    }
    if (c->d->state != DAEMON_READY) {
        conn_send_error(c, PT_ERR_SHUTDOWN, "daemon is shutting down; no new jobs");
        return -ESHUTDOWN;
    }
    if (!job_begin(c->d, c, id, idlen, &code, err, sizeof(err))) {
        if (code == 0)
            return 0;
        conn_send_error(c, code, "%s", err);
        return code == PT_ERR_RETRY ? 0 : -EINVAL;
    }
    return 0;
}

static int handle_rows(conn *c, const char *p, size_t len)
{
    char err[512];
    int r;

    if (!c->job || c->job->state != JOB_RUNNING) {
        conn_send_error(c, PT_ERR_PROTOCOL, "ROWS outside a running job");
        return -EPROTO;
    }
    r = job_add_rows(c->job, p, len, err, sizeof(err));
    if (r < 0) {
        int code = r == -EBADMSG ? PT_ERR_PROTOCOL : PT_ERR_BAD_ROW;
        if (code == PT_ERR_PROTOCOL)
            c->d->errors_protocol++;
        else
            c->d->errors_bad_row++;
        conn_send_error(c, code, "%s", err);
        return r;
    }
    return job_blocked(c->job) ? 1 : 0;
}

static int handle_job_end(conn *c, const char *p, size_t len)
{
    char err[256];
    uint64_t total;
    pt_rd r;

    pt_rd_init(&r, p, len);
    total = pt_rd_u64(&r);
    if (!pt_rd_done(&r)) {
        conn_send_error(c, PT_ERR_PROTOCOL, "malformed JOB_END");
        return -EBADMSG;
    }
    if (!c->job || c->job->state != JOB_RUNNING) {
        conn_send_error(c, PT_ERR_PROTOCOL, "JOB_END outside a running job");
        return -EPROTO;
    }
    if (job_end(c->job, total, err, sizeof(err)) < 0) {
        conn_send_error(c, PT_ERR_PROTOCOL, "%s", err);
        return -EPROTO;
    }
    return job_blocked(c->job) ? 1 : 0;
}

static int send_text(conn *c, int type, pt_buf *text)
{
    pt_buf b;
    pt_wr w;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, type);
    pt_wr_str(&w, text->data, text->len);
    pt_buf_free(text);
    if (pt_wr_end(&w) < 0) {
        pt_buf_free(&b);
        return -ENOMEM;
    }
    return conn_send(c, &b);
}

static int handle_status(conn *c, int type, size_t len)
{
    pt_buf t;
    int r;

    if (len != 0) {
        conn_send_error(c, PT_ERR_PROTOCOL, "malformed %s", pt_msg_name(type));
        return -EBADMSG;
    }
    pt_buf_init(&t);
    r = type == PT_MSG_STATUS ? status_json(c->d, &t) : status_metrics(c->d, &t);
    if (r < 0) {
        pt_buf_free(&t);
        conn_send_error(c, PT_ERR_STORE, "cannot build %s: out of memory", pt_msg_name(type));
        return r;
    }
    return send_text(c, type == PT_MSG_STATUS ? PT_MSG_STATUS_R : PT_MSG_METRICS_R, &t) < 0
               ? -EIO : 0;
}

int protocol_handle(conn *c, int type, const char *payload, size_t len)
{
    if (!c->hello_done && type != PT_MSG_HELLO) {
        c->d->errors_protocol++;
        conn_send_error(c, PT_ERR_PROTOCOL, "expected HELLO first, got %s (type %d)",
                        pt_msg_name(type), type);
        return -EPROTO;
    }
    if (c->job && c->job->state == JOB_RUNNING && type != PT_MSG_ROWS &&
        type != PT_MSG_JOB_END && type != PT_MSG_STATUS && type != PT_MSG_METRICS) {
        c->d->errors_protocol++;
        conn_send_error(c, PT_ERR_PROTOCOL, "%s not allowed while job %s is open",
                        pt_msg_name(type), c->job->id);
        return -EPROTO;
    }
    switch (type) {
    case PT_MSG_HELLO:
        if (c->hello_done) {
            conn_send_error(c, PT_ERR_PROTOCOL, "HELLO sent twice");
            return -EPROTO;
        }
        return handle_hello(c, payload, len);
    case PT_MSG_JOB_BEGIN:
        return handle_job_begin(c, payload, len);
    case PT_MSG_ROWS:
        return handle_rows(c, payload, len);
    case PT_MSG_JOB_END:
        return handle_job_end(c, payload, len);
    case PT_MSG_GET:
        return reads_get(c, payload, len);
    case PT_MSG_COUNT:
        return reads_count(c, payload, len);
    case PT_MSG_EXPORT:
        return reads_export(c, payload, len);
    case PT_MSG_STATUS:
    case PT_MSG_METRICS:
        return handle_status(c, type, len);
    default:
        c->d->errors_protocol++;
        conn_send_error(c, PT_ERR_PROTOCOL, "unexpected message type %d (%s)", type,
                        pt_msg_name(type));
        return -EPROTO;
    }
}
