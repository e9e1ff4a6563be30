/* readwork.c - one step of each kind of read (see readwork.h). Runs on a
 * read worker; touches only the store and its cursor. */
#include "readwork.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"

void read_cursor_init(read_cursor *c, store *s, int type, size_t page_bytes)
{
    memset(c, 0, sizeof(*c));
    c->s = s;
    c->type = type;
    c->page_bytes = page_bytes;
    pt_buf_init(&c->out);
}

void read_cursor_free(read_cursor *c)
{
    store_iter_free(c->it);
    c->it = NULL;
    store_snap_free(c->s, c->snap);
    c->snap = NULL;
    free(c->args);
    free(c->keys);
    free(c->klens);
    c->args = NULL;
    c->keys = NULL;
    c->klens = NULL;
    pt_buf_free(&c->out);
}

int readwork_key_cmp(pt_str a, pt_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int r = n ? memcmp(a.p, b.p, n) : 0;

    if (r)
        return r;
    return a.n < b.n ? -1 : a.n > b.n;
}

static int fail(read_cursor *c, int r, const char *what)
{
    c->status = r;
    if (!*c->err)
        snprintf(c->err, sizeof(c->err), "%s", what);
    return r;
}

/* Every step after the first reads as of the first one's snapshot. */
static int ensure_snapshot(read_cursor *c)
{
    if (!c->snap && !(c->snap = store_snap_new(c->s)))
        return fail(c, -ENOMEM, "out of memory");
    return 0;
}

/* The end of the answer: one u64 frame after the last page. */
static void finish(read_cursor *c, int type)
{
    int r;

    if (type == PT_MSG_COUNT_R)
        r = pt_enc_count_r(&c->out, c->total);
    else
        r = pt_enc_export_end(&c->out, c->total);
    if (r < 0)
        fail(c, r, "out of memory");
    c->done = 1;
}

/* The iterator is exhausted: an error, or the end of its relation. */
static int iter_end(read_cursor *c)
{
    int r = store_iter_status(c->it, c->err, sizeof(c->err));

    store_iter_free(c->it);
    c->it = NULL;
    return r < 0 ? fail(c, r, "iteration failed") : 0;
}

static void get_step(read_cursor *c)
{
    char *val = NULL;
    size_t vlen = 0;
    int r = store_get(c->s, c->rel, c->key.p, c->key.n, &val, &vlen, c->err, sizeof(c->err));
    pt_value v = {r == 1, {val ? val : "", val ? vlen : 0}};

    if (r < 0) {
        fail(c, r, "read failed");
    } else if ((r = pt_enc_value(&c->out, &v)) < 0) {
        fail(c, r, "out of memory");
    }
    free(val);
    c->done = 1;
}

/* Up to READWORK_COUNT_STEP keys, across relations in order. */
static void count_step(read_cursor *c)
{
    size_t seen = 0;

    if (ensure_snapshot(c) < 0)
        return;
    while (c->rel < c->rel_end && seen < READWORK_COUNT_STEP) {
        if (!c->it) {
            if (!(c->it = store_iter_open(c->s, c->rel, c->snap, NULL, 0))) {
                fail(c, -ENOMEM, "out of memory");
                return;
            }
            store_iter_seek_first(c->it);
        }
        while (seen < READWORK_COUNT_STEP && store_iter_valid(c->it)) {
            seen++;
            store_iter_next(c->it);
        }
        if (seen >= READWORK_COUNT_STEP)
            break;
        if (iter_end(c) < 0)
            return;
        c->rel++;
    }
    c->total += seen;
    if (c->rel >= c->rel_end)
        finish(c, PT_MSG_COUNT_R);
}

/* The row would take the page past page_bytes: it starts the next page
 * instead (unless it is the first, a row larger than a page). So a page
 * fits the room read_step reserved and is never copied to grow. */
static int page_full(const read_cursor *c, const pt_rows_wr *rw, const pt_row *row)
{
    return rw->n && pt_rows_size(rw) + 10 + row->key.n + row->value.n > c->page_bytes;
}

/* Close a step's EXPORT_ROWS frame; one without rows (the relation ended
 * on the page's edge) is not sent. */
static int close_rows(read_cursor *c, pt_rows_wr *rw)
{
    int r;

    c->total += rw->n;
    if ((r = pt_rows_end(rw)) < 0)
        return fail(c, r, "out of memory");
    if (rw->n == 0)
        pt_buf_reset(&c->out);
    return 0;
}

/* One EXPORT_ROWS frame, moving through relations in order. */
static void export_step(read_cursor *c)
{
    pt_rows_wr rw;

    if (ensure_snapshot(c) < 0)
        return;
    pt_rows_begin(&rw, &c->out, PT_MSG_EXPORT_ROWS);
    while (c->rel < c->rel_end && pt_rows_size(&rw) < c->page_bytes && !rw.w.err) {
        pt_row row = {PT_OP_PUT, (uint16_t)c->rel, {NULL, 0}, {NULL, 0}};
        if (!c->it) {
            if (!(c->it = store_iter_open(c->s, c->rel, c->snap, NULL, 0))) {
                fail(c, -ENOMEM, "out of memory");
                return;
            }
            store_iter_seek_first(c->it);
        }
        if (!store_iter_valid(c->it)) {
            if (iter_end(c) < 0)
                return;
            c->rel++;
            continue;
        }
        row.key.p = store_iter_key(c->it, &row.key.n);
        row.value.p = store_iter_value(c->it, &row.value.n);
        if (page_full(c, &rw, &row))
            break;
        pt_rows_add(&rw, &row);
        store_iter_next(c->it);
    }
    if (close_rows(c, &rw) < 0)
        return;
    if (c->rel >= c->rel_end)
        finish(c, PT_MSG_EXPORT_END);
}

static pt_str iter_key(store_iter *it)
{
    pt_str k;

    k.p = store_iter_key(it, &k.n);
    return k;
}

/* Put a new scan's iterator on its first row: past `after` in the scan's
 * direction, within [from, to). */
static void scan_position(read_cursor *c)
{
    int has_from = c->flags & PT_SCAN_FROM, has_to = c->flags & PT_SCAN_TO;
    int has_after = c->flags & PT_SCAN_AFTER;

    if (!(c->flags & PT_SCAN_REVERSE)) {
        if (has_after && (!has_from || readwork_key_cmp(c->after, c->from) >= 0)) {
            store_iter_seek(c->it, c->after.p, c->after.n);
            if (store_iter_valid(c->it) && readwork_key_cmp(iter_key(c->it), c->after) == 0)
                store_iter_next(c->it);
        } else if (has_from) {
            store_iter_seek(c->it, c->from.p, c->from.n);
        } else {
            store_iter_seek_first(c->it);
        }
    } else {
        if (has_after && (!has_to || readwork_key_cmp(c->after, c->to) < 0)) {
            store_iter_seek_for_prev(c->it, c->after.p, c->after.n);
            if (store_iter_valid(c->it) && readwork_key_cmp(iter_key(c->it), c->after) == 0)
                store_iter_prev(c->it);
        } else {
            store_iter_seek_last(c->it); /* the last key below `to` */
        }
    }
}

/* Whether the key is past the scan's far end (the bounds are also given
 * to RocksDB; this holds them whatever RocksDB does at the edges). */
static int beyond(const read_cursor *c, pt_str k)
{
    if (c->flags & PT_SCAN_REVERSE)
        return (c->flags & PT_SCAN_FROM) && readwork_key_cmp(k, c->from) < 0;
    return (c->flags & PT_SCAN_TO) && readwork_key_cmp(k, c->to) >= 0;
}

/* One EXPORT_ROWS frame of a SCAN. */
static void scan_step(read_cursor *c)
{
    int rev = c->flags & PT_SCAN_REVERSE, keys_only = c->flags & PT_SCAN_KEYS_ONLY;
    int end = 0;
    pt_rows_wr rw;

    if (!c->it) {
        store_range r = {NULL, 0, NULL, 0};
        if (ensure_snapshot(c) < 0)
            return;
        if (c->flags & PT_SCAN_FROM) {
            r.lower = c->from.p;
            r.lower_len = c->from.n;
        }
        if (c->flags & PT_SCAN_TO) {
            r.upper = c->to.p;
            r.upper_len = c->to.n;
        }
        /* A query's blocks are worth caching, unlike an export's. */
        if (!(c->it = store_iter_open(c->s, c->rel, c->snap, &r, 1))) {
            fail(c, -ENOMEM, "out of memory");
            return;
        }
        scan_position(c);
        /* the edge RocksDB's upper bound may leave to a reverse scan */
        while (rev && store_iter_valid(c->it) && (c->flags & PT_SCAN_TO) &&
               readwork_key_cmp(iter_key(c->it), c->to) >= 0)
            store_iter_prev(c->it);
    }
    pt_rows_begin(&rw, &c->out, PT_MSG_EXPORT_ROWS);
    while (pt_rows_size(&rw) < c->page_bytes && !rw.w.err) {
        pt_row row = {PT_OP_PUT, (uint16_t)c->rel, {NULL, 0}, {"", 0}};
        if ((c->limit && c->total + rw.n >= c->limit) || !store_iter_valid(c->it)) {
            end = 1;
            break;
        }
        row.key = iter_key(c->it);
        if (beyond(c, row.key)) {
            end = 1;
            break;
        }
        if (!keys_only)
            row.value.p = store_iter_value(c->it, &row.value.n);
        if (page_full(c, &rw, &row))
            break;
        pt_rows_add(&rw, &row);
        if (rev)
            store_iter_prev(c->it);
        else
            store_iter_next(c->it);
    }
    if (close_rows(c, &rw) < 0)
        return;
    if (end) {
        if (iter_end(c) < 0)
            return;
        finish(c, PT_MSG_EXPORT_END);
    }
}

typedef struct mget_ctx {
    read_cursor *c;
    pt_values_wr *vw;
} mget_ctx;

static void mget_value(void *ud, size_t i, const char *val, size_t vlen)
{
    mget_ctx *m = ud;
    pt_str v = {val ? val : "", val ? vlen : 0};

    (void)i;
    pt_values_add(m->vw, val != NULL, v);
    m->c->total += val != NULL;
}

/* One MGET_VALUES frame: MultiGet slices until the frame is full. */
static void mget_step(read_cursor *c)
{
    pt_values_wr vw;
    mget_ctx m = {c, &vw};

    if (ensure_snapshot(c) < 0)
        return;
    pt_values_begin(&vw, &c->out);
    while (c->next_key < c->nkeys && pt_values_size(&vw) < c->page_bytes && !vw.w.err) {
        size_t n = c->nkeys - c->next_key;
        int r;
        if (n > READWORK_MGET_SLICE)
            n = READWORK_MGET_SLICE;
        r = store_multiget(c->s, c->rel, c->snap, n, c->keys + c->next_key,
                           c->klens + c->next_key, mget_value, &m, c->err, sizeof(c->err));
        if (r < 0) {
            fail(c, r, "MultiGet failed");
            return;
        }
        c->next_key += n;
    }
    if (pt_values_end(&vw) < 0) {
        fail(c, vw.w.err ? vw.w.err : -ENOMEM, "out of memory");
        return;
    }
    if (c->next_key >= c->nkeys)
        finish(c, PT_MSG_EXPORT_END);
}

void read_step(read_cursor *c)
{
    pt_buf_reset(&c->out);
    c->status = 0;
    /* a page's room at once, not by doubling copies (GET is small) */
    if (c->type != PT_MSG_GET && pt_buf_reserve(&c->out, c->page_bytes + 4096) < 0) {
        fail(c, -ENOMEM, "out of memory");
        return;
    }
    switch (c->type) {
    case PT_MSG_GET: get_step(c); break;
    case PT_MSG_COUNT: count_step(c); break;
    case PT_MSG_EXPORT: export_step(c); break;
    case PT_MSG_SCAN: scan_step(c); break;
    case PT_MSG_MGET: mget_step(c); break;
    default: fail(c, -EINVAL, "not a read");
    }
}
