#include "chunk_queue.h"

#include <errno.h>
#include <stdio.h>

int chunk_queue_init(chunk_queue *q, uint64_t capacity,
                     void (*wake)(void *), void *wake_arg)
{
    int r;

    *q = (chunk_queue){0};
    q->capacity = capacity;
    q->wake = wake;
    q->wake_arg = wake_arg;
    if ((r = uv_mutex_init(&q->mu)) < 0)
        return r;
    if ((r = uv_cond_init(&q->cond)) < 0) {
        uv_mutex_destroy(&q->mu);
        return r;
    }
    return 0;
}

static void free_list(chunk_list *l)
{
    chunk *c;
    while ((c = chunk_list_pop(l)))
        chunk_free(c);
}

void chunk_queue_destroy(chunk_queue *q)
{
    free_list(&q->pending);
    free_list(&q->done);
    uv_cond_destroy(&q->cond);
    uv_mutex_destroy(&q->mu);
}

void chunk_queue_set_capacity(chunk_queue *q, uint64_t capacity)
{
    uv_mutex_lock(&q->mu);
    q->capacity = capacity;
    uv_mutex_unlock(&q->mu);
}

int chunk_queue_has_room(chunk_queue *q, uint64_t mem)
{
    int room;

    uv_mutex_lock(&q->mu);
    room = q->chunks == 0 || q->bytes + mem <= q->capacity;
    uv_mutex_unlock(&q->mu);
    return room;
}

void chunk_queue_push(chunk_queue *q, chunk *c)
{
    uv_mutex_lock(&q->mu);
    chunk_list_push(&q->pending, c);
    q->bytes += c->mem;
    q->chunks++;
    uv_cond_signal(&q->cond);
    uv_mutex_unlock(&q->mu);
}

void chunk_queue_take_done(chunk_queue *q, chunk_list *out)
{
    chunk *c;

    uv_mutex_lock(&q->mu);
    while ((c = chunk_list_pop(&q->done))) {
        q->bytes -= c->mem;
        q->chunks--;
        chunk_list_push(out, c);
    }
    uv_mutex_unlock(&q->mu);
}

void chunk_queue_pop_group(chunk_queue *q, uint64_t max_bytes, chunk_list *out)
{
    uint64_t taken = 0;

    uv_mutex_lock(&q->mu);
    while (!q->pending.head && !q->closing && !q->kicked)
        uv_cond_wait(&q->cond, &q->mu);
    q->kicked = 0;
    while (q->pending.head && (out->n == 0 || taken + q->pending.head->mem <= max_bytes)) {
        chunk *c = chunk_list_pop(&q->pending);
        taken += c->mem;
        chunk_list_push(out, c);
    }
    uv_mutex_unlock(&q->mu);
}

void chunk_queue_complete(chunk_queue *q, chunk_list *group)
{
    chunk *c;

    uv_mutex_lock(&q->mu);
    while ((c = chunk_list_pop(group)))
        chunk_list_push(&q->done, c);
    uv_mutex_unlock(&q->mu);
    if (q->wake)
        q->wake(q->wake_arg);
}

int chunk_queue_closed(chunk_queue *q)
{
    int closing;

    uv_mutex_lock(&q->mu);
    closing = q->closing;
    uv_mutex_unlock(&q->mu);
    return closing;
}

void chunk_queue_kick(chunk_queue *q)
{
    uv_mutex_lock(&q->mu);
    q->kicked = 1;
    uv_cond_signal(&q->cond);
    uv_mutex_unlock(&q->mu);
}

void chunk_queue_close(chunk_queue *q)
{
    uv_mutex_lock(&q->mu);
    q->closing = 1;
    uv_cond_broadcast(&q->cond);
    uv_mutex_unlock(&q->mu);
}

void chunk_queue_get_stats(chunk_queue *q, chunk_queue_stats *st)
{
    uv_mutex_lock(&q->mu);
    st->chunks = q->chunks;
    st->bytes = q->bytes;
    st->capacity = q->capacity;
    uv_mutex_unlock(&q->mu);
}

void chunk_queue_cancel_pending(chunk_queue *q)
{
    chunk *c;

    uv_mutex_lock(&q->mu);
    while ((c = chunk_list_pop(&q->pending))) {
        c->status = -ECANCELED;
        snprintf(c->err, sizeof(c->err), "not written: the daemon stopped first");
        chunk_list_push(&q->done, c);
    }
    uv_mutex_unlock(&q->mu);
    if (q->wake)
        q->wake(q->wake_arg);
}
