/* reads.c - get, count and export on libuv's thread pool (see reads.h). */
#include "reads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "../common/log.h"
#include "../common/protocol.h"

struct reads {
    uv_loop_t *loop;
    store *s;
    read_client_ops ops;
    uint64_t *inflight;
    size_t page_bytes;
    uint64_t errors;
};

struct read_req {
    uv_work_t work;
    reads *rd;
    void *client;             /* NULL once the client is gone */
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
    uint64_t count;
    /* export */
    store_iter *it;
    pt_buf frame;
    uint32_t frame_rows;
    uint64_t total;
    int done;
};

int reads_new(reads **out, uv_loop_t *loop, store *s, const read_client_ops *ops,
              uint64_t *inflight)
{
    reads *rd = calloc(1, sizeof(*rd));

    *out = NULL;
    if (!rd)
        return -ENOMEM;
    rd->loop = loop;
    rd->s = s;
    rd->ops = *ops;
    rd->inflight = inflight;
    rd->page_bytes = READS_PAGE_BYTES;
    *out = rd;
    return 0;
}

void reads_free(reads *rd)
{
    free(rd);
}

void reads_set_page_bytes(reads *rd, size_t bytes)
{
    rd->page_bytes = bytes;
}

uint64_t reads_errors(const reads *rd)
{
    return rd->errors;
}

static void free_req(read_req *q)
{
    store_iter_free(q->it);
    pt_buf_free(&q->frame);
    free(q->key);
    free(q->value);
    free(q);
}

void reads_detach(read_req *q)
{
    q->client = NULL;
    if (!q->in_work)
        free_req(q);
}

static void finish(read_req *q)
{
    void *client = q->client;
    reads *rd = q->rd;

    free_req(q);
    rd->ops.done(client);
}

static void send_error(read_req *q, int code, const char *fmt, const char *arg)
{
    char msg[512];

    snprintf(msg, sizeof(msg), fmt, arg);
    q->rd->ops.error(q->client, code, msg);
}

static void get_work(uv_work_t *w)
{
    read_req *q = w->data;

    q->status = store_get(q->rd->s, q->rel, q->key, q->klen, &q->value, &q->vlen, q->err,
                          sizeof(q->err));
}

static void count_work(uv_work_t *w)
{
    read_req *q = w->data;

    q->count = 0;
    for (size_t i = q->rel; i < q->rel_end; i++) {
        uint64_t n;
        q->status = store_count(q->rd->s, i, &n, q->err, sizeof(q->err));
        if (q->status < 0)
            return;
        q->count += n;
    }
}

/* Fill one EXPORT_ROWS frame, moving through relations in order. */
static void export_work(uv_work_t *w)
{
    read_req *q = w->data;
    pt_rows_wr rw;

    pt_buf_reset(&q->frame);
    pt_rows_begin(&rw, &q->frame, PT_MSG_EXPORT_ROWS);
    while (q->rel < q->rel_end && q->frame.len < q->rd->page_bytes && !rw.w.err) {
        pt_row row = {PT_OP_PUT, 0, {NULL, 0}, {NULL, 0}};
        if (!q->it) {
            if (!(q->it = store_iter_new(q->rd->s, q->rel))) {
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
        row.rel = (uint16_t)q->rel;
        row.key.p = store_iter_key(q->it, &row.key.n);
        row.value.p = store_iter_value(q->it, &row.value.n);
        pt_rows_add(&rw, &row);
        store_iter_next(q->it);
    }
    q->frame_rows = rw.n;
    q->status = pt_rows_end(&rw);
    q->total += q->frame_rows;
    q->done = q->rel >= q->rel_end;
}

static void after_work(uv_work_t *w, int status);

static int submit(read_req *q, uv_work_cb fn)
{
    int r;

    q->in_work = 1;
    (*q->rd->inflight)++;
    r = uv_queue_work(q->rd->loop, &q->work, fn, after_work);
    if (r < 0) {
        q->in_work = 0;
        (*q->rd->inflight)--;
    }
    return r;
}

void reads_written(read_req *q, int status)
{
    int r;

    if (status < 0)
        return; /* the client closes; reads_detach frees q */
    if ((r = submit(q, export_work)) < 0) {
        send_error(q, PT_ERR_STORE, "cannot schedule export: %s", uv_strerror(r));
        finish(q);
    }
}

static void send_simple(read_req *q)
{
    pt_buf b;
    int r;

    pt_buf_init(&b);
    if (q->type == PT_MSG_GET) {
        pt_value v = {q->status == 1, {q->value ? q->value : "", q->value ? q->vlen : 0}};
        r = pt_enc_value(&b, &v);
    } else {
        r = pt_enc_count_r(&b, q->count);
    }
    if (r == 0)
        q->rd->ops.send(q->client, &b, 0);
    else
        pt_buf_free(&b);
}

static void send_export_end(read_req *q)
{
    pt_buf b;

    pt_buf_init(&b);
    if (pt_enc_export_end(&b, q->total) == 0)
        q->rd->ops.send(q->client, &b, 0);
    else
        pt_buf_free(&b);
}

static void after_work(uv_work_t *w, int status)
{
    read_req *q = w->data;
    reads *rd = q->rd;

    q->in_work = 0;
    (*rd->inflight)--;
    if (!q->client) {
        free_req(q);
        rd->ops.done(NULL); /* a drain may be waiting for it */
        return;
    }
    if (status < 0 || q->status < 0) {
        char msg[512];
        rd->errors++;
        snprintf(msg, sizeof(msg), "%s failed: %s", pt_msg_name(q->type),
                 status < 0 ? uv_strerror(status)
                            : (*q->err ? q->err : strerror(-q->status)));
        rd->ops.error(q->client, PT_ERR_STORE, msg);
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
        int last = q->done;
        pt_buf_init(&q->frame);
        /* The next page starts once this one is written (reads_written).
         * A failed send closes the client, which frees q. */
        if (rd->ops.send(q->client, &f, !last) < 0 || !last)
            return;
    }
    if (q->done) {
        send_export_end(q);
        finish(q);
    } else {
        reads_written(q, 0);
    }
}

static read_req *new_req(reads *rd, void *client, int type)
{
    read_req *q = calloc(1, sizeof(*q));

    if (!q)
        return NULL;
    q->rd = rd;
    q->client = client;
    q->type = type;
    q->work.data = q;
    pt_buf_init(&q->frame);
    return q;
}

static int start(read_req *q, uv_work_cb fn, read_req **out)
{
    if (submit(q, fn) < 0) {
        q->rd->ops.error(q->client, PT_ERR_STORE, "cannot schedule the read");
        free_req(q);
        return -EIO;
    }
    *out = q;
    return 1; /* the client pauses its frames until answered */
}

static int request_get(reads *rd, void *client, const char *p, size_t len, read_req **out)
{
    read_req *q;
    pt_get m;

    if (pt_dec_get(p, len, &m) < 0) {
        rd->ops.error(client, PT_ERR_PROTOCOL, "malformed GET");
        return -EBADMSG;
    }
    if (m.rel >= store_nrelations(rd->s)) {
        char msg[64];
        snprintf(msg, sizeof(msg), "unknown relation index %u", m.rel);
        rd->ops.error(client, PT_ERR_NO_RELATION, msg);
        return 0;
    }
    if (!(q = new_req(rd, client, PT_MSG_GET)) || !(q->key = malloc(m.key.n + 1))) {
        free(q);
        rd->ops.error(client, PT_ERR_STORE, "out of memory");
        return 0;
    }
    memcpy(q->key, m.key.p, m.key.n);
    q->klen = m.key.n;
    q->rel = m.rel;
    return start(q, get_work, out);
}

/* COUNT and EXPORT: "" = every relation, else the one named. */
static int request_range(reads *rd, void *client, int type, const char *p, size_t len,
                         read_req **out)
{
    read_req *q;
    pt_str name;
    size_t lo, hi;
    char msg[128];

    if (pt_dec_rel_request(p, len, &name) < 0) {
        snprintf(msg, sizeof(msg), "malformed %s", pt_msg_name(type));
        rd->ops.error(client, PT_ERR_PROTOCOL, msg);
        return -EBADMSG;
    }
    if (name.n == 0) {
        lo = 0;
        hi = store_nrelations(rd->s);
    } else {
        int i = store_relation_index(rd->s, name.p, name.n);
        if (i < 0) {
            snprintf(msg, sizeof(msg), "unknown relation \"%.*s\"", (int)name.n, name.p);
            rd->ops.error(client, PT_ERR_NO_RELATION, msg);
            return 0;
        }
        lo = (size_t)i;
        hi = lo + 1;
    }
    if (!(q = new_req(rd, client, type))) {
        rd->ops.error(client, PT_ERR_STORE, "out of memory");
        return 0;
    }
    q->rel = lo;
    q->rel_end = hi;
    return start(q, type == PT_MSG_COUNT ? count_work : export_work, out);
}

int reads_request(reads *rd, void *client, int type, const char *payload, size_t len,
                  read_req **out)
{
    *out = NULL;
    if (type == PT_MSG_GET)
        return request_get(rd, client, payload, len, out);
    return request_range(rd, client, type, payload, len, out);
}
