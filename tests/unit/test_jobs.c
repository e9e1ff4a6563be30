/* jobs: admission and back-pressure, acknowledgements, resume offsets
 * across a restart, abort, failure, bad rows, and admission that never
 * nests, against fake events, a fake queue and a real temporary RocksDB. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include "check.h"
#include "common/clock.h"
#include "common/frame.h"
#include "common/protocol.h"
#include "daemon/jobs.h"
#include "store_fixture.h"

/* --- a fake queue: pending chunks, done chunks, a byte bound ------------- */

typedef struct fake_queue {
    chunk_list pending, done;
    uint64_t used, cap;
    store *s;
} fake_queue;

static int q_has_room(void *ud, uint64_t mem)
{
    fake_queue *q = ud;
    return q->used == 0 || q->used + mem <= q->cap;
}

static void q_push(void *ud, chunk *c)
{
    fake_queue *q = ud;
    q->used += c->mem;
    chunk_list_push(&q->pending, c);
}

static uint64_t q_capacity(void *ud)
{
    return ((fake_queue *)ud)->cap;
}

static void q_take_done(void *ud, chunk_list *out)
{
    fake_queue *q = ud;
    chunk *c;

    while ((c = chunk_list_pop(&q->done))) {
        q->used -= c->mem;
        chunk_list_push(out, c);
    }
}

/* The writer's part: write (or fail) the first n pending chunks. */
static int complete(fake_queue *q, int n, int status)
{
    char err[256];
    chunk *c;
    int k = 0;

    while (k < n && (c = chunk_list_pop(&q->pending))) {
        c->status = status;
        if (status == 0)
            CHECK_EQ_INT(store_write(q->s, c->batch, 0, err, sizeof(err)), 0);
        else
            snprintf(c->err, sizeof(c->err), "disk on fire");
        chunk_list_push(&q->done, c);
        k++;
    }
    return k;
}

/* --- fake clients: what the events said ----------------------------------- */

typedef struct client {
    uint64_t acked_rows, acked_bytes, acks;
    int done, failed, fail_code, unblocked, progress;
    char fail_msg[512];
    job *j;
    int more_rows;          /* rows to send from the unblocked event */
} client;

static int in_unblocked, nested;
static int activity_calls;
static fake_queue fq;
static jobs *js;

static void build_rows(pt_buf *b, int n, int rel, const char *prefix, int first);

static void ev_acked(void *cl, uint64_t rows, uint64_t bytes)
{
    client *c = cl;
    CHECK(rows >= c->acked_rows);
    c->acked_rows = rows;
    c->acked_bytes = bytes;
    c->acks++;
}

static void ev_progress(void *cl, uint64_t rows, uint64_t bytes, uint64_t rate)
{
    (void)rows, (void)bytes, (void)rate;
    ((client *)cl)->progress++;
}

static void ev_done(void *cl, uint64_t rows, uint64_t bytes, uint64_t ms)
{
    client *c = cl;
    (void)bytes, (void)ms;
    c->done++;
    c->acked_rows = rows;
}

static void ev_failed(void *cl, int code, const char *msg)
{
    client *c = cl;
    c->failed++;
    c->fail_code = code;
    snprintf(c->fail_msg, sizeof(c->fail_msg), "%s", msg);
}

/* A client that sends more as soon as it may: its rows seal chunks and
 * ask for admission from inside an unblocked event. */
static void ev_unblocked(void *cl)
{
    client *c = cl;
    char err[256];
    pt_buf b;

    if (in_unblocked)
        nested++;
    in_unblocked++;
    c->unblocked++;
    if (c->more_rows && c->j && !job_blocked(c->j)) {
        build_rows(&b, c->more_rows, 0, "more", c->unblocked * 1000);
        c->more_rows = 0;
        CHECK_EQ_INT(job_add_rows(c->j, b.data + PT_FRAME_HEADER, b.len - PT_FRAME_HEADER,
                                  err, sizeof(err)), 0);
        pt_buf_free(&b);
    }
    in_unblocked--;
}

static void ev_activity(void *ud)
{
    (void)ud;
    activity_calls++;
}

static const job_events events = {ev_acked, ev_progress, ev_done, ev_failed, ev_unblocked,
                                  ev_activity, NULL, NULL};

static void build_rows(pt_buf *b, int n, int rel, const char *prefix, int first)
{
    pt_rows_wr rw;
    char key[64];

    pt_buf_init(b);
    pt_rows_begin(&rw, b, PT_MSG_ROWS);
    for (int i = 0; i < n; i++) {
        pt_row row = {PT_OP_PUT, (uint16_t)rel, {key, 0}, {"{\"v\":1}", 7}};
        row.key.n = (size_t)snprintf(key, sizeof(key), "%s-%06d", prefix, first + i);
        pt_rows_add(&rw, &row);
    }
    CHECK_EQ_INT(pt_rows_end(&rw), 0);
}

static int add_rows(job *j, int n, const char *prefix, int first)
{
    char err[256];
    pt_buf b;
    int r;

    build_rows(&b, n, 0, prefix, first);
    r = job_add_rows(j, b.data + PT_FRAME_HEADER, b.len - PT_FRAME_HEADER, err, sizeof(err));
    pt_buf_free(&b);
    return r;
}

static jobdb tdb; /* the one database of these tests */

static void start_jobs(store *s, uint64_t cap, uint64_t rows_per_chunk)
{
    job_sink sink = {q_has_room, q_push, q_take_done, &fq, q_capacity};
    jobs_limits l = {rows_per_chunk, 1 << 20, 1024, 1 << 20, 0, 20, 500, 0, 0, 0, 0};
    pt_diag d;

    memset(&fq, 0, sizeof(fq));
    fq.cap = cap;
    fq.s = s;
    CHECK_EQ_INT(jobs_new(&js, uv_default_loop(), &sink, &events), 0);
    jobs_set_limits(js, &l);
    memset(&tdb, 0, sizeof(tdb));
    tdb.s = s;
    tdb.name = "default";
    diag_init(&d);
    CHECK_EQ_INT(jobs_load_records(&tdb, 0, &d), 0);
    diag_free(&d);
    jobs_attach(js, &tdb);
}

static void stop_jobs(void)
{
    complete(&fq, 1 << 30, -ECANCELED);
    jobs_on_done(js);
    jobs_free(js);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    js = NULL;
    jobrecs_free(&tdb.recs);
}

static job *begin(client *c, const char *id, uint64_t *committed)
{
    char err[256];
    int code;

    c->j = job_begin(js, &tdb, c, id, strlen(id), committed, &code, err, sizeof(err));
    return c->j;
}

TEST(backpressure_and_acks)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client c = {0};
    uint64_t committed;
    jobs_stats st;

    start_jobs(s, 1, 2); /* room for one chunk at a time */
    CHECK(begin(&c, "bp", &committed) != NULL);
    CHECK_EQ_INT(committed, 0);
    CHECK_EQ_INT(tdb.held, 1);
    CHECK_EQ_INT(add_rows(c.j, 6, "k", 0), 0);
    CHECK_EQ_INT(fq.pending.n, 1);      /* 3 sealed, 1 admitted */
    CHECK(job_blocked(c.j));
    jobs_get_stats(js, &st);
    CHECK_EQ_INT(st.blocked, 1);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(complete(&fq, 1, 0), 1);
        jobs_on_done(js);
        CHECK_EQ_INT(c.acked_rows, 2 * (i + 1));
    }
    CHECK(!job_blocked(c.j));
    CHECK_EQ_INT(c.unblocked, 1);
    CHECK(c.acked_bytes > 0);
    /* JOB_END must agree with what arrived */
    {
        char err[256];
        CHECK_EQ_INT(job_end(c.j, 5, err, sizeof(err)), -EINVAL);
        CHECK(strstr(err, "says 5 rows but 6 arrived") != NULL);
        CHECK_EQ_INT(job_end(c.j, 6, err, sizeof(err)), 0);
    }
    CHECK_EQ_INT(complete(&fq, 1, 0), 1); /* the final (empty) chunk */
    jobs_on_done(js);
    CHECK_EQ_INT(c.done, 1);
    CHECK_EQ_INT(job_state(c.j), JOB_DONE);
    CHECK_EQ_INT(tdb.held, 0); /* done, nothing out: the database may close */
    CHECK(activity_calls > 0);
    stop_jobs();
    fixture_close(s, dir);
}

TEST(resume_after_restart)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client a = {0}, b = {0}, c = {0};
    uint64_t committed;
    char err[256];
    int code;

    start_jobs(s, 1 << 20, 2);
    CHECK(begin(&a, "r1", &committed) != NULL);
    CHECK_EQ_INT(add_rows(a.j, 5, "r", 0), 0);
    CHECK_EQ_INT(fq.pending.n, 2);
    CHECK_EQ_INT(complete(&fq, 2, 0), 2);   /* rows 1-4 durable */
    jobs_on_done(js);
    CHECK_EQ_INT(a.acked_rows, 4);
    job_client_gone(a.j);                   /* row 5 is sealed, never written */
    CHECK_EQ_INT(job_state(a.j), JOB_ABORTED);
    CHECK_EQ_INT(fq.pending.n, 1);
    stop_jobs();                            /* "crash": it fails */

    start_jobs(s, 1 << 20, 2);
    CHECK(begin(&b, "r1", &committed) != NULL);
    CHECK_EQ_INT(committed, 4);
    CHECK_EQ_INT(add_rows(b.j, 1, "r", 4), 0);
    CHECK_EQ_INT(job_end(b.j, 5, err, sizeof(err)), 0);
    complete(&fq, 10, 0);
    jobs_on_done(js);
    CHECK_EQ_INT(b.done, 1);
    CHECK_EQ_INT(b.acked_rows, 5);
    stop_jobs();

    /* a finished job is not run again */
    start_jobs(s, 1 << 20, 2);
    c.j = job_begin(js, &tdb, &c, "r1", 2, &committed, &code, err, sizeof(err));
    CHECK(c.j == NULL);
    CHECK_EQ_INT(code, 0);
    CHECK_EQ_INT(committed, 5);
    stop_jobs();
    fixture_close(s, dir);
}

TEST(failure_and_duplicates)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client a = {0}, b = {0};
    uint64_t committed;
    char err[256];
    int code;
    jobs_stats st;

    start_jobs(s, 1 << 20, 2);
    CHECK(begin(&a, "f", &committed) != NULL);
    CHECK(job_begin(js, &tdb, &b, "f", 1, &committed, &code, err, sizeof(err)) == NULL);
    CHECK_EQ_INT(code, PT_ERR_PROTOCOL);
    CHECK(strstr(err, "already running") != NULL);
    CHECK(job_begin(js, &tdb, &b, "bad id", 6, &committed, &code, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "job id must be") != NULL);
    CHECK_EQ_INT(add_rows(a.j, 4, "f", 0), 0);
    complete(&fq, 1, 0);
    complete(&fq, 1, -EIO);
    jobs_on_done(js);
    CHECK_EQ_INT(a.acked_rows, 2);
    CHECK_EQ_INT(a.failed, 1);
    CHECK_EQ_INT(a.fail_code, PT_ERR_STORE);
    CHECK(strstr(a.fail_msg, "disk on fire") != NULL);
    CHECK(strstr(a.fail_msg, "2 rows of job f are durable") != NULL);
    CHECK_EQ_INT(job_state(a.j), JOB_FAILED);
    jobs_get_stats(js, &st);
    CHECK_EQ_INT(st.failed, 1);
    CHECK_EQ_INT(st.write_errors, 1);
    stop_jobs();
    fixture_close(s, dir);
}

TEST(bad_rows)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client a = {0};
    uint64_t committed;
    char err[256], big[2048];
    pt_rows_wr rw;
    pt_buf b;

    start_jobs(s, 1 << 20, 100);
    CHECK(begin(&a, "bad", &committed) != NULL);
    build_rows(&b, 1, 9, "x", 0); /* relation index 9 of 5 */
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 8, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "row 1: unknown relation index 9") != NULL);
    pt_buf_free(&b);

    memset(big, 'k', sizeof(big));
    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, PT_MSG_ROWS);
    pt_rows_add(&rw, &(pt_row){PT_OP_PUT, 0, {big, sizeof(big)}, {"1", 1}});
    pt_rows_end(&rw);
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 8, err, sizeof(err)), -E2BIG);
    CHECK(strstr(err, "exceeds ingest.max_key_bytes (1024)") != NULL);
    /* truncated and padded payloads */
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 9, err, sizeof(err)), -EBADMSG);
    CHECK(strstr(err, "malformed ROWS frame") != NULL);
    pt_buf_free(&b);
    /* what export would print as a forged row: refused */
    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, PT_MSG_ROWS);
    pt_rows_add(&rw, &(pt_row){PT_OP_PUT, 0, {"k", 1}, pt_str_c("1\n{\"key\":\"X\"}")});
    pt_rows_end(&rw);
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 8, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "value is not one compact JSON text") != NULL);
    pt_buf_free(&b);
    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, PT_MSG_ROWS);
    pt_rows_add(&rw, &(pt_row){PT_OP_DEL, 0, {"k", 1}, {"1", 1}});
    pt_rows_end(&rw);
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 8, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "a delete carries no value") != NULL);
    pt_buf_free(&b);
    pt_buf_init(&b);
    pt_rows_begin(&rw, &b, PT_MSG_ROWS);
    pt_rows_add(&rw, &(pt_row){PT_OP_PUT, 0, {"\xc3", 1}, {"1", 1}});
    pt_rows_end(&rw);
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 8, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "key is not valid UTF-8 (byte 0)") != NULL);
    pt_buf_free(&b);

    build_rows(&b, 2, 0, "ok", 0);
    pt_buf_append(&b, "!", 1);
    CHECK_EQ_INT(job_add_rows(a.j, b.data + 8, b.len - 8, err, sizeof(err)), -EBADMSG);
    CHECK(strstr(err, "trailing bytes") != NULL);
    pt_buf_free(&b);
    stop_jobs();
    fixture_close(s, dir);
}

/* Two blocked clients that send more the moment they are unblocked:
 * admission hands out unblocked events one at a time, never nested. */
TEST(admission_never_nests)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client a = {0}, b = {0};
    uint64_t committed;

    nested = 0;
    start_jobs(s, 1, 1);
    CHECK(begin(&a, "na", &committed) != NULL);
    CHECK(begin(&b, "nb", &committed) != NULL);
    CHECK_EQ_INT(add_rows(a.j, 3, "a", 0), 0);
    CHECK_EQ_INT(add_rows(b.j, 3, "b", 0), 0);
    a.more_rows = b.more_rows = 2;
    fq.cap = 1 << 20; /* room for everything now */
    for (int i = 0; i < 20 && (fq.pending.n || job_blocked(a.j) || job_blocked(b.j)); i++) {
        complete(&fq, 100, 0);
        jobs_on_done(js);
    }
    CHECK_EQ_INT(nested, 0);
    CHECK(a.unblocked >= 1 && b.unblocked >= 1);
    CHECK_EQ_INT(a.acked_rows, 5);
    CHECK_EQ_INT(b.acked_rows, 5);
    stop_jobs();
    fixture_close(s, dir);
}

/* The client pauses: its partial chunk is sealed after the linger time. */
TEST(linger_and_progress)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client a = {0};
    uint64_t committed;

    start_jobs(s, 1 << 20, 100);
    CHECK(begin(&a, "lg", &committed) != NULL);
    CHECK_EQ_INT(add_rows(a.j, 3, "l", 0), 0);
    CHECK_EQ_INT(fq.pending.n, 0);
    jobs_tick(js, pt_now_ns() + 10ull * 1000000000ull);
    CHECK_EQ_INT(fq.pending.n, 1);
    CHECK_EQ_INT(a.progress, 1);
    complete(&fq, 1, 0);
    jobs_on_done(js);
    CHECK_EQ_INT(a.acked_rows, 3);
    stop_jobs();
    fixture_close(s, dir);
}

/* A small job beside a huge one: once the huge one holds more than its
 * half of the queue, the small one's chunk goes in at the first room. */
TEST(fair_share)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    client big = {0}, small = {0};
    uint64_t committed, mem;
    chunk *c;

    start_jobs(s, 1, 1);
    CHECK(begin(&big, "big", &committed) != NULL);
    CHECK_EQ_INT(add_rows(big.j, 1, "probe", 0), 0);
    mem = fq.pending.head->mem;
    complete(&fq, 1, 0);
    jobs_on_done(js);
    fq.cap = 10 * mem; /* room for ten chunks */
    CHECK_EQ_INT(add_rows(big.j, 50, "b", 0), 0);
    CHECK_EQ_INT(fq.pending.n, 10);
    CHECK(job_blocked(big.j));
    CHECK(begin(&small, "small", &committed) != NULL);
    CHECK_EQ_INT(add_rows(small.j, 1, "s", 0), 0);
    CHECK(job_blocked(small.j)); /* no room at all yet */
    complete(&fq, 1, 0);
    jobs_on_done(js);
    /* big holds 9 of 10, past its share of 5: small's chunk went in */
    CHECK(!job_blocked(small.j));
    CHECK_EQ_INT(small.unblocked, 1);
    c = fq.pending.tail;
    CHECK(c && c->job == (struct job *)small.j);
    complete(&fq, 100, 0);
    jobs_on_done(js);
    CHECK_EQ_INT(small.acked_rows, 1);
    stop_jobs();
    fixture_close(s, dir);
}

/* An unnamed job never takes an id a client chose, nor a recorded one. */
TEST(auto_names_are_unique)
{
    char dir[64], id[64];
    store *s = fixture_store(dir, sizeof(dir));
    client a = {0}, b = {0}, c = {0};
    uint64_t committed, t = (uint64_t)time(NULL);

    start_jobs(s, 1 << 20, 100);
    /* the names the next unnamed job would get this second or the next */
    snprintf(id, sizeof(id), "job-%llu-3", (unsigned long long)t);
    CHECK(begin(&a, id, &committed) != NULL);
    snprintf(id, sizeof(id), "job-%llu-3", (unsigned long long)t + 1);
    CHECK(begin(&b, id, &committed) != NULL);
    CHECK(begin(&c, "", &committed) != NULL);
    CHECK(strcmp(job_id(c.j), job_id(a.j)) != 0);
    CHECK(strcmp(job_id(c.j), job_id(b.j)) != 0);
    CHECK(strncmp(job_id(c.j), "job-", 4) == 0);
    stop_jobs();
    fixture_close(s, dir);
}

/* Records are capped, the oldest finished ones going first, and found by
 * id however many there are. */
TEST(records_capped)
{
    char dir[64], id[32], err[256];
    store *s = fixture_store(dir, sizeof(dir));
    client c = {0}, run = {0};
    uint64_t committed;
    jobs_stats st;

    start_jobs(s, 1 << 20, 100);
    jobs_set_max_records(js, 16);
    CHECK(begin(&run, "still-running", &committed) != NULL);
    for (int i = 0; i < 40; i++) {
        memset(&c, 0, sizeof(c));
        snprintf(id, sizeof(id), "done-%02d", i);
        CHECK(begin(&c, id, &committed) != NULL);
        CHECK_EQ_INT(add_rows(c.j, 1, id, 0), 0);
        CHECK_EQ_INT(job_end(c.j, 1, err, sizeof(err)), 0);
        complete(&fq, 100, 0);
        jobs_on_done(js);
        CHECK_EQ_INT(c.done, 1);
    }
    jobs_get_stats(js, &st);
    CHECK_EQ_INT(tdb.recs.n, 16);
    CHECK_EQ_INT(st.max_records, 16);
    /* the running job's record and the newest finished ones stay */
    CHECK(jobrecs_find(&tdb.recs, "still-running", 13) != NULL);
    CHECK(jobrecs_find(&tdb.recs, "done-39", 7) != NULL);
    CHECK(jobrecs_find(&tdb.recs, "done-00", 7) == NULL);
    CHECK_EQ_INT(tdb.recs.tail->r.state, JOBREC_DONE);
    CHECK_STREQ(tdb.recs.tail->id, "done-39");
    stop_jobs();

    /* what was dropped is gone from the store too (the running job wrote
     * no chunk, so its record was never stored: 15) */
    start_jobs(s, 1 << 20, 100);
    CHECK_EQ_INT(tdb.recs.n, 15);
    CHECK(jobrecs_find(&tdb.recs, "done-20", 7) == NULL);
    CHECK(jobrecs_find(&tdb.recs, "done-30", 7) != NULL);
    stop_jobs();
    fixture_close(s, dir);
}

int main(void)
{
    RUN(backpressure_and_acks);
    RUN(resume_after_restart);
    RUN(failure_and_duplicates);
    RUN(bad_rows);
    RUN(admission_never_nests);
    RUN(linger_and_progress);
    RUN(auto_names_are_unique);
    RUN(fair_share);
    RUN(records_capped);
    return CHECK_DONE();
}
