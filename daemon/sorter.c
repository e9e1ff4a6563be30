/* sorter.c - sort in bounded memory with sorted runs on disk (sorter.h). */
#include "sorter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A row in the buffer: this header, then key, then value. */
typedef struct row_hdr {
    uint32_t klen, vlen;
    uint16_t rel;
    uint8_t op;
} row_hdr;

struct sorter {
    char *dir;
    uint64_t limit;
    char *arena;
    size_t used, cap;
    uint64_t *idx;       /* offsets of the rows in arena, in arrival order;
                            while sorted, their addresses (sorted_each) */
    size_t n, idxcap;
    unsigned nruns;
    sorter_stats st;
};

static void set_err(char *err, size_t errlen, const char *what, const char *path, int e)
{
    if (errlen)
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
}

int sorter_new(sorter **out, const char *dir, uint64_t buffer_bytes, char *err, size_t errlen)
{
    sorter *s = calloc(1, sizeof(*s));

    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        if (errlen)
            snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    s->limit = buffer_bytes < 4096 ? 4096 : buffer_bytes;
    *out = s;
    return 0;
}

static void run_path(const sorter *s, unsigned i, char *out, size_t n)
{
    snprintf(out, n, "%s/run-%u", s->dir, i);
}

void sorter_free(sorter *s)
{
    char path[4096];

    if (!s)
        return;
    for (unsigned i = 0; i < s->nruns; i++) {
        run_path(s, i, path, sizeof(path));
        remove(path);
    }
    free(s->arena);
    free(s->idx);
    free(s->dir);
    free(s);
}

void sorter_get_stats(const sorter *s, sorter_stats *out) { *out = s->st; }

static const row_hdr *hdr_at(const char *arena, uint64_t off)
{
    return (const row_hdr *)(const void *)(arena + off);
}

static int cmp_key(unsigned ra, const char *ka, size_t la, unsigned rb, const char *kb, size_t lb)
{
    int c;

    if (ra != rb)
        return ra < rb ? -1 : 1;
    c = memcmp(ka, kb, la < lb ? la : lb);
    if (c)
        return c;
    return la < lb ? -1 : la > lb;
}

/* relation, key, then arrival (the address grows with it) */
static int cmp_idx(const void *a, const void *b)
{
    uint64_t oa = *(const uint64_t *)a, ob = *(const uint64_t *)b;
    const row_hdr *ha = (const row_hdr *)(uintptr_t)oa, *hb = (const row_hdr *)(uintptr_t)ob;
    int c = cmp_key(ha->rel, (const char *)(ha + 1), ha->klen, hb->rel, (const char *)(hb + 1),
                    hb->klen);

    if (c)
        return c;
    return oa < ob ? -1 : oa > ob;
}

/* Sort the buffer; call fn for the last row of every key. */
static int sorted_each(sorter *s, int (*fn)(void *, const row_hdr *), void *ud)
{
    int r;

    /* qsort has no user pointer: the offsets become addresses (the arena
     * does not move until the buffer is emptied) */
    for (size_t i = 0; i < s->n; i++)
        s->idx[i] = (uint64_t)(uintptr_t)hdr_at(s->arena, s->idx[i]);
    qsort(s->idx, s->n, sizeof(s->idx[0]), cmp_idx);
    for (size_t i = 0; i < s->n; i++) {
        const row_hdr *h = (const row_hdr *)(uintptr_t)s->idx[i];
        if (i + 1 < s->n) {
            const row_hdr *nx = (const row_hdr *)(uintptr_t)s->idx[i + 1];
            if (cmp_key(h->rel, (const char *)(h + 1), h->klen, nx->rel,
                        (const char *)(nx + 1), nx->klen) == 0)
                continue; /* a later row has this key */
        }
        if ((r = fn(ud, h)) != 0)
            return r;
    }
    return 0;
}

static int write_row(void *ud, const row_hdr *h)
{
    FILE *f = ud;

    if (fwrite(h, sizeof(*h), 1, f) != 1 || fwrite(h + 1, 1, h->klen + (size_t)h->vlen, f) !=
                                                  h->klen + (size_t)h->vlen)
        return -EIO;
    return 0;
}

/* The buffer becomes sorted run nruns. */
static int spill(sorter *s, char *err, size_t errlen)
{
    char path[4096];
    FILE *f;
    int r;

    if (!s->n)
        return 0;
    run_path(s, s->nruns, path, sizeof(path));
    if (!(f = fopen(path, "wb"))) {
        set_err(err, errlen, "cannot create sorted run", path, errno);
        return -errno;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    r = sorted_each(s, write_row, f);
    if (ferror(f) || r)
        r = -EIO;
    if (fclose(f) != 0 && !r)
        r = -errno;
    s->nruns++; /* removed by sorter_free even when half written */
    if (r) {
        set_err(err, errlen, "cannot write sorted run", path, -r);
        return r;
    }
    s->st.runs++;
    s->st.spilled_bytes += s->used;
    s->used = 0;
    s->n = 0;
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t unit)
{
    size_t ncap = *cap ? *cap : 4096;
    void *np;

    while (ncap < need)
        ncap *= 2;
    if (ncap == *cap)
        return 0;
    if (!(np = realloc(*p, ncap * unit)))
        return -ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

int sorter_add(sorter *s, int op, unsigned rel, const char *key, size_t klen, const char *val,
               size_t vlen, char *err, size_t errlen)
{
    size_t need = sizeof(row_hdr) + klen + vlen;
    row_hdr h;
    int r;

    need = (need + 7) & ~(size_t)7; /* headers stay aligned */
    if (klen > UINT32_MAX || vlen > UINT32_MAX || rel > UINT16_MAX)
        return -E2BIG;
    if (s->n && s->used + need + (s->n + 1) * sizeof(uint64_t) > s->limit &&
        (r = spill(s, err, errlen)) < 0)
        return r;
    if (grow((void **)&s->arena, &s->cap, s->used + need, 1) < 0 ||
        grow((void **)&s->idx, &s->idxcap, s->n + 1, sizeof(uint64_t)) < 0) {
        if (errlen)
            snprintf(err, errlen, "out of memory sorting a bulk job");
        return -ENOMEM;
    }
    h.klen = (uint32_t)klen;
    h.vlen = (uint32_t)vlen;
    h.rel = (uint16_t)rel;
    h.op = (uint8_t)op;
    memcpy(s->arena + s->used, &h, sizeof(h));
    memcpy(s->arena + s->used + sizeof(h), key, klen);
    memcpy(s->arena + s->used + sizeof(h) + klen, val, vlen);
    s->idx[s->n++] = s->used;
    s->used += need;
    s->st.rows_in++;
    s->st.bytes_in += klen + vlen;
    if (s->used + s->n * sizeof(uint64_t) > s->st.peak_buffer_bytes)
        s->st.peak_buffer_bytes = s->used + s->n * sizeof(uint64_t);
    return 0;
}

typedef struct emit_ctx {
    sorter *s;
    sorter_emit_fn emit;
    void *ud;
} emit_ctx;

static int emit_row(void *ud, const row_hdr *h)
{
    emit_ctx *e = ud;
    const char *k = (const char *)(h + 1);

    e->s->st.rows_out++;
    return e->emit(e->ud, h->op, h->rel, k, h->klen, k + h->klen, h->vlen);
}

/* One run being merged: its current row. */
typedef struct run_rd {
    FILE *f;
    row_hdr h;
    char *buf;
    size_t cap;
    int valid;
} run_rd;

static int run_next(run_rd *r)
{
    size_t n = fread(&r->h, sizeof(r->h), 1, r->f);

    r->valid = 0;
    if (n != 1)
        return ferror(r->f) ? -EIO : 0;
    if (grow((void **)&r->buf, &r->cap, (size_t)r->h.klen + r->h.vlen + 1, 1) < 0)
        return -ENOMEM;
    if (fread(r->buf, 1, (size_t)r->h.klen + r->h.vlen, r->f) != (size_t)r->h.klen + r->h.vlen)
        return -EIO; /* a run cut short */
    r->valid = 1;
    return 1;
}

/* Merge the runs: the smallest (relation, key) first; of runs holding the
 * same key, the latest run's row wins and the others are skipped. The
 * heads are compared linearly: runs are few (input / buffer). */
static int merge_runs(sorter *s, sorter_emit_fn emit, void *ud, char *err, size_t errlen)
{
    run_rd *rd = calloc(s->nruns, sizeof(*rd));
    char path[4096];
    int r = 0;

    if (!rd)
        return -ENOMEM;
    for (unsigned i = 0; i < s->nruns && r >= 0; i++) {
        run_path(s, i, path, sizeof(path));
        if (!(rd[i].f = fopen(path, "rb"))) {
            r = -errno;
            set_err(err, errlen, "cannot open sorted run", path, errno);
            break;
        }
        setvbuf(rd[i].f, NULL, _IOFBF, 256 << 10);
        if ((r = run_next(&rd[i])) < 0)
            set_err(err, errlen, "cannot read sorted run", path, -r);
    }
    while (r >= 0) {
        int best = -1;
        for (unsigned i = 0; i < s->nruns; i++) {
            if (!rd[i].valid)
                continue;
            /* >= keeps the later run on equal keys */
            if (best < 0 || cmp_key(rd[i].h.rel, rd[i].buf, rd[i].h.klen, rd[best].h.rel,
                                    rd[best].buf, rd[best].h.klen) <= 0)
                best = (int)i;
        }
        if (best < 0) {
            r = 0;
            break;
        }
        s->st.rows_out++;
        if ((r = emit(ud, rd[best].h.op, rd[best].h.rel, rd[best].buf, rd[best].h.klen,
                      rd[best].buf + rd[best].h.klen, rd[best].h.vlen)) != 0)
            break;
        /* advance every run at this key (the winner last: its key is the
         * one compared) */
        for (unsigned i = 0; i < s->nruns && r >= 0; i++)
            if ((int)i != best && rd[i].valid &&
                cmp_key(rd[i].h.rel, rd[i].buf, rd[i].h.klen, rd[best].h.rel, rd[best].buf,
                        rd[best].h.klen) == 0)
                r = run_next(&rd[i]);
        if (r >= 0)
            r = run_next(&rd[best]);
        if (r < 0) {
            run_path(s, (unsigned)best, path, sizeof(path));
            set_err(err, errlen, "cannot read sorted run", path, -r);
        }
    }
    for (unsigned i = 0; i < s->nruns; i++) {
        if (rd[i].f)
            fclose(rd[i].f);
        free(rd[i].buf);
    }
    free(rd);
    return r;
}

int sorter_finish(sorter *s, sorter_emit_fn emit, void *ud, char *err, size_t errlen)
{
    emit_ctx e = {s, emit, ud};
    int r;

    if (!s->nruns) /* it all fitted: no disk */
        return sorted_each(s, emit_row, &e);
    if ((r = spill(s, err, errlen)) < 0)
        return r;
    free(s->arena);
    free(s->idx);
    s->arena = NULL;
    s->idx = NULL;
    s->cap = s->idxcap = 0;
    return merge_runs(s, emit, ud, err, errlen);
}
