/* The writer thread against a real temporary RocksDB: chunks written as
 * whole batches and handed back, the WAL synced once for a group that asks
 * for it, counters and commit latency kept, and writes refused (not
 * half-done) below the free-space floor, with the refused job's later
 * chunks cancelled. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "common/clock.h"
#include "daemon/chunk_queue.h"
#include "daemon/writer.h"
#include "store_fixture.h"

static atomic_int wakes;

static void on_wake(void *arg)
{
    (void)arg;
    atomic_fetch_add(&wakes, 1);
}

static chunk *make_chunk(store *s, const char *prefix, int rows, int sync)
{
    chunker ck;
    chunk_list out = {0};
    char key[32];
    chunk *c;

    chunker_init(&ck, 1000, 1 << 20);
    for (int i = 0; i < rows; i++) {
        int n = snprintf(key, sizeof(key), "%s-%d", prefix, i);
        CHECK_EQ_INT(chunker_add(&ck, s, 0, 1, key, (size_t)n, "[1,2]", 5, &out), 0);
    }
    CHECK_EQ_INT(chunker_flush(&ck, 0, &out), 0);
    chunker_free(&ck);
    c = chunk_list_pop(&out);
    CHECK(c != NULL && out.n == 0);
    c->need_sync = sync;
    c->job_token = 7;
    c->store = s;
    c->mem = store_batch_bytes(c->batch);
    return c;
}

/* Wait until n chunks came back (at most ~10 s). */
static void take(chunk_queue *q, chunk_list *done, size_t n)
{
    for (int i = 0; i < 2000 && done->n < n; i++) {
        chunk_list got = {0};
        chunk *c;
        chunk_queue_take_done(q, &got);
        while ((c = chunk_list_pop(&got)))
            chunk_list_push(done, c);
        if (done->n < n)
            uv_sleep(5);
    }
    CHECK_EQ_INT(done->n, n);
}

TEST(writes_and_hands_back)
{
    char dir[64], err[256];
    store *s = fixture_store(dir, sizeof(dir));
    chunk_queue q;
    writer *w;
    writer_stats st;
    lathist_snap h;
    chunk_list done = {0};
    chunk *c;
    char *val;
    size_t vlen;

    CHECK_EQ_INT(chunk_queue_init(&q, 1 << 20, on_wake, NULL), 0);
    CHECK_EQ_INT(writer_new(&w, &q, 0), 0);
    CHECK_EQ_INT(writer_start(w), 0);
    chunk_queue_push(&q, make_chunk(s, "a", 10, 0));
    chunk_queue_push(&q, make_chunk(s, "b", 20, 1));
    take(&q, &done, 2);
    while ((c = chunk_list_pop(&done))) {
        CHECK_EQ_INT(c->status, 0);
        chunk_free(c);
    }
    CHECK(atomic_load(&wakes) > 0);
    CHECK_EQ_INT(store_get(s, 1, "b-19", 4, &val, &vlen, err, sizeof(err)), 1);
    CHECK(vlen == 5 && memcmp(val, "[1,2]", 5) == 0);
    free(val);
    writer_get_stats(w, &st);
    CHECK_EQ_INT(st.chunks_written, 2);
    CHECK_EQ_INT(st.rows_written, 30);
    CHECK(st.syncs >= 1);
    CHECK(st.alive);
    writer_commit_latency(w, &h);
    CHECK_EQ_INT(h.count, 2);
    CHECK(writer_healthy(w, pt_now_ns(), 1000000000ull, 0));
    writer_free(w);
    chunk_queue_destroy(&q);
    fixture_close(s, dir);
}

TEST(refuses_below_free_space_floor)
{
    char dir[64], err[256];
    store *s = fixture_store(dir, sizeof(dir));
    writer_limits l = {UINT64_C(1) << 62, 1, 1000, 0};
    chunk_queue q;
    writer *w;
    writer_stats st;
    chunk_list done = {0};
    chunk *c;
    char *val = NULL;
    size_t vlen;

    CHECK_EQ_INT(chunk_queue_init(&q, 1 << 20, on_wake, NULL), 0);
    CHECK_EQ_INT(writer_new(&w, &q, 0), 0);
    writer_set_limits(w, &l);
    CHECK_EQ_INT(writer_start(w), 0);
    chunk_queue_push(&q, make_chunk(s, "c", 5, 1));
    take(&q, &done, 1);
    c = chunk_list_pop(&done);
    CHECK_EQ_INT(c->status, -ENOSPC);
    CHECK(strstr(c->err, "below the floor of") != NULL &&
          strstr(c->err, "(ingest.min_free_bytes 4611686018427.4 MB;") != NULL);
    chunk_free(c);
    CHECK_EQ_INT(store_get(s, 1, "c-0", 3, &val, &vlen, err, sizeof(err)), 0);
    writer_get_stats(w, &st);
    CHECK_EQ_INT(st.refused_low_space, 1);
    CHECK_EQ_INT(st.chunks_written, 0);
    /* room again (the memtables flushed): the refused job's later chunk
     * must not be written, or its rows would have a hole; another job's is */
    l.min_free_bytes = 0;
    writer_set_limits(w, &l);
    chunk_queue_push(&q, make_chunk(s, "d", 5, 0));
    c = make_chunk(s, "e", 5, 0);
    c->job_token = 8;
    chunk_queue_push(&q, c);
    take(&q, &done, 2);
    c = chunk_list_pop(&done);
    CHECK_EQ_INT(c->status, -ECANCELED);
    chunk_free(c);
    c = chunk_list_pop(&done);
    CHECK_EQ_INT(c->status, 0);
    chunk_free(c);
    CHECK_EQ_INT(store_get(s, 1, "d-0", 3, &val, &vlen, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_get(s, 1, "e-0", 3, &val, &vlen, err, sizeof(err)), 1);
    free(val);
    val = NULL;
    writer_stop(w);
    writer_get_stats(w, &st);
    CHECK(!st.alive);
    writer_free(w);
    chunk_queue_destroy(&q);
    fixture_close(s, dir);
}

/* Write a chunk, then flush it into one more level-0 file of relation 1. */
static void write_and_flush(chunk_queue *q, store *s, int k)
{
    char prefix[16], err[256];
    chunk_list done = {0};
    pace_signals sig = {0};
    uint64_t before;
    chunk *c;

    CHECK_EQ_INT(store_pace_signals(s, 1, &sig), 0);
    before = sig.l0_files;
    snprintf(prefix, sizeof(prefix), "l0-%d", k);
    chunk_queue_push(q, make_chunk(s, prefix, 10, 0));
    take(q, &done, 1);
    while ((c = chunk_list_pop(&done))) {
        CHECK_EQ_INT(c->status, 0);
        chunk_free(c);
    }
    CHECK_EQ_INT(store_flush_all(s, err, sizeof(err)), 0);
    for (int i = 0; i < 1000 && sig.l0_files == before; i++) {
        uv_sleep(5);
        CHECK_EQ_INT(store_pace_signals(s, 1, &sig), 0);
    }
}

/* stall.bulk_l0_max_files: the profile defers compaction, so level 0 only
 * grows while it is on; at the bound the database leaves it, whatever the
 * loop wants, and with no bound it takes it again. */
TEST(level0_bound_takes_a_database_out_of_the_bulk_profile)
{
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    writer_limits l = {0, 1, 1000, 3};
    chunk_queue q;
    writer *w;

    CHECK_EQ_INT(chunk_queue_init(&q, 1 << 20, NULL, NULL), 0);
    CHECK_EQ_INT(writer_new(&w, &q, 0), 0);
    writer_set_limits(w, &l);
    writer_want_bulk(w, 1);
    CHECK_EQ_INT(writer_start(w), 0);
    for (int k = 0; k < 3; k++) {
        write_and_flush(&q, s, k);
        CHECK_EQ_INT(store_bulk(s), 1); /* applied before the write: 0-2 files */
    }
    write_and_flush(&q, s, 3); /* 3 files at its write: out */
    CHECK_EQ_INT(store_bulk(s), 0);
    l.bulk_l0_max_files = 0;
    writer_set_limits(w, &l);
    write_and_flush(&q, s, 4);
    CHECK_EQ_INT(store_bulk(s), 1);
    writer_free(w);
    chunk_queue_destroy(&q);
    fixture_close(s, dir);
}

int main(void)
{
    RUN(writes_and_hands_back);
    RUN(refuses_below_free_space_floor);
    RUN(level0_bound_takes_a_database_out_of_the_bulk_profile);
    return CHECK_DONE();
}
