/* The protocol's messages: every frame type round-trips through its
 * encoder and decoder, and every decoder refuses a truncated payload and
 * one with trailing bytes. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "common/protocol.h"

/* The frame's type and payload, after checking its header. */
static const char *payload_of(const pt_buf *b, int want_type, size_t *len)
{
    int type;

    CHECK_EQ_INT(pt_frame_peek(b->data, b->len, 1 << 20, &type, len), 1);
    CHECK_EQ_INT(type, want_type);
    CHECK_EQ_INT(*len + PT_FRAME_HEADER, b->len);
    return b->data + PT_FRAME_HEADER;
}

static int streq(pt_str s, const char *c)
{
    return s.n == strlen(c) && memcmp(s.p, c, s.n) == 0;
}

/* Every strict prefix of the payload, and the payload plus one byte, is
 * refused by dec (which must accept the payload itself). */
typedef int (*decoder)(const char *p, size_t n);

static void check_bounds(const char *p, size_t n, decoder dec)
{
    char *longer = malloc(n + 1);

    CHECK_EQ_INT(dec(p, n), 0);
    for (size_t i = 0; i < n; i++)
        if (dec(p, i) != -EBADMSG) {
            fprintf(stderr, "prefix of %zu/%zu bytes accepted\n", i, n);
            CHECK(0);
            break;
        }
    memcpy(longer, p, n);
    longer[n] = 'x';
    CHECK_EQ_INT(dec(longer, n + 1), -EBADMSG);
    free(longer);
}

static int dec_hello(const char *p, size_t n) { pt_hello m; return pt_dec_hello(p, n, &m); }
static int dec_error(const char *p, size_t n) { pt_error_msg m; return pt_dec_error(p, n, &m); }
static int dec_job_begin(const char *p, size_t n) { pt_str m; return pt_dec_job_begin(p, n, &m); }
static int dec_started(const char *p, size_t n) { pt_job_started m; return pt_dec_job_started(p, n, &m); }
static int dec_begin_bulk(const char *p, size_t n) { pt_job_begin_bulk m; return pt_dec_job_begin_bulk(p, n, &m); }
static int dec_started_bulk(const char *p, size_t n) { pt_job_started_bulk m; return pt_dec_job_started_bulk(p, n, &m); }
static int dec_bulk_phase(const char *p, size_t n) { pt_bulk_phase m; return pt_dec_bulk_phase(p, n, &m); }
static int dec_ack(const char *p, size_t n) { pt_chunk_ack m; return pt_dec_chunk_ack(p, n, &m); }
static int dec_progress(const char *p, size_t n) { pt_progress m; return pt_dec_progress(p, n, &m); }
static int dec_job_end(const char *p, size_t n) { uint64_t v; return pt_dec_job_end(p, n, &v); }
static int dec_job_done(const char *p, size_t n) { pt_job_done m; return pt_dec_job_done(p, n, &m); }
static int dec_get(const char *p, size_t n) { pt_get m; return pt_dec_get(p, n, &m); }
static int dec_value(const char *p, size_t n) { pt_value m; return pt_dec_value(p, n, &m); }
static int dec_rel(const char *p, size_t n) { pt_str m; return pt_dec_rel_request(p, n, &m); }
static int dec_u64(const char *p, size_t n) { uint64_t v; return pt_dec_u64_reply(p, n, &v); }
static int dec_empty(const char *p, size_t n) { return pt_dec_empty(p, n); }
static int dec_text(const char *p, size_t n) { pt_str m; return pt_dec_text(p, n, &m); }
static int dec_scan(const char *p, size_t n) { pt_scan m; return pt_dec_scan(p, n, &m); }

static int dec_mget(const char *p, size_t n)
{
    pt_mget m;
    pt_str k;
    int r = pt_dec_mget(p, n, &m);

    for (uint32_t i = 0; r == 0 && i < m.n; i++)
        r = pt_dec_mget_key(&m, &k);
    return r ? r : pt_dec_mget_end(&m);
}

static int dec_values(const char *p, size_t n)
{
    pt_values_rd vr;
    uint8_t found;
    pt_str v;
    int r = pt_values_rd_init(&vr, p, n);

    while (r == 0 && (r = pt_values_next(&vr, &found, &v)) > 0)
        r = 0;
    return r;
}

static int dec_hello_ok(const char *p, size_t n)
{
    pt_hello_ok m;
    pt_str s;
    int r = pt_dec_hello_ok(p, n, &m);

    for (size_t i = 0; r == 0 && i < m.nrel; i++)
        r = pt_dec_hello_ok_rel(&m, &s);
    return r ? r : pt_dec_hello_ok_end(&m);
}

static int dec_rows_of(int type, const char *p, size_t n)
{
    pt_rows_rd rr;
    pt_row row;
    int r = pt_rows_rd_init(&rr, type, p, n);

    if (r < 0)
        return r;
    while ((r = pt_rows_next(&rr, &row)) > 0)
        ;
    return r;
}

static int dec_rows(const char *p, size_t n) { return dec_rows_of(PT_MSG_ROWS, p, n); }
static int dec_export_rows(const char *p, size_t n) { return dec_rows_of(PT_MSG_EXPORT_ROWS, p, n); }

TEST(hello_and_hello_ok)
{
    const char *rels[] = {"CodeGraph", "DependencyEdges"};
    pt_hello h = {7, {"cli", 3}}, h2;
    pt_hello_ok ok, ok2;
    pt_buf b;
    pt_str s;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_hello(&b, &h), 0);
    p = payload_of(&b, PT_MSG_HELLO, &n);
    CHECK_EQ_INT(pt_dec_hello(p, n, &h2), 0);
    CHECK_EQ_INT(h2.version, 7);
    CHECK(streq(h2.client, "cli"));
    check_bounds(p, n, dec_hello);

    memset(&ok, 0, sizeof(ok));
    ok.version = 1;
    ok.daemon_version = pt_str_c("9.9.9");
    ok.max_frame_bytes = 1;
    ok.max_key_bytes = 2;
    ok.max_value_bytes = 3;
    ok.chunk_max_rows = 4;
    ok.chunk_max_bytes = 5;
    ok.nrel = 2;
    ok.rel = rels;
    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_hello_ok(&b, &ok), 0);
    p = payload_of(&b, PT_MSG_HELLO_OK, &n);
    CHECK_EQ_INT(pt_dec_hello_ok(p, n, &ok2), 0);
    CHECK(streq(ok2.daemon_version, "9.9.9"));
    CHECK_EQ_INT(ok2.max_frame_bytes + ok2.max_key_bytes + ok2.max_value_bytes, 6);
    CHECK_EQ_INT(ok2.chunk_max_rows * 10 + ok2.chunk_max_bytes, 45);
    CHECK_EQ_INT(ok2.nrel, 2);
    CHECK_EQ_INT(pt_dec_hello_ok_rel(&ok2, &s), 0);
    CHECK(streq(s, "CodeGraph"));
    CHECK_EQ_INT(pt_dec_hello_ok_rel(&ok2, &s), 0);
    CHECK(streq(s, "DependencyEdges"));
    CHECK_EQ_INT(pt_dec_hello_ok_end(&ok2), 0);
    check_bounds(p, n, dec_hello_ok);
    pt_buf_free(&b);
}

TEST(error_and_job_frames)
{
    pt_error_msg e = {PT_ERR_BAD_ROW, {"row 3: bad", 10}}, e2;
    pt_job_started js = {{"job-1", 5}, 42, 1}, js2;
    pt_chunk_ack a = {10, 2000}, a2;
    pt_progress pr = {1, 2, 3, 4, 5, {"pacing", 6}}, pr2;
    pt_job_done d = {7, 8, 9}, d2;
    pt_buf b;
    pt_str s;
    uint64_t v;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_error(&b, &e), 0);
    p = payload_of(&b, PT_MSG_ERROR, &n);
    CHECK_EQ_INT(pt_dec_error(p, n, &e2), 0);
    CHECK_EQ_INT(e2.code, PT_ERR_BAD_ROW);
    CHECK(streq(e2.message, "row 3: bad"));
    check_bounds(p, n, dec_error);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_job_begin(&b, pt_str_c("nightly")), 0);
    p = payload_of(&b, PT_MSG_JOB_BEGIN, &n);
    CHECK_EQ_INT(pt_dec_job_begin(p, n, &s), 0);
    CHECK(streq(s, "nightly"));
    check_bounds(p, n, dec_job_begin);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_job_started(&b, &js), 0);
    p = payload_of(&b, PT_MSG_JOB_STARTED, &n);
    CHECK_EQ_INT(pt_dec_job_started(p, n, &js2), 0);
    CHECK(streq(js2.id, "job-1"));
    CHECK_EQ_INT(js2.committed, 42);
    CHECK_EQ_INT(js2.already_done, 1);
    check_bounds(p, n, dec_started);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_chunk_ack(&b, &a), 0);
    p = payload_of(&b, PT_MSG_CHUNK_ACK, &n);
    CHECK_EQ_INT(pt_dec_chunk_ack(p, n, &a2), 0);
    CHECK_EQ_INT(a2.rows, 10);
    CHECK_EQ_INT(a2.bytes, 2000);
    check_bounds(p, n, dec_ack);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_progress(&b, &pr), 0);
    p = payload_of(&b, PT_MSG_PROGRESS, &n);
    CHECK_EQ_INT(pt_dec_progress(p, n, &pr2), 0);
    CHECK_EQ_INT(pr2.rows_acked + pr2.bytes_acked + pr2.rows_per_s, 6);
    CHECK_EQ_INT(pr2.queue_bytes * 10 + pr2.queue_capacity, 45);
    CHECK(streq(pr2.stall_state, "pacing"));
    check_bounds(p, n, dec_progress);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_job_end(&b, 123456789012ull), 0);
    p = payload_of(&b, PT_MSG_JOB_END, &n);
    CHECK_EQ_INT(pt_dec_job_end(p, n, &v), 0);
    CHECK(v == 123456789012ull);
    check_bounds(p, n, dec_job_end);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_job_done(&b, &d), 0);
    p = payload_of(&b, PT_MSG_JOB_DONE, &n);
    CHECK_EQ_INT(pt_dec_job_done(p, n, &d2), 0);
    CHECK_EQ_INT(d2.rows * 100 + d2.bytes * 10 + d2.elapsed_ms, 789);
    check_bounds(p, n, dec_job_done);
    pt_buf_free(&b);
}

/* ROWS and EXPORT_ROWS: rows in order, the op only in ROWS. */
static void rows_round_trip(int type)
{
    pt_rows_wr rw;
    pt_rows_rd rr;
    pt_row in[3] = {
        {PT_OP_PUT, 0, {"k1", 2}, {"{\"a\":1}", 7}},
        {PT_OP_DEL, 4, {"k\0two", 5}, {"", 0}},
        {PT_OP_PUT, 65535, {"", 0}, {"[]", 2}},
    }, out;
    pt_buf b;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, type);
    for (int i = 0; i < 3; i++)
        pt_rows_add(&rw, &in[i]);
    CHECK_EQ_INT(pt_rows_size(&rw), b.len);
    CHECK_EQ_INT(pt_rows_end(&rw), 0);
    p = payload_of(&b, type, &n);
    CHECK_EQ_INT(pt_rows_rd_init(&rr, type, p, n), 0);
    CHECK_EQ_INT(rr.n, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(pt_rows_next(&rr, &out), 1);
        CHECK_EQ_INT(out.op, type == PT_MSG_ROWS ? in[i].op : PT_OP_PUT);
        CHECK_EQ_INT(out.rel, in[i].rel);
        CHECK(out.key.n == in[i].key.n && memcmp(out.key.p, in[i].key.p, out.key.n) == 0);
        CHECK(out.value.n == in[i].value.n &&
              memcmp(out.value.p, in[i].value.p, out.value.n) == 0);
    }
    CHECK_EQ_INT(pt_rows_next(&rr, &out), 0);
    check_bounds(p, n, type == PT_MSG_ROWS ? dec_rows : dec_export_rows);
    pt_buf_free(&b);
}

TEST(rows)
{
    rows_round_trip(PT_MSG_ROWS);
}

TEST(export_rows)
{
    rows_round_trip(PT_MSG_EXPORT_ROWS);
}

TEST(empty_rows_frame)
{
    pt_rows_wr rw;
    pt_rows_rd rr;
    pt_row row;
    pt_buf b;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, PT_MSG_ROWS);
    CHECK_EQ_INT(pt_rows_end(&rw), 0);
    p = payload_of(&b, PT_MSG_ROWS, &n);
    CHECK_EQ_INT(pt_rows_rd_init(&rr, PT_MSG_ROWS, p, n), 0);
    CHECK_EQ_INT(pt_rows_next(&rr, &row), 0);
    pt_buf_free(&b);
}

/* A count that promises more rows than the payload holds. */
TEST(rows_count_lies)
{
    pt_rows_wr rw;
    pt_rows_rd rr;
    pt_row row = {PT_OP_PUT, 1, {"k", 1}, {"1", 1}};
    pt_buf b;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, PT_MSG_ROWS);
    pt_rows_add(&rw, &row);
    rw.n = 2;
    CHECK_EQ_INT(pt_rows_end(&rw), 0);
    p = payload_of(&b, PT_MSG_ROWS, &n);
    CHECK_EQ_INT(pt_rows_rd_init(&rr, PT_MSG_ROWS, p, n), 0);
    CHECK_EQ_INT(pt_rows_next(&rr, &row), 1);
    CHECK_EQ_INT(pt_rows_next(&rr, &row), -EBADMSG);
    CHECK_EQ_INT(rr.index, 1);
    pt_buf_free(&b);
}

TEST(reads)
{
    pt_get g = {3, {"a\"b", 3}}, g2;
    pt_value v = {1, {"{}", 2}}, v2;
    pt_buf b;
    pt_str s;
    uint64_t u;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_get(&b, &g), 0);
    p = payload_of(&b, PT_MSG_GET, &n);
    CHECK_EQ_INT(pt_dec_get(p, n, &g2), 0);
    CHECK_EQ_INT(g2.rel, 3);
    CHECK(streq(g2.key, "a\"b"));
    check_bounds(p, n, dec_get);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_value(&b, &v), 0);
    p = payload_of(&b, PT_MSG_VALUE, &n);
    CHECK_EQ_INT(pt_dec_value(p, n, &v2), 0);
    CHECK_EQ_INT(v2.found, 1);
    CHECK(streq(v2.value, "{}"));
    check_bounds(p, n, dec_value);

    for (int t = PT_MSG_COUNT; t <= PT_MSG_EXPORT; t += PT_MSG_EXPORT - PT_MSG_COUNT) {
        pt_buf_reset(&b);
        CHECK_EQ_INT(pt_enc_rel_request(&b, t, pt_str_c("IgnoredFiles")), 0);
        p = payload_of(&b, t, &n);
        CHECK_EQ_INT(pt_dec_rel_request(p, n, &s), 0);
        CHECK(streq(s, "IgnoredFiles"));
        check_bounds(p, n, dec_rel);
    }

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_count_r(&b, 99), 0);
    p = payload_of(&b, PT_MSG_COUNT_R, &n);
    CHECK_EQ_INT(pt_dec_u64_reply(p, n, &u), 0);
    CHECK_EQ_INT(u, 99);
    check_bounds(p, n, dec_u64);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_export_end(&b, 5), 0);
    p = payload_of(&b, PT_MSG_EXPORT_END, &n);
    CHECK_EQ_INT(pt_dec_u64_reply(p, n, &u), 0);
    CHECK_EQ_INT(u, 5);
    pt_buf_free(&b);
}

TEST(status_frames)
{
    pt_buf b;
    pt_str s;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_empty(&b, PT_MSG_STATUS), 0);
    p = payload_of(&b, PT_MSG_STATUS, &n);
    CHECK_EQ_INT(pt_dec_empty(p, n), 0);
    CHECK_EQ_INT(pt_dec_empty("x", 1), -EBADMSG);
    (void)dec_empty;

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_text(&b, PT_MSG_METRICS_R, pt_str_c("# HELP x\n")), 0);
    p = payload_of(&b, PT_MSG_METRICS_R, &n);
    CHECK_EQ_INT(pt_dec_text(p, n, &s), 0);
    CHECK(streq(s, "# HELP x\n"));
    check_bounds(p, n, dec_text);
    pt_buf_free(&b);
}

static int dec_reload_r(const char *p, size_t n) { pt_reload_r m; return pt_dec_reload_r(p, n, &m); }

/* RELOAD is empty; RELOAD_R carries the outcome and its words */
TEST(reload_frames)
{
    pt_reload_r m = {0, pt_str_c("c.yaml refused, nothing changed:\nc.yaml:2:9: ...")}, back;
    pt_buf b;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_empty(&b, PT_MSG_RELOAD), 0);
    p = payload_of(&b, PT_MSG_RELOAD, &n);
    CHECK_EQ_INT(pt_dec_empty(p, n), 0);
    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_reload_r(&b, &m), 0);
    p = payload_of(&b, PT_MSG_RELOAD_R, &n);
    CHECK_EQ_INT(pt_dec_reload_r(p, n, &back), 0);
    CHECK_EQ_INT(back.applied, 0);
    CHECK(streq(back.message, "c.yaml refused, nothing changed:\nc.yaml:2:9: ..."));
    check_bounds(p, n, dec_reload_r);
    CHECK_STREQ(pt_msg_name(PT_MSG_RELOAD_R), "RELOAD_R");
    CHECK_STREQ(pt_err_name(PT_ERR_DENIED), "denied");
    pt_buf_free(&b);
}

TEST(scan)
{
    pt_scan m = {4, PT_SCAN_REVERSE | PT_SCAN_FROM | PT_SCAN_TO | PT_SCAN_AFTER,
                 {"a\0b", 3}, {"z", 1}, {"m\"", 2}, 1000}, m2;
    pt_buf b;
    size_t n;
    const char *p;
    char *bad;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_scan(&b, &m), 0);
    p = payload_of(&b, PT_MSG_SCAN, &n);
    CHECK_EQ_INT(pt_dec_scan(p, n, &m2), 0);
    CHECK_EQ_INT(m2.rel, 4);
    CHECK_EQ_INT(m2.flags, m.flags);
    CHECK(m2.from.n == 3 && memcmp(m2.from.p, "a\0b", 3) == 0);
    CHECK(streq(m2.to, "z"));
    CHECK(streq(m2.after, "m\""));
    CHECK_EQ_INT(m2.limit, 1000);
    check_bounds(p, n, dec_scan);

    /* an unknown flag, and a bound sent without its flag, are refused */
    bad = malloc(n);
    memcpy(bad, p, n);
    bad[2] = (char)(m.flags | 32);
    CHECK_EQ_INT(pt_dec_scan(bad, n, &m2), -EBADMSG);
    bad[2] = (char)(m.flags & ~PT_SCAN_TO);
    CHECK_EQ_INT(pt_dec_scan(bad, n, &m2), -EBADMSG);
    free(bad);

    /* no bounds at all: empty strings, limit 0 */
    memset(&m, 0, sizeof(m));
    m.flags = PT_SCAN_KEYS_ONLY;
    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_scan(&b, &m), 0);
    p = payload_of(&b, PT_MSG_SCAN, &n);
    CHECK_EQ_INT(pt_dec_scan(p, n, &m2), 0);
    CHECK_EQ_INT(m2.flags, PT_SCAN_KEYS_ONLY);
    CHECK(m2.from.n == 0 && m2.to.n == 0 && m2.after.n == 0 && m2.limit == 0);
    check_bounds(p, n, dec_scan);
    pt_buf_free(&b);
}

TEST(mget_and_values)
{
    const char *keys[] = {"k1", "", "k\0three"};
    size_t klens[] = {2, 0, 7};
    pt_values_wr vw;
    pt_values_rd vr;
    pt_mget m;
    pt_buf b;
    pt_str s;
    uint8_t found;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_mget(&b, 2, 3, keys, klens), 0);
    p = payload_of(&b, PT_MSG_MGET, &n);
    CHECK_EQ_INT(pt_dec_mget(p, n, &m), 0);
    CHECK_EQ_INT(m.rel, 2);
    CHECK_EQ_INT(m.n, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(pt_dec_mget_key(&m, &s), 0);
        CHECK(s.n == klens[i] && memcmp(s.p, keys[i], s.n) == 0);
    }
    CHECK_EQ_INT(pt_dec_mget_end(&m), 0);
    check_bounds(p, n, dec_mget);

    /* a count larger than the payload could hold is refused up front */
    {
        char lie[6] = {2, 0, 0, 0, 0, 1}; /* rel 2, n = 2^24, no keys */
        CHECK_EQ_INT(pt_dec_mget(lie, sizeof(lie), &m), -EBADMSG);
    }

    pt_buf_reset(&b);
    pt_values_begin(&vw, &b);
    pt_values_add(&vw, 1, pt_str_c("{\"a\":1}"));
    pt_values_add(&vw, 0, pt_str_c(""));
    pt_values_add(&vw, 1, pt_str_c("[]"));
    CHECK_EQ_INT(pt_values_size(&vw), b.len);
    CHECK_EQ_INT(pt_values_end(&vw), 0);
    p = payload_of(&b, PT_MSG_MGET_VALUES, &n);
    CHECK_EQ_INT(pt_values_rd_init(&vr, p, n), 0);
    CHECK_EQ_INT(vr.n, 3);
    CHECK_EQ_INT(pt_values_next(&vr, &found, &s), 1);
    CHECK(found == 1 && streq(s, "{\"a\":1}"));
    CHECK_EQ_INT(pt_values_next(&vr, &found, &s), 1);
    CHECK(found == 0 && s.n == 0);
    CHECK_EQ_INT(pt_values_next(&vr, &found, &s), 1);
    CHECK(found == 1 && streq(s, "[]"));
    CHECK_EQ_INT(pt_values_next(&vr, &found, &s), 0);
    check_bounds(p, n, dec_values);
    pt_buf_free(&b);
}

static int dec_use(const char *p, size_t n) { pt_str m; return pt_dec_use(p, n, &m); }
static int dec_db_request(const char *p, size_t n) { pt_db_request m; return pt_dec_db_request(p, n, &m); }
static int dec_db_result(const char *p, size_t n) { pt_str m; return pt_dec_db_result(p, n, &m); }

/* USE and USE_OK carry one name, byte for byte: the decoder does not
 * judge it (that is the daemon's bad-name error, not a protocol one). */
TEST(use_frames)
{
    pt_buf b;
    pt_str s;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_use(&b, pt_str_c("analysis-2026.02_B")), 0);
    p = payload_of(&b, PT_MSG_USE, &n);
    CHECK_EQ_INT(n, 4 + 18);
    CHECK_EQ_INT(pt_dec_use(p, n, &s), 0);
    CHECK(streq(s, "analysis-2026.02_B"));
    check_bounds(p, n, dec_use);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_use_ok(&b, pt_str_c("default")), 0);
    p = payload_of(&b, PT_MSG_USE_OK, &n);
    CHECK_EQ_INT(pt_dec_use(p, n, &s), 0);
    CHECK(streq(s, "default"));
    check_bounds(p, n, dec_use);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_use(&b, (pt_str){"../x\0y", 6}), 0);
    p = payload_of(&b, PT_MSG_USE, &n);
    CHECK_EQ_INT(pt_dec_use(p, n, &s), 0);
    CHECK(s.n == 6 && memcmp(s.p, "../x\0y", 6) == 0);
    pt_buf_free(&b);
}

/* Every op round-trips with the fields it uses. */
TEST(db_request_frames)
{
    static const struct {
        int op;
        const char *name, *dir;
    } ok[] = {
        {PT_DB_LIST, "", ""},
        {PT_DB_CREATE, "Foo", ""},
        {PT_DB_DROP, "a.b", ""},
        {PT_DB_CHECKPOINT, "x", "/var/backups/x snap"},
        {PT_DB_RESTORE, "y", "C:\\backups\\y"},
    };
    pt_db_request m, back;
    pt_buf b;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        m.op = (uint8_t)ok[i].op;
        m.name = pt_str_c(ok[i].name);
        m.dir = pt_str_c(ok[i].dir);
        pt_buf_reset(&b);
        CHECK_EQ_INT(pt_enc_db_request(&b, &m), 0);
        p = payload_of(&b, PT_MSG_DB_REQUEST, &n);
        CHECK_EQ_INT(n, 1 + 4 + strlen(ok[i].name) + 4 + strlen(ok[i].dir));
        CHECK_EQ_INT((unsigned char)p[0], ok[i].op);
        CHECK_EQ_INT(pt_dec_db_request(p, n, &back), 0);
        CHECK_EQ_INT(back.op, ok[i].op);
        CHECK(streq(back.name, ok[i].name));
        CHECK(streq(back.dir, ok[i].dir));
        check_bounds(p, n, dec_db_request);
    }
    pt_buf_free(&b);
}

static int dec_db_request_of(int op, const char *name, const char *dir)
{
    pt_db_request m = {(uint8_t)op, pt_str_c(name), pt_str_c(dir)}, back;
    pt_buf b;
    size_t n;
    const char *p;
    int r;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_db_request(&b, &m), 0);
    p = payload_of(&b, PT_MSG_DB_REQUEST, &n);
    r = pt_dec_db_request(p, n, &back);
    pt_buf_free(&b);
    return r;
}

/* An unknown op, and a field the op has no use for, are protocol errors;
 * what the fields hold is left to the daemon. */
TEST(db_request_refused)
{
    CHECK_EQ_INT(dec_db_request_of(0, "", ""), -EBADMSG);
    CHECK_EQ_INT(dec_db_request_of(6, "x", ""), -EBADMSG);
    CHECK_EQ_INT(dec_db_request_of(255, "x", "/d"), -EBADMSG);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_LIST, "x", ""), -EBADMSG);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_LIST, "", "/d"), -EBADMSG);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_CREATE, "x", "/d"), -EBADMSG);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_DROP, "x", "/d"), -EBADMSG);
    /* left to the daemon: bad-name, bad-request */
    CHECK_EQ_INT(dec_db_request_of(PT_DB_CREATE, "", ""), 0);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_DROP, "../etc", ""), 0);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_CHECKPOINT, "x", ""), 0);
    CHECK_EQ_INT(dec_db_request_of(PT_DB_RESTORE, "x", "relative/dir"), 0);
}

TEST(db_result_frames)
{
    const char *json = "{\"databases\":[{\"name\":\"default\",\"state\":\"open\","
                       "\"rows\":3,\"bytes_on_disk\":4096,\"jobs_active\":0}]}";
    pt_buf b;
    pt_str s;
    size_t n;
    const char *p;

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_db_result(&b, pt_str_c(json)), 0);
    p = payload_of(&b, PT_MSG_DB_RESULT, &n);
    CHECK_EQ_INT(pt_dec_db_result(p, n, &s), 0);
    CHECK(streq(s, json));
    check_bounds(p, n, dec_db_result);
    pt_buf_free(&b);
}

TEST(db_names_of_codes)
{
    CHECK_EQ_INT(PT_MSG_USE, 50);
    CHECK_EQ_INT(PT_MSG_USE_OK, 51);
    CHECK_EQ_INT(PT_MSG_DB_REQUEST, 52);
    CHECK_EQ_INT(PT_MSG_DB_RESULT, 53);
    CHECK_STREQ(pt_msg_name(PT_MSG_USE), "USE");
    CHECK_STREQ(pt_msg_name(PT_MSG_USE_OK), "USE_OK");
    CHECK_STREQ(pt_msg_name(PT_MSG_DB_REQUEST), "DB_REQUEST");
    CHECK_STREQ(pt_msg_name(PT_MSG_DB_RESULT), "DB_RESULT");
    CHECK_STREQ(pt_msg_name(54), "UNKNOWN");
    CHECK_EQ_INT(PT_ERR_BAD_NAME, 13);
    CHECK_EQ_INT(PT_ERR_NO_DATABASE, 14);
    CHECK_EQ_INT(PT_ERR_EXISTS, 15);
    CHECK_EQ_INT(PT_ERR_DB_BUSY, 16);
    CHECK_STREQ(pt_err_name(PT_ERR_BAD_NAME), "bad-name");
    CHECK_STREQ(pt_err_name(PT_ERR_NO_DATABASE), "no-database");
    CHECK_STREQ(pt_err_name(PT_ERR_EXISTS), "exists");
    CHECK_STREQ(pt_err_name(PT_ERR_DB_BUSY), "db-busy");
    CHECK_STREQ(pt_err_name(17), "unknown");
    CHECK_STREQ(pt_db_op_name(PT_DB_LIST), "list");
    CHECK_STREQ(pt_db_op_name(PT_DB_CREATE), "create");
    CHECK_STREQ(pt_db_op_name(PT_DB_DROP), "drop");
    CHECK_STREQ(pt_db_op_name(PT_DB_CHECKPOINT), "checkpoint");
    CHECK_STREQ(pt_db_op_name(PT_DB_RESTORE), "restore");
    CHECK_STREQ(pt_db_op_name(0), "unknown");
}

TEST(bulk_frames)
{
    pt_job_begin_bulk bb = {{"big-1", 5}, PT_BULK_AUTO, 418000000ull}, bb2;
    pt_job_started_bulk sb = {{{"big-1", 5}, 77, 0}, 1}, sb2;
    pt_bulk_phase ph = {{"writing-ssts", 12}, 1234567, 9999999}, ph2;
    pt_buf b;
    size_t n;
    const char *p;
    char bad[64];

    pt_buf_init(&b);
    CHECK_EQ_INT(pt_enc_job_begin_bulk(&b, &bb), 0);
    p = payload_of(&b, PT_MSG_JOB_BEGIN_BULK, &n);
    CHECK_EQ_INT(pt_dec_job_begin_bulk(p, n, &bb2), 0);
    CHECK(streq(bb2.id, "big-1"));
    CHECK_EQ_INT(bb2.mode, PT_BULK_AUTO);
    CHECK_EQ_INT(bb2.size_hint, 418000000ull);
    check_bounds(p, n, dec_begin_bulk);
    /* an unknown mode is refused */
    memcpy(bad, p, n);
    bad[4 + 5] = 2;
    CHECK_EQ_INT(pt_dec_job_begin_bulk(bad, n, &bb2), -EBADMSG);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_job_started_bulk(&b, &sb), 0);
    p = payload_of(&b, PT_MSG_JOB_STARTED_BULK, &n);
    CHECK_EQ_INT(pt_dec_job_started_bulk(p, n, &sb2), 0);
    CHECK(streq(sb2.s.id, "big-1"));
    CHECK_EQ_INT(sb2.s.committed, 77);
    CHECK_EQ_INT(sb2.s.already_done, 0);
    CHECK_EQ_INT(sb2.bulk, 1);
    check_bounds(p, n, dec_started_bulk);

    pt_buf_reset(&b);
    CHECK_EQ_INT(pt_enc_bulk_phase(&b, &ph), 0);
    p = payload_of(&b, PT_MSG_BULK_PHASE, &n);
    CHECK_EQ_INT(pt_dec_bulk_phase(p, n, &ph2), 0);
    CHECK(streq(ph2.phase, "writing-ssts"));
    CHECK_EQ_INT(ph2.done_bytes, 1234567);
    CHECK_EQ_INT(ph2.total_bytes, 9999999);
    check_bounds(p, n, dec_bulk_phase);

    CHECK_STREQ(pt_msg_name(PT_MSG_BULK_PHASE), "BULK_PHASE");
    CHECK_STREQ(pt_err_name(PT_ERR_BULK_MODE), "bulk-mode");
    pt_buf_free(&b);
}

int main(void)
{
    RUN(hello_and_hello_ok);
    RUN(error_and_job_frames);
    RUN(rows);
    RUN(export_rows);
    RUN(empty_rows_frame);
    RUN(rows_count_lies);
    RUN(reads);
    RUN(status_frames);
    RUN(reload_frames);
    RUN(scan);
    RUN(mget_and_values);
    RUN(use_frames);
    RUN(db_request_frames);
    RUN(db_request_refused);
    RUN(db_result_frames);
    RUN(db_names_of_codes);
    RUN(bulk_frames);
    return CHECK_DONE();
}
