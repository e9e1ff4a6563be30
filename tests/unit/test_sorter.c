/* The bulk sorter: order per relation, last-wins, deletes, and spilling
 * sorted runs to disk when the buffer is small. */
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "check.h"
#include "daemon/sorter.h"

typedef struct out_rows {
    char lines[20000][48];
    int n;
} out_rows;

static int collect(void *ud, int op, unsigned rel, const char *key, size_t klen,
                   const char *val, size_t vlen)
{
    out_rows *o = ud;

    if (o->n < 20000)
        snprintf(o->lines[o->n], sizeof(o->lines[0]), "%u %c %.*s=%.*s", rel, op ? 'D' : 'P',
                 (int)klen, key, (int)vlen, val);
    o->n++;
    return 0;
}

static out_rows out;

/* The whole output on this thread: sort, then every part in order. */
static int finish_all(sorter *s, sorter_emit_fn emit, void *ud, char *err, size_t errlen)
{
    int r = sorter_sort(s, err, errlen);

    for (unsigned p = 0; r == 0 && p < sorter_nparts(s); p++)
        r = sorter_emit_part(s, p, emit, ud, err, errlen);
    return r;
}

static sorter *fresh(char *dir, uint64_t buffer)
{
    sorter *s = NULL;
    char err[256];

    snprintf(dir, 64, "/tmp/pt-sorter-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    CHECK_EQ_INT(sorter_new(&s, dir, buffer, 8, 1, err, sizeof(err)), 0);
    memset(&out, 0, sizeof(out));
    return s;
}

static int files_in(const char *dir)
{
    char cmd[256];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "ls '%s' | wc -l", dir);
    if ((p = popen(cmd, "r"))) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void add(sorter *s, int op, unsigned rel, const char *k, const char *v)
{
    char err[256];

    CHECK_EQ_INT(sorter_add(s, op, rel, k, strlen(k), v, strlen(v), err, sizeof(err)), 0);
}

TEST(in_memory_orders_by_relation_then_key_bytes_last_wins)
{
    char dir[64], err[256];
    sorter *s = fresh(dir, 1 << 20);
    sorter_stats st;

    add(s, 0, 2, "b", "1");
    add(s, 0, 0, "z", "1");
    add(s, 0, 2, "a", "1");
    add(s, 0, 0, "a\xc3\xa9", "1"); /* bytes, not characters */
    add(s, 0, 0, "ab", "1");
    add(s, 0, 2, "b", "2");         /* later: wins */
    add(s, 1, 0, "z", "");          /* a delete wins over the put before */
    add(s, 0, 2, "a", "3");
    CHECK_EQ_INT(finish_all(s, collect, &out, err, sizeof(err)), 0);
    CHECK_EQ_INT(out.n, 5);
    CHECK_STREQ(out.lines[0], "0 P ab=1");
    CHECK_STREQ(out.lines[1], "0 P a\xc3\xa9=1");
    CHECK_STREQ(out.lines[2], "0 D z=");
    CHECK_STREQ(out.lines[3], "2 P a=3");
    CHECK_STREQ(out.lines[4], "2 P b=2");
    sorter_get_stats(s, &st);
    CHECK_EQ_INT(st.runs, 0);
    CHECK_EQ_INT(st.rows_in, 8);
    CHECK_EQ_INT(st.rows_out, 5);
    CHECK_EQ_INT(files_in(dir), 0);
    sorter_free(s);
    rmdir(dir);
}

/* The same rows through a tiny buffer: many runs, the same output, and a
 * duplicate whose versions sit in different runs resolves to the last. */
TEST(spilled_runs_merge_to_the_same_output)
{
    char dir[64], err[256], k[32], v[32];
    sorter *s = fresh(dir, 4096);
    sorter_stats st;
    int ok = 1;

    srand(7);
    for (int i = 0; i < 6000; i++) {
        int key = rand() % 3000;
        snprintf(k, sizeof(k), "key%05d", key);
        snprintf(v, sizeof(v), "v%d", i);
        add(s, (i % 97) == 0, (unsigned)(key % 3), k, v);
    }
    /* the last word for key 42 of relation 0 is a put, for 43 a delete */
    add(s, 0, 0, "key00042", "final");
    add(s, 1, 1, "key00043", "");
    sorter_get_stats(s, &st);
    CHECK(st.runs > 10);
    CHECK(st.peak_buffer_bytes <= 4096);
    CHECK(files_in(dir) == (int)st.runs);
    CHECK_EQ_INT(finish_all(s, collect, &out, err, sizeof(err)), 0);
    /* keys strictly increasing within each relation, relations in order */
    for (int i = 1; i < out.n; i++) {
        unsigned ra, rb;
        char ka[40], kb[40];
        sscanf(out.lines[i - 1], "%u %*c %39[^=]", &ra, ka);
        sscanf(out.lines[i], "%u %*c %39[^=]", &rb, kb);
        if (ra > rb || (ra == rb && strcmp(ka, kb) >= 0))
            ok = 0;
    }
    CHECK(ok);
    CHECK(out.n > 2000 && out.n <= 3002);
    ok = 0;
    for (int i = 0; i < out.n; i++) {
        ok += strcmp(out.lines[i], "0 P key00042=final") == 0;
        ok += strcmp(out.lines[i], "1 D key00043=") == 0;
    }
    CHECK_EQ_INT(ok, 2);
    sorter_free(s);
    CHECK_EQ_INT(files_in(dir), 0); /* the runs are gone */
    rmdir(dir);
}

/* Spilled and in-memory sorting agree row for row. */
TEST(spill_agrees_with_memory)
{
    char d1[64], d2[64], err[256], k[32], v[32];
    static out_rows a;
    sorter *s1 = fresh(d1, 64 << 20), *s2;

    s2 = NULL;
    CHECK_EQ_INT(sorter_new(&s2, d1, 8192, 8, 1, err, sizeof(err)), 0);
    (void)d2;
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "%d", (i * 7919) % 1777);
        snprintf(v, sizeof(v), "%d", i);
        add(s1, i % 11 == 0, (unsigned)(i % 5), k, v);
        add(s2, i % 11 == 0, (unsigned)(i % 5), k, v);
    }
    CHECK_EQ_INT(finish_all(s1, collect, &out, err, sizeof(err)), 0);
    memcpy(&a, &out, sizeof(a));
    memset(&out, 0, sizeof(out));
    CHECK_EQ_INT(finish_all(s2, collect, &out, err, sizeof(err)), 0);
    CHECK_EQ_INT(a.n, out.n);
    CHECK(memcmp(a.lines, out.lines, sizeof(a.lines[0]) * (size_t)a.n) == 0);
    sorter_free(s1);
    sorter_free(s2);
    rmdir(d1);
}

TEST(a_row_larger_than_the_buffer_is_taken)
{
    char dir[64], err[256];
    sorter *s = fresh(dir, 4096);
    static char big[10000];

    memset(big, 'x', sizeof(big) - 1);
    add(s, 0, 0, "b", "small");
    add(s, 0, 0, "a", big);
    add(s, 0, 0, "c", "small");
    CHECK_EQ_INT(finish_all(s, collect, &out, err, sizeof(err)), 0);
    CHECK_EQ_INT(out.n, 3);
    CHECK(strncmp(out.lines[0], "0 P a=xxx", 9) == 0);
    CHECK_STREQ(out.lines[2], "0 P c=small");
    sorter_free(s);
    rmdir(dir);
}

TEST(unwritable_dir_is_an_error_naming_it)
{
    char err[256] = "";
    sorter *s = NULL;
    static char big[3000];

    memset(big, 'y', sizeof(big) - 1);
    CHECK_EQ_INT(sorter_new(&s, "/nonexistent-dir-for-test", 4096, 8, 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(sorter_add(s, 0, 0, "a", 1, big, strlen(big), err, sizeof(err)), 0);
    CHECK(sorter_add(s, 0, 0, "b", 1, big, strlen(big), err, sizeof(err)) < 0);
    CHECK(strstr(err, "/nonexistent-dir-for-test/run-0") != NULL);
    sorter_free(s);
}

/* --- parts: the output cut for parallel writers ------------------------- */

typedef struct text {
    char *p;
    size_t n, cap;
    unsigned rel;
    int mixed; /* rows of another relation than the part's */
} text;

static int append(void *ud, int op, unsigned rel, const char *key, size_t klen, const char *val,
                  size_t vlen)
{
    text *t = ud;
    size_t need = t->n + klen + vlen + 8;

    if (need > t->cap) {
        t->cap = need * 2;
        t->p = realloc(t->p, t->cap);
    }
    t->n += (size_t)sprintf(t->p + t->n, "%u%c%.*s=%.*s\n", rel, op ? 'D' : 'P', (int)klen, key,
                            (int)vlen, val);
    t->mixed |= rel != t->rel;
    return 0;
}

/* 3 MiB of relation 0 (values of 1 KiB), a little of 1 and 3, twice
 * over with different values: the second pass wins. */
static void add_mixed(sorter *s)
{
    static char v[1100];
    char k[32];

    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 3000; i++) {
            int key = (i * 7919) % 3000;
            snprintf(k, sizeof(k), "cg%05d", key);
            snprintf(v, sizeof(v), "p%d-%d-", pass, i);
            memset(v + strlen(v), 'x', 1024);
            v[1024] = '\0';
            add(s, pass == 1 && key % 13 == 0, 0, k, v);
            if (i % 10 == 0) {
                snprintf(v, sizeof(v), "e%d", pass);
                add(s, 0, 1 + 2 * (unsigned)(i % 20 == 0), k, v);
            }
        }
}

typedef struct part_run {
    sorter *s;
    text *parts;
    unsigned from, step, n;
    int rc;
} part_run;

static void emit_parts(void *arg)
{
    part_run *p = arg;
    char err[256];

    for (unsigned i = p->from; i < p->n && p->rc == 0; i += p->step) {
        p->parts[i].rel = sorter_part_rel(p->s, i);
        p->rc = sorter_emit_part(p->s, i, append, &p->parts[i], err, sizeof(err));
    }
}

/* The parts, written on two threads and put end to end, are the one
 * ordered output; a big relation is cut, every part is one relation. */
static void parts_agree(uint64_t buffer, int want_runs)
{
    char d1[64], d2[64], err[256];
    sorter *one = fresh(d1, 64 << 20), *cut = NULL;
    text whole = {0}, joined = {0};
    static text parts[64];
    part_run a, b;
    uv_thread_t ta, tb;
    sorter_stats st;
    unsigned n, rel0 = 0;

    snprintf(d2, sizeof(d2), "/tmp/pt-sorter-XXXXXX");
    CHECK(mkdtemp(d2) != NULL);
    CHECK_EQ_INT(sorter_new(&cut, d2, buffer, 8, 4, err, sizeof(err)), 0);
    add_mixed(one);
    add_mixed(cut);
    sorter_get_stats(cut, &st);
    CHECK_EQ_INT(st.runs > 0, want_runs);
    whole.rel = 0;
    CHECK_EQ_INT(finish_all(one, append, &whole, err, sizeof(err)), 0);
    CHECK_EQ_INT(sorter_sort(cut, err, sizeof(err)), 0);
    n = sorter_nparts(cut);
    CHECK(n >= 4 && n <= 64);
    memset(parts, 0, sizeof(parts));
    a = (part_run){cut, parts, 0, 2, n, 0};
    b = (part_run){cut, parts, 1, 2, n, 0};
    CHECK_EQ_INT(uv_thread_create(&ta, emit_parts, &a), 0);
    CHECK_EQ_INT(uv_thread_create(&tb, emit_parts, &b), 0);
    uv_thread_join(&ta);
    uv_thread_join(&tb);
    CHECK_EQ_INT(a.rc, 0);
    CHECK_EQ_INT(b.rc, 0);
    for (unsigned i = 0; i < n; i++) {
        CHECK(!parts[i].mixed);
        CHECK(parts[i].n > 0);
        rel0 += parts[i].rel == 0;
        joined.p = realloc(joined.p, joined.n + parts[i].n + 1);
        memcpy(joined.p + joined.n, parts[i].p, parts[i].n);
        joined.n += parts[i].n;
        free(parts[i].p);
    }
    CHECK(rel0 >= 2); /* 3 MiB of relation 0 in parts of about 1 MiB */
    CHECK_EQ_INT(joined.n, whole.n);
    CHECK(joined.n == whole.n && memcmp(joined.p, whole.p, whole.n) == 0);
    sorter_get_stats(cut, &st);
    CHECK_EQ_INT(st.rows_out, 3000 + 300);
    free(whole.p);
    free(joined.p);
    sorter_free(one);
    sorter_free(cut);
    rmdir(d1);
    rmdir(d2);
}

TEST(parts_in_memory_put_end_to_end_are_the_output) { parts_agree(64 << 20, 0); }

TEST(parts_of_spilled_runs_put_end_to_end_are_the_output) { parts_agree(2 << 20, 1); }

TEST(no_row_after_sorting)
{
    char dir[64], err[256];
    sorter *s = fresh(dir, 1 << 20);

    add(s, 0, 0, "a", "1");
    CHECK_EQ_INT(sorter_sort(s, err, sizeof(err)), 0);
    CHECK_EQ_INT(sorter_add(s, 0, 0, "b", 1, "1", 1, err, sizeof(err)), -EINVAL);
    CHECK_EQ_INT(sorter_add(s, 0, 9, "b", 1, "1", 1, err, sizeof(err)), -EINVAL);
    sorter_free(s);
    rmdir(dir);
}

int main(void)
{
    RUN(parts_in_memory_put_end_to_end_are_the_output);
    RUN(parts_of_spilled_runs_put_end_to_end_are_the_output);
    RUN(no_row_after_sorting);
    RUN(in_memory_orders_by_relation_then_key_bytes_last_wins);
    RUN(spilled_runs_merge_to_the_same_output);
    RUN(spill_agrees_with_memory);
    RUN(a_row_larger_than_the_buffer_is_taken);
    RUN(unwritable_dir_is_an_error_naming_it);
    return CHECK_DONE();
}
