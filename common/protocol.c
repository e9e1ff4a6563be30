/* protocol.c - the messages of the wire protocol (see protocol.h). Pure
 * functions over frame.h's primitives; safe from any thread. */
#include "protocol.h"

#include <errno.h>

static int finish(pt_wr *w)
{
    return pt_wr_end(w);
}

static int done(const pt_rd *r)
{
    return pt_rd_done(r) ? 0 : -EBADMSG;
}

static pt_str rd_str(pt_rd *r)
{
    pt_str s;

    s.p = pt_rd_str(r, &s.n);
    return s;
}

int pt_enc_hello(pt_buf *out, const pt_hello *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_HELLO);
    pt_wr_u32(&w, m->version);
    pt_wr_str(&w, m->client.p, m->client.n);
    return finish(&w);
}

int pt_dec_hello(const void *p, size_t n, pt_hello *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->version = pt_rd_u32(&r);
    m->client = rd_str(&r);
    return done(&r);
}

int pt_enc_hello_ok(pt_buf *out, const pt_hello_ok *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_HELLO_OK);
    pt_wr_u32(&w, m->version);
    pt_wr_str(&w, m->daemon_version.p, m->daemon_version.n);
    pt_wr_u64(&w, m->max_frame_bytes);
    pt_wr_u64(&w, m->max_key_bytes);
    pt_wr_u64(&w, m->max_value_bytes);
    pt_wr_u64(&w, m->chunk_max_rows);
    pt_wr_u64(&w, m->chunk_max_bytes);
    pt_wr_u16(&w, m->nrel);
    for (size_t i = 0; i < m->nrel; i++)
        pt_wr_cstr(&w, m->rel[i]);
    return finish(&w);
}

int pt_dec_hello_ok(const void *p, size_t n, pt_hello_ok *m)
{
    pt_rd *r = &m->rel_rd;

    pt_rd_init(r, p, n);
    m->version = pt_rd_u32(r);
    m->daemon_version = rd_str(r);
    m->max_frame_bytes = pt_rd_u64(r);
    m->max_key_bytes = pt_rd_u64(r);
    m->max_value_bytes = pt_rd_u64(r);
    m->chunk_max_rows = pt_rd_u64(r);
    m->chunk_max_bytes = pt_rd_u64(r);
    m->nrel = pt_rd_u16(r);
    m->rel = NULL;
    return r->err ? -EBADMSG : 0;
}

int pt_dec_hello_ok_rel(pt_hello_ok *m, pt_str *name)
{
    *name = rd_str(&m->rel_rd);
    return m->rel_rd.err ? -EBADMSG : 0;
}

int pt_dec_hello_ok_end(const pt_hello_ok *m)
{
    return done(&m->rel_rd);
}

int pt_enc_error(pt_buf *out, const pt_error_msg *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_ERROR);
    pt_wr_u32(&w, m->code);
    pt_wr_str(&w, m->message.p, m->message.n);
    return finish(&w);
}

int pt_dec_error(const void *p, size_t n, pt_error_msg *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->code = pt_rd_u32(&r);
    m->message = rd_str(&r);
    return done(&r);
}

int pt_enc_job_begin(pt_buf *out, pt_str id)
{
    return pt_enc_rel_request(out, PT_MSG_JOB_BEGIN, id);
}

int pt_dec_job_begin(const void *p, size_t n, pt_str *id)
{
    return pt_dec_rel_request(p, n, id);
}

int pt_enc_job_started(pt_buf *out, const pt_job_started *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_JOB_STARTED);
    pt_wr_str(&w, m->id.p, m->id.n);
    pt_wr_u64(&w, m->committed);
    pt_wr_u8(&w, m->already_done);
    return finish(&w);
}

int pt_dec_job_started(const void *p, size_t n, pt_job_started *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->id = rd_str(&r);
    m->committed = pt_rd_u64(&r);
    m->already_done = pt_rd_u8(&r);
    return done(&r);
}

/* --- bulk load ------------------------------------------------------------ */

int pt_enc_job_begin_bulk(pt_buf *out, const pt_job_begin_bulk *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_JOB_BEGIN_BULK);
    pt_wr_str(&w, m->id.p, m->id.n);
    pt_wr_u8(&w, m->mode);
    pt_wr_u64(&w, m->size_hint);
    return finish(&w);
}

int pt_dec_job_begin_bulk(const void *p, size_t n, pt_job_begin_bulk *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->id = rd_str(&r);
    m->mode = pt_rd_u8(&r);
    m->size_hint = pt_rd_u64(&r);
    if (done(&r) < 0 || m->mode > PT_BULK_ON)
        return -EBADMSG;
    return 0;
}

int pt_enc_job_started_bulk(pt_buf *out, const pt_job_started_bulk *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_JOB_STARTED_BULK);
    pt_wr_str(&w, m->s.id.p, m->s.id.n);
    pt_wr_u64(&w, m->s.committed);
    pt_wr_u8(&w, m->s.already_done);
    pt_wr_u8(&w, m->bulk);
    return finish(&w);
}

int pt_dec_job_started_bulk(const void *p, size_t n, pt_job_started_bulk *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->s.id = rd_str(&r);
    m->s.committed = pt_rd_u64(&r);
    m->s.already_done = pt_rd_u8(&r);
    m->bulk = pt_rd_u8(&r);
    return done(&r);
}

int pt_enc_bulk_phase(pt_buf *out, const pt_bulk_phase *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_BULK_PHASE);
    pt_wr_str(&w, m->phase.p, m->phase.n);
    pt_wr_u64(&w, m->done_bytes);
    pt_wr_u64(&w, m->total_bytes);
    return finish(&w);
}

int pt_dec_bulk_phase(const void *p, size_t n, pt_bulk_phase *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->phase = rd_str(&r);
    m->done_bytes = pt_rd_u64(&r);
    m->total_bytes = pt_rd_u64(&r);
    return done(&r);
}

/* --- ROWS and EXPORT_ROWS ------------------------------------------------- */

void pt_rows_begin(pt_rows_wr *rw, pt_buf *out, int type)
{
    pt_wr_begin(&rw->w, out, type);
    rw->count_at = out->len;
    rw->n = 0;
    rw->type = type;
    pt_wr_u32(&rw->w, 0);
}

static unsigned char *put_le(unsigned char *o, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        *o++ = (unsigned char)(v >> (8 * i));
    return o;
}

/* One reservation and plain stores per row: scans and exports put a
 * million small rows a second through here. */
void pt_rows_add(pt_rows_wr *rw, const pt_row *row)
{
    int op = rw->type == PT_MSG_ROWS;
    size_t need = (size_t)op + 2 + 4 + row->key.n + 4 + row->value.n;
    pt_buf *b = rw->w.b;
    unsigned char *o;

    if (rw->w.err)
        return;
    if (row->key.n > UINT32_MAX || row->value.n > UINT32_MAX) {
        rw->w.err = -EMSGSIZE;
        return;
    }
    if (pt_buf_reserve(b, need) < 0) {
        rw->w.err = -ENOMEM;
        return;
    }
    o = (unsigned char *)b->data + b->len;
    if (op)
        *o++ = row->op;
    o = put_le(o, row->rel, 2);
    o = put_le(o, row->key.n, 4);
    if (row->key.n)
        memcpy(o, row->key.p, row->key.n);
    o = put_le(o + row->key.n, row->value.n, 4);
    if (row->value.n)
        memcpy(o, row->value.p, row->value.n);
    b->len += need;
    b->data[b->len] = '\0';
    rw->n++;
}

size_t pt_rows_size(const pt_rows_wr *rw)
{
    return rw->w.b->len - rw->w.start;
}

int pt_rows_end(pt_rows_wr *rw)
{
    pt_wr_patch_u32(&rw->w, rw->count_at, rw->n);
    return finish(&rw->w);
}

int pt_rows_rd_init(pt_rows_rd *rr, int type, const void *p, size_t n)
{
    pt_rd_init(&rr->r, p, n);
    rr->type = type;
    rr->index = 0;
    rr->n = pt_rd_u32(&rr->r);
    return rr->r.err ? -EBADMSG : 0;
}

int pt_rows_next(pt_rows_rd *rr, pt_row *row)
{
    if (rr->index >= rr->n)
        return done(&rr->r);
    row->op = rr->type == PT_MSG_ROWS ? pt_rd_u8(&rr->r) : PT_OP_PUT;
    row->rel = pt_rd_u16(&rr->r);
    row->key = rd_str(&rr->r);
    row->value = rd_str(&rr->r);
    if (rr->r.err)
        return -EBADMSG;
    rr->index++;
    return 1;
}

/* --- job answers ---------------------------------------------------------- */

int pt_enc_chunk_ack(pt_buf *out, const pt_chunk_ack *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_CHUNK_ACK);
    pt_wr_u64(&w, m->rows);
    pt_wr_u64(&w, m->bytes);
    return finish(&w);
}

int pt_dec_chunk_ack(const void *p, size_t n, pt_chunk_ack *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->rows = pt_rd_u64(&r);
    m->bytes = pt_rd_u64(&r);
    return done(&r);
}

int pt_enc_progress(pt_buf *out, const pt_progress *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_PROGRESS);
    pt_wr_u64(&w, m->rows_acked);
    pt_wr_u64(&w, m->bytes_acked);
    pt_wr_u64(&w, m->rows_per_s);
    pt_wr_u64(&w, m->queue_bytes);
    pt_wr_u64(&w, m->queue_capacity);
    pt_wr_str(&w, m->stall_state.p, m->stall_state.n);
    return finish(&w);
}

int pt_dec_progress(const void *p, size_t n, pt_progress *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->rows_acked = pt_rd_u64(&r);
    m->bytes_acked = pt_rd_u64(&r);
    m->rows_per_s = pt_rd_u64(&r);
    m->queue_bytes = pt_rd_u64(&r);
    m->queue_capacity = pt_rd_u64(&r);
    m->stall_state = rd_str(&r);
    return done(&r);
}

static int enc_u64(pt_buf *out, int type, uint64_t v)
{
    pt_wr w;

    pt_wr_begin(&w, out, type);
    pt_wr_u64(&w, v);
    return finish(&w);
}

int pt_dec_u64_reply(const void *p, size_t n, uint64_t *v)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    *v = pt_rd_u64(&r);
    return done(&r);
}

int pt_enc_job_end(pt_buf *out, uint64_t total_rows)
{
    return enc_u64(out, PT_MSG_JOB_END, total_rows);
}

int pt_dec_job_end(const void *p, size_t n, uint64_t *total_rows)
{
    return pt_dec_u64_reply(p, n, total_rows);
}

int pt_enc_job_done(pt_buf *out, const pt_job_done *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_JOB_DONE);
    pt_wr_u64(&w, m->rows);
    pt_wr_u64(&w, m->bytes);
    pt_wr_u64(&w, m->elapsed_ms);
    return finish(&w);
}

int pt_dec_job_done(const void *p, size_t n, pt_job_done *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->rows = pt_rd_u64(&r);
    m->bytes = pt_rd_u64(&r);
    m->elapsed_ms = pt_rd_u64(&r);
    return done(&r);
}

/* --- reads ---------------------------------------------------------------- */

int pt_enc_get(pt_buf *out, const pt_get *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_GET);
    pt_wr_u16(&w, m->rel);
    pt_wr_str(&w, m->key.p, m->key.n);
    return finish(&w);
}

int pt_dec_get(const void *p, size_t n, pt_get *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->rel = pt_rd_u16(&r);
    m->key = rd_str(&r);
    return done(&r);
}

int pt_enc_value(pt_buf *out, const pt_value *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_VALUE);
    pt_wr_u8(&w, m->found);
    pt_wr_str(&w, m->value.p, m->value.n);
    return finish(&w);
}

int pt_dec_value(const void *p, size_t n, pt_value *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->found = pt_rd_u8(&r);
    m->value = rd_str(&r);
    return done(&r);
}

int pt_enc_rel_request(pt_buf *out, int type, pt_str rel)
{
    return pt_enc_text(out, type, rel);
}

int pt_dec_rel_request(const void *p, size_t n, pt_str *rel)
{
    return pt_dec_text(p, n, rel);
}

int pt_enc_count_r(pt_buf *out, uint64_t count)
{
    return enc_u64(out, PT_MSG_COUNT_R, count);
}

int pt_enc_export_end(pt_buf *out, uint64_t total)
{
    return enc_u64(out, PT_MSG_EXPORT_END, total);
}

int pt_enc_scan(pt_buf *out, const pt_scan *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_SCAN);
    pt_wr_u16(&w, m->rel);
    pt_wr_u8(&w, m->flags);
    pt_wr_str(&w, m->from.p, m->from.n);
    pt_wr_str(&w, m->to.p, m->to.n);
    pt_wr_str(&w, m->after.p, m->after.n);
    pt_wr_u64(&w, m->limit);
    return finish(&w);
}

int pt_dec_scan(const void *p, size_t n, pt_scan *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->rel = pt_rd_u16(&r);
    m->flags = pt_rd_u8(&r);
    m->from = rd_str(&r);
    m->to = rd_str(&r);
    m->after = rd_str(&r);
    m->limit = pt_rd_u64(&r);
    if (done(&r) < 0 || (m->flags & ~PT_SCAN_FLAGS_ALL))
        return -EBADMSG;
    /* A bound without its flag would be ignored: refuse it instead. */
    if ((m->from.n && !(m->flags & PT_SCAN_FROM)) || (m->to.n && !(m->flags & PT_SCAN_TO)) ||
        (m->after.n && !(m->flags & PT_SCAN_AFTER)))
        return -EBADMSG;
    return 0;
}

int pt_enc_mget(pt_buf *out, uint16_t rel, size_t n, const char *const *keys,
                const size_t *klens)
{
    pt_wr w;

    if (n > UINT32_MAX)
        return -EMSGSIZE;
    pt_wr_begin(&w, out, PT_MSG_MGET);
    pt_wr_u16(&w, rel);
    pt_wr_u32(&w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        pt_wr_str(&w, keys[i], klens[i]);
    return finish(&w);
}

int pt_dec_mget(const void *p, size_t n, pt_mget *m)
{
    pt_rd *r = &m->keys_rd;

    pt_rd_init(r, p, n);
    m->rel = pt_rd_u16(r);
    m->n = pt_rd_u32(r);
    /* every key takes at least its 4-byte length: a larger count is a lie
     * that must not size anything */
    if (r->err || m->n > (size_t)(r->end - r->p) / 4)
        return -EBADMSG;
    return 0;
}

int pt_dec_mget_key(pt_mget *m, pt_str *key)
{
    *key = rd_str(&m->keys_rd);
    return m->keys_rd.err ? -EBADMSG : 0;
}

int pt_dec_mget_end(const pt_mget *m)
{
    return done(&m->keys_rd);
}

void pt_values_begin(pt_values_wr *vw, pt_buf *out)
{
    pt_wr_begin(&vw->w, out, PT_MSG_MGET_VALUES);
    vw->count_at = out->len;
    vw->n = 0;
    pt_wr_u32(&vw->w, 0);
}

void pt_values_add(pt_values_wr *vw, int found, pt_str value)
{
    pt_wr_u8(&vw->w, found ? 1 : 0);
    pt_wr_str(&vw->w, value.p, value.n);
    vw->n++;
}

size_t pt_values_size(const pt_values_wr *vw)
{
    return vw->w.b->len - vw->w.start;
}

int pt_values_end(pt_values_wr *vw)
{
    pt_wr_patch_u32(&vw->w, vw->count_at, vw->n);
    return finish(&vw->w);
}

int pt_values_rd_init(pt_values_rd *vr, const void *p, size_t n)
{
    pt_rd_init(&vr->r, p, n);
    vr->index = 0;
    vr->n = pt_rd_u32(&vr->r);
    return vr->r.err ? -EBADMSG : 0;
}

int pt_values_next(pt_values_rd *vr, uint8_t *found, pt_str *value)
{
    if (vr->index >= vr->n)
        return done(&vr->r);
    *found = pt_rd_u8(&vr->r);
    *value = rd_str(&vr->r);
    if (vr->r.err || *found > 1)
        return -EBADMSG;
    vr->index++;
    return 1;
}

int pt_enc_empty(pt_buf *out, int type)
{
    pt_wr w;

    pt_wr_begin(&w, out, type);
    return finish(&w);
}

int pt_dec_empty(const void *p, size_t n)
{
    (void)p;
    return n == 0 ? 0 : -EBADMSG;
}

int pt_enc_text(pt_buf *out, int type, pt_str text)
{
    pt_wr w;

    pt_wr_begin(&w, out, type);
    pt_wr_str(&w, text.p, text.n);
    return finish(&w);
}

int pt_dec_text(const void *p, size_t n, pt_str *text)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    *text = rd_str(&r);
    return done(&r);
}

int pt_enc_reload_r(pt_buf *out, const pt_reload_r *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_RELOAD_R);
    pt_wr_u8(&w, m->applied);
    pt_wr_str(&w, m->message.p, m->message.n);
    return finish(&w);
}

int pt_dec_reload_r(const void *p, size_t n, pt_reload_r *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->applied = pt_rd_u8(&r);
    m->message = rd_str(&r);
    return done(&r);
}

/* --- databases ------------------------------------------------------------ */

int pt_enc_use(pt_buf *out, pt_str db)
{
    return pt_enc_text(out, PT_MSG_USE, db);
}

int pt_enc_use_ok(pt_buf *out, pt_str db)
{
    return pt_enc_text(out, PT_MSG_USE_OK, db);
}

int pt_dec_use(const void *p, size_t n, pt_str *db)
{
    return pt_dec_text(p, n, db);
}

int pt_enc_db_request(pt_buf *out, const pt_db_request *m)
{
    pt_wr w;

    pt_wr_begin(&w, out, PT_MSG_DB_REQUEST);
    pt_wr_u8(&w, m->op);
    pt_wr_str(&w, m->name.p, m->name.n);
    pt_wr_str(&w, m->dir.p, m->dir.n);
    return finish(&w);
}

int pt_dec_db_request(const void *p, size_t n, pt_db_request *m)
{
    pt_rd r;

    pt_rd_init(&r, p, n);
    m->op = pt_rd_u8(&r);
    m->name = rd_str(&r);
    m->dir = rd_str(&r);
    if (done(&r) < 0 || m->op < PT_DB_LIST || m->op > PT_DB_RESTORE)
        return -EBADMSG;
    if ((m->op == PT_DB_LIST && m->name.n) ||
        (m->op != PT_DB_CHECKPOINT && m->op != PT_DB_RESTORE && m->dir.n))
        return -EBADMSG;
    return 0;
}

const char *pt_db_op_name(int op)
{
    switch (op) {
    case PT_DB_LIST: return "list";
    case PT_DB_CREATE: return "create";
    case PT_DB_DROP: return "drop";
    case PT_DB_CHECKPOINT: return "checkpoint";
    case PT_DB_RESTORE: return "restore";
    default: return "unknown";
    }
}

int pt_enc_db_result(pt_buf *out, pt_str json)
{
    return pt_enc_text(out, PT_MSG_DB_RESULT, json);
}

int pt_dec_db_result(const void *p, size_t n, pt_str *json)
{
    return pt_dec_text(p, n, json);
}
