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
                     " updated_ms=%" PRIu64,
                     r->rows, r->bytes, r->state == JOBREC_DONE ? "done" : "running",
                     r->created_ms, r->updated_ms);
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
               &r->rows, &r->bytes, state, &r->created_ms, &r->updated_ms, &used) != 5 ||
        (size_t)used != len)
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

job_record *jobrecs_find(jobrecs *t, const char *id, size_t len)
{
    for (job_record *r = t->head; r; r = r->next)
        if (strlen(r->id) == len && memcmp(r->id, id, len) == 0)
            return r;
    return NULL;
}

static job_record *link_new(jobrecs *t, const char *id, size_t len)
{
    job_record *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    memcpy(r->id, id, len < JOB_ID_MAX ? len : JOB_ID_MAX);
    r->next = t->head;
    t->head = r;
    t->n++;
    return r;
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

void jobrecs_free(jobrecs *t)
{
    while (t->head) {
        job_record *r = t->head;
        t->head = r->next;
        free(r);
    }
    t->n = 0;
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
    if (r == 0 && (x.kept || x.dropped))
        log_info("job records: %llu kept, %llu expired", (unsigned long long)x.kept,
                 (unsigned long long)x.dropped);
    return r;
}

uint64_t jobrecs_expire(jobrecs *t, store *s, store_batch *b, uint64_t retention_ms,
                        uint64_t now_ms, int (*busy)(void *ud, const job_record *r),
                        void (*dropped)(void *ud, const job_record *r), void *ud)
{
    job_record **pp = &t->head;
    uint64_t n = 0;

    while (*pp) {
        job_record *rec = *pp;
        if (!jobrec_expired(&rec->r, retention_ms, now_ms) || busy(ud, rec)) {
            pp = &rec->next;
            continue;
        }
        store_batch_del_meta(s, b, rec->id, strlen(rec->id));
        dropped(ud, rec);
        *pp = rec->next;
        free(rec);
        t->n--;
        n++;
    }
    return n;
}
