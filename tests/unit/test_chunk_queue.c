/* The bounded queue: the bound holds from push until the loop takes a
 * chunk back, order is FIFO, groups respect their byte cap, close drains. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "check.h"
#include "daemon/chunk_queue.h"

static atomic_int wakes;
static void wake(void *arg) { (void)arg; atomic_fetch_add(&wakes, 1); }

static chunk *mk(uint64_t mem, uint64_t tag)
{
    chunk *c = calloc(1, sizeof(*c)); /* no batch: the queue never looks */
    c->mem = mem;
    c->end_row = tag;
    return c;
}

TEST(room_and_bound)
{
    chunk_queue q;
    chunk_list g = {0}, done = {0};
    chunk *c;

    chunk_queue_init(&q, 100, wake, NULL);
    CHECK(chunk_queue_has_room(&q, 1000)); /* empty: always room */
    chunk_queue_push(&q, mk(60, 1));
    CHECK(chunk_queue_has_room(&q, 40));
    CHECK(!chunk_queue_has_room(&q, 41));
    chunk_queue_push(&q, mk(40, 2));
    CHECK(!chunk_queue_has_room(&q, 1));
    /* taken by the writer: still counted (in flight) */
    chunk_queue_pop_group(&q, 1000, &g);
    CHECK_EQ_INT(g.n, 2);
    CHECK(!chunk_queue_has_room(&q, 1));
    /* written: still counted until the loop takes it back */
    atomic_store(&wakes, 0);
    chunk_queue_complete(&q, &g);
    CHECK_EQ_INT(atomic_load(&wakes), 1);
    CHECK(!chunk_queue_has_room(&q, 1));
    chunk_queue_take_done(&q, &done);
    CHECK(chunk_queue_has_room(&q, 100));
    CHECK_EQ_INT(done.n, 2);
    c = chunk_list_pop(&done);
    CHECK_EQ_INT(c->end_row, 1); /* FIFO */
    free(c);
    while ((c = chunk_list_pop(&done)))
        free(c);
    chunk_queue_destroy(&q);
}

TEST(group_byte_cap_takes_at_least_one)
{
    chunk_queue q;
    chunk_list g = {0};
    chunk *c;

    chunk_queue_init(&q, 1000, NULL, NULL);
    chunk_queue_push(&q, mk(300, 1));
    chunk_queue_push(&q, mk(300, 2));
    chunk_queue_push(&q, mk(300, 3));
    chunk_queue_pop_group(&q, 650, &g);
    CHECK_EQ_INT(g.n, 2);
    while ((c = chunk_list_pop(&g)))
        free(c);
    chunk_queue_pop_group(&q, 10, &g); /* over the cap alone: still taken */
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.head->end_row, 3);
    while ((c = chunk_list_pop(&g)))
        free(c);
    chunk_queue_destroy(&q);
}

TEST(cancel_pending)
{
    chunk_queue q;
    chunk_list done = {0};
    chunk *c;

    chunk_queue_init(&q, 1000, wake, NULL);
    chunk_queue_push(&q, mk(10, 1));
    chunk_queue_push(&q, mk(10, 2));
    chunk_queue_cancel_pending(&q);
    chunk_queue_take_done(&q, &done);
    CHECK_EQ_INT(done.n, 2);
    while ((c = chunk_list_pop(&done))) {
        CHECK_EQ_INT(c->status, -ECANCELED);
        free(c);
    }
    chunk_queue_destroy(&q);
}

typedef struct consumer_arg {
    chunk_queue *q;
    uint64_t seen, last, order_ok;
} consumer_arg;

static void consumer(void *p)
{
    consumer_arg *a = p;
    for (;;) {
        chunk_list g = {0};
        chunk_queue_pop_group(a->q, 64, &g);
        if (!g.head)
            return;
        for (chunk *c = g.head; c; c = c->next) {
            if (c->end_row != a->last + 1)
                a->order_ok = 0;
            a->last = c->end_row;
            a->seen++;
        }
        chunk_queue_complete(a->q, &g);
    }
}

TEST(threaded_fifo_and_bound)
{
    chunk_queue q;
    uv_thread_t t;
    consumer_arg a = {.order_ok = 1};
    chunk_list done = {0};
    chunk *c;
    uint64_t pushed = 0, max_seen_bytes = 0;

    chunk_queue_init(&q, 256, NULL, NULL);
    a.q = &q;
    uv_thread_create(&t, consumer, &a);
    while (pushed < 20000) {
        chunk_queue_stats st;
        if (chunk_queue_has_room(&q, 16)) {
            chunk_queue_push(&q, mk(16, ++pushed));
            chunk_queue_get_stats(&q, &st);
            if (st.bytes > max_seen_bytes)
                max_seen_bytes = st.bytes;
        }
        chunk_queue_take_done(&q, &done);
        while ((c = chunk_list_pop(&done)))
            free(c);
    }
    chunk_queue_close(&q);
    uv_thread_join(&t);
    chunk_queue_take_done(&q, &done);
    while ((c = chunk_list_pop(&done)))
        free(c);
    CHECK_EQ_INT(a.seen, 20000);
    CHECK(a.order_ok);
    CHECK(max_seen_bytes <= 256);
    chunk_queue_destroy(&q);
}

int main(void)
{
    RUN(room_and_bound);
    RUN(group_byte_cap_takes_at_least_one);
    RUN(cancel_pending);
    RUN(threaded_fifo_and_bound);
    return CHECK_DONE();
}
