/* readpool: the read workers' two lanes. A point read is served while
 * every worker that takes long reads is busy with one; long reads queue
 * behind each other, not in front of point reads; every item's after
 * callback runs on the loop thread, once, in the order work finished;
 * an idle pool does not keep the loop running. */
#include <stdatomic.h>
#include <stdlib.h>
#include <uv.h>

#include "check.h"
#include "daemon/readpool.h"

typedef struct item {
    readpool_item it;         /* first */
    atomic_int *gate;         /* work waits while *gate is 0 (NULL: no wait) */
    atomic_int started;
    int after_runs;
    uv_thread_t worker;
    uv_thread_t after_thread;
} item;

static uv_thread_t loop_thread;

static void work(readpool_item *p)
{
    item *i = (item *)p;

    i->worker = uv_thread_self();
    atomic_store(&i->started, 1);
    while (i->gate && !atomic_load(i->gate))
        uv_sleep(1);
}

static void after(readpool_item *p)
{
    item *i = (item *)p;

    i->after_runs++;
    i->after_thread = uv_thread_self();
}

static void init_item(item *i, atomic_int *gate)
{
    memset(i, 0, sizeof(*i));
    i->it.work = work;
    i->it.after = after;
    i->gate = gate;
}

/* Run the loop until cond or about 5 s. */
#define RUN_UNTIL(cond)                                                      \
    do {                                                                     \
        for (int n_ = 0; n_ < 5000 && !(cond); n_++) {                       \
            uv_run(uv_default_loop(), UV_RUN_NOWAIT);                        \
            uv_sleep(1);                                                     \
        }                                                                    \
    } while (0)

TEST(point_read_passes_long_ones)
{
    atomic_int gate = 0;
    item l1, l2, l3, g;
    readpool *p;

    CHECK_EQ_INT(readpool_new(&p, uv_default_loop(), 3), 0);
    CHECK_EQ_INT(readpool_workers(p), 3);
    /* two long reads hold both workers that take them; a third waits */
    init_item(&l1, &gate);
    init_item(&l2, &gate);
    init_item(&l3, &gate);
    readpool_submit(p, &l1.it, READPOOL_LONG);
    readpool_submit(p, &l2.it, READPOOL_LONG);
    readpool_submit(p, &l3.it, READPOOL_LONG);
    RUN_UNTIL(atomic_load(&l1.started) && atomic_load(&l2.started));
    CHECK(atomic_load(&l1.started) && atomic_load(&l2.started));
    uv_sleep(20);
    CHECK(!atomic_load(&l3.started)); /* worker 0 does not take long reads */
    /* a get is served at once, by the worker kept for gets */
    init_item(&g, NULL);
    readpool_submit(p, &g.it, READPOOL_POINT);
    RUN_UNTIL(g.after_runs);
    CHECK_EQ_INT(g.after_runs, 1);
    CHECK(uv_thread_equal(&g.after_thread, &loop_thread));
    CHECK(!uv_thread_equal(&g.worker, &l1.worker) && !uv_thread_equal(&g.worker, &l2.worker));
    CHECK_EQ_INT(readpool_pending(p), 3);
    /* the long ones finish once let go, the third after them */
    atomic_store(&gate, 1);
    RUN_UNTIL(l1.after_runs && l2.after_runs && l3.after_runs);
    CHECK(l1.after_runs == 1 && l2.after_runs == 1 && l3.after_runs == 1);
    CHECK_EQ_INT(readpool_pending(p), 0);
    /* idle: the loop has nothing to wait for */
    CHECK_EQ_INT(uv_run(uv_default_loop(), UV_RUN_NOWAIT), 0);
    readpool_free(p);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}

/* One worker takes both lanes. */
TEST(single_worker)
{
    item a, b;
    readpool *p;

    CHECK_EQ_INT(readpool_new(&p, uv_default_loop(), 1), 0);
    init_item(&a, NULL);
    init_item(&b, NULL);
    readpool_submit(p, &a.it, READPOOL_LONG);
    readpool_submit(p, &b.it, READPOOL_POINT);
    RUN_UNTIL(a.after_runs && b.after_runs);
    CHECK(a.after_runs == 1 && b.after_runs == 1);
    CHECK(uv_thread_equal(&a.worker, &b.worker));
    readpool_free(p);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}

/* Many items at once, from a pool of the default size. */
TEST(many)
{
    enum { N = 2000 };
    item *v = calloc(N, sizeof(*v));
    readpool *p;
    int done = 0;

    CHECK_EQ_INT(readpool_new(&p, uv_default_loop(), 4), 0);
    for (int i = 0; i < N; i++) {
        init_item(&v[i], NULL);
        readpool_submit(p, &v[i].it, i % 3 ? READPOOL_LONG : READPOOL_POINT);
    }
    for (int n = 0; n < 5000 && done < N; n++) {
        uv_run(uv_default_loop(), UV_RUN_NOWAIT);
        done = 0;
        for (int i = 0; i < N; i++)
            done += v[i].after_runs;
        if (done < N)
            uv_sleep(1);
    }
    CHECK_EQ_INT(done, N);
    CHECK_EQ_INT(readpool_pending(p), 0);
    readpool_free(p);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    free(v);
}

int main(void)
{
    loop_thread = uv_thread_self();
    RUN(point_read_passes_long_ones);
    RUN(single_worker);
    RUN(many);
    return CHECK_DONE();
}
