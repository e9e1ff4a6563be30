/* readpool.c - the read workers (see readpool.h). */
#include "readpool.h"

#include <errno.h>
#include <stdlib.h>

#include "../common/log.h"

typedef struct fifo {
    readpool_item *head, *tail;
} fifo;

typedef struct worker {
    readpool *p;
    unsigned index;
    uv_thread_t tid;
    int started;
} worker;

struct readpool {
    uv_async_t wake;           /* first: the close callback frees the pool */
    uv_mutex_t mu;
    uv_cond_t point_cond;      /* worker 0 waits here */
    uv_cond_t any_cond;        /* the others wait here */
    fifo point, lng, done;     /* under mu */
    int stop;                  /* under mu */
    worker *w;
    unsigned n;
    size_t pending;            /* loop thread */
    int sync_ok;               /* mu and the conds exist */
};

static void push(fifo *q, readpool_item *it)
{
    it->next = NULL;
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
}

static readpool_item *pop(fifo *q)
{
    readpool_item *it = q->head;

    if (it && !(q->head = it->next))
        q->tail = NULL;
    return it;
}

/* Worker 0 serves point reads only (when there are others to serve the
 * long ones), so that a GET never queues behind a scan's steps. */
static int takes_long(const readpool *p, unsigned index)
{
    return index > 0 || p->n == 1;
}

static void run_worker(void *arg)
{
    worker *w = arg;
    readpool *p = w->p;
    int lng = takes_long(p, w->index);
    uv_cond_t *cond = lng ? &p->any_cond : &p->point_cond;

    uv_mutex_lock(&p->mu);
    for (;;) {
        readpool_item *it = pop(&p->point);
        if (!it && lng)
            it = pop(&p->lng);
        if (!it) {
            if (p->stop)
                break;
            uv_cond_wait(cond, &p->mu);
            continue;
        }
        uv_mutex_unlock(&p->mu);
        it->work(it);
        uv_mutex_lock(&p->mu);
        push(&p->done, it);
        uv_async_send(&p->wake);
    }
    uv_mutex_unlock(&p->mu);
}

static void on_wake(uv_async_t *a)
{
    readpool *p = (readpool *)a;
    readpool_item *it;

    uv_mutex_lock(&p->mu);
    it = p->done.head;
    p->done.head = p->done.tail = NULL;
    uv_mutex_unlock(&p->mu);
    while (it) {
        readpool_item *next = it->next;
        p->pending--;
        it->after(it); /* may submit the read's next step */
        it = next;
    }
    /* An idle pool does not keep the loop alive. */
    if (p->pending == 0)
        uv_unref((uv_handle_t *)&p->wake);
}

void readpool_submit(readpool *p, readpool_item *it, int lane)
{
    if (p->pending++ == 0)
        uv_ref((uv_handle_t *)&p->wake);
    uv_mutex_lock(&p->mu);
    if (lane == READPOOL_POINT) {
        push(&p->point, it);
        uv_cond_signal(&p->point_cond);
    } else {
        push(&p->lng, it);
    }
    uv_cond_signal(&p->any_cond);
    uv_mutex_unlock(&p->mu);
}

size_t readpool_pending(const readpool *p)
{
    return p->pending;
}

unsigned readpool_workers(const readpool *p)
{
    return p->n;
}

static void on_closed(uv_handle_t *h)
{
    free(h); /* the pool: wake is its first member */
}

void readpool_free(readpool *p)
{
    if (!p)
        return;
    if (p->sync_ok) {
        uv_mutex_lock(&p->mu);
        p->stop = 1;
        uv_cond_broadcast(&p->point_cond);
        uv_cond_broadcast(&p->any_cond);
        uv_mutex_unlock(&p->mu);
    }
    for (unsigned i = 0; p->w && i < p->n; i++)
        if (p->w[i].started)
            uv_thread_join(&p->w[i].tid);
    free(p->w);
    if (p->sync_ok) {
        uv_cond_destroy(&p->any_cond);
        uv_cond_destroy(&p->point_cond);
        uv_mutex_destroy(&p->mu);
    }
    uv_close((uv_handle_t *)&p->wake, on_closed);
}

int readpool_new(readpool **out, uv_loop_t *loop, unsigned workers)
{
    readpool *p = calloc(1, sizeof(*p));
    int r;

    *out = NULL;
    if (!p)
        return -ENOMEM;
    if ((r = uv_async_init(loop, &p->wake, on_wake)) < 0) {
        free(p);
        return r;
    }
    uv_unref((uv_handle_t *)&p->wake);
    *out = p;
    if ((r = uv_mutex_init(&p->mu)) < 0)
        return r;
    if ((r = uv_cond_init(&p->point_cond)) < 0) {
        uv_mutex_destroy(&p->mu);
        return r;
    }
    if ((r = uv_cond_init(&p->any_cond)) < 0) {
        uv_cond_destroy(&p->point_cond);
        uv_mutex_destroy(&p->mu);
        return r;
    }
    p->sync_ok = 1;
    p->n = workers ? workers : 1;
    if (!(p->w = calloc(p->n, sizeof(*p->w))))
        return -ENOMEM;
    for (unsigned i = 0; i < p->n; i++) {
        p->w[i].p = p;
        p->w[i].index = i;
        if ((r = uv_thread_create(&p->w[i].tid, run_worker, &p->w[i])) < 0) {
            log_error("cannot start read worker %u: %s", i, uv_strerror(r));
            return r;
        }
        p->w[i].started = 1;
    }
    return 0;
}
