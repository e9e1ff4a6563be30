/* reads.c - requests in, steps on the read workers, frames out (see
 * reads.h; the steps themselves are readwork.c's). Loop thread. */
#include "reads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/frame.h"
#include "../common/log.h"
#include "../common/protocol.h"
#include "readpool.h"
#include "readwork.h"

struct reads {
    uv_loop_t *loop;
    read_client_ops ops;
    readpool *pool;
    uint64_t *inflight;
    reads_limits lim;
    read_req *unwritten;      /* requests whose frames are out, not yet written */
    reads_stats st;
};

struct read_req {
    readpool_item item;       /* first: the pool hands it back */
    reads *rd;
    void *client;             /* NULL once the client is gone */
    int lane;
    int in_work;
    int finishing;            /* being answered for the last time: not freed by a detach */
    read_cursor cur;
    /* Two pages at most: one handed to the client and not yet written
     * (since sent_ns), and the next, made meanwhile and held in `ready`
     * until the first is out. So the worker makes a page while the client
     * takes the last one, and a reader that stops holds two. */
    uint64_t sent_ns;
    read_req *prev, *next;    /* in rd->unwritten while sent_ns */
    void *hold;               /* the client's hold on the database (ops.release) */
    pt_buf ready;
    int has_ready;
};

static void step_work(readpool_item *it);
static void step_after(readpool_item *it);

int reads_new(reads **out, uv_loop_t *loop, const read_client_ops *ops,
              unsigned workers, uint64_t *inflight)
{
    reads *rd = calloc(1, sizeof(*rd));

    *out = NULL;
    if (!rd)
        return -ENOMEM;
    rd->loop = loop;
    rd->ops = *ops;
    rd->inflight = inflight;
    rd->lim.page_bytes = READS_PAGE_BYTES;
    *out = rd;
    return readpool_new(&rd->pool, loop, workers);
}

void reads_free(reads *rd)
{
    if (!rd)
        return;
    readpool_free(rd->pool);
    free(rd);
}

void reads_set_limits(reads *rd, const reads_limits *l)
{
    rd->lim = *l;
}

uint64_t reads_errors(const reads *rd)
{
    return rd->st.errors;
}

void reads_get_stats(const reads *rd, reads_stats *st)
{
    *st = rd->st;
}

static void unlist(read_req *q)
{
    reads *rd = q->rd;

    if (!q->sent_ns)
        return;
    if (q->prev)
        q->prev->next = q->next;
    else
        rd->unwritten = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
    q->sent_ns = 0;
}

static void free_req(read_req *q)
{
    unlist(q);
    q->rd->st.active--;
    read_cursor_free(&q->cur);
    pt_buf_free(&q->ready);
    if (q->hold && q->rd->ops.release)
        q->rd->ops.release(q->hold);
    free(q);
}

void reads_detach(read_req *q)
{
    q->client = NULL;
    unlist(q);
    if (!q->in_work && !q->finishing)
        free_req(q);
}

/* The request is over; `code` != 0 tells the client why it failed first.
 * Telling it may close it (a failed write), which detaches q: q stays
 * until then, and the client is asked again afterwards. */
static void finish(read_req *q, int code, const char *msg)
{
    reads *rd = q->rd;
    void *client;

    q->finishing = 1;
    if (code && q->client)
        rd->ops.error(q->client, code, msg);
    client = q->client;
    free_req(q);
    rd->ops.done(client);
}

static void submit(read_req *q)
{
    q->in_work = 1;
    (*q->rd->inflight)++;
    readpool_submit(q->rd->pool, &q->item, q->lane);
}

/* Hand a page to the client; once it is written, reads_written. While
 * it goes out the next page is made, unless this one ends the answer.
 * A failed send closes the client, which detaches and may free q: the
 * caller must not touch q afterwards. */
static void send_page(read_req *q, pt_buf *page)
{
    reads *rd = q->rd;

    q->sent_ns = pt_now_ns();
    if (!q->sent_ns)
        q->sent_ns = 1;
    q->next = rd->unwritten;
    q->prev = NULL;
    if (rd->unwritten)
        rd->unwritten->prev = q;
    rd->unwritten = q;
    if (!q->cur.done && !q->in_work)
        submit(q);
    rd->ops.send(q->client, page, 1);
}

void reads_written(read_req *q, int status)
{
    unlist(q);
    if (status < 0)
        return; /* the client closes; reads_detach frees q */
    if (q->has_ready) {
        pt_buf page = q->ready;
        q->has_ready = 0;
        pt_buf_init(&q->ready);
        send_page(q, &page);
    } else if (q->cur.done && !q->in_work) {
        finish(q, 0, NULL);
    } else if (!q->in_work) {
        submit(q);
    }
}

void reads_tick(reads *rd, uint64_t now_ns)
{
    uint64_t limit_ns = rd->lim.stalled_reader_timeout_ms * 1000000;

    if (!limit_ns)
        return;
    for (read_req *q = rd->unwritten, *next; q; q = next) {
        char msg[256];
        next = q->next;
        if (now_ns - q->sent_ns <= limit_ns)
            continue;
        snprintf(msg, sizeof(msg),
                 "left its %s answer unread for %llu ms (reads.stalled_reader_timeout_ms): "
                 "dropping it",
                 pt_msg_name(q->cur.type),
                 (unsigned long long)((now_ns - q->sent_ns) / 1000000));
        rd->st.stalled_dropped++;
        unlist(q);
        rd->ops.stalled(q->client, msg); /* closes it: q is detached */
    }
}

static void step_work(readpool_item *it)
{
    read_step(&((read_req *)it)->cur);
}

static void step_after(readpool_item *it)
{
    read_req *q = (read_req *)it;
    reads *rd = q->rd;
    char msg[512];
    pt_buf out;

    q->in_work = 0;
    (*rd->inflight)--;
    if (!q->client) {
        free_req(q);
        rd->ops.done(NULL); /* a drain may be waiting for it */
        return;
    }
    if (q->cur.status < 0) {
        rd->st.errors++;
        snprintf(msg, sizeof(msg), "%s failed: %s", pt_msg_name(q->cur.type),
                 *q->cur.err ? q->cur.err : strerror(-q->cur.status));
        finish(q, PT_ERR_STORE, msg);
        return;
    }
    if (q->cur.out.len == 0) { /* a COUNT goes on */
        submit(q);
        return;
    }
    out = q->cur.out;
    pt_buf_init(&q->cur.out);
    if (q->sent_ns) { /* the previous page is still going out: wait */
        q->ready = out;
        q->has_ready = 1;
        return;
    }
    send_page(q, &out);
}

/* A request being parsed: who asks, the database it reads and the hold
 * on it, which new_req hands to the request (reads_request lets go of a
 * hold no request took). */
typedef struct req_in {
    reads *rd;
    void *client;
    store *s;
    void *hold;
} req_in;

static read_req *new_req(req_in *in, int type, int lane)
{
    read_req *q = calloc(1, sizeof(*q));
    reads *rd = in->rd;

    if (!q)
        return NULL;
    q->rd = rd;
    q->client = in->client;
    q->lane = lane;
    q->item.work = step_work;
    q->item.after = step_after;
    q->hold = in->hold;
    in->hold = NULL; /* the request has it now */
    read_cursor_init(&q->cur, in->s, type, rd->lim.page_bytes);
    rd->st.active++;
    rd->st.requests++;
    return q;
}

static int start(read_req *q, read_req **out)
{
    *out = q;
    submit(q);
    return 1; /* the client pauses its frames until answered */
}

static int malformed(reads *rd, void *client, int type)
{
    char msg[64];

    snprintf(msg, sizeof(msg), "malformed %s", pt_msg_name(type));
    rd->ops.error(client, PT_ERR_PROTOCOL, msg);
    return -EBADMSG;
}

static int no_memory(reads *rd, void *client, read_req *q)
{
    if (q)
        free_req(q);
    rd->ops.error(client, PT_ERR_STORE, "out of memory");
    return 0;
}

static int unknown_index(reads *rd, void *client, unsigned rel)
{
    char msg[64];

    snprintf(msg, sizeof(msg), "unknown relation index %u", rel);
    rd->ops.error(client, PT_ERR_NO_RELATION, msg);
    return 0;
}

/* A copy of the strings a read keeps, in one block. */
static char *copy_strs(pt_str *const *s, size_t n)
{
    size_t total = 1, at = 0;
    char *blk;

    for (size_t i = 0; i < n; i++)
        total += s[i]->n;
    if (!(blk = malloc(total)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i]->n)
            memcpy(blk + at, s[i]->p, s[i]->n);
        s[i]->p = blk + at;
        at += s[i]->n;
    }
    return blk;
}

static int request_get(req_in *in, const char *p, size_t len, read_req **out)
{
    reads *rd = in->rd;
    void *client = in->client;
    read_req *q;
    pt_get m;
    pt_str *keys[1];

    if (pt_dec_get(p, len, &m) < 0)
        return malformed(rd, client, PT_MSG_GET);
    if (m.rel >= store_nrelations(in->s))
        return unknown_index(rd, client, m.rel);
    if (!(q = new_req(in, PT_MSG_GET, READPOOL_POINT)))
        return no_memory(rd, client, NULL);
    q->cur.key = m.key;
    keys[0] = &q->cur.key;
    if (!(q->cur.args = copy_strs(keys, 1)))
        return no_memory(rd, client, q);
    q->cur.rel = m.rel;
    return start(q, out);
}

/* COUNT and EXPORT: "" = every relation, else the one named. */
static int request_range(req_in *in, int type, const char *p, size_t len, read_req **out)
{
    reads *rd = in->rd;
    void *client = in->client;
    read_req *q;
    pt_str name;
    size_t lo, hi;
    char msg[128];

    if (pt_dec_rel_request(p, len, &name) < 0)
        return malformed(rd, client, type);
    if (name.n == 0) {
        lo = 0;
        hi = store_nrelations(in->s);
    } else {
        int i = store_relation_index(in->s, name.p, name.n);
        if (i < 0) {
            snprintf(msg, sizeof(msg), "unknown relation \"%.*s\"",
                     (int)(name.n > 64 ? 64 : name.n), name.p);
            rd->ops.error(client, PT_ERR_NO_RELATION, msg);
            return 0;
        }
        lo = (size_t)i;
        hi = lo + 1;
    }
    if (!(q = new_req(in, type, READPOOL_LONG)))
        return no_memory(rd, client, NULL);
    q->cur.rel = lo;
    q->cur.rel_end = hi;
    return start(q, out);
}

static int request_scan(req_in *in, const char *p, size_t len, read_req **out)
{
    reads *rd = in->rd;
    void *client = in->client;
    read_req *q;
    pt_scan m;
    pt_str *bounds[3];

    if (pt_dec_scan(p, len, &m) < 0)
        return malformed(rd, client, PT_MSG_SCAN);
    if (m.rel >= store_nrelations(in->s))
        return unknown_index(rd, client, m.rel);
    if ((m.flags & PT_SCAN_FROM) && (m.flags & PT_SCAN_TO) &&
        readwork_key_cmp(m.from, m.to) > 0) {
        rd->ops.error(client, PT_ERR_BAD_REQUEST, "SCAN: from is after to");
        return 0;
    }
    if (!(q = new_req(in, PT_MSG_SCAN, READPOOL_LONG)))
        return no_memory(rd, client, NULL);
    q->cur.rel = m.rel;
    q->cur.flags = m.flags;
    q->cur.limit = m.limit;
    q->cur.from = m.from;
    q->cur.to = m.to;
    q->cur.after = m.after;
    bounds[0] = &q->cur.from;
    bounds[1] = &q->cur.to;
    bounds[2] = &q->cur.after;
    if (!(q->cur.args = copy_strs(bounds, 3)))
        return no_memory(rd, client, q);
    return start(q, out);
}

static int request_mget(req_in *in, const char *p, size_t len, read_req **out)
{
    reads *rd = in->rd;
    void *client = in->client;
    read_req *q;
    pt_mget m;
    pt_str k;
    size_t at = 0;
    read_cursor *c;

    if (pt_dec_mget(p, len, &m) < 0)
        return malformed(rd, client, PT_MSG_MGET);
    if (m.rel >= store_nrelations(in->s))
        return unknown_index(rd, client, m.rel);
    if (!(q = new_req(in, PT_MSG_MGET, READPOOL_LONG)))
        return no_memory(rd, client, NULL);
    c = &q->cur;
    c->rel = m.rel;
    c->nkeys = m.n;
    /* the payload's size bounds every allocation here */
    c->args = malloc(len + 1);
    c->keys = calloc(m.n ? m.n : 1, sizeof(*c->keys));
    c->klens = calloc(m.n ? m.n : 1, sizeof(*c->klens));
    if (!c->args || !c->keys || !c->klens)
        return no_memory(rd, client, q);
    for (uint32_t i = 0; i < m.n; i++) {
        if (pt_dec_mget_key(&m, &k) < 0)
            break;
        memcpy(c->args + at, k.p, k.n);
        c->keys[i] = c->args + at;
        c->klens[i] = k.n;
        at += k.n;
    }
    if (pt_dec_mget_end(&m) < 0) {
        free_req(q);
        return malformed(rd, client, PT_MSG_MGET);
    }
    return start(q, out);
}

static int request(req_in *in, int type, const char *payload, size_t len, read_req **out)
{
    switch (type) {
    case PT_MSG_GET: return request_get(in, payload, len, out);
    case PT_MSG_SCAN: return request_scan(in, payload, len, out);
    case PT_MSG_MGET: return request_mget(in, payload, len, out);
    default: return request_range(in, type, payload, len, out);
    }
}

int reads_request(reads *rd, void *client, store *s, void *hold, int type, const char *payload,
                  size_t len, read_req **out)
{
    req_in in = {rd, client, s, hold};
    int r;

    *out = NULL;
    r = request(&in, type, payload, len, out);
    if (in.hold && rd->ops.release) /* answered at once: nothing holds the database */
        rd->ops.release(in.hold);
    return r;
}
