/* reads.c - get, count and export, run on libuv's thread pool.
 *
 * RocksDB reads may wait on disk, and the loop must not, so each read is
 * a uv_work_t: the work callback touches only the store and its request,
 * the after-callback (loop thread) answers the client. An export is a
 * chain of work items, each filling one frame; the next starts only when
 * the client has taken the previous frame, so a slow reader holds at most
 * one frame of memory.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "../common/log.h"

#define EXPORT_FRAME_BYTES (512 * 1024)

typedef struct read_req {
    uv_work_t work;
    conn *conn;               /* NULL once the client is gone */
    pt_daemon *d;
    int type;
    int in_work;
    /* arguments */
    size_t rel, rel_end;
    char *key;
    size_t klen;
    /* results */
    int status;
    char err[256];
    char *value;
    size_t vlen;
    int found;
    uint64_t count;
    /* export */
    store_iter *it;
    pt_buf frame;
    uint32_t frame_rows;
    uint64_t total;
    int done;
} read_req;

static void free_req(read_req *q)
{
    store_iter_free(q->it);
    pt_buf_free(&q->frame);
    free(q->key);
    free(q->value);
    free(q);
}

void reads_conn_gone(conn *c)
{
    read_req *q = c->req;

    if (!q)
        return;
    c->req = NULL;
    q->conn = NULL;
    if (!q->in_work)
        free_req(q);
}

static void finish(read_req *q)
{
    conn *c = q->conn;

    if (c) {
        c->req = NULL;
        c->busy = CONN_IDLE;
    }
    free_req(q);
    if (c)
        conn_resume(c);
}

static void get_work(uv_work_t *w)
{
    read_req *q = w->data;

    q->status = store_get(q->d->store, q->rel, q->key, q->klen, &q->value, &q->vlen,
                          q->err, sizeof(q->err));
}

static void count_work(uv_work_t *w)
{
    read_req *q = w->data;

    q->count = 0;
    for (size_t i = q->rel; i < q->rel_end; i++) {
        uint64_t n;
        q->status = store_count(q->d->store, i, &n, q->err, sizeof(q->err));
        if (q->status < 0)
            return;
        q->count += n;
    }
}

/* Fill one EXPORT_ROWS frame, moving through relations in order. */
static void export_work(uv_work_t *w)
{
    read_req *q = w->data;
    pt_wr wr;
    size_t count_at;

    pt_buf_reset(&q->frame);
    pt_wr_begin(&wr, &q->frame, PT_MSG_EXPORT_ROWS);
    count_at = q->frame.len;
    pt_wr_u32(&wr, 0);
    q->frame_rows = 0;
    while (q->rel < q->rel_end && q->frame.len < EXPORT_FRAME_BYTES && !wr.err) {
        if (!q->it) {
            if (!(q->it = store_iter_new(q->d->store, q->rel))) {
                q->status = -ENOMEM;
                return;
            }
            store_iter_seek_first(q->it);
        }
        if (!store_iter_valid(q->it)) {
            q->status = store_iter_status(q->it, q->err, sizeof(q->err));
            store_iter_free(q->it);
            q->it = NULL;
            if (q->status < 0)
                return;
            q->rel++;
            continue;
        }
        size_t kl, vl;
        const char *k = store_iter_key(q->it, &kl);
        const char *v = store_iter_value(q->it, &vl);
        pt_wr_u16(&wr, (uint16_t)q->rel);
        pt_wr_str(&wr, k, kl);
        pt_wr_str(&wr, v, vl);
        q->frame_rows++;
        store_iter_next(q->it);
    }
    pt_wr_patch_u32(&wr, count_at, q->frame_rows);
    q->status = pt_wr_end(&wr);
    q->total += q->frame_rows;
    q->done = q->rel >= q->rel_end;
}

static void after_work(uv_work_t *w, int status);

static int submit(read_req *q, uv_work_cb fn)
{
    int r;

    q->in_work = 1;
    q->d->reads_inflight++;
    r = uv_queue_work(q->d->loop, &q->work, fn, after_work);
    if (r < 0) {
        q->in_work = 0;
        q->d->reads_inflight--;
    }
    return r;
}

static void export_next(conn *c, int status)
{
    read_req *q = c->req;

    if (!q || c->closing || status < 0)
        return; /* reads_conn_gone cleans up */
    int r = submit(q, export_work);
    if (r < 0) {
        conn_send_error(c, PT_ERR_STORE, "cannot schedule export: %s", uv_strerror(r));
        finish(q);
    }
}

static void send_simple(read_req *q)
{
    pt_buf b;
    pt_wr w;

    pt_buf_init(&b);
    if (q->type == PT_MSG_GET) {
        pt_wr_begin(&w, &b, PT_MSG_VALUE);
        pt_wr_u8(&w, q->status == 1);
        pt_wr_str(&w, q->value ? q->value : "", q->value ? q->vlen : 0);
    } else {
        pt_wr_begin(&w, &b, PT_MSG_COUNT_R);
        pt_wr_u64(&w, q->count);
    }
    if (pt_wr_end(&w) == 0)
        conn_send(q->conn, &b);
    else
        pt_buf_free(&b);
}

static void after_work(uv_work_t *w, int status)
{
    read_req *q = w->data;
    conn *c = q->conn;
    pt_daemon *d = q->d;

    q->in_work = 0;
    d->reads_inflight--;
    if (!c) {
        free_req(q);
        daemon_maybe_finish(d);
        return;
    }
    if (status < 0 || q->status < 0) {
        d->errors_store++;
        conn_send_error(c, PT_ERR_STORE, "%s failed: %s", pt_msg_name(q->type),
                        status < 0 ? uv_strerror(status)
                                   : (*q->err ? q->err : strerror(-q->status)));
        finish(q);
        return;
    }
    if (q->type != PT_MSG_EXPORT) {
        send_simple(q);
        finish(q);
        return;
    }
    if (q->frame_rows) {
        pt_buf f = q->frame;
        pt_buf_init(&q->frame);
        if (conn_send_then(c, &f, q->done ? NULL : export_next) < 0)
            return;
    }
    if (q->done) {
        pt_buf b;
        pt_wr wr;
        pt_buf_init(&b);
        pt_wr_begin(&wr, &b, PT_MSG_EXPORT_END);
        pt_wr_u64(&wr, q->total);
        if (pt_wr_end(&wr) == 0)
            conn_send(c, &b);
        else
            pt_buf_free(&b);
        finish(q);
    } else if (!q->frame_rows) {
        export_next(c, 0);
    }
}

static read_req *new_req(conn *c, int type)
{
    read_req *q = calloc(1, sizeof(*q));

    if (!q)
        return NULL;
    q->conn = c;
    q->d = c->d;
    q->type = type;
    q->work.data = q;
    pt_buf_init(&q->frame);
    return q;
}

/* "" = every relation; else the one named, or an error to the client. */
static int relation_range(conn *c, const char *name, size_t len, size_t *lo, size_t *hi)
{
    store *s = c->d->store;
    int i;

    if (len == 0) {
        *lo = 0;
        *hi = store_nrelations(s);
        return 0;
    }
    i = store_relation_index(s, name, len);
    if (i < 0) {
        conn_send_error(c, PT_ERR_NO_RELATION, "unknown relation \"%.*s\"", (int)len, name);
        return -ENOENT;
    }
    *lo = (size_t)i;
    *hi = (size_t)i + 1;
    return 0;
}

static int start(conn *c, read_req *q, uv_work_cb fn)
{
    c->req = q;
    c->busy = q->type == PT_MSG_EXPORT ? CONN_EXPORTING : CONN_READING_STORE;
    if (submit(q, fn) < 0) {
        c->req = NULL;
        c->busy = CONN_IDLE;
        free_req(q);
        conn_send_error(c, PT_ERR_STORE, "cannot schedule the read");
        return -EIO;
    }
    return 1; /* pause this connection's frames until answered */
}

int reads_get(conn *c, const char *p, size_t len)
{
    read_req *q;
    pt_rd r;
    uint16_t rel;
    size_t klen;
    const char *key;

    pt_rd_init(&r, p, len);
    rel = pt_rd_u16(&r);
    key = pt_rd_str(&r, &klen);
    if (!pt_rd_done(&r)) {
        conn_send_error(c, PT_ERR_PROTOCOL, "malformed GET");
        return -EBADMSG;
    }
    if (rel >= store_nrelations(c->d->store)) {
        conn_send_error(c, PT_ERR_NO_RELATION, "unknown relation index %u", rel);
        return 0;
    }
    if (!(q = new_req(c, PT_MSG_GET)) || !(q->key = malloc(klen + 1))) {
        free(q);
        conn_send_error(c, PT_ERR_STORE, "out of memory");
        return 0;
    }
    memcpy(q->key, key, klen);
    q->klen = klen;
    q->rel = rel;
    return start(c, q, get_work);
}

static int range_request(conn *c, const char *p, size_t len, int type, uv_work_cb fn)
{
    read_req *q;
    size_t nlen, lo, hi;
    const char *name;
    pt_rd r;

    pt_rd_init(&r, p, len);
    name = pt_rd_str(&r, &nlen);
    if (!pt_rd_done(&r)) {
        conn_send_error(c, PT_ERR_PROTOCOL, "malformed %s", pt_msg_name(type));
        return -EBADMSG;
    }
    if (relation_range(c, name, nlen, &lo, &hi) < 0)
        return 0;
    if (!(q = new_req(c, type))) {
        conn_send_error(c, PT_ERR_STORE, "out of memory");
        return 0;
    }
    q->rel = lo;
    q->rel_end = hi;
    return start(c, q, fn);
}

int reads_count(conn *c, const char *p, size_t len)
{
    return range_request(c, p, len, PT_MSG_COUNT, count_work);
}

int reads_export(conn *c, const char *p, size_t len)
{
    return range_request(c, p, len, PT_MSG_EXPORT, export_work);
}
