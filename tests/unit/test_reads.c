/* reads: get, count, export, scan and multi-get on the read workers
 * against a real temporary RocksDB, with a fake client that takes the
 * frames: pages bounded by bytes, each only after the previous was
 * written; scans by prefix, range, after and limit in both directions
 * continuing exactly from page to page; every read on one snapshot while
 * rows change under it; bad requests answered with errors; a reader that
 * stops reading dropped after the timeout. */
#include <errno.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "common/clock.h"
#include "common/frame.h"
#include "common/protocol.h"
#include "daemon/reads.h"
#include "store_fixture.h"

#define MAXKEYS 2048

typedef struct fake_client {
    read_req *req;
    int done;
    int notify_waiting;       /* frames were sent with notify */
    int errors, last_error;
    char error_msg[512];
    int pages, max_rows_in_page;
    uint64_t rows, export_total;
    int got_value, found, got_count;
    uint64_t count;
    char value[256];
    char last_key[64];
    int order_ok;
    /* every key received, in order (SCAN, EXPORT), or every value (MGET,
     * "-" for a missing key) */
    char *keys[MAXKEYS];
    int nkeys;
    int empty_values;         /* rows that came without a value */
    int stalled;
} fake_client;

static void keep(fake_client *c, const char *p, size_t n)
{
    CHECK(c->nkeys < MAXKEYS);
    if (c->nkeys < MAXKEYS)
        c->keys[c->nkeys++] = strndup(p, n);
}

static void forget(fake_client *c)
{
    for (int i = 0; i < c->nkeys; i++)
        free(c->keys[i]);
    memset(c, 0, sizeof(*c));
    c->order_ok = 1;
}

static void take_frame(fake_client *c, int type, const char *p, size_t len)
{
    if (type == PT_MSG_EXPORT_ROWS) {
        pt_rows_rd rr;
        pt_row row;
        int n = 0, r;
        CHECK_EQ_INT(pt_rows_rd_init(&rr, type, p, len), 0);
        while ((r = pt_rows_next(&rr, &row)) > 0) {
            char key[64];
            snprintf(key, sizeof(key), "%u/%.*s", row.rel, (int)row.key.n, row.key.p);
            if (strcmp(key, c->last_key) <= 0)
                c->order_ok = 0;
            snprintf(c->last_key, sizeof(c->last_key), "%s", key);
            keep(c, row.key.p, row.key.n);
            c->empty_values += row.value.n == 0;
            n++;
        }
        CHECK_EQ_INT(r, 0);
        CHECK(n > 0); /* no empty pages */
        c->rows += (uint64_t)n;
        c->pages++;
        if (n > c->max_rows_in_page)
            c->max_rows_in_page = n;
    } else if (type == PT_MSG_MGET_VALUES) {
        pt_values_rd vr;
        uint8_t found;
        pt_str v;
        int r;
        CHECK_EQ_INT(pt_values_rd_init(&vr, p, len), 0);
        while ((r = pt_values_next(&vr, &found, &v)) > 0) {
            if (found)
                keep(c, v.p, v.n);
            else
                keep(c, "-", 1);
        }
        CHECK_EQ_INT(r, 0);
        c->pages++;
    } else if (type == PT_MSG_EXPORT_END) {
        CHECK_EQ_INT(pt_dec_u64_reply(p, len, &c->export_total), 0);
    } else if (type == PT_MSG_VALUE) {
        pt_value v;
        CHECK_EQ_INT(pt_dec_value(p, len, &v), 0);
        c->got_value = 1;
        c->found = v.found;
        snprintf(c->value, sizeof(c->value), "%.*s", (int)v.value.n, v.value.p);
    } else if (type == PT_MSG_COUNT_R) {
        CHECK_EQ_INT(pt_dec_u64_reply(p, len, &c->count), 0);
        c->got_count = 1;
    } else {
        CHECK(0);
    }
}

/* A buffer may hold several frames (a last page and its end). */
static int cl_send(void *client, pt_buf *frame, int notify)
{
    fake_client *c = client;
    size_t at = 0;

    while (at < frame->len) {
        int type;
        size_t len;
        CHECK_EQ_INT(pt_frame_peek(frame->data + at, frame->len - at, 1 << 24, &type, &len), 1);
        take_frame(c, type, frame->data + at + PT_FRAME_HEADER, len);
        at += PT_FRAME_HEADER + len;
    }
    /* a slow reader: the next page must wait for this one */
    CHECK(!c->notify_waiting);
    c->notify_waiting = notify;
    pt_buf_free(frame);
    return 0;
}

static void cl_error(void *client, int code, const char *msg)
{
    fake_client *c = client;
    c->errors++;
    c->last_error = code;
    snprintf(c->error_msg, sizeof(c->error_msg), "%s", msg);
}

static void cl_done(void *client)
{
    fake_client *c = client;
    if (c) {
        c->done = 1;
        c->req = NULL;
    }
}

/* As the session does: the connection closes, which detaches the read. */
static void cl_stalled(void *client, const char *msg)
{
    fake_client *c = client;

    c->stalled++;
    snprintf(c->error_msg, sizeof(c->error_msg), "%s", msg);
    reads_detach(c->req);
    c->req = NULL;
}

/* Every request lets go of its hold on the database exactly once. */
static int holds_out;

static void cl_release(void *hold)
{
    CHECK(hold == &holds_out);
    holds_out--;
}

static const read_client_ops ops = {cl_send, cl_error, cl_done, cl_stalled, cl_release};
static uint64_t inflight;
static store *reads_store;

/* Run the loop until the request is over, "writing" each page. */
static void run_until_done(fake_client *c)
{
    for (int i = 0; i < 1000000 && !c->done; i++) {
        if (c->notify_waiting) {
            c->notify_waiting = 0;
            reads_written(c->req, 0);
            continue;
        }
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    }
    CHECK(c->done);
    CHECK_EQ_INT(inflight, 0);
}

/* Until no step is on a worker. */
static void drain_steps(void)
{
    for (int i = 0; i < 1000000 && inflight; i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
}

/* Wait for the next page without writing it. */
static void run_until_page(fake_client *c)
{
    for (int i = 0; i < 1000000 && !c->notify_waiting && !c->done; i++)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    CHECK(c->notify_waiting);
}

static int request(reads *rd, fake_client *c, int type, pt_buf *f)
{
    int r;

    holds_out++;
    r = reads_request(rd, c, reads_store, &holds_out, type, f->data + PT_FRAME_HEADER,
                      f->len - PT_FRAME_HEADER, &c->req);
    pt_buf_free(f);
    return r;
}

static reads *new_reads(store *s, size_t page_bytes, uint64_t stall_ms)
{
    reads_limits l = {page_bytes, stall_ms};
    reads *rd;

    reads_store = s;
    CHECK_EQ_INT(reads_new(&rd, uv_default_loop(), &ops, 3, &inflight), 0);
    reads_set_limits(rd, &l);
    return rd;
}

static void free_reads(reads *rd)
{
    reads_free(rd);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT); /* the workers' wake-up handle */
    CHECK_EQ_INT(holds_out, 0);
}

static void fill(store *s, int per_rel)
{
    char key[32], val[64];

    for (size_t rel = 0; rel < 3; rel++)
        for (int i = per_rel - 1; i >= 0; i--) { /* written out of order */
            snprintf(key, sizeof(key), "key-%05d", i);
            snprintf(val, sizeof(val), "{\"rel\":%zu,\"i\":%d,\"pad\":\"xxxxxxxxxx\"}", rel, i);
            fixture_put(s, rel, key, val);
        }
}

TEST(export_pages)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0}; /* forget() frees what it holds */
    reads *rd;
    pt_buf f;

    fill(s, 300);
    rd = new_reads(s, 4096, 0);
    forget(&c);
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c(""));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), 1);
    run_until_done(&c);
    CHECK_EQ_INT(c.rows, 900);
    CHECK_EQ_INT(c.export_total, 900);
    /* ~57 bytes a row: a page closes past 4096 bytes, so ~72 rows each */
    CHECK(c.pages >= 10);
    CHECK(c.max_rows_in_page <= 80);
    CHECK(c.order_ok);
    CHECK_EQ_INT(c.errors, 0);

    /* one relation by name */
    forget(&c);
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c("DependencyEdges"));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), 1);
    run_until_done(&c);
    CHECK_EQ_INT(c.rows, 300);
    CHECK_EQ_INT(c.export_total, 300);
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

TEST(get_and_count)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0};
    pt_get g = {2, {"key-00007", 9}};
    reads *rd;
    pt_buf f;

    fill(s, 10);
    rd = new_reads(s, READS_PAGE_BYTES, 0);
    pt_buf_init(&f);
    pt_enc_get(&f, &g);
    CHECK_EQ_INT(request(rd, &c, PT_MSG_GET, &f), 1);
    run_until_done(&c);
    CHECK(c.got_value && c.found);
    CHECK_STREQ(c.value, "{\"rel\":2,\"i\":7,\"pad\":\"xxxxxxxxxx\"}");

    memset(&c, 0, sizeof(c));
    g.key = pt_str_c("nope");
    pt_buf_init(&f);
    pt_enc_get(&f, &g);
    CHECK_EQ_INT(request(rd, &c, PT_MSG_GET, &f), 1);
    run_until_done(&c);
    CHECK(c.got_value && !c.found);

    memset(&c, 0, sizeof(c));
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_COUNT, pt_str_c(""));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_COUNT, &f), 1);
    run_until_done(&c);
    CHECK(c.got_count);
    CHECK_EQ_INT(c.count, 30);
    free_reads(rd);
    fixture_close(s, dir);
}

/* A COUNT larger than one step's slice goes on over steps. */
TEST(count_in_steps)
{
    char dir[64], key[32];
    store *s = fixture_store(dir, sizeof(dir));
    store_batch *b = store_batch_new();
    fake_client c = {0};
    reads *rd;
    pt_buf f;
    char err[256];

    for (int i = 0; i < 70000; i++) {
        snprintf(key, sizeof(key), "k%06d", i);
        store_batch_put(s, b, 1, key, strlen(key), "1", 1);
    }
    CHECK_EQ_INT(store_write(s, b, 0, err, sizeof(err)), 0);
    store_batch_free(b);
    rd = new_reads(s, READS_PAGE_BYTES, 0);
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_COUNT, pt_str_c("DependencyEdges"));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_COUNT, &f), 1);
    run_until_done(&c);
    CHECK(c.got_count);
    CHECK_EQ_INT(c.count, 70000);
    free_reads(rd);
    fixture_close(s, dir);
}

typedef struct scan_args {
    uint8_t flags;
    const char *from, *to, *after;
    uint64_t limit;
} scan_args;

/* Run one SCAN of relation 1 into c (cleared first). */
static int scan(reads *rd, fake_client *c, scan_args a)
{
    pt_scan m = {1, a.flags, pt_str_c(a.from), pt_str_c(a.to), pt_str_c(a.after), a.limit};
    pt_buf f;
    int r;

    forget(c);
    if (a.from)
        m.flags |= PT_SCAN_FROM;
    if (a.to)
        m.flags |= PT_SCAN_TO;
    if (a.after)
        m.flags |= PT_SCAN_AFTER;
    pt_buf_init(&f);
    CHECK_EQ_INT(pt_enc_scan(&f, &m), 0);
    r = request(rd, c, PT_MSG_SCAN, &f);
    if (r == 1)
        run_until_done(c);
    return r;
}

static int key_index(const char *k)
{
    return atoi(k + 4); /* "key-%05d" */
}

/* Keys [lo, hi) of fill(), ascending or descending, in c. */
static int keys_are(const fake_client *c, int lo, int hi, int rev)
{
    if (c->nkeys != (hi > lo ? hi - lo : 0))
        return 0;
    for (int i = 0; i < c->nkeys; i++)
        if (key_index(c->keys[i]) != (rev ? hi - 1 - i : lo + i))
            return 0;
    return 1;
}

TEST(scan_bounds)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0}; /* forget() frees what it holds */
    reads *rd;

    fill(s, 300);
    rd = new_reads(s, 1024, 0);
    /* everything, both ways */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, NULL, NULL, NULL, 0}), 1);
    CHECK(keys_are(&c, 0, 300, 0));
    CHECK_EQ_INT(c.export_total, 300);
    CHECK(c.pages > 10);
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, NULL, NULL, NULL, 0}), 1);
    CHECK(keys_are(&c, 0, 300, 1));
    /* a prefix as a range: from inclusive, to exclusive */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-001", "key-002", NULL, 0}), 1);
    CHECK(keys_are(&c, 100, 200, 0));
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, "key-001", "key-002", NULL, 0}), 1);
    CHECK(keys_are(&c, 100, 200, 1));
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-00010", "key-00020", NULL, 0}), 1);
    CHECK(keys_are(&c, 10, 20, 0));
    /* to alone, from alone, reverse with to: to stays excluded */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, NULL, "key-00005", NULL, 0}), 1);
    CHECK(keys_are(&c, 0, 5, 1));
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-00295", NULL, NULL, 0}), 1);
    CHECK(keys_are(&c, 295, 300, 0));
    /* an empty range, and a range past the end */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-00010", "key-00010", NULL, 0}), 1);
    CHECK_EQ_INT(c.nkeys, 0);
    CHECK_EQ_INT(c.export_total, 0);
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, "zzz", NULL, NULL, 0}), 1);
    CHECK_EQ_INT(c.nkeys, 0);
    /* keys only: every value empty */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_KEYS_ONLY, "key-0000", "key-0001", NULL, 0}), 1);
    CHECK(keys_are(&c, 0, 10, 0));
    CHECK_EQ_INT(c.empty_values, 10);
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-0000", "key-0001", NULL, 0}), 1);
    CHECK_EQ_INT(c.empty_values, 0);
    /* after: strictly past it in the scan's direction, inside the range */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, NULL, NULL, "key-00297", 0}), 1);
    CHECK(keys_are(&c, 298, 300, 0));
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, NULL, NULL, "key-00002", 0}), 1);
    CHECK(keys_are(&c, 0, 2, 1));
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, NULL, NULL, "key-00010x", 0}), 1);
    CHECK(keys_are(&c, 11, 300, 0)); /* after a key that is not stored */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-00100", "key-00110", "key-00050", 0}), 1);
    CHECK(keys_are(&c, 100, 110, 0)); /* after before the range */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, "key-00100", "key-00110", "zz", 0}), 1);
    CHECK(keys_are(&c, 100, 110, 1)); /* after beyond it, going down */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, "key-00100", "key-00110", "key-00200", 0}), 1);
    CHECK_EQ_INT(c.nkeys, 0);
    CHECK_EQ_INT(scan(rd, &c, (scan_args){PT_SCAN_REVERSE, "key-00100", "key-00110",
                                          "key-00100", 0}), 1);
    CHECK_EQ_INT(c.nkeys, 0);
    /* limit */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, NULL, NULL, NULL, 7}), 1);
    CHECK(keys_are(&c, 0, 7, 0));
    CHECK_EQ_INT(c.export_total, 7);
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

/* Page after page with limit and after: the pages join into the whole
 * scan, without a gap or a repeat, in both directions. */
TEST(scan_paging)
{
    char dir[64], after[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0}; /* forget() frees what it holds */
    reads *rd;

    fill(s, 300);
    rd = new_reads(s, 700, 0);
    for (int rev = 0; rev <= 1; rev++) {
        int got = 0, pages = 0;
        scan_args a = {rev ? PT_SCAN_REVERSE : 0, "key-00003", "key-00290", NULL, 13};
        for (;;) {
            CHECK_EQ_INT(scan(rd, &c, a), 1);
            if (c.nkeys == 0)
                break;
            for (int i = 0; i < c.nkeys; i++, got++)
                CHECK_EQ_INT(key_index(c.keys[i]), rev ? 289 - got : 3 + got);
            CHECK(c.nkeys <= 13);
            snprintf(after, sizeof(after), "%s", c.keys[c.nkeys - 1]);
            a.after = after;
            pages++;
        }
        CHECK_EQ_INT(got, 287);
        CHECK_EQ_INT(pages, 23);
    }
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

/* Rows written, overwritten and deleted between the pages of a read are
 * not seen by it; the next read sees them. */
TEST(snapshot_isolation)
{
    char dir[64], key[32];
    store *s = fixture_store(dir, sizeof(dir));
    store_batch *b;
    fake_client c = {0}; /* forget() frees what it holds */
    reads *rd;
    pt_buf f;
    char err[256];
    int kinds[] = {PT_MSG_SCAN, PT_MSG_EXPORT};

    fill(s, 300);
    rd = new_reads(s, 512, 0);
    for (int k = 0; k < 2; k++) {
        forget(&c);
        pt_buf_init(&f);
        if (kinds[k] == PT_MSG_SCAN) {
            pt_scan m = {1, 0, {"", 0}, {"", 0}, {"", 0}, 0};
            pt_enc_scan(&f, &m);
        } else {
            pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c(""));
        }
        CHECK_EQ_INT(request(rd, &c, kinds[k], &f), 1);
        run_until_page(&c);
        CHECK(c.nkeys > 0 && c.nkeys < 100);
        /* one chunk: new keys in every relation, deletes near the end */
        b = store_batch_new();
        for (int i = 0; i < 50; i++) {
            snprintf(key, sizeof(key), "key-%05d-new%d", 100 + i, k);
            for (size_t rel = 0; rel < 3; rel++)
                store_batch_put(s, b, rel, key, strlen(key), "1", 1);
            snprintf(key, sizeof(key), "key-%05d", 299 - i - 50 * k);
            for (size_t rel = 0; rel < 3; rel++)
                store_batch_del(s, b, rel, key, strlen(key));
        }
        CHECK_EQ_INT(store_write(s, b, 0, err, sizeof(err)), 0);
        store_batch_free(b);
        run_until_done(&c);
        /* as of the read's start: the rows it deleted are there, the
         * rows it added are not */
        CHECK_EQ_INT(c.nkeys, kinds[k] == PT_MSG_SCAN ? 300 : 900);
        CHECK_EQ_INT(c.export_total, c.nkeys);
        for (int i = 0; i < c.nkeys; i++)
            CHECK(strstr(c.keys[i], k ? "new1" : "new0") == NULL);
    }
    /* a new read sees both changes */
    CHECK_EQ_INT(scan(rd, &c, (scan_args){0, NULL, NULL, NULL, 0}), 1);
    CHECK_EQ_INT(c.nkeys, 300 - 100 + 100);
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

static int mget(reads *rd, fake_client *c, uint16_t rel, size_t n, const char *const *keys)
{
    size_t klens[64];
    pt_buf f;
    int r;

    forget(c);
    for (size_t i = 0; i < n; i++)
        klens[i] = strlen(keys[i]);
    pt_buf_init(&f);
    CHECK_EQ_INT(pt_enc_mget(&f, rel, n, keys, klens), 0);
    r = request(rd, c, PT_MSG_MGET, &f);
    if (r == 1)
        run_until_done(c);
    return r;
}

TEST(multiget)
{
    char dir[64];
    const char *keys[40];
    char names[40][16];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0}; /* forget() frees what it holds */
    reads *rd;

    fill(s, 100);
    rd = new_reads(s, 256, 0);
    /* in the order asked, missing ones in place, across pages and slices */
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), i % 3 == 2 ? "nope-%d" : "key-%05d",
                 (i * 37) % 100);
        keys[i] = names[i];
    }
    CHECK_EQ_INT(mget(rd, &c, 2, 40, keys), 1);
    CHECK_EQ_INT(c.nkeys, 40);
    CHECK(c.pages > 1);
    for (int i = 0; i < 40 && i < c.nkeys; i++) {
        char want[64];
        if (i % 3 == 2)
            snprintf(want, sizeof(want), "-");
        else
            snprintf(want, sizeof(want), "{\"rel\":2,\"i\":%d,\"pad\":\"xxxxxxxxxx\"}",
                     (i * 37) % 100);
        CHECK_STREQ(c.keys[i], want);
    }
    CHECK_EQ_INT(c.export_total, 40 - 13);
    /* none asked: just the end */
    CHECK_EQ_INT(mget(rd, &c, 0, 0, keys), 1);
    CHECK_EQ_INT(c.nkeys, 0);
    CHECK_EQ_INT(c.export_total, 0);
    CHECK_EQ_INT(mget(rd, &c, 77, 1, keys), 0);
    CHECK_EQ_INT(c.last_error, PT_ERR_NO_RELATION);
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

TEST(bad_requests)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0};
    pt_get g = {99, {"k", 1}};
    pt_scan sc = {1, PT_SCAN_FROM | PT_SCAN_TO, {"b", 1}, {"a", 1}, {"", 0}, 0};
    reads *rd;
    pt_buf f;

    rd = new_reads(s, READS_PAGE_BYTES, 0);
    pt_buf_init(&f);
    pt_enc_get(&f, &g);
    CHECK_EQ_INT(request(rd, &c, PT_MSG_GET, &f), 0);
    CHECK_EQ_INT(c.last_error, PT_ERR_NO_RELATION);
    CHECK(strstr(c.error_msg, "unknown relation index 99") != NULL);

    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_COUNT, pt_str_c("Nope"));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_COUNT, &f), 0);
    CHECK(strstr(c.error_msg, "unknown relation \"Nope\"") != NULL);

    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c("CodeGraph"));
    f.len -= 1; /* truncated */
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), -EBADMSG);
    CHECK_EQ_INT(c.last_error, PT_ERR_PROTOCOL);
    CHECK(c.req == NULL);

    /* from after to: refused, the connection stays */
    pt_buf_init(&f);
    pt_enc_scan(&f, &sc);
    CHECK_EQ_INT(request(rd, &c, PT_MSG_SCAN, &f), 0);
    CHECK_EQ_INT(c.last_error, PT_ERR_BAD_REQUEST);
    CHECK(strstr(c.error_msg, "from is after to") != NULL);
    sc.rel = 9;
    pt_buf_init(&f);
    pt_enc_scan(&f, &sc);
    CHECK_EQ_INT(request(rd, &c, PT_MSG_SCAN, &f), 0);
    CHECK_EQ_INT(c.last_error, PT_ERR_NO_RELATION);
    /* a bound without its flag */
    sc.rel = 1;
    sc.flags = PT_SCAN_FROM;
    pt_buf_init(&f);
    pt_enc_scan(&f, &sc);
    CHECK_EQ_INT(request(rd, &c, PT_MSG_SCAN, &f), -EBADMSG);
    CHECK_EQ_INT(c.last_error, PT_ERR_PROTOCOL);
    CHECK(c.req == NULL);
    free_reads(rd);
    fixture_close(s, dir);
}

/* The client goes away in the middle of an export: nothing more is sent,
 * and the request is freed once its work is back. */
TEST(client_gone_mid_export)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0}; /* forget() frees what it holds */
    reads *rd;
    pt_buf f;

    fill(s, 200);
    rd = new_reads(s, 1024, 0);
    forget(&c);
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c(""));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), 1);
    run_until_page(&c);
    reads_detach(c.req); /* waiting for a write: freed at once */
    c.req = NULL;
    drain_steps(); /* the next page may have been in the making */
    CHECK_EQ_INT(inflight, 0);
    CHECK_EQ_INT(c.pages, 1);
    CHECK(!c.done);
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

/* A reader that takes nothing is dropped once the timeout has passed,
 * and not before; one that reads, however slowly, is not. */
TEST(stalled_reader)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0}; /* forget() frees what it holds */
    reads_stats st;
    reads *rd;
    pt_buf f;

    fill(s, 200);
    rd = new_reads(s, 1024, 50);
    forget(&c);
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c(""));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), 1);
    run_until_page(&c);
    reads_tick(rd, pt_now_ns());
    CHECK_EQ_INT(c.stalled, 0);
    /* slow but reading: each page within the timeout */
    for (int i = 0; i < 3; i++) {
        c.notify_waiting = 0;
        reads_written(c.req, 0);
        run_until_page(&c);
        reads_tick(rd, pt_now_ns() + 40 * 1000000ull);
        CHECK_EQ_INT(c.stalled, 0);
    }
    reads_tick(rd, pt_now_ns() + 60 * 1000000ull);
    CHECK_EQ_INT(c.stalled, 1);
    CHECK(strstr(c.error_msg, "reads.stalled_reader_timeout_ms") != NULL);
    CHECK(!c.done);
    drain_steps(); /* the next page may have been in the making */
    CHECK_EQ_INT(inflight, 0);
    reads_get_stats(rd, &st);
    CHECK_EQ_INT(st.stalled_dropped, 1);
    CHECK_EQ_INT(st.active, 0);
    forget(&c);
    free_reads(rd);
    fixture_close(s, dir);
}

int main(void)
{
    RUN(export_pages);
    RUN(get_and_count);
    RUN(count_in_steps);
    RUN(scan_bounds);
    RUN(scan_paging);
    RUN(snapshot_isolation);
    RUN(multiget);
    RUN(bad_requests);
    RUN(client_gone_mid_export);
    RUN(stalled_reader);
    return CHECK_DONE();
}
