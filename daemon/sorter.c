/* sorter.c - sort in bounded memory with sorted runs on disk (sorter.h). */
#include "sorter.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* A row in the buffer and in a run file: this header, then key, then
 * value. In the buffer each row starts 8-byte aligned. */
typedef struct row_hdr {
    uint32_t klen, vlen;
    uint32_t weight; /* what the row stands for, in bytes (sorter_add_weighted) */
    uint16_t rel;
    uint8_t op;
} row_hdr;

/* A part starts at the first row >= (rel, key). */
typedef struct bound {
    unsigned rel;
    char *key;
    size_t klen;
} bound;

/* Parts smaller than this are not cut further (an SST file each). */
#define MIN_PART_BYTES (1u << 20)

struct sorter {
    char *dir;
    uint64_t limit;
    unsigned nrel, max_parts;
    char *arena;
    size_t used, cap;
    uint64_t *idx;       /* offsets of the rows in arena, in arrival order;
                            once sorted, their addresses */
    size_t n, idxcap;
    unsigned nruns;
    /* part boundaries: chosen by the first sort (a spill or sorter_sort) */
    bound *b;
    unsigned nb;
    /* where each boundary starts: in run j at run_off[j * (nb + 1) + i]
     * (bytes; [nb] = the run's length), or with no runs at mem_pos[i]
     * (an index into the sorted idx; [nb] = n) */
    uint64_t *run_off;
    uint64_t *run_weight; /* per run and boundary, as run_off: the weight
                             of the rows from that boundary to the next */
    uint64_t *mem_pos;
    /* after sorter_sort: the non-empty parts, as boundary indexes */
    unsigned *parts;
    uint64_t *part_bytes;
    unsigned nparts;
    int sorted;
    atomic_uint_fast64_t rows_out;
    sorter_stats st;
};

static void set_err(char *err, size_t errlen, const char *what, const char *path, int e)
{
    if (errlen)
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
}

static void oom(char *err, size_t errlen)
{
    if (errlen)
        snprintf(err, errlen, "out of memory sorting a bulk job");
}

int sorter_new(sorter **out, const char *dir, uint64_t buffer_bytes, unsigned nrel,
               unsigned max_parts, char *err, size_t errlen)
{
    sorter *s = calloc(1, sizeof(*s));

    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        oom(err, errlen);
        return -ENOMEM;
    }
    s->limit = buffer_bytes < 4096 ? 4096 : buffer_bytes;
    s->nrel = nrel ? nrel : 1;
    s->max_parts = max_parts ? max_parts : 1;
    atomic_init(&s->rows_out, 0);
    *out = s;
    return 0;
}

static void run_path(const sorter *s, unsigned i, char *out, size_t n)
{
    snprintf(out, n, "%s/run-%u", s->dir, i);
}

static void free_buffer(sorter *s)
{
    free(s->arena);
    free(s->idx);
    s->arena = NULL;
    s->idx = NULL;
    s->cap = s->idxcap = 0;
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
    for (unsigned i = 0; i < s->nb; i++)
        free(s->b[i].key);
    free(s->b);
    free(s->run_off);
    free(s->run_weight);
    free(s->mem_pos);
    free(s->parts);
    free(s->part_bytes);
    free_buffer(s);
    free(s->dir);
    free(s);
}

void sorter_get_stats(const sorter *s, sorter_stats *out)
{
    *out = s->st;
    out->rows_out = atomic_load(&((sorter *)s)->rows_out);
}

static const row_hdr *hdr_at(const char *arena, uint64_t off)
{
    return (const row_hdr *)(const void *)(arena + off);
}

static const row_hdr *row_of(uint64_t addr) { return (const row_hdr *)(uintptr_t)addr; }

static const char *key_of(const row_hdr *h) { return (const char *)(h + 1); }

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

static int cmp_bound(const bound *b, unsigned rel, const char *key, size_t klen)
{
    return cmp_key(b->rel, b->key, b->klen, rel, key, klen);
}

/* relation, key, then arrival (the address grows with it) */
static int cmp_idx(const void *a, const void *b)
{
    uint64_t oa = *(const uint64_t *)a, ob = *(const uint64_t *)b;
    const row_hdr *ha = row_of(oa), *hb = row_of(ob);
    int c = cmp_key(ha->rel, key_of(ha), ha->klen, hb->rel, key_of(hb), hb->klen);

    if (c)
        return c;
    return oa < ob ? -1 : oa > ob;
}

/* Sort the buffer: idx becomes addresses (qsort has no user pointer; the
 * arena does not move until the buffer is emptied). */
static void sort_buffer(sorter *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->idx[i] = (uint64_t)(uintptr_t)hdr_at(s->arena, s->idx[i]);
    qsort(s->idx, s->n, sizeof(s->idx[0]), cmp_idx);
}

/* 1 when sorted row i is followed by a later row with its key */
static int superseded(const sorter *s, size_t i, size_t end)
{
    const row_hdr *h = row_of(s->idx[i]), *nx;

    if (i + 1 >= end)
        return 0;
    nx = row_of(s->idx[i + 1]);
    return cmp_key(h->rel, key_of(h), h->klen, nx->rel, key_of(nx), nx->klen) == 0;
}

static int add_bound(sorter *s, unsigned rel, const char *key, size_t klen)
{
    bound *nb = realloc(s->b, (s->nb + 1) * sizeof(*nb));

    if (!nb)
        return -ENOMEM;
    s->b = nb;
    if (!(nb[s->nb].key = malloc(klen ? klen : 1)))
        return -ENOMEM;
    memcpy(nb[s->nb].key, key, klen);
    nb[s->nb].klen = klen;
    nb[s->nb].rel = rel;
    s->nb++;
    return 0;
}

/* The parts, from the sorted buffer: every relation starts one, and a
 * relation holding more than 1/max_parts of the bytes is cut at keys
 * about as far apart. A spilled job's first run stands for the rest. */
static int choose_bounds(sorter *s)
{
    uint64_t *rel_bytes = calloc(s->nrel, sizeof(*rel_bytes)), total = 0, target;
    size_t i = 0;
    int r = 0;

    if (!rel_bytes)
        return -ENOMEM;
    for (size_t k = 0; k < s->n; k++) {
        const row_hdr *h = row_of(s->idx[k]);
        rel_bytes[h->rel] += h->weight;
        total += h->weight;
    }
    target = total / s->max_parts;
    if (target < MIN_PART_BYTES)
        target = MIN_PART_BYTES;
    for (unsigned rel = 0; rel < s->nrel && r == 0; rel++) {
        uint64_t pieces = (rel_bytes[rel] + target - 1) / target, acc = 0, next;
        r = add_bound(s, rel, "", 0);
        if (pieces < 2) {
            while (i < s->n && row_of(s->idx[i])->rel == rel)
                i++;
            continue;
        }
        next = rel_bytes[rel] / pieces;
        for (; i < s->n && r == 0; i++) {
            const row_hdr *h = row_of(s->idx[i]);
            if (h->rel != rel)
                break;
            if (acc >= next && h->klen &&
                cmp_bound(&s->b[s->nb - 1], rel, key_of(h), h->klen) < 0) {
                r = add_bound(s, rel, key_of(h), h->klen);
                next += rel_bytes[rel] / pieces;
            }
            acc += h->weight;
        }
    }
    free(rel_bytes);
    return r;
}

/* Where each boundary starts in the sorted buffer (mem_pos). */
static int locate_in_buffer(sorter *s)
{
    size_t k = 0;

    if (!(s->mem_pos = malloc((s->nb + 1) * sizeof(*s->mem_pos))))
        return -ENOMEM;
    for (unsigned i = 0; i < s->nb; i++) {
        while (k < s->n) {
            const row_hdr *h = row_of(s->idx[k]);
            if (cmp_bound(&s->b[i], h->rel, key_of(h), h->klen) <= 0)
                break;
            k++;
        }
        s->mem_pos[i] = k;
    }
    s->mem_pos[s->nb] = s->n;
    return 0;
}

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -EIO;
}

/* The buffer becomes sorted run nruns, one row per key; the offsets of
 * the boundaries in it are recorded. */
static int spill(sorter *s, char *err, size_t errlen)
{
    char path[4096];
    uint64_t *offs, *wts, pos = 0;
    unsigned bi = 0;
    FILE *f;
    int r = 0;

    if (!s->n)
        return 0;
    sort_buffer(s);
    if (!s->nb && choose_bounds(s) < 0) {
        oom(err, errlen);
        return -ENOMEM;
    }
    offs = realloc(s->run_off, (size_t)(s->nruns + 1) * (s->nb + 1) * sizeof(*offs));
    if (offs)
        s->run_off = offs;
    wts = realloc(s->run_weight, (size_t)(s->nruns + 1) * (s->nb + 1) * sizeof(*wts));
    if (wts)
        s->run_weight = wts;
    if (!offs || !wts) {
        oom(err, errlen);
        return -ENOMEM;
    }
    offs += (size_t)s->nruns * (s->nb + 1);
    wts += (size_t)s->nruns * (s->nb + 1);
    memset(wts, 0, (s->nb + 1) * sizeof(*wts));
    run_path(s, s->nruns, path, sizeof(path));
    if (!(f = fopen(path, "wb"))) {
        set_err(err, errlen, "cannot create sorted run", path, errno);
        return -errno;
    }
    s->nruns++; /* removed by sorter_free even when half written */
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    for (size_t k = 0; k < s->n && r == 0; k++) {
        const row_hdr *h = row_of(s->idx[k]);
        while (bi < s->nb && cmp_bound(&s->b[bi], h->rel, key_of(h), h->klen) <= 0)
            offs[bi++] = pos;
        if (superseded(s, k, s->n))
            continue;
        if (bi)
            wts[bi - 1] += h->weight;
        r = write_all(f, h, sizeof(*h));
        if (r == 0)
            r = write_all(f, key_of(h), h->klen + (size_t)h->vlen);
        pos += sizeof(*h) + h->klen + (uint64_t)h->vlen;
    }
    while (bi <= s->nb)
        offs[bi++] = pos;
    if (ferror(f) || r)
        r = -EIO;
    if (fclose(f) != 0 && !r)
        r = -errno;
    if (r) {
        set_err(err, errlen, "cannot write sorted run", path, -r);
        return r;
    }
    s->st.runs++;
    s->st.spilled_bytes += pos;
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
    return sorter_add_weighted(s, op, rel, key, klen, val, vlen, klen + vlen, err, errlen);
}

int sorter_add_weighted(sorter *s, int op, unsigned rel, const char *key, size_t klen,
                        const char *val, size_t vlen, uint64_t weight, char *err, size_t errlen)
{
    size_t need = sizeof(row_hdr) + klen + vlen;
    row_hdr h;
    int r;

    need = (need + 7) & ~(size_t)7; /* headers stay aligned */
    if (s->sorted || rel >= s->nrel) {
        if (errlen)
            snprintf(err, errlen, "%s", s->sorted ? "rows added after sorting"
                                                  : "row of an unknown relation");
        return -EINVAL;
    }
    if (klen > UINT32_MAX || vlen > UINT32_MAX || weight > UINT32_MAX) {
        if (errlen)
            snprintf(err, errlen, "row too large to sort");
        return -E2BIG;
    }
    if (s->n && s->used + need + (s->n + 1) * sizeof(uint64_t) > s->limit &&
        (r = spill(s, err, errlen)) < 0)
        return r;
    if (grow((void **)&s->arena, &s->cap, s->used + need, 1) < 0 ||
        grow((void **)&s->idx, &s->idxcap, s->n + 1, sizeof(uint64_t)) < 0) {
        oom(err, errlen);
        return -ENOMEM;
    }
    h.klen = (uint32_t)klen;
    h.vlen = (uint32_t)vlen;
    h.weight = (uint32_t)weight;
    h.rel = (uint16_t)rel;
    h.op = (uint8_t)op;
    memcpy(s->arena + s->used, &h, sizeof(h));
    memcpy(s->arena + s->used + sizeof(h), key, klen);
    memcpy(s->arena + s->used + sizeof(h) + klen, val, vlen);
    s->idx[s->n++] = s->used;
    s->used += need;
    s->st.rows_in++;
    s->st.bytes_in += weight;
    if (s->used + s->n * sizeof(uint64_t) > s->st.peak_buffer_bytes)
        s->st.peak_buffer_bytes = s->used + s->n * sizeof(uint64_t);
    return 0;
}

/* --- sorting and the parts --------------------------------------------- */

static uint64_t bound_bytes(const sorter *s, unsigned i)
{
    uint64_t n = 0;

    if (!s->nruns) {
        for (uint64_t k = s->mem_pos[i]; k < s->mem_pos[i + 1]; k++)
            n += row_of(s->idx[k])->weight;
        return n;
    }
    for (unsigned j = 0; j < s->nruns; j++)
        n += s->run_weight[(size_t)j * (s->nb + 1) + i];
    return n;
}

static int part_empty(const sorter *s, unsigned i)
{
    if (!s->nruns)
        return s->mem_pos[i] == s->mem_pos[i + 1];
    for (unsigned j = 0; j < s->nruns; j++) {
        const uint64_t *o = s->run_off + (size_t)j * (s->nb + 1);
        if (o[i] != o[i + 1])
            return 0;
    }
    return 1;
}

int sorter_sort(sorter *s, char *err, size_t errlen)
{
    int r;

    if (s->sorted)
        return 0;
    if (s->nruns) {
        /* the rest becomes the last run; the buffer is not needed again */
        if ((r = spill(s, err, errlen)) < 0)
            return r;
        free_buffer(s);
    } else {
        sort_buffer(s);
        if ((r = choose_bounds(s)) < 0 || (r = locate_in_buffer(s)) < 0) {
            oom(err, errlen);
            return r;
        }
    }
    s->parts = malloc((s->nb ? s->nb : 1) * sizeof(*s->parts));
    s->part_bytes = malloc((s->nb ? s->nb : 1) * sizeof(*s->part_bytes));
    if (!s->parts || !s->part_bytes) {
        oom(err, errlen);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < s->nb; i++) {
        if (part_empty(s, i))
            continue;
        s->parts[s->nparts] = i;
        s->part_bytes[s->nparts++] = bound_bytes(s, i);
    }
    s->sorted = 1;
    return 0;
}

unsigned sorter_nparts(const sorter *s) { return s->nparts; }

unsigned sorter_part_rel(const sorter *s, unsigned part) { return s->b[s->parts[part]].rel; }

uint64_t sorter_part_bytes(const sorter *s, unsigned part) { return s->part_bytes[part]; }

/* --- emitting a part ---------------------------------------------------- */

static int emit_from_buffer(sorter *s, unsigned bi, sorter_emit_fn emit, void *ud)
{
    size_t end = s->mem_pos[bi + 1];
    int r;

    for (size_t k = s->mem_pos[bi]; k < end; k++) {
        const row_hdr *h = row_of(s->idx[k]);
        if (superseded(s, k, end))
            continue; /* a later row has this key (never across parts) */
        atomic_fetch_add(&s->rows_out, 1);
        if ((r = emit(ud, h->op, h->rel, key_of(h), h->klen, key_of(h) + h->klen, h->vlen)) != 0)
            return r;
    }
    return 0;
}

/* One run's range [pos, end) being merged: its current row. Reads go
 * through libuv with explicit offsets: a part's readers never share a
 * file position with another part's on another thread. */
typedef struct run_rd {
    uv_file fd;
    uint64_t pos, end;    /* file offsets of the unread range */
    char *buf;            /* read-ahead: bytes [buf_at, buf_len) not taken */
    size_t buf_len, buf_at, buf_cap;
    row_hdr h;
    char *row;            /* key then value of the current row */
    size_t rowcap;
    int valid;
} run_rd;

/* Read-ahead per run of a part being merged: the merges of all parts
 * at once stay within half the sort buffer, between these bounds. */
#define RUN_READAHEAD_MIN (16u << 10)
#define RUN_READAHEAD_MAX (256u << 10)

static size_t run_readahead(const sorter *s)
{
    uint64_t n = s->limit / 2 / ((uint64_t)s->nruns * s->max_parts);

    return n < RUN_READAHEAD_MIN ? RUN_READAHEAD_MIN
           : n > RUN_READAHEAD_MAX ? RUN_READAHEAD_MAX : (size_t)n;
}

/* n bytes of the range into p; -EIO when the run is cut short */
static int rd_take(run_rd *r, void *p, size_t n)
{
    char *out = p;

    while (n) {
        if (r->buf_at == r->buf_len) {
            uint64_t left = r->end - r->pos;
            size_t want = left < r->buf_cap ? (size_t)left : r->buf_cap;
            uv_fs_t req;
            uv_buf_t b = uv_buf_init(r->buf, (unsigned)want);
            int got;
            if (!want)
                return -EIO;
            got = uv_fs_read(NULL, &req, r->fd, &b, 1, (int64_t)r->pos, NULL);
            uv_fs_req_cleanup(&req);
            if (got <= 0)
                return got < 0 ? got : -EIO;
            r->pos += (uint64_t)got;
            r->buf_len = (size_t)got;
            r->buf_at = 0;
        }
        size_t c = r->buf_len - r->buf_at < n ? r->buf_len - r->buf_at : n;
        memcpy(out, r->buf + r->buf_at, c);
        r->buf_at += c;
        out += c;
        n -= c;
    }
    return 0;
}

static int rd_next(run_rd *r)
{
    int e;

    r->valid = 0;
    if (r->pos == r->end && r->buf_at == r->buf_len)
        return 0;
    if ((e = rd_take(r, &r->h, sizeof(r->h))) < 0)
        return e;
    if (grow((void **)&r->row, &r->rowcap, (size_t)r->h.klen + r->h.vlen + 1, 1) < 0)
        return -ENOMEM;
    if ((e = rd_take(r, r->row, (size_t)r->h.klen + r->h.vlen)) < 0)
        return e;
    r->valid = 1;
    return 1;
}

static int rd_cmp(const run_rd *a, const run_rd *b)
{
    return cmp_key(a->h.rel, a->row, a->h.klen, b->h.rel, b->row, b->h.klen);
}

/* The merge's heap of runs holding a row: the smallest key on top, and
 * of equal keys the latest run (the one whose row wins). */
typedef struct run_heap {
    run_rd *rd;
    unsigned *at, n;
} run_heap;

static int heap_before(const run_heap *h, unsigned a, unsigned b)
{
    int c = rd_cmp(&h->rd[a], &h->rd[b]);

    return c < 0 || (c == 0 && a > b);
}

static void heap_down(run_heap *h, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, m = i;
        if (l < h->n && heap_before(h, h->at[l], h->at[m]))
            m = l;
        if (l + 1 < h->n && heap_before(h, h->at[l + 1], h->at[m]))
            m = l + 1;
        if (m == i)
            return;
        unsigned t = h->at[i];
        h->at[i] = h->at[m];
        h->at[m] = t;
        i = m;
    }
}

/* The top run moves to its next row (or leaves the heap). */
static int heap_advance(run_heap *h)
{
    int r = rd_next(&h->rd[h->at[0]]);

    if (r < 0)
        return r;
    if (!r)
        h->at[0] = h->at[--h->n];
    heap_down(h, 0);
    return 0;
}

/* Merge one part of every run: the smallest key first; of runs holding
 * the same key, the latest run's row wins and the others are skipped. */
static int emit_from_runs(sorter *s, unsigned bi, sorter_emit_fn emit, void *ud, char *err,
                          size_t errlen)
{
    run_rd *rd = calloc(s->nruns, sizeof(*rd));
    run_heap hp = {rd, calloc(s->nruns, sizeof(unsigned)), 0};
    size_t ahead = run_readahead(s), lastcap = 0, lastlen = 0;
    char path[4096], *last = NULL;
    unsigned lastrel = 0, won;
    int r = 0;

    if (!rd || !hp.at) {
        free(rd);
        free(hp.at);
        oom(err, errlen);
        return -ENOMEM;
    }
    for (unsigned j = 0; j < s->nruns; j++)
        rd[j].fd = -1;
    for (unsigned j = 0; j < s->nruns && r >= 0; j++) {
        const uint64_t *o = s->run_off + (size_t)j * (s->nb + 1);
        uv_fs_t req;
        run_path(s, j, path, sizeof(path));
        rd[j].pos = o[bi];
        rd[j].end = o[bi + 1];
        rd[j].buf_cap = ahead;
        if (rd[j].pos == rd[j].end)
            continue;
        r = uv_fs_open(NULL, &req, path, UV_FS_O_RDONLY, 0, NULL);
        uv_fs_req_cleanup(&req);
        if (r >= 0)
            rd[j].fd = r;
        if (r < 0 || !(rd[j].buf = malloc(ahead))) {
            r = r < 0 ? r : -ENOMEM;
            if (errlen)
                snprintf(err, errlen, "cannot open sorted run %s: %s", path, uv_strerror(r));
            break;
        }
        if ((r = rd_next(&rd[j])) < 0 && errlen)
            snprintf(err, errlen, "cannot read sorted run %s: %s", path, uv_strerror(r));
        if (r > 0)
            hp.at[hp.n++] = j;
    }
    if (r > 0)
        r = 0;
    for (unsigned i = hp.n; r >= 0 && i-- > 0;)
        heap_down(&hp, i);
    while (r >= 0 && hp.n) {
        run_rd *w = &rd[hp.at[0]];
        atomic_fetch_add(&s->rows_out, 1);
        if ((r = emit(ud, w->h.op, w->h.rel, w->row, w->h.klen, w->row + w->h.klen,
                      w->h.vlen)) != 0)
            break;
        /* every run holding this key moves past it: the winner's key is
         * kept aside, since its own row changes first */
        if (grow((void **)&last, &lastcap, w->h.klen + 1, 1) < 0) {
            r = -ENOMEM;
            break;
        }
        lastrel = w->h.rel;
        lastlen = w->h.klen;
        memcpy(last, w->row, lastlen);
        do {
            won = hp.at[0];
            r = heap_advance(&hp);
        } while (r >= 0 && hp.n &&
                 cmp_key(rd[hp.at[0]].h.rel, rd[hp.at[0]].row, rd[hp.at[0]].h.klen, lastrel,
                         last, lastlen) == 0);
        if (r < 0 && errlen) {
            run_path(s, won, path, sizeof(path));
            snprintf(err, errlen, "cannot read sorted run %s: %s", path, uv_strerror(r));
        }
    }
    free(last);
    for (unsigned j = 0; j < s->nruns; j++) {
        if (rd[j].fd >= 0) {
            uv_fs_t req;
            uv_fs_close(NULL, &req, rd[j].fd, NULL);
            uv_fs_req_cleanup(&req);
        }
        free(rd[j].buf);
        free(rd[j].row);
    }
    free(hp.at);
    free(rd);
    return r;
}

int sorter_emit_part(sorter *s, unsigned part, sorter_emit_fn emit, void *ud, char *err,
                     size_t errlen)
{
    unsigned bi = s->parts[part];

    return s->nruns ? emit_from_runs(s, bi, emit, ud, err, errlen)
                    : emit_from_buffer(s, bi, emit, ud);
}
