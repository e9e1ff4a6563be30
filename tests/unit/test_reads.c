/* reads: get, count and export on libuv's thread pool against a real
 * temporary RocksDB, with a fake client that takes the frames: export
 * pages bounded by bytes, each page only after the previous was written,
 * every row once in key order; bad requests answered with errors. */
#include <errno.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "common/frame.h"
#include "common/protocol.h"
#include "daemon/reads.h"
#include "store_fixture.h"

typedef struct fake_client {
    read_req *req;
    int done;
    int notify_waiting;       /* a page was sent with notify */
    int errors, last_error;
    char error_msg[512];
    int pages, max_rows_in_page;
    uint64_t rows, export_total;
    int got_value, found, got_count;
    uint64_t count;
    char value[256];
    char last_key[64];
    int order_ok;
} fake_client;

static int cl_send(void *client, pt_buf *frame, int notify)
{
    fake_client *c = client;
    int type;
    size_t len;
    const char *p = frame->data + PT_FRAME_HEADER;

    CHECK_EQ_INT(pt_frame_peek(frame->data, frame->len, 1 << 24, &type, &len), 1);
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
            n++;
        }
        CHECK_EQ_INT(r, 0);
        c->rows += (uint64_t)n;
        c->pages++;
        if (n > c->max_rows_in_page)
            c->max_rows_in_page = n;
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

static const read_client_ops ops = {cl_send, cl_error, cl_done};
static uint64_t inflight;

/* Run the loop until the request is over, "writing" each page. */
static void run_until_done(fake_client *c)
{
    for (int i = 0; i < 100000 && !c->done; i++) {
        if (c->notify_waiting) {
            c->notify_waiting = 0;
            reads_written(c->req, 0);
        }
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    }
    CHECK(c->done);
    CHECK_EQ_INT(inflight, 0);
}

static int request(reads *rd, fake_client *c, int type, pt_buf *f)
{
    int r = reads_request(rd, c, type, f->data + PT_FRAME_HEADER, f->len - PT_FRAME_HEADER,
                          &c->req);
    pt_buf_free(f);
    return r;
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
    fake_client c = {0};
    reads *rd;
    pt_buf f;

    fill(s, 300);
    CHECK_EQ_INT(reads_new(&rd, uv_default_loop(), s, &ops, &inflight), 0);
    reads_set_page_bytes(rd, 4096);
    c.order_ok = 1;
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
    memset(&c, 0, sizeof(c));
    c.order_ok = 1;
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c("DependencyEdges"));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), 1);
    run_until_done(&c);
    CHECK_EQ_INT(c.rows, 300);
    CHECK_EQ_INT(c.export_total, 300);
    reads_free(rd);
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
    CHECK_EQ_INT(reads_new(&rd, uv_default_loop(), s, &ops, &inflight), 0);
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
    reads_free(rd);
    fixture_close(s, dir);
}

TEST(bad_requests)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0};
    pt_get g = {99, {"k", 1}};
    reads *rd;
    pt_buf f;

    CHECK_EQ_INT(reads_new(&rd, uv_default_loop(), s, &ops, &inflight), 0);
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
    reads_free(rd);
    fixture_close(s, dir);
}

/* The client goes away in the middle of an export: nothing more is sent,
 * and the request is freed once its work is back. */
TEST(client_gone_mid_export)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    fake_client c = {0};
    reads *rd;
    pt_buf f;

    fill(s, 200);
    CHECK_EQ_INT(reads_new(&rd, uv_default_loop(), s, &ops, &inflight), 0);
    reads_set_page_bytes(rd, 1024);
    c.order_ok = 1;
    pt_buf_init(&f);
    pt_enc_rel_request(&f, PT_MSG_EXPORT, pt_str_c(""));
    CHECK_EQ_INT(request(rd, &c, PT_MSG_EXPORT, &f), 1);
    while (!c.notify_waiting)
        uv_run(uv_default_loop(), UV_RUN_ONCE);
    reads_detach(c.req); /* waiting for a write: freed at once */
    c.req = NULL;
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    CHECK_EQ_INT(inflight, 0);
    CHECK_EQ_INT(c.pages, 1);
    CHECK(!c.done);
    reads_free(rd);
    fixture_close(s, dir);
}

int main(void)
{
    RUN(export_pages);
    RUN(get_and_count);
    RUN(bad_requests);
    RUN(client_gone_mid_export);
    return CHECK_DONE();
}
