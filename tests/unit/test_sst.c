/* SST files written per relation and ingested in one atomic call. */
#include <sys/stat.h>
#include <uv.h>

#include "store_fixture.h"
#include "daemon/store_sst.h"

static int get_is(store *s, size_t rel, const char *key, const char *want)
{
    char *v = NULL, err[256];
    size_t n = 0;
    int r = store_get(s, rel, key, strlen(key), &v, &n, err, sizeof(err));
    int ok = want ? r == 1 && n == strlen(want) && memcmp(v, want, n) == 0 : r == 0;

    free(v);
    return ok;
}

static uint64_t count_of(store *s, const store_snap *sn, size_t rel)
{
    store_iter *it = store_iter_open(s, rel, sn, NULL, 0);
    uint64_t n = 0;

    for (store_iter_seek_first(it); store_iter_valid(it); store_iter_next(it))
        n++;
    store_iter_free(it);
    return n;
}

TEST(rows_of_several_relations_appear_at_once)
{
    char dir[64], sdir[128], err[256], k[16];
    store *s = fixture_store(dir, sizeof(dir));
    store_sst *x = NULL;
    store_snap *before;
    struct stat stt;

    CHECK(s != NULL);
    if (!s)
        return;
    fixture_put(s, 0, "old", "1");
    fixture_put(s, 0, "k0005", "\"before\"");
    fixture_put(s, 2, "gone", "1");
    snprintf(sdir, sizeof(sdir), "%s/sst-test", dir);
    CHECK_EQ_INT(mkdir(sdir, 0700), 0);
    CHECK_EQ_INT(store_sst_new(&x, s, sdir, NULL, 0, 0, err, sizeof(err)), 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "k%04d", i);
        CHECK_EQ_INT(store_sst_add(x, 0, 0, k, strlen(k), "\"v\"", 3, err, sizeof(err)), 0);
    }
    CHECK_EQ_INT(store_sst_add(x, 2, 0, "a", 1, "2", 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_add(x, 2, 1, "gone", 4, "", 0, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_add(x, STORE_SST_META, 0, "job-x", 5, "rec", 3, err, sizeof(err)), 0);
    /* nothing is visible before the ingest */
    CHECK(get_is(s, 0, "k0001", NULL));
    before = store_snap_new(s);
    CHECK_EQ_INT(store_sst_ingest(x, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_files(x), 3);
    CHECK(store_sst_bytes(x) > 1000);
    /* now every row is, the delete took the old row, a row before the
     * ingest with the same key is overwritten (the ingest is newer) */
    CHECK(get_is(s, 0, "k0999", "\"v\""));
    CHECK(get_is(s, 0, "k0005", "\"v\""));
    CHECK(get_is(s, 0, "old", "1"));
    CHECK(get_is(s, 2, "a", "2"));
    CHECK(get_is(s, 2, "gone", NULL));
    CHECK_EQ_INT(count_of(s, NULL, 0), 1001);
    /* a snapshot from before still sees the old state in every relation */
    CHECK_EQ_INT(count_of(s, before, 0), 2);
    CHECK_EQ_INT(count_of(s, before, 2), 1);
    store_snap_free(s, before);
    /* the files were moved into the database: none is left here */
    store_sst_free(x);
    CHECK(stat("/dev/null", &stt) == 0);
    {
        char p[256];
        snprintf(p, sizeof(p), "%s/0.sst", sdir);
        CHECK(stat(p, &stt) != 0);
    }
    /* a memtable write after the ingest wins over it */
    fixture_put(s, 0, "k0001", "\"later\"");
    CHECK(get_is(s, 0, "k0001", "\"later\""));
    rmdir(sdir);
    fixture_close(s, dir);
}

TEST(out_of_order_rows_are_refused)
{
    char dir[64], sdir[128], err[256] = "";
    store *s = fixture_store(dir, sizeof(dir));
    store_sst *x = NULL;

    CHECK(s != NULL);
    if (!s)
        return;
    snprintf(sdir, sizeof(sdir), "%s/sst-test", dir);
    CHECK_EQ_INT(mkdir(sdir, 0700), 0);
    CHECK_EQ_INT(store_sst_new(&x, s, sdir, NULL, 0, 0, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_add(x, 1, 0, "b", 1, "1", 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_add(x, 1, 0, "b", 1, "1", 1, err, sizeof(err)), -EINVAL);
    CHECK_EQ_INT(store_sst_add(x, 1, 0, "a", 1, "1", 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "out of order") != NULL);
    /* an unknown part takes no rows */
    CHECK_EQ_INT(store_sst_add(x, 99, 0, "c", 1, "1", 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "unknown part") != NULL);
    /* nothing ingested: the file is removed */
    store_sst_free(x);
    CHECK(get_is(s, 1, "b", NULL));
    CHECK_EQ_INT(rmdir(sdir), 0);
    fixture_close(s, dir);
}

TEST(an_empty_ingest_is_nothing)
{
    char dir[64], err[256];
    store *s = fixture_store(dir, sizeof(dir));
    store_sst *x = NULL;

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_INT(store_sst_new(&x, s, dir, NULL, 0, 0, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_ingest(x, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_files(x), 0);
    store_sst_free(x);
    fixture_close(s, dir);
}

/* One relation's rows overlap nothing in the database (RocksDB may put
 * such a file in under sequence number 0) and another's overlap older
 * rows (they need a new number): with no reader's snapshot around, every
 * row is there as soon as the ingest returns. (The race this guards
 * against, a snapshot taken while RocksDB writes its MANIFEST, cannot be
 * timed from here: e2e.bulk_load's polling reader is what saw it.) */
TEST(mixed_overlap_without_a_snapshot)
{
    char dir[64], sdir[128], err[256], k[16];
    store *s = fixture_store(dir, sizeof(dir));
    store_sst *x = NULL;

    CHECK(s != NULL);
    if (!s)
        return;
    fixture_put(s, 1, "m", "1"); /* relation 1 holds a key inside the new range */
    snprintf(sdir, sizeof(sdir), "%s/sst-mixed", dir);
    CHECK_EQ_INT(mkdir(sdir, 0700), 0);
    CHECK_EQ_INT(store_sst_new(&x, s, sdir, NULL, 0, 0, err, sizeof(err)), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(k, sizeof(k), "x%02d", i);
        CHECK_EQ_INT(store_sst_add(x, 0, 0, k, strlen(k), "0", 1, err, sizeof(err)), 0);
    }
    CHECK_EQ_INT(store_sst_add(x, 1, 0, "a", 1, "2", 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_add(x, 1, 0, "z", 1, "3", 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_ingest(x, err, sizeof(err)), 0);
    CHECK(get_is(s, 0, "x05", "0"));
    CHECK(get_is(s, 1, "a", "2"));
    CHECK(get_is(s, 1, "z", "3"));
    CHECK_EQ_INT(count_of(s, NULL, 0) + count_of(s, NULL, 1), 13);
    store_sst_free(x);
    fixture_close(s, dir);
}

/* The sorter's parts: two files of one relation with disjoint key
 * ranges, written on two threads, ingested with a third relation's in
 * one call; nothing goes in after. */
typedef struct part_job {
    store_sst *x;
    int part;
    const char *prefix;
    int rc;
} part_job;

static void write_part(void *arg)
{
    part_job *j = arg;
    char k[16], err[256];

    for (int i = 0; i < 2000 && j->rc == 0; i++) {
        snprintf(k, sizeof(k), "%s%05d", j->prefix, i);
        j->rc = store_sst_add(j->x, j->part, 0, k, strlen(k), "\"v\"", 3, err, sizeof(err));
    }
}

TEST(parts_of_one_relation_on_two_threads)
{
    char dir[64], sdir[128], err[256];
    store *s = fixture_store(dir, sizeof(dir));
    store_sst *x = NULL;
    const unsigned rels[] = {0, 0, 2};
    part_job a = {NULL, 0, "a", 0}, b = {NULL, 1, "b", 0};
    uv_thread_t ta, tb;

    CHECK(s != NULL);
    if (!s)
        return;
    fixture_put(s, 0, "b00007", "\"old\"");
    snprintf(sdir, sizeof(sdir), "%s/sst-parts", dir);
    CHECK_EQ_INT(mkdir(sdir, 0700), 0);
    CHECK_EQ_INT(store_sst_new(&x, s, sdir, rels, 3, 0, err, sizeof(err)), 0);
    a.x = b.x = x;
    CHECK_EQ_INT(uv_thread_create(&ta, write_part, &a), 0);
    CHECK_EQ_INT(uv_thread_create(&tb, write_part, &b), 0);
    uv_thread_join(&ta);
    uv_thread_join(&tb);
    CHECK_EQ_INT(a.rc, 0);
    CHECK_EQ_INT(b.rc, 0);
    CHECK_EQ_INT(store_sst_add(x, 2, 0, "e", 1, "1", 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_ingest(x, err, sizeof(err)), 0);
    CHECK_EQ_INT(store_sst_files(x), 3);
    CHECK(get_is(s, 0, "a01999", "\"v\""));
    CHECK(get_is(s, 0, "b00007", "\"v\"")); /* the ingest is newer */
    CHECK(get_is(s, 2, "e", "1"));
    CHECK_EQ_INT(count_of(s, NULL, 0), 4000);
    CHECK_EQ_INT(store_sst_add(x, 2, 0, "f", 1, "1", 1, err, sizeof(err)), -EINVAL);
    store_sst_free(x);
    fixture_close(s, dir);
}

/* A part's file past file_max_bytes is finished and the part goes on
 * in a new one; the key order holds across them; all are ingested. */
TEST(a_part_rolls_over_to_new_files)
{
    char dir[64], sdir[128], err[256], k[16], v[128];
    store *s = fixture_store(dir, sizeof(dir));
    store_sst *x = NULL;

    CHECK(s != NULL);
    if (!s)
        return;
    snprintf(sdir, sizeof(sdir), "%s/sst-roll", dir);
    CHECK_EQ_INT(mkdir(sdir, 0700), 0);
    CHECK_EQ_INT(store_sst_new(&x, s, sdir, NULL, 0, 16384, err, sizeof(err)), 0);
    memset(v, 'v', sizeof(v) - 1);
    v[sizeof(v) - 1] = '\0';
    for (int i = 0; i < 4000; i++) {
        snprintf(k, sizeof(k), "r%05d", i);
        v[0] = (char)('a' + i % 26); /* not all alike: compression leaves some bytes */
        CHECK_EQ_INT(store_sst_add(x, 0, 0, k, strlen(k), v, strlen(v), err, sizeof(err)), 0);
    }
    CHECK_EQ_INT(store_sst_add(x, 0, 0, "r00001", 6, "x", 1, err, sizeof(err)), -EINVAL);
    CHECK(store_sst_files(x) >= 4);
    CHECK_EQ_INT(store_sst_ingest(x, err, sizeof(err)), 0);
    CHECK_EQ_INT(count_of(s, NULL, 0), 4000);
    CHECK(get_is(s, 0, "r03999", NULL) == 0);
    store_sst_free(x);
    fixture_close(s, dir);
}

int main(void)
{
    RUN(a_part_rolls_over_to_new_files);
    RUN(parts_of_one_relation_on_two_threads);
    RUN(rows_of_several_relations_appear_at_once);
    RUN(mixed_overlap_without_a_snapshot);
    RUN(out_of_order_rows_are_refused);
    RUN(an_empty_ingest_is_nothing);
    return CHECK_DONE();
}
