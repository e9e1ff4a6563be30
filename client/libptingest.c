/* libptingest.c - the client side of docs/protocol.md (see the header).
 *
 * Never blocks on a write while the daemon may be waiting for us to read:
 * every wait is a poll for readable-or-writable, and whatever arrives
 * (acknowledgements, progress, errors) is handled while output drains.
 */
#include "libptingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buf.h"
#include "../common/compat.h"
#include "../common/dbname.h"
#include "../common/frame.h"
#include "../common/protocol.h"
#include "../common/paths.h"
#include "transport.h"

/* A ROWS frame is closed at this size: large enough to amortise framing,
 * small enough that the daemon's per-connection buffer stays small. */
#define ROWS_FRAME_TARGET (256 * 1024)
/* Above this much unsent output, pti_job_put waits for the socket. */
#define OUT_HIGH_WATER (1024 * 1024)
#define READ_BLOCK (64 * 1024)
#define STREAM_READ_BLOCK (256 * 1024)

struct pti_client {
    ptt t;
    pt_buf in;
    size_t inpos;
    pt_buf out;
    size_t outpos;        /* sent prefix of out */
    size_t sendable;      /* end of the last complete frame in out */
    pti_info info;
    char *daemon_version;
    char **rels;
    int daemon_err;
    char daemon_msg[512];
    char db[PT_DBNAME_MAX + 1]; /* the connection's database */
    /* reply to a request */
    int reply_type;
    pt_buf reply;
    /* export in progress */
    pti_export_cb exp_cb;
    void *exp_ud;
    int exp_stop;
    /* a streamed answer (SCAN, MGET) read one frame at a time: its frames
     * are left in `in` for next_page, so that only one is held */
    int streaming;
    size_t page_end;      /* offset in `in` past the frame being read, 0: none */
    uint64_t stream_total;
    pt_rows_rd scan_rd;   /* the rows of that frame */
    int scan_page;        /* scan_rd holds a frame */
    char *scan_to;        /* a prefix's upper bound */
    /* job */
    int in_job;
    char job_id[130];
    int job_started;
    int job_done;
    int already_done;
    uint64_t committed;
    uint64_t rows_sent, rows_acked, bytes_acked, done_rows, done_bytes;
    int bulk;             /* the job is loaded in bulk */
    char bulk_phase[32];
    uint64_t bulk_done, bulk_total;
    int rows_open;        /* a ROWS frame is being built at the end of out */
    pt_rows_wr rows_wr;
    pti_progress_cb progress_cb;
    void *progress_ud;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (errlen)
        snprintf(err, errlen, fmt, arg);
}

void pti_default_socket(char *out, size_t outlen)
{
    const char *env = getenv("PTINGEST_SOCKET");

    if (env && *env)
        snprintf(out, outlen, "%s", env);
    else
        pt_default_socket(out, outlen);
}

/* --- frames in ---------------------------------------------------------- */

/* A string from a frame into a fixed buffer, cut to fit. */
static void copy_str(char *dst, size_t dstlen, pt_str src)
{
    size_t n = src.n < dstlen ? src.n : dstlen - 1;

    memcpy(dst, src.p, n);
    dst[n] = '\0';
}

static int on_export_rows(pti_client *c, const char *p, size_t len)
{
    pt_rows_rd rr;
    pt_row row;
    int r;

    if (!c->exp_cb || c->exp_stop)
        return 0;
    if (pt_rows_rd_init(&rr, PT_MSG_EXPORT_ROWS, p, len) < 0)
        return -EBADMSG;
    while ((r = pt_rows_next(&rr, &row)) > 0) {
        if (row.rel >= c->info.nrelations)
            return -EBADMSG;
        r = c->exp_cb(c->exp_ud, c->rels[row.rel], row.key.p, row.key.n, row.value.p,
                      row.value.n);
        if (r) {
            c->exp_stop = r;
            return 0;
        }
    }
    return r;
}

static int on_frame(pti_client *c, int type, const char *p, size_t len)
{
    switch (type) {
    case PT_MSG_CHUNK_ACK: {
        pt_chunk_ack m;
        if (pt_dec_chunk_ack(p, len, &m) < 0)
            return -EBADMSG;
        c->rows_acked = m.rows;
        c->bytes_acked = m.bytes;
        return 0;
    }
    case PT_MSG_PROGRESS: {
        pti_progress pr;
        pt_progress m;
        if (pt_dec_progress(p, len, &m) < 0)
            return -EBADMSG;
        memset(&pr, 0, sizeof(pr));
        pr.rows_acked = m.rows_acked;
        pr.bytes_acked = m.bytes_acked;
        pr.rows_per_s = m.rows_per_s;
        pr.queue_bytes = m.queue_bytes;
        pr.queue_capacity = m.queue_capacity;
        copy_str(pr.stall_state, sizeof(pr.stall_state), m.stall_state);
        memcpy(pr.bulk_phase, c->bulk_phase, sizeof(pr.bulk_phase));
        pr.bulk_done_bytes = c->bulk_done;
        pr.bulk_total_bytes = c->bulk_total;
        if (c->progress_cb)
            c->progress_cb(c->progress_ud, &pr);
        return 0;
    }
    case PT_MSG_BULK_PHASE: {
        pt_bulk_phase m;
        if (pt_dec_bulk_phase(p, len, &m) < 0)
            return -EBADMSG;
        copy_str(c->bulk_phase, sizeof(c->bulk_phase), m.phase);
        c->bulk_done = m.done_bytes;
        c->bulk_total = m.total_bytes;
        return 0;
    }
    case PT_MSG_JOB_DONE: {
        pt_job_done m;
        if (pt_dec_job_done(p, len, &m) < 0)
            return -EBADMSG;
        c->done_rows = m.rows;
        c->done_bytes = m.bytes;
        c->rows_acked = c->done_rows;
        c->job_done = 1;
        return 0;
    }
    case PT_MSG_ERROR: {
        pt_error_msg m;
        if (pt_dec_error(p, len, &m) < 0)
            return -EBADMSG;
        c->daemon_err = (int)m.code;
        copy_str(c->daemon_msg, sizeof(c->daemon_msg), m.message);
        return -EREMOTEIO;
    }
    case PT_MSG_EXPORT_ROWS:
        return on_export_rows(c, p, len);
    default:
        pt_buf_reset(&c->reply);
        if (pt_buf_append(&c->reply, p, len) < 0)
            return -ENOMEM;
        c->reply_type = type;
        return 0;
    }
}

static int drain_frames(pti_client *c)
{
    for (;;) {
        int type, r;
        size_t plen;
        const char *p = c->in.data + c->inpos;

        r = pt_frame_peek(p, c->in.len - c->inpos, UINT32_MAX, &type, &plen);
        if (r <= 0)
            return r;
        if (c->streaming && (type == PT_MSG_EXPORT_ROWS || type == PT_MSG_MGET_VALUES ||
                             type == PT_MSG_EXPORT_END))
            return 0; /* next_page takes them one at a time */
        c->inpos += PT_FRAME_HEADER + plen;
        if ((r = on_frame(c, type, p + PT_FRAME_HEADER, plen)) < 0)
            return r;
    }
}

/* The daemon closed on us: it usually said why first. Read what is left
 * and prefer its ERROR over the bare connection error. */
static int last_words(pti_client *c, int r)
{
    for (;;) {
        ssize_t n;
        if (pt_buf_reserve(&c->in, READ_BLOCK) < 0)
            return r;
        n = ptt_read(&c->t, c->in.data + c->in.len, READ_BLOCK);
        if (n <= 0)
            break;
        c->in.len += (size_t)n;
    }
    return drain_frames(c) == -EREMOTEIO ? -EREMOTEIO : r;
}

/* One round of I/O: wait up to timeout_ms, send what can be sent, read
 * and handle what has arrived. */
static int pump(pti_client *c, int timeout_ms)
{
    int want_write = c->outpos < c->sendable;
    int ev = ptt_wait(&c->t, want_write, timeout_ms);

    if (ev < 0)
        return ev;
    if (ev & PTT_WRITABLE) {
        ssize_t n = ptt_write(&c->t, c->out.data + c->outpos, c->sendable - c->outpos);
        if (n < 0 && n != -EAGAIN)
            return last_words(c, (int)n);
        if (n > 0)
            c->outpos += (size_t)n;
        if (c->outpos == c->sendable) {
            /* keep a partly built ROWS frame, drop what was sent */
            pt_buf_consume(&c->out, c->outpos);
            if (c->rows_open) {
                c->rows_wr.w.start -= c->outpos;
                c->rows_wr.count_at -= c->outpos;
            }
            c->sendable -= c->outpos;
            c->outpos = 0;
        }
    }
    if (ev & PTT_READABLE) {
        /* a streamed answer comes in frames of hundreds of KiB: read them
         * in fewer calls */
        size_t block = c->streaming ? STREAM_READ_BLOCK : READ_BLOCK;
        ssize_t n;
        if (c->inpos) {
            pt_buf_consume(&c->in, c->inpos);
            c->inpos = 0;
        }
        if (pt_buf_reserve(&c->in, block) < 0)
            return -ENOMEM;
        n = ptt_read(&c->t, c->in.data + c->in.len, block);
        if (n == 0)
            return -ECONNRESET;
        if (n < 0 && n != -EAGAIN)
            return last_words(c, (int)n);
        if (n > 0)
            c->in.len += (size_t)n;
        return drain_frames(c);
    }
    return 0;
}

static int fail(pti_client *c, int r, char *err, size_t errlen)
{
    if (r == -EREMOTEIO)
        set_err(err, errlen, "ptingestd: %s", c->daemon_msg);
    else if (r == -ECONNRESET || r == -EPIPE)
        set_err(err, errlen, "%s", "connection to ptingestd lost");
    else if (r == -EBADMSG)
        set_err(err, errlen, "%s", "malformed frame from ptingestd");
    else
        set_err(err, errlen, "%s", strerror(-r));
    return r;
}

/* Send a complete frame built in `f` and wait for a reply of `want`. */
static int request(pti_client *c, pt_buf *f, int want, char *err, size_t errlen)
{
    int r;

    if (pt_buf_append(&c->out, f->data, f->len) < 0) {
        pt_buf_free(f);
        return fail(c, -ENOMEM, err, errlen);
    }
    pt_buf_free(f);
    c->sendable = c->out.len;
    c->reply_type = 0;
    while (c->reply_type != want) {
        if ((r = pump(c, -1)) < 0)
            return fail(c, r, err, errlen);
        if (c->reply_type && c->reply_type != want)
            return fail(c, -EBADMSG, err, errlen);
    }
    return 0;
}

/* --- connection ---------------------------------------------------------- */

static int parse_hello(pti_client *c)
{
    pt_hello_ok m;
    pt_str name;

    if (pt_dec_hello_ok(c->reply.data, c->reply.len, &m) < 0)
        return -EBADMSG;
    c->info.protocol_version = m.version;
    c->daemon_version = strndup(m.daemon_version.p, m.daemon_version.n);
    c->info.max_frame_bytes = m.max_frame_bytes;
    c->info.max_key_bytes = m.max_key_bytes;
    c->info.max_value_bytes = m.max_value_bytes;
    c->info.chunk_max_rows = m.chunk_max_rows;
    c->info.chunk_max_bytes = m.chunk_max_bytes;
    c->info.nrelations = m.nrel;
    c->rels = calloc(c->info.nrelations + 1, sizeof(char *));
    if (!c->rels || !c->daemon_version)
        return -ENOMEM;
    for (size_t i = 0; i < c->info.nrelations; i++) {
        if (pt_dec_hello_ok_rel(&m, &name) < 0)
            return -EBADMSG;
        if (!(c->rels[i] = strndup(name.p, name.n)))
            return -ENOMEM;
    }
    c->info.daemon_version = c->daemon_version;
    c->info.relations = (const char *const *)c->rels;
    return pt_dec_hello_ok_end(&m);
}

int pti_connect(pti_client **out, const char *path, char *err, size_t errlen)
{
    return pti_connect_daemon_user(out, path, NULL, err, errlen);
}

int pti_connect_daemon_user(pti_client **out, const char *path, const char *daemon_user,
                            char *err, size_t errlen)
{
    char def[1024];
    pti_client *c;
    pt_hello hello = {PT_PROTO_VERSION, {"libptingest", 11}};
    pt_buf f;
    int r;

    *out = NULL;
    if (!path || !*path) {
        pti_default_socket(def, sizeof(def));
        path = def;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return fail(c, -ENOMEM, err, errlen);
    memcpy(c->db, PT_DB_DEFAULT, sizeof(PT_DB_DEFAULT));
    if (!daemon_user || !*daemon_user)
        daemon_user = getenv("PTINGEST_DAEMON_USER");
    if ((r = ptt_connect(&c->t, path, daemon_user, err, errlen)) < 0) {
        free(c);
        return r;
    }
    pt_buf_init(&f);
    pt_enc_hello(&f, &hello);
    if ((r = request(c, &f, PT_MSG_HELLO_OK, err, errlen)) < 0 ||
        (r = parse_hello(c)) < 0) {
        if (r == -EBADMSG || r == -ENOMEM)
            fail(c, r, err, errlen);
        pti_close(c);
        return r;
    }
    *out = c;
    return 0;
}

void pti_close(pti_client *c)
{
    if (!c)
        return;
    ptt_close(&c->t);
    pt_buf_free(&c->in);
    pt_buf_free(&c->out);
    pt_buf_free(&c->reply);
    free(c->scan_to);
    for (size_t i = 0; c->rels && i < c->info.nrelations; i++)
        free(c->rels[i]);
    free(c->rels);
    free(c->daemon_version);
    free(c);
}

const pti_info *pti_get_info(const pti_client *c) { return &c->info; }
int pti_daemon_error(const pti_client *c) { return c->daemon_err; }

int pti_relation_index(const pti_client *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->info.nrelations; i++)
        if (strlen(c->rels[i]) == len && memcmp(c->rels[i], name, len) == 0)
            return (int)i;
    return -1;
}

/* --- reads --------------------------------------------------------------- */

int pti_get(pti_client *c, const char *rel, const char *key, size_t klen,
            char **val, size_t *vlen, char *err, size_t errlen)
{
    int idx = rel ? pti_relation_index(c, rel, strlen(rel)) : -1;
    pt_buf f;
    pt_get get;
    pt_value v;
    int rc;

    *val = NULL;
    *vlen = 0;
    if (idx < 0) {
        set_err(err, errlen, "unknown relation \"%s\"", rel ? rel : "");
        return -EINVAL;
    }
    get.rel = (uint16_t)idx;
    get.key.p = key;
    get.key.n = klen;
    pt_buf_init(&f);
    pt_enc_get(&f, &get);
    if ((rc = request(c, &f, PT_MSG_VALUE, err, errlen)) < 0)
        return rc;
    if (pt_dec_value(c->reply.data, c->reply.len, &v) < 0)
        return fail(c, -EBADMSG, err, errlen);
    if (!v.found)
        return 0;
    if (!(*val = malloc(v.value.n + 1)))
        return fail(c, -ENOMEM, err, errlen);
    memcpy(*val, v.value.p, v.value.n);
    (*val)[v.value.n] = '\0';
    *vlen = v.value.n;
    return 1;
}

static int check_rel(pti_client *c, const char *rel, char *err, size_t errlen)
{
    if (rel && *rel && pti_relation_index(c, rel, strlen(rel)) < 0) {
        set_err(err, errlen, "unknown relation \"%s\"", rel);
        return -EINVAL;
    }
    return 0;
}

int pti_count(pti_client *c, const char *rel, uint64_t *n, char *err, size_t errlen)
{
    pt_buf f;
    int rc;

    if ((rc = check_rel(c, rel, err, errlen)) < 0)
        return rc;
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_COUNT, pt_str_c(rel));
    if ((rc = request(c, &f, PT_MSG_COUNT_R, err, errlen)) < 0)
        return rc;
    return pt_dec_u64_reply(c->reply.data, c->reply.len, n) == 0
               ? 0 : fail(c, -EBADMSG, err, errlen);
}

int pti_export(pti_client *c, const char *rel, pti_export_cb cb, void *ud,
               char *err, size_t errlen)
{
    pt_buf f;
    int rc;

    if ((rc = check_rel(c, rel, err, errlen)) < 0)
        return rc;
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c(rel));
    c->exp_cb = cb;
    c->exp_ud = ud;
    c->exp_stop = 0;
    rc = request(c, &f, PT_MSG_EXPORT_END, err, errlen);
    c->exp_cb = NULL;
    if (rc < 0)
        return rc;
    return c->exp_stop;
}

/* --- streamed answers: scan and multi-get --------------------------------- */

/* Send what is queued, then read the answer's frames one at a time. */
static int stream_start(pti_client *c, pt_buf *f)
{
    int r = 0;

    if (pt_buf_append(&c->out, f->data, f->len) < 0)
        r = -ENOMEM;
    pt_buf_free(f);
    if (r < 0)
        return r;
    c->sendable = c->out.len;
    c->streaming = 1;
    c->page_end = 0;
    c->stream_total = 0;
    c->scan_page = 0;
    while (c->outpos < c->sendable)
        if ((r = pump(c, -1)) < 0) {
            c->streaming = 0;
            return r;
        }
    return 0;
}

/* The next frame of the answer: 1 with a page (EXPORT_ROWS or
 * MGET_VALUES), held in `in` until the next call; 0 at EXPORT_END; <0. */
static int next_page(pti_client *c, int *type, const char **p, size_t *len)
{
    if (c->page_end) {
        c->inpos = c->page_end;
        c->page_end = 0;
    }
    while (c->streaming) {
        const char *f = c->in.data + c->inpos;
        size_t plen;
        int t, r = pt_frame_peek(f, c->in.len - c->inpos, UINT32_MAX, &t, &plen);

        if (r < 0) {
            c->streaming = 0;
            return -EBADMSG;
        }
        if (r == 0) {
            if ((r = pump(c, -1)) < 0) {
                c->streaming = 0;
                return r;
            }
            continue;
        }
        if (t == PT_MSG_EXPORT_ROWS || t == PT_MSG_MGET_VALUES) {
            c->page_end = c->inpos + PT_FRAME_HEADER + plen;
            *type = t;
            *p = f + PT_FRAME_HEADER;
            *len = plen;
            return 1;
        }
        c->inpos += PT_FRAME_HEADER + plen;
        c->streaming = 0;
        if (t == PT_MSG_EXPORT_END)
            return pt_dec_u64_reply(f + PT_FRAME_HEADER, plen, &c->stream_total) < 0
                       ? -EBADMSG : 0;
        c->reply_type = 0;
        r = on_frame(c, t, f + PT_FRAME_HEADER, plen); /* an ERROR: -EREMOTEIO */
        if (r < 0 || c->reply_type)
            return r < 0 ? r : -EBADMSG;
        c->streaming = 1; /* PROGRESS and the like: go on */
    }
    return 0;
}

static int bad_input(char *err, size_t errlen, const char *what, const char *arg)
{
    set_err(err, errlen, what, arg);
    return -EINVAL;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);

    return r ? r : (an > bn) - (an < bn);
}

/* The keys that start with p are [p, p+1): the last byte that is not
 * 0xFF incremented, what follows dropped. All 0xFF (or empty): no bound. */
static char *prefix_end(const char *p, size_t n, size_t *outn)
{
    char *e;

    while (n && (unsigned char)p[n - 1] == 0xff)
        n--;
    if (!n || !(e = malloc(n)))
        return NULL;
    memcpy(e, p, n);
    e[n - 1] = (char)((unsigned char)e[n - 1] + 1);
    *outn = n;
    return e;
}

int pti_scan_begin(pti_client *c, const char *rel, const pti_scan_opts *o, char *err,
                   size_t errlen)
{
    int idx = rel ? pti_relation_index(c, rel, strlen(rel)) : -1;
    pt_scan m;
    pt_buf f;
    int r;

    if (idx < 0)
        return bad_input(err, errlen, "unknown relation \"%s\"", rel ? rel : "");
    if (o->prefix && (o->from || o->to))
        return bad_input(err, errlen, "%s", "a prefix cannot be combined with from or to");
    if (o->from && o->to && key_cmp(o->from, o->from_len, o->to, o->to_len) > 0)
        return bad_input(err, errlen, "%s", "from is after to");
    memset(&m, 0, sizeof(m));
    m.rel = (uint16_t)idx;
    m.limit = o->limit;
    m.flags = (uint8_t)((o->reverse ? PT_SCAN_REVERSE : 0) |
                        (o->keys_only ? PT_SCAN_KEYS_ONLY : 0));
    free(c->scan_to);
    c->scan_to = NULL;
    if (o->prefix) {
        m.flags |= PT_SCAN_FROM;
        m.from = (pt_str){o->prefix, o->prefix_len};
        if ((c->scan_to = prefix_end(o->prefix, o->prefix_len, &m.to.n))) {
            m.flags |= PT_SCAN_TO;
            m.to.p = c->scan_to;
        }
    }
    if (o->from) {
        m.flags |= PT_SCAN_FROM;
        m.from = (pt_str){o->from, o->from_len};
    }
    if (o->to) {
        m.flags |= PT_SCAN_TO;
        m.to = (pt_str){o->to, o->to_len};
    }
    if (o->after) {
        m.flags |= PT_SCAN_AFTER;
        m.after = (pt_str){o->after, o->after_len};
    }
    pt_buf_init(&f);
    if ((r = pt_enc_scan(&f, &m)) < 0 || f.len > c->info.max_frame_bytes + PT_FRAME_HEADER) {
        pt_buf_free(&f);
        set_err(err, errlen, "%s", "the scan's bounds exceed the daemon's frame limit "
                                   "(ingest.max_frame_bytes)");
        return r < 0 ? r : -E2BIG;
    }
    if ((r = stream_start(c, &f)) < 0)
        return fail(c, r, err, errlen);
    return 0;
}

int pti_scan_next(pti_client *c, pti_row *row, char *err, size_t errlen)
{
    for (;;) {
        const char *p;
        size_t len;
        int type, r;

        if (c->scan_page) {
            pt_row pr;
            r = pt_rows_next(&c->scan_rd, &pr);
            if (r > 0 && pr.rel >= c->info.nrelations)
                r = -EBADMSG;
            if (r > 0) {
                row->rel = c->rels[pr.rel];
                row->key = pr.key.p;
                row->klen = pr.key.n;
                row->val = pr.value.p;
                row->vlen = pr.value.n;
                return 1;
            }
            c->scan_page = 0;
            if (r < 0) {
                c->streaming = 0;
                return fail(c, r, err, errlen);
            }
        }
        if ((r = next_page(c, &type, &p, &len)) <= 0)
            return r < 0 ? fail(c, r, err, errlen) : 0;
        if (type != PT_MSG_EXPORT_ROWS || pt_rows_rd_init(&c->scan_rd, type, p, len) < 0) {
            c->streaming = 0;
            return fail(c, -EBADMSG, err, errlen);
        }
        c->scan_page = 1;
    }
}

int pti_scan_end(pti_client *c, char *err, size_t errlen)
{
    pti_row row;
    int r;

    c->scan_page = 0;
    while ((r = pti_scan_next(c, &row, err, errlen)) > 0)
        c->scan_page = 0; /* drop the rest of each frame */
    return r;
}

int pti_scan(pti_client *c, const char *rel, const pti_scan_opts *o, pti_export_cb cb,
             void *ud, char *err, size_t errlen)
{
    pti_row row;
    int r = pti_scan_begin(c, rel, o, err, errlen), stop = 0;

    while (r == 0 && (r = pti_scan_next(c, &row, err, errlen)) > 0) {
        if ((stop = cb(ud, row.rel, row.key, row.klen, row.val, row.vlen)) != 0) {
            r = pti_scan_end(c, err, errlen);
            break;
        }
        r = 0;
    }
    return r < 0 ? r : stop;
}

int pti_multiget(pti_client *c, const char *rel, size_t n, const char *const *keys,
                 const size_t *klens, pti_value_cb cb, void *ud, uint64_t *found, char *err,
                 size_t errlen)
{
    int idx = rel ? pti_relation_index(c, rel, strlen(rel)) : -1, stop = 0, r;
    size_t at = 0;
    pt_buf f;

    if (found)
        *found = 0;
    if (idx < 0)
        return bad_input(err, errlen, "unknown relation \"%s\"", rel ? rel : "");
    pt_buf_init(&f);
    if ((r = pt_enc_mget(&f, (uint16_t)idx, n, keys, klens)) < 0 ||
        f.len > c->info.max_frame_bytes + PT_FRAME_HEADER) {
        if (errlen)
            snprintf(err, errlen, "%zu keys take %zu bytes, more than one request may carry "
                     "(the daemon's ingest.max_frame_bytes, %llu)", n, f.len,
                     (unsigned long long)c->info.max_frame_bytes);
        pt_buf_free(&f);
        return r == -ENOMEM ? r : -E2BIG;
    }
    if ((r = stream_start(c, &f)) < 0)
        return fail(c, r, err, errlen);
    for (;;) {
        pt_values_rd vr;
        const char *p;
        size_t len;
        uint8_t ok;
        pt_str v;
        int type;

        if ((r = next_page(c, &type, &p, &len)) <= 0)
            break;
        if (type != PT_MSG_MGET_VALUES || pt_values_rd_init(&vr, p, len) < 0) {
            c->streaming = 0;
            r = -EBADMSG;
            break;
        }
        while ((r = pt_values_next(&vr, &ok, &v)) > 0) {
            if (at >= n) {
                r = -EBADMSG;
                break;
            }
            if (!stop)
                stop = cb(ud, at, ok ? v.p : NULL, v.n);
            at++;
        }
        if (r < 0) {
            c->streaming = 0;
            break;
        }
    }
    if (r == 0 && at != n)
        r = -EBADMSG; /* the daemon answered for other keys than were asked */
    if (r < 0)
        return fail(c, r, err, errlen);
    if (found)
        *found = c->stream_total;
    return stop;
}

static int text_request(pti_client *c, int type, int want, char **text, char *err,
                        size_t errlen)
{
    pt_buf f;
    pt_str t;
    int rc;

    *text = NULL;
    pt_buf_init(&f);
    pt_enc_empty(&f, type);
    if ((rc = request(c, &f, want, err, errlen)) < 0)
        return rc;
    if (pt_dec_text(c->reply.data, c->reply.len, &t) < 0)
        return fail(c, -EBADMSG, err, errlen);
    if (!(*text = strndup(t.p, t.n)))
        return fail(c, -ENOMEM, err, errlen);
    return 0;
}

int pti_reload(pti_client *c, char **msg, char *err, size_t errlen)
{
    pt_reload_r m;
    pt_buf f;
    int rc;

    *msg = NULL;
    pt_buf_init(&f);
    pt_enc_empty(&f, PT_MSG_RELOAD);
    if ((rc = request(c, &f, PT_MSG_RELOAD_R, err, errlen)) < 0)
        return rc;
    if (pt_dec_reload_r(c->reply.data, c->reply.len, &m) < 0)
        return fail(c, -EBADMSG, err, errlen);
    if (!(*msg = strndup(m.message.p, m.message.n)))
        return fail(c, -ENOMEM, err, errlen);
    return m.applied ? 1 : 0;
}

int pti_status(pti_client *c, char **json, char *err, size_t errlen)
{
    return text_request(c, PT_MSG_STATUS, PT_MSG_STATUS_R, json, err, errlen);
}

int pti_metrics(pti_client *c, char **text, char *err, size_t errlen)
{
    return text_request(c, PT_MSG_METRICS, PT_MSG_METRICS_R, text, err, errlen);
}

/* --- databases ------------------------------------------------------------ */

_Static_assert((int)PTI_DB_LIST == (int)PT_DB_LIST &&
                   (int)PTI_DB_CREATE == (int)PT_DB_CREATE &&
                   (int)PTI_DB_DROP == (int)PT_DB_DROP &&
                   (int)PTI_DB_CHECKPOINT == (int)PT_DB_CHECKPOINT &&
                   (int)PTI_DB_RESTORE == (int)PT_DB_RESTORE,
               "libptingest.h's database operations are the wire's");

/* A name as the daemon would take it: -EINVAL with the rule otherwise. */
static int check_db_name(const char *name, char *err, size_t errlen)
{
    char rule[160], quoted[100];
    size_t n = name ? strlen(name) : 0;

    if (pt_dbname_check(name, n, rule, sizeof(rule)) == 0)
        return 0;
    pt_dbname_quote(name ? name : "", n, quoted, sizeof(quoted));
    if (errlen)
        snprintf(err, errlen, "bad database name \"%s\": %s", quoted, rule);
    return -EINVAL;
}

/* A request that must not be mixed into a job or a streamed answer. */
static int idle_or_say(pti_client *c, const char *what, char *err, size_t errlen)
{
    if (c->in_job)
        return bad_input(err, errlen, "%s: a job is open on this connection", what);
    if (c->streaming)
        return bad_input(err, errlen, "%s: a scan's answer is still being read", what);
    return 0;
}

int pti_use_db(pti_client *c, const char *db, char *err, size_t errlen)
{
    pt_buf f;
    pt_str echo;
    int rc;

    if ((rc = check_db_name(db, err, errlen)) < 0 ||
        (rc = idle_or_say(c, "cannot change the database", err, errlen)) < 0)
        return rc;
    pt_buf_init(&f);
    if ((rc = pt_enc_use(&f, pt_str_c(db))) < 0) {
        pt_buf_free(&f);
        return fail(c, rc, err, errlen);
    }
    if ((rc = request(c, &f, PT_MSG_USE_OK, err, errlen)) < 0)
        return rc;
    /* the daemon names the database it now uses: it must be this one */
    if (pt_dec_use(c->reply.data, c->reply.len, &echo) < 0 || echo.n != strlen(db) ||
        memcmp(echo.p, db, echo.n) != 0)
        return fail(c, -EBADMSG, err, errlen);
    memcpy(c->db, db, echo.n + 1);
    return 0;
}

const char *pti_current_db(const pti_client *c) { return c->db; }

int pti_db_request(pti_client *c, int op, const char *name, const char *dir, char **json,
                   char *err, size_t errlen)
{
    int with_dir = op == PTI_DB_CHECKPOINT || op == PTI_DB_RESTORE;
    pt_db_request m;
    pt_buf f;
    pt_str t;
    int rc;

    *json = NULL;
    if (op < PTI_DB_LIST || op > PTI_DB_RESTORE) {
        if (errlen)
            snprintf(err, errlen, "unknown database operation %d", op);
        return -EINVAL;
    }
    if (op == PTI_DB_LIST && name && *name)
        return bad_input(err, errlen, "%s", "listing the databases takes no name");
    if (op != PTI_DB_LIST && (rc = check_db_name(name, err, errlen)) < 0)
        return rc;
    if (with_dir && (!dir || !*dir))
        return bad_input(err, errlen, "database %s needs a directory", pt_db_op_name(op));
    if (with_dir && !pt_is_absolute_path(dir)) {
        if (errlen)
            snprintf(err, errlen, "database %s: the directory must be an absolute path, "
                     "not \"%s\"", pt_db_op_name(op), dir);
        return -EINVAL;
    }
    if (!with_dir && dir && *dir)
        return bad_input(err, errlen, "database %s takes no directory", pt_db_op_name(op));
    if ((rc = idle_or_say(c, "cannot run a database operation", err, errlen)) < 0)
        return rc;
    m.op = (uint8_t)op;
    m.name = pt_str_c(op == PTI_DB_LIST ? NULL : name);
    m.dir = pt_str_c(with_dir ? dir : NULL);
    pt_buf_init(&f);
    if ((rc = pt_enc_db_request(&f, &m)) < 0) {
        pt_buf_free(&f);
        return fail(c, rc, err, errlen);
    }
    if ((rc = request(c, &f, PT_MSG_DB_RESULT, err, errlen)) < 0)
        return rc;
    if (pt_dec_db_result(c->reply.data, c->reply.len, &t) < 0)
        return fail(c, -EBADMSG, err, errlen);
    if (!(*json = strndup(t.p, t.n)))
        return fail(c, -ENOMEM, err, errlen);
    return 0;
}

/* --- ingest -------------------------------------------------------------- */

static int job_begin_once(pti_client *c, const char *job_id, char *err, size_t errlen)
{
    pt_buf f;
    pt_job_started m;
    int rc;

    pt_buf_init(&f);
    pt_enc_job_begin(&f, pt_str_c(job_id));
    if ((rc = request(c, &f, PT_MSG_JOB_STARTED, err, errlen)) < 0)
        return rc;
    if (pt_dec_job_started(c->reply.data, c->reply.len, &m) < 0)
        return fail(c, -EBADMSG, err, errlen);
    copy_str(c->job_id, sizeof(c->job_id), m.id);
    c->committed = m.committed;
    c->already_done = m.already_done;
    return 0;
}

static int job_begin_bulk_once(pti_client *c, const char *job_id, int bulk,
                               uint64_t size_hint, char *err, size_t errlen)
{
    pt_job_begin_bulk m = {pt_str_c(job_id), bulk ? PT_BULK_ON : PT_BULK_AUTO, size_hint};
    pt_job_started_bulk a;
    pt_buf f;
    int rc;

    pt_buf_init(&f);
    pt_enc_job_begin_bulk(&f, &m);
    if ((rc = request(c, &f, PT_MSG_JOB_STARTED_BULK, err, errlen)) < 0)
        return rc;
    if (pt_dec_job_started_bulk(c->reply.data, c->reply.len, &a) < 0)
        return fail(c, -EBADMSG, err, errlen);
    copy_str(c->job_id, sizeof(c->job_id), a.s.id);
    c->committed = a.s.committed;
    c->already_done = a.s.already_done;
    c->bulk = a.bulk;
    return 0;
}

static int job_begin_mode(pti_client *c, const char *job_id, int bulk, uint64_t size_hint,
                          char *err, size_t errlen)
{
    int rc;

    if (c->in_job) {
        set_err(err, errlen, "%s", "a job is already open on this connection");
        return -EINVAL;
    }
    c->bulk = 0;
    c->bulk_phase[0] = '\0';
    c->bulk_done = c->bulk_total = 0;
    for (int tries = 0;; tries++) {
        rc = bulk < 0 ? job_begin_once(c, job_id, err, errlen)
                      : job_begin_bulk_once(c, job_id, bulk, size_hint, err, errlen);
        if (rc != -EREMOTEIO || c->daemon_err != PT_ERR_RETRY || tries >= 300)
            break;
        ptt_wait(&c->t, 0, 100); /* the old run's last chunks are being written */
        c->daemon_err = 0;
    }
    if (rc < 0)
        return rc;
    c->rows_acked = c->rows_sent = c->committed;
    c->bytes_acked = 0;
    c->job_done = 0;
    c->in_job = !c->already_done;
    return 0;
}

int pti_job_begin(pti_client *c, const char *job_id, char *err, size_t errlen)
{
    return job_begin_mode(c, job_id, -1, 0, err, errlen);
}

int pti_job_begin_bulk(pti_client *c, const char *job_id, int bulk, uint64_t size_hint,
                       char *err, size_t errlen)
{
    return job_begin_mode(c, job_id, bulk ? 1 : 0, size_hint, err, errlen);
}

int pti_job_bulk(const pti_client *c) { return c->bulk; }

uint64_t pti_job_committed(const pti_client *c) { return c->committed; }
int pti_job_already_done(const pti_client *c) { return c->already_done; }

const char *pti_job_id(const pti_client *c) { return c->job_id; }
uint64_t pti_job_rows_sent(const pti_client *c) { return c->rows_sent; }
uint64_t pti_job_rows_acked(const pti_client *c) { return c->rows_acked; }
uint64_t pti_job_bytes_acked(const pti_client *c) { return c->bytes_acked; }

void pti_set_progress_cb(pti_client *c, pti_progress_cb cb, void *ud)
{
    c->progress_cb = cb;
    c->progress_ud = ud;
}

static int close_rows_frame(pti_client *c)
{
    if (!c->rows_open)
        return 0;
    c->rows_open = 0;
    if (pt_rows_end(&c->rows_wr) < 0)
        return -ENOMEM;
    c->sendable = c->out.len;
    return 0;
}

static int add_row(pti_client *c, int op, unsigned rel, const char *key, size_t klen,
                   const char *val, size_t vlen, char *err, size_t errlen)
{
    size_t need = 1 + 2 + 4 + klen + 4 + vlen;
    pt_row row;
    int rc;

    if (!c->in_job) {
        set_err(err, errlen, "%s", "no job is open");
        return -EINVAL;
    }
    if (rel >= c->info.nrelations) {
        set_err(err, errlen, "%s", "unknown relation index");
        return -EINVAL;
    }
    if (klen > c->info.max_key_bytes || vlen > c->info.max_value_bytes) {
        if (errlen)
            snprintf(err, errlen, "%s of %zu bytes exceeds the daemon's limit of %llu "
                     "(ingest.max_%s_bytes)", klen > c->info.max_key_bytes ? "key" : "value",
                     klen > c->info.max_key_bytes ? klen : vlen,
                     (unsigned long long)(klen > c->info.max_key_bytes ? c->info.max_key_bytes
                                                                        : c->info.max_value_bytes),
                     klen > c->info.max_key_bytes ? "key" : "value");
        return -E2BIG;
    }
    if (c->rows_open && (pt_rows_size(&c->rows_wr) + need > c->info.max_frame_bytes ||
                         c->rows_wr.n == UINT32_MAX))
        if ((rc = close_rows_frame(c)) < 0)
            return fail(c, rc, err, errlen);
    if (!c->rows_open) {
        pt_rows_begin(&c->rows_wr, &c->out, PT_MSG_ROWS);
        c->rows_open = 1;
    }
    row.op = (uint8_t)op;
    row.rel = (uint16_t)rel;
    row.key.p = key;
    row.key.n = klen;
    row.value.p = val;
    row.value.n = vlen;
    pt_rows_add(&c->rows_wr, &row);
    if (c->rows_wr.w.err)
        return fail(c, c->rows_wr.w.err, err, errlen);
    c->rows_sent++;
    if (pt_rows_size(&c->rows_wr) >= ROWS_FRAME_TARGET &&
        (rc = close_rows_frame(c)) < 0)
        return fail(c, rc, err, errlen);
    /* Hand bytes to the socket as we go (and take in acknowledgements
     * now and then); block only above the high-water mark. */
    if (c->sendable == c->outpos && (c->rows_sent & 255))
        return 0;
    do {
        rc = pump(c, c->sendable - c->outpos > OUT_HIGH_WATER ? -1 : 0);
        if (rc < 0)
            return fail(c, rc, err, errlen);
    } while (c->sendable - c->outpos > OUT_HIGH_WATER);
    return 0;
}

int pti_job_put(pti_client *c, unsigned rel, const char *key, size_t klen,
                const char *val, size_t vlen, char *err, size_t errlen)
{
    return add_row(c, PT_OP_PUT, rel, key, klen, val, vlen, err, errlen);
}

int pti_job_del(pti_client *c, unsigned rel, const char *key, size_t klen,
                char *err, size_t errlen)
{
    return add_row(c, PT_OP_DEL, rel, key, klen, "", 0, err, errlen);
}

static int wait_until(pti_client *c, int (*done)(const pti_client *), char *err,
                      size_t errlen)
{
    int rc;

    if ((rc = close_rows_frame(c)) < 0)
        return fail(c, rc, err, errlen);
    while (!done(c))
        if ((rc = pump(c, 1000)) < 0)
            return fail(c, rc, err, errlen);
    return 0;
}

static int all_sent(const pti_client *c) { return c->outpos == c->sendable; }

int pti_job_flush(pti_client *c, char *err, size_t errlen)
{
    return wait_until(c, all_sent, err, errlen);
}

static int all_acked(const pti_client *c) { return c->rows_acked >= c->rows_sent; }
static int job_done(const pti_client *c) { return c->job_done; }

int pti_job_sync(pti_client *c, char *err, size_t errlen)
{
    return wait_until(c, all_acked, err, errlen);
}

int pti_job_end(pti_client *c, uint64_t *rows, uint64_t *bytes, char *err, size_t errlen)
{
    int rc;

    if (!c->in_job) {
        set_err(err, errlen, "%s", "no job is open");
        return -EINVAL;
    }
    if ((rc = close_rows_frame(c)) < 0)
        return fail(c, rc, err, errlen);
    if ((rc = pt_enc_job_end(&c->out, c->rows_sent)) < 0)
        return fail(c, rc, err, errlen);
    c->sendable = c->out.len;
    rc = wait_until(c, job_done, err, errlen);
    c->in_job = 0;
    if (rc < 0)
        return rc;
    if (rows)
        *rows = c->done_rows;
    if (bytes)
        *bytes = c->done_bytes;
    return 0;
}
