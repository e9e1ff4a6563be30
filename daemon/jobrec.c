#include "jobrec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../config/diag.h"
#include "store.h"

size_t jobrec_encode(const jobrec *r, char *out, size_t outlen)
{
    int n = snprintf(out, outlen,
                     "v1 rows=%" PRIu64 " bytes=%" PRIu64 " state=%s created_ms=%" PRIu64
                     " updated_ms=%" PRIu64 "%s",
                     r->rows, r->bytes, r->state == JOBREC_DONE ? "done" : "running",
                     r->created_ms, r->updated_ms, r->bulk ? " bulk=1" : "");
    return n < 0 ? 0 : (size_t)n < outlen ? (size_t)n : outlen - 1;
}

int jobrec_decode(const char *text, size_t len, jobrec *r)
{
    char buf[JOBREC_MAX], state[16];
    int used = 0;

    if (len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (sscanf(buf, "v1 rows=%" SCNu64 " bytes=%" SCNu64 " state=%15s created_ms=%" SCNu64
                    " updated_ms=%" SCNu64 "%n",
               &r->rows, &r->bytes, state, &r->created_ms, &r->updated_ms, &used) != 5)
        return -EINVAL;
    r->bulk = 0;
    if ((size_t)used + 7 == len && memcmp(buf + used, " bulk=1", 7) == 0)
        r->bulk = 1;
    else if ((size_t)used != len)
        return -EINVAL;
    if (strcmp(state, "done") == 0)
        r->state = JOBREC_DONE;
    else if (strcmp(state, "running") == 0)
        r->state = JOBREC_RUNNING;
    else
        return -EINVAL;
    return 0;
}

/* --- the table ------------------------------------------------------------ */

int jobrec_expired(const jobrec *r, uint64_t retention_ms, uint64_t now_ms)
{
    return retention_ms && r->updated_ms + retention_ms < now_ms;
}

static size_t hash_id(const char *id, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
    return (size_t)h;
}

job_record *jobrecs_find(jobrecs *t, const char *id, size_t len)
{
    if (!t->nbuckets)
        return NULL;
    for (job_record *r = t->buckets[hash_id(id, len) & (t->nbuckets - 1)]; r; r = r->hnext)
        if (strlen(r->id) == len && memcmp(r->id, id, len) == 0)
            return r;
    return NULL;
}

/* Keep the index at most one record a bucket on average. */
static int index_grow(jobrecs *t)
{
    size_t n = t->nbuckets ? t->nbuckets * 2 : 64;
    job_record **b;

    if (t->n < t->nbuckets)
        return 0;
    if (!(b = calloc(n, sizeof(*b))))
        return -ENOMEM;
    for (job_record *r = t->head; r; r = r->next) {
        size_t i = hash_id(r->id, strlen(r->id)) & (n - 1);
        r->hnext = b[i];
        b[i] = r;
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
    return 0;
}

static void list_unlink(jobrecs *t, job_record *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        t->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        t->tail = r->prev;
    r->prev = r->next = NULL;
}

static void list_append(jobrecs *t, job_record *r)
{
    r->prev = t->tail;
    r->next = NULL;
    if (t->tail)
        t->tail->next = r;
    else
        t->head = r;
    t->tail = r;
}

static job_record *link_new(jobrecs *t, const char *id, size_t len)
{
    job_record *r;
    size_t i;

    if (index_grow(t) < 0 || !(r = calloc(1, sizeof(*r))))
        return NULL;
    memcpy(r->id, id, len < JOB_ID_MAX ? len : JOB_ID_MAX);
    list_append(t, r);
    i = hash_id(r->id, strlen(r->id)) & (t->nbuckets - 1);
    r->hnext = t->buckets[i];
    t->buckets[i] = r;
    t->n++;
    return r;
}

static void unlink_free(jobrecs *t, job_record *r)
{
    job_record **pp = &t->buckets[hash_id(r->id, strlen(r->id)) & (t->nbuckets - 1)];

    while (*pp != r)
        pp = &(*pp)->hnext;
    *pp = r->hnext;
    list_unlink(t, r);
    free(r);
    t->n--;
}

job_record *jobrecs_add(jobrecs *t, const char *id, uint64_t now_ms)
{
    job_record *r = link_new(t, id, strlen(id));

    if (r) {
        r->r.state = JOBREC_RUNNING;
        r->r.created_ms = r->r.updated_ms = now_ms;
    }
    return r;
}

void jobrecs_touch(jobrecs *t, job_record *rec)
{
    if (t->tail == rec)
        return;
    list_unlink(t, rec);
    list_append(t, rec);
}

void jobrecs_free(jobrecs *t)
{
    while (t->head) {
        job_record *r = t->head;
        t->head = r->next;
        free(r);
    }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}

typedef struct load_ctx {
    jobrecs *t;
    store *s;
    store_batch *drop;
    uint64_t retention_ms, now, kept, dropped;
} load_ctx;

static int load_one(void *ud, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *x = ud;
    job_record *rec;
    jobrec r;

    if (klen == 0 || klen > JOB_ID_MAX || jobrec_decode(val, vlen, &r) < 0) {
        log_warn("%s: ignoring an unreadable job record (%zu-byte key)", store_data_dir(x->s),
                 klen);
        return 0;
    }
    if (jobrec_expired(&r, x->retention_ms, x->now)) {
        store_batch_del_meta(x->s, x->drop, key, klen);
        x->dropped++;
        return 0;
    }
    if (!(rec = link_new(x->t, key, klen)))
        return -ENOMEM;
    rec->r = r;
    x->kept++;
    return 0;
}

static int by_update(const void *a, const void *b)
{
    const job_record *x = *(job_record *const *)a, *y = *(job_record *const *)b;

    return x->r.updated_ms < y->r.updated_ms ? -1 : x->r.updated_ms > y->r.updated_ms;
}

/* Records load in id order; the list wants them oldest write first. */
static int sort_by_update(jobrecs *t)
{
    job_record **v;
    size_t i = 0;

    if (t->n < 2)
        return 0;
    if (!(v = malloc(t->n * sizeof(*v))))
        return -ENOMEM;
    for (job_record *r = t->head; r; r = r->next)
        v[i++] = r;
    qsort(v, i, sizeof(*v), by_update);
    t->head = t->tail = NULL;
    for (size_t k = 0; k < i; k++)
        list_append(t, v[k]);
    free(v);
    return 0;
}

int jobrecs_load(jobrecs *t, store *s, uint64_t retention_ms, uint64_t now_ms, pt_diag *diag)
{
    load_ctx x = {.t = t, .s = s, .retention_ms = retention_ms, .now = now_ms};
    char err[256];
    int r;

    if (!(x.drop = store_batch_new()))
        return -ENOMEM;
    r = store_meta_scan(s, load_one, &x, err, sizeof(err));
    if (r < 0)
        diag_error(diag, store_data_dir(s), 0, 0, "cannot read job records: %s",
                   r == -ENOMEM ? "out of memory" : err);
    else if (x.dropped && (r = store_write(s, x.drop, 1, err, sizeof(err))) < 0)
        diag_error(diag, store_data_dir(s), 0, 0, "cannot expire job records: %s", err);
    store_batch_free(x.drop);
    if (r == 0 && sort_by_update(t) < 0)
        r = -ENOMEM;
    if (r == 0 && (x.kept || x.dropped))
        log_info("job records: %llu kept, %llu expired", (unsigned long long)x.kept,
                 (unsigned long long)x.dropped);
    return r;
}

/* Out of the table and, through b, out of the store. */
static void drop(jobrecs *t, store *s, store_batch *b, job_record *rec,
                 void (*dropped)(void *ud, const job_record *r), void *ud)
{
    store_batch_del_meta(s, b, rec->id, strlen(rec->id));
    dropped(ud, rec);
    unlink_free(t, rec);
}

uint64_t jobrecs_expire(jobrecs *t, store *s, store_batch *b, uint64_t retention_ms,
                        uint64_t now_ms, int (*busy)(void *ud, const job_record *r),
                        void (*dropped)(void *ud, const job_record *r), void *ud)
{
    uint64_t n = 0;

    for (job_record *rec = t->head, *next; rec; rec = next) {
        next = rec->next;
        if (jobrec_expired(&rec->r, retention_ms, now_ms) && !busy(ud, rec)) {
            drop(t, s, b, rec, dropped, ud);
            n++;
        }
    }
    return n;
}

uint64_t jobrecs_evict(jobrecs *t, store *s, store_batch *b, uint64_t max,
                       int (*busy)(void *ud, const job_record *r),
                       void (*dropped)(void *ud, const job_record *r), void *ud)
{
    uint64_t n = 0;

    /* finished jobs first, then incomplete ones: oldest first in each */
    for (int pass = 0; pass < 2 && t->n > max; pass++)
        for (job_record *rec = t->head, *next; rec && t->n > max; rec = next) {
            next = rec->next;
            if ((pass == 1 || rec->r.state == JOBREC_DONE) && !busy(ud, rec)) {
                drop(t, s, b, rec, dropped, ud);
                n++;
            }
        }
    return n;
}
