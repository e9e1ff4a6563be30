#include "chunk.h"

#include <errno.h>
#include <stdlib.h>

#include "../common/frame.h"

chunk *chunk_new(void)
{
    chunk *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->batch = store_batch_new();
    if (!c->batch) {
        free(c);
        return NULL;
    }
    return c;
}

void chunk_free(chunk *c)
{
    if (!c)
        return;
    store_batch_free(c->batch);
    free(c);
}

void chunk_list_push(chunk_list *l, chunk *c)
{
    c->next = NULL;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    l->n++;
}

chunk *chunk_list_pop(chunk_list *l)
{
    chunk *c = l->head;

    if (!c)
        return NULL;
    l->head = c->next;
    if (!l->head)
        l->tail = NULL;
    c->next = NULL;
    l->n--;
    return c;
}

void chunker_init(chunker *ck, uint64_t max_rows, uint64_t max_bytes)
{
    ck->max_rows = max_rows;
    ck->max_bytes = max_bytes;
    ck->cur = NULL;
    ck->rows_total = 0;
}

void chunker_free(chunker *ck)
{
    chunk_free(ck->cur);
    ck->cur = NULL;
}

static void seal(chunker *ck, chunk_list *out)
{
    chunk *c = ck->cur;

    ck->cur = NULL;
    c->end_row = ck->rows_total;
    c->mem = store_batch_bytes(c->batch);
    chunk_list_push(out, c);
}

int chunker_add(chunker *ck, store *s, int op, size_t rel, const char *key,
                size_t klen, const char *val, size_t vlen, chunk_list *out)
{
    uint64_t cost = klen + vlen + CHUNK_ROW_OVERHEAD;

    /* Seal first when this row would push the chunk over a bound, so a
     * chunk only exceeds max_bytes when one row alone does. */
    if (ck->cur && ck->cur->rows > 0 &&
        (ck->cur->rows + 1 > ck->max_rows ||
         ck->cur->cost + cost > ck->max_bytes))
        seal(ck, out);
    if (!ck->cur && !(ck->cur = chunk_new()))
        return -ENOMEM;
    if (op == PT_OP_DEL)
        store_batch_del(s, ck->cur->batch, rel, key, klen);
    else
        store_batch_put(s, ck->cur->batch, rel, key, klen, val, vlen);
    ck->cur->rows++;
    ck->cur->bytes += klen + vlen;
    ck->cur->cost += cost;
    ck->rows_total++;
    if (ck->cur->rows >= ck->max_rows || ck->cur->cost >= ck->max_bytes)
        seal(ck, out);
    return 0;
}

int chunker_flush(chunker *ck, int final, chunk_list *out)
{
    if (!ck->cur && final && !(ck->cur = chunk_new()))
        return -ENOMEM;
    if (!ck->cur)
        return 0;
    ck->cur->final = final;
    seal(ck, out);
    return 0;
}

int chunker_pending(const chunker *ck)
{
    return ck->cur && ck->cur->rows > 0;
}
