/* bulkload.c - stage, sort, write SSTs, ingest (bulkload.h). */
#include "bulkload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "chunk.h"
#include "dbdir.h"
#include "sorter.h"
#include "store_sst.h"

#define STAGE_MAGIC 0x53425450u /* "PTBS" */

typedef struct stage_hdr {
    uint32_t magic, len;
    uint64_t end_row;
} stage_hdr;

/* What the sorter holds of a put: where its value is in the stage file.
 * The values stay there (written once); the sorter holds keys and these,
 * and the SST writers read the values back (emit_row). */
typedef struct value_ref {
    uint64_t off;
    uint32_t len, zero; /* no padding left uninitialized in the runs */
} value_ref;

/* a meta row of the final chunk, for the meta SST */
typedef struct meta_row {
    char *key, *val;
    size_t klen, vlen;
    int op;
} meta_row;

struct bulkload {
    char *dir;        /* <data dir>/ptingestd-bulk/<hex id> */
    char *top;        /* <data dir>/ptingestd-bulk */
    char id[256];
    uint64_t sort_buffer;
    uint64_t sst_max;  /* bulk.sst_file_max_bytes */
    unsigned threads;  /* SST files written at once at the end */
    int fd;           /* the stage file, -1 until the first chunk */
    uint64_t staged;  /* its length */
    atomic_int phase;
    atomic_uint_fast64_t a_staged, a_done, a_total, a_runs, a_spilled, a_sst, a_files;
    /* writer thread, while it finishes */
    store *s;
    sorter *so;
    store_sst *sst;
    store_batch *meta;  /* progress records of chunks staged, not yet committed */
    int unsynced;       /* stage bytes appended since the last fdatasync */
    int replaying;      /* feeding the sorter from the stage file */
    uint64_t batch_off; /* where the batch being sorted starts in the stage file */
    atomic_uint_fast64_t *beat; /* the writer's heartbeat (bulkload_write) */
    uint64_t t_sort, t_write;   /* when the job's end began sorting, writing */
    meta_row *mrows;
    size_t nmrows, capmrows;
    char *err;
    size_t errlen;
};

const char *bulk_phase_name(int phase)
{
    static const char *const names[BULK_NPHASES] = {"receiving", "sorting", "writing-ssts",
                                                    "ingesting", "done", "failed"};
    return phase >= 0 && phase < BULK_NPHASES ? names[phase] : "unknown";
}

void bulkload_dir_name(const char *id, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    /* hex: a job id may be "." or "..", and ':' is not a Windows name */
    for (const unsigned char *p = (const unsigned char *)id; *p && o + 2 < outlen; p++) {
        out[o++] = hex[*p >> 4];
        out[o++] = hex[*p & 15];
    }
    out[o] = '\0';
}

int bulkload_new(bulkload **out, const char *data_dir, const char *id,
                 uint64_t sort_buffer_bytes, uint64_t sst_file_max_bytes, char *err,
                 size_t errlen)
{
    bulkload *b = calloc(1, sizeof(*b));
    char name[2 * 128 + 1];
    size_t n;

    *out = NULL;
    if (!b)
        goto oom;
    bulkload_dir_name(id, name, sizeof(name));
    n = strlen(data_dir) + sizeof(BULKLOAD_DIR) + 2;
    if (!(b->top = malloc(n)) || !(b->dir = malloc(n + strlen(name) + 1)))
        goto oom;
    snprintf(b->top, n, "%s/%s", data_dir, BULKLOAD_DIR);
    snprintf(b->dir, n + strlen(name) + 1, "%s/%s", b->top, name);
    snprintf(b->id, sizeof(b->id), "%s", id);
    b->sort_buffer = sort_buffer_bytes;
    b->sst_max = sst_file_max_bytes;
    b->threads = uv_available_parallelism();
    if (b->threads > 8)
        b->threads = 8;
    b->fd = -1;
    *out = b;
    return 0;
oom:
    if (b) {
        free(b->top);
        free(b->dir);
    }
    free(b);
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
}

static void free_mrows(bulkload *b)
{
    for (size_t i = 0; i < b->nmrows; i++) {
        free(b->mrows[i].key);
        free(b->mrows[i].val);
    }
    free(b->mrows);
    b->mrows = NULL;
    b->nmrows = b->capmrows = 0;
}

static void file_close(uv_file fd);

void bulkload_free(bulkload *b)
{
    if (!b)
        return;
    if (b->fd >= 0)
        file_close(b->fd);
    sorter_free(b->so);
    store_sst_free(b->sst);
    store_batch_free(b->meta);
    free_mrows(b);
    free(b->top);
    free(b->dir);
    free(b);
}

void bulkload_get_info(const bulkload *b, bulkload_info *out)
{
    out->phase = atomic_load(&b->phase);
    out->staged_bytes = atomic_load(&b->a_staged);
    out->done_bytes = atomic_load(&b->a_done);
    out->total_bytes = atomic_load(&b->a_total);
    out->runs = atomic_load(&b->a_runs);
    out->spilled_bytes = atomic_load(&b->a_spilled);
    out->sst_bytes = atomic_load(&b->a_sst);
    out->sst_files = atomic_load(&b->a_files);
}

/* c->err, for the job's client and the log (cut to fit). */
static int fail(chunk *c, int r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return r;
}

/* The stage file through libuv's synchronous calls (the same code on
 * POSIX and Windows; the writer thread may block in them). They return
 * libuv's codes: uv_strerror names them. */
static int file_open(const char *path, uv_file *fd)
{
    uv_fs_t req;
    int r = uv_fs_open(NULL, &req, path, UV_FS_O_RDWR | UV_FS_O_CREAT, 0600, NULL);

    uv_fs_req_cleanup(&req);
    if (r >= 0)
        *fd = r;
    return r < 0 ? r : 0;
}

static void file_close(uv_file fd)
{
    uv_fs_t req;

    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
}

static int file_datasync(uv_file fd)
{
    uv_fs_t req;
    int r = uv_fs_fdatasync(NULL, &req, fd, NULL);

    uv_fs_req_cleanup(&req);
    return r;
}

static int file_truncate(uv_file fd, uint64_t len)
{
    uv_fs_t req;
    int r = uv_fs_ftruncate(NULL, &req, fd, (int64_t)len, NULL);

    uv_fs_req_cleanup(&req);
    return r;
}

/* 1 when path exists, with its last modification (seconds since 1970). */
static int file_mtime(const char *path, int64_t *mtime)
{
    uv_fs_t req;
    int r = uv_fs_stat(NULL, &req, path, NULL);

    if (r == 0)
        *mtime = (int64_t)req.statbuf.st_mtim.tv_sec;
    uv_fs_req_cleanup(&req);
    return r == 0;
}

static int make_dir(const char *path)
{
    char err[256];

    return dbdir_mkdir(path, err, sizeof(err));
}

/* 1 when n bytes were read, 0 at the end of the file first, <0. */
static int read_full(uv_file fd, void *p, size_t n, uint64_t off)
{
    size_t got = 0;

    while (got < n) {
        uv_fs_t req;
        uv_buf_t buf = uv_buf_init((char *)p + got, (unsigned)(n - got));
        int r = uv_fs_read(NULL, &req, fd, &buf, 1, (int64_t)(off + got), NULL);
        uv_fs_req_cleanup(&req);
        if (r < 0)
            return r;
        if (r == 0)
            return 0;
        got += (size_t)r;
    }
    return 1;
}

static int write_full(uv_file fd, const void *p, size_t n, uint64_t off)
{
    size_t put = 0;

    while (put < n) {
        uv_fs_t req;
        uv_buf_t buf = uv_buf_init((char *)p + put, (unsigned)(n - put));
        int r = uv_fs_write(NULL, &req, fd, &buf, 1, (int64_t)(off + put), NULL);
        uv_fs_req_cleanup(&req);
        if (r < 0)
            return r;
        put += (size_t)r;
    }
    return 0;
}

static void remove_tree(const char *path)
{
    char err[512];

    if (dbdir_remove(path, err, sizeof(err)) < 0)
        log_warn("%s", err);
}

/* The rows of a chunk: a relation's go to the sorter; the meta rows
 * (progress records) of a non-final chunk go to RocksDB once its stage
 * bytes are synced, the final chunk's (its done record) into the meta
 * SST. */
static int take_meta(bulkload *b, int op, const char *key, size_t klen, const char *val,
                     size_t vlen);

static int take_row(void *ud, int rel, int op, const char *key, size_t klen, const char *val,
                    size_t vlen, size_t val_off)
{
    bulkload *b = ud;
    value_ref ref = {b->batch_off + val_off, (uint32_t)vlen, 0};

    if (rel == STORE_SST_META)
        return take_meta(b, op, key, klen, val, vlen);
    if (rel < 0)
        return 0;
    if (vlen > UINT32_MAX) {
        snprintf(b->err, b->errlen, "a value of %zu bytes is too large to load in bulk", vlen);
        return -E2BIG;
    }
    return sorter_add_weighted(b->so, op, (unsigned)rel, key, klen, (const char *)&ref,
                               op ? 0 : sizeof(ref), klen + vlen, b->err, b->errlen);
}

/* The sorter's runs so far, for status and progress. */
static void count_runs(bulkload *b)
{
    sorter_stats ss;

    sorter_get_stats(b->so, &ss);
    atomic_store(&b->a_runs, ss.runs);
    atomic_store(&b->a_spilled, ss.spilled_bytes);
}

/* The sorter is fed as chunks arrive, so that at the end only the sort
 * and the SST files remain. */
static int open_sorter(bulkload *b, chunk *c)
{
    char runs[4200];
    int r;

    snprintf(runs, sizeof(runs), "%s/runs", b->dir);
    remove_tree(runs); /* leftovers of a run that crashed */
    if ((r = make_dir(runs)) < 0)
        return fail(c, r, "cannot create %s: %s", runs, uv_strerror(r));
    /* twice the threads: a big relation's parts then even out */
    return sorter_new(&b->so, runs, b->sort_buffer, (unsigned)store_nrelations(b->s),
                      2 * b->threads, c->err, sizeof(c->err));
}

/* A resumed job: the rows staged before it went to a sorter since freed. */
static int replay_stage(bulkload *b, chunk *c)
{
    char *buf = NULL;
    size_t cap = 0;
    uint64_t off = 0;
    stage_hdr h;
    int r = 0;

    while (off < b->staged) {
        if ((r = read_full(b->fd, &h, sizeof(h), off)) != 1 || h.magic != STAGE_MAGIC) {
            r = r < 0 ? r : -EBADMSG;
            break;
        }
        if (h.len > cap) {
            char *nb = realloc(buf, h.len);
            if (!nb) {
                r = -ENOMEM;
                break;
            }
            buf = nb;
            cap = h.len;
        }
        if ((r = read_full(b->fd, buf, h.len, off + sizeof(h))) != 1) {
            r = r < 0 ? r : -EBADMSG;
            break;
        }
        /* progress records of the staged chunks are in RocksDB already */
        b->replaying = 1;
        b->batch_off = off + sizeof(h);
        r = store_batch_each(b->s, buf, h.len, take_row, b, c->err, sizeof(c->err));
        b->replaying = 0;
        if (r < 0)
            break;
        off += sizeof(h) + h.len;
        atomic_store(b->beat, pt_now_ns());
    }
    free(buf);
    if (r < 0 && !c->err[0])
        fail(c, r, "cannot read bulk stage file in %s: %s", b->dir, uv_strerror(r));
    if (r >= 0)
        count_runs(b);
    return r < 0 ? r : 0;
}

/* First chunk of this run: open the stage file; a resumed job keeps the
 * chunks up to its committed row count start and drops what follows. */
static int open_stage(bulkload *b, chunk *c, uint64_t start)
{
    char path[4200];
    uint64_t off = 0, end = 0;
    stage_hdr h;
    int r, created = 0;
    int64_t mtime;

    if ((r = make_dir(b->top)) < 0 || (r = make_dir(b->dir)) < 0)
        return fail(c, r, "cannot create bulk staging directory %s: %s", b->dir, uv_strerror(r));
    snprintf(path, sizeof(path), "%s/stage", b->dir);
    created = !file_mtime(path, &mtime);
    if ((r = file_open(path, &b->fd)) < 0) {
        b->fd = -1;
        return fail(c, r, "cannot open bulk stage file %s: %s", path, uv_strerror(r));
    }
    while (end < start && (r = read_full(b->fd, &h, sizeof(h), off)) == 1) {
        if (h.magic != STAGE_MAGIC || h.end_row > start)
            break;
        off += sizeof(h) + h.len;
        end = h.end_row;
    }
    if (r < 0)
        return fail(c, r, "cannot read bulk stage file %s: %s", path, uv_strerror(r));
    if (end != start) {
        return fail(c, -EIO,
                    "job's staged rows are missing: %s holds fewer than its %llu durable rows "
                    "(removed after bulk.staging_retention_ms?); start it again under a new id",
                    path, (unsigned long long)start);
    }
    if ((r = file_truncate(b->fd, off)) < 0 || (r = file_datasync(b->fd)) < 0)
        return fail(c, r, "cannot truncate bulk stage file %s: %s", path, uv_strerror(r));
    if (created && ((r = dbdir_sync_dir(b->dir)) < 0 || (r = dbdir_sync_dir(b->top)) < 0))
        return fail(c, r, "cannot sync bulk staging directory %s: %s", b->dir, uv_strerror(r));
    b->staged = off;
    atomic_store(&b->a_staged, off);
    if ((r = open_sorter(b, c)) < 0)
        return r;
    if (start) {
        log_info("job %s: bulk staging resumed at row %llu (%llu staged bytes)", b->id,
                 (unsigned long long)start, (unsigned long long)off);
        if ((r = replay_stage(b, c)) < 0)
            return r;
    }
    return 0;
}

static int take_meta(bulkload *b, int op, const char *key, size_t klen, const char *val,
                     size_t vlen)
{
    meta_row *m;

    if (b->replaying)
        return 0;
    if (b->meta) {
        if (op)
            store_batch_del_meta(b->s, b->meta, key, klen);
        else
            store_batch_put_meta(b->s, b->meta, key, klen, val, vlen);
        return 0;
    }
    if (b->nmrows == b->capmrows) {
        size_t n = b->capmrows ? b->capmrows * 2 : 8;
        meta_row *nm = realloc(b->mrows, n * sizeof(*nm));
        if (!nm)
            return -ENOMEM;
        b->mrows = nm;
        b->capmrows = n;
    }
    m = &b->mrows[b->nmrows];
    if (!(m->key = malloc(klen + 1)) || !(m->val = malloc(vlen + 1))) {
        free(m->key);
        return -ENOMEM;
    }
    memcpy(m->key, key, klen);
    memcpy(m->val, val, vlen);
    m->klen = klen;
    m->vlen = vlen;
    m->op = op;
    b->nmrows++;
    return 0;
}

static int stage(bulkload *b, chunk *c)
{
    size_t len;
    const char *rep = store_batch_data(c->batch, &len);
    stage_hdr h = {STAGE_MAGIC, (uint32_t)len, c->end_row};
    int r;

    if (len > UINT32_MAX)
        return fail(c, -E2BIG, "chunk too large to stage");
    if ((r = write_full(b->fd, &h, sizeof(h), b->staged)) < 0 ||
        (r = write_full(b->fd, rep, len, b->staged + sizeof(h))) < 0)
        return fail(c, r, "cannot write bulk stage file in %s: %s", b->dir, uv_strerror(r));
    b->batch_off = b->staged + sizeof(h);
    b->staged += sizeof(h) + len;
    b->unsynced = 1;
    atomic_store(&b->a_staged, b->staged);
    return 0;
}

/* --- finish: sort, write, ingest ----------------------------------------- */

/* The parts of the sorted output written as SST files by up to
 * b->threads threads at once (the calling thread is one of them), the
 * largest parts first. */
typedef struct part_pool {
    bulkload *b;
    unsigned *order;        /* part indexes, largest first */
    unsigned nparts;
    atomic_uint next;       /* the next entry of order to take */
    atomic_int failed;      /* set by the first failure: the others stop */
    uv_mutex_t lock;        /* guards err (the first failure's message) */
    char err[512];
    int r;
} part_pool;

typedef struct part_ctx {
    part_pool *pool;
    int part;
    uint64_t rows;
    char *buf;   /* the value read back */
    size_t cap;
    char err[512];
} part_ctx;

static int emit_row(void *ud, int op, unsigned rel, const char *key, size_t klen,
                    const char *val, size_t vlen)
{
    part_ctx *x = ud;
    bulkload *b = x->pool->b;
    value_ref ref = {0, 0, 0};
    int r;

    (void)rel;
    if (atomic_load(&x->pool->failed))
        return -ECANCELED;
    if (op == 0) {
        if (vlen != sizeof(ref))
            return -EBADMSG;
        memcpy(&ref, val, sizeof(ref));
        if (ref.len > x->cap) {
            char *nb = realloc(x->buf, ref.len);
            if (!nb)
                return -ENOMEM;
            x->buf = nb;
            x->cap = ref.len;
        }
        if ((r = read_full(b->fd, x->buf, ref.len, ref.off)) != 1) {
            snprintf(x->err, sizeof(x->err), "cannot read a value back from %s/stage: %s",
                     b->dir, r < 0 ? uv_strerror(r) : "the file is shorter");
            return r < 0 ? r : -EIO;
        }
    }
    r = store_sst_add(b->sst, x->part, op, key, klen, x->buf, ref.len, x->err, sizeof(x->err));
    atomic_fetch_add(&b->a_done, klen + ref.len);
    if ((++x->rows & 4095) == 0)
        atomic_store(b->beat, pt_now_ns());
    return r;
}

static void pool_fail(part_pool *p, int r, const char *err)
{
    uv_mutex_lock(&p->lock);
    if (!atomic_load(&p->failed)) {
        p->r = r;
        snprintf(p->err, sizeof(p->err), "%s", err);
        atomic_store(&p->failed, 1);
    }
    uv_mutex_unlock(&p->lock);
}

static void pool_work(void *arg)
{
    part_pool *p = arg;
    part_ctx x = {p, 0, 0, NULL, 0, ""};
    unsigned i;
    int r;

    while (!atomic_load(&p->failed) && (i = atomic_fetch_add(&p->next, 1)) < p->nparts) {
        x.part = (int)p->order[i];
        x.err[0] = '\0';
        /* the files are finished together at the ingest, each on its own
         * thread: one slow close (a virus scanner) is paid once, not once
         * per part a thread wrote */
        r = sorter_emit_part(p->b->so, p->order[i], emit_row, &x, x.err, sizeof(x.err));
        atomic_store(&p->b->a_sst, store_sst_bytes(p->b->sst));
        if (r != 0 && r != -ECANCELED)
            pool_fail(p, r, x.err[0] ? x.err : strerror(-r));
    }
    free(x.buf);
}

static int write_parts(bulkload *b, chunk *c)
{
    part_pool p = {.b = b, .nparts = sorter_nparts(b->so)};
    uv_thread_t th[8];
    unsigned nth = 0;

    if (!p.nparts)
        return 0;
    if (!(p.order = malloc(p.nparts * sizeof(*p.order))))
        return fail(c, -ENOMEM, "out of memory");
    for (unsigned i = 0; i < p.nparts; i++)
        p.order[i] = i;
    /* largest first, so the threads end about together */
    for (unsigned i = 1; i < p.nparts; i++)
        for (unsigned j = i; j > 0 && sorter_part_bytes(b->so, p.order[j]) >
                                          sorter_part_bytes(b->so, p.order[j - 1]); j--) {
            unsigned t = p.order[j];
            p.order[j] = p.order[j - 1];
            p.order[j - 1] = t;
        }
    atomic_init(&p.next, 0);
    atomic_init(&p.failed, 0);
    if (uv_mutex_init(&p.lock) < 0) {
        free(p.order);
        return fail(c, -ENOMEM, "cannot create a mutex");
    }
    while (nth + 1 < b->threads && nth + 1 < p.nparts && nth < 8 &&
           uv_thread_create(&th[nth], pool_work, &p) == 0)
        nth++;
    pool_work(&p);
    for (unsigned i = 0; i < nth; i++)
        uv_thread_join(&th[i]);
    uv_mutex_destroy(&p.lock);
    free(p.order);
    if (atomic_load(&p.failed))
        return fail(c, p.r, "%s", p.err);
    return 0;
}

static int cmp_meta(const void *a, const void *b)
{
    const meta_row *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);

    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* The job's done record (and any other meta row of the final chunk). */
static int write_meta(bulkload *b, chunk *c)
{
    int r = 0;

    qsort(b->mrows, b->nmrows, sizeof(b->mrows[0]), cmp_meta);
    for (size_t i = 0; i < b->nmrows && r == 0; i++)
        if (i + 1 == b->nmrows || cmp_meta(&b->mrows[i], &b->mrows[i + 1]) != 0)
            r = store_sst_add(b->sst, STORE_SST_META, b->mrows[i].op, b->mrows[i].key,
                              b->mrows[i].klen, b->mrows[i].val, b->mrows[i].vlen, c->err,
                              sizeof(c->err));
    return r;
}

/* The job's end, first half (any one thread): sort, and write the SST
 * files. */
int bulkload_finish_files(bulkload *b, chunk *c)
{
    char ssts[4200];
    unsigned *rels = NULL, nparts;
    sorter_stats ss;
    int r = 0;

    /* sorting: what the buffer holds (a spilled job's last run) */
    b->t_sort = pt_now_ns();
    snprintf(ssts, sizeof(ssts), "%s/sst", b->dir);
    remove_tree(ssts); /* leftovers of a run that crashed while finishing */
    if ((r = make_dir(ssts)) < 0)
        return fail(c, r, "cannot create %s: %s", ssts, uv_strerror(r));
    sorter_get_stats(b->so, &ss);
    atomic_store(&b->a_done, 0);
    atomic_store(&b->a_total, ss.bytes_in);
    atomic_store(&b->phase, BULK_SORTING);
    if ((r = sorter_sort(b->so, c->err, sizeof(c->err))) < 0)
        return r;
    count_runs(b);
    /* writing: each part of the sorted rows its own SST file, on parallel
     * threads; then the job's done record */
    b->t_write = pt_now_ns();
    nparts = sorter_nparts(b->so);
    if (nparts && !(rels = malloc(nparts * sizeof(*rels))))
        return fail(c, -ENOMEM, "out of memory");
    for (unsigned i = 0; i < nparts; i++)
        rels[i] = sorter_part_rel(b->so, i);
    r = store_sst_new(&b->sst, b->s, ssts, rels, nparts, b->sst_max, c->err, sizeof(c->err));
    free(rels);
    if (r < 0)
        return r;
    atomic_store(&b->phase, BULK_WRITING);
    atomic_store(b->beat, pt_now_ns());
    if ((r = write_parts(b, c)) < 0 || (r = write_meta(b, c)) < 0)
        return r;
    /* finished here, off the writer thread: a slow close (a virus
     * scanner) holds this job only */
    return store_sst_finish(b->sst, c->err, sizeof(c->err));
}

/* The job's end, second half (the writer thread: bulkload_ingest). */
static int finish_ingest(bulkload *b, chunk *c)
{
    sorter_stats ss;
    uint64_t t2 = pt_now_ns(), t3;
    int r;

    /* ingesting: every file at once */
    atomic_store(&b->phase, BULK_INGESTING);
    if ((r = store_sst_ingest(b->sst, c->err, sizeof(c->err))) < 0)
        return r;
    t3 = pt_now_ns();
    sorter_get_stats(b->so, &ss);
    atomic_store(&b->a_sst, store_sst_bytes(b->sst));
    atomic_store(&b->a_files, store_sst_files(b->sst));
    log_info("job %s: bulk load of %llu rows (%llu distinct) ingested: %llu SST files, "
             "%.1f MB; %llu sorted runs spilled (%.1f MB); sorting %llu ms, writing %llu ms "
             "(%u threads), ingesting %llu ms",
             b->id, (unsigned long long)ss.rows_in, (unsigned long long)ss.rows_out,
             (unsigned long long)store_sst_files(b->sst), (double)store_sst_bytes(b->sst) / 1e6,
             (unsigned long long)ss.runs, (double)ss.spilled_bytes / 1e6,
             (unsigned long long)((b->t_write - b->t_sort) / 1000000),
             (unsigned long long)((t2 - b->t_write) / 1000000), b->threads,
             (unsigned long long)((t3 - t2) / 1000000));
    /* done: the staged rows are in the database */
    sorter_free(b->so);
    b->so = NULL;
    store_sst_free(b->sst);
    b->sst = NULL;
    file_close(b->fd);
    b->fd = -1;
    remove_tree(b->dir);
    atomic_store(&b->phase, BULK_DONE);
    return 0;
}

int bulkload_pending(const bulkload *b)
{
    return b->unsynced || b->meta;
}

int bulkload_commit(bulkload *b, store *s, char *err, size_t errlen)
{
    int r = 0;

    if (b->unsynced && (r = file_datasync(b->fd)) < 0)
        snprintf(err, errlen, "cannot sync bulk stage file in %s: %s", b->dir, uv_strerror(r));
    b->unsynced = 0;
    /* the progress records, now that the rows they count are on disk */
    if (r == 0 && b->meta)
        r = store_write(s, b->meta, 0, err, errlen);
    store_batch_free(b->meta);
    b->meta = NULL;
    if (r < 0) {
        atomic_store(&b->phase, BULK_FAILED);
        log_error("job %s: bulk staging failed: %s", b->id, err);
    }
    return r;
}

/* A failed chunk: everything the job's end would have used goes; the
 * next attempt (a resume) starts from the stage file again. */
static int give_up(bulkload *b, chunk *c, int r)
{
    free_mrows(b);
    sorter_free(b->so);
    b->so = NULL;
    store_sst_free(b->sst);
    b->sst = NULL;
    store_batch_free(b->meta);
    b->meta = NULL;
    b->unsynced = 0;
    if (b->fd >= 0)
        file_close(b->fd);
    b->fd = -1;
    atomic_store(&b->phase, BULK_FAILED);
    log_error("job %s: bulk load failed: %s", b->id, c->err);
    return r;
}

int bulkload_write(bulkload *b, store *s, chunk *c, atomic_uint_fast64_t *beat)
{
    int r;

    b->s = s;
    b->beat = beat;
    c->err[0] = '\0';
    b->err = c->err;
    b->errlen = sizeof(c->err);
    if (b->fd < 0 && (r = open_stage(b, c, c->end_row - c->rows)) < 0)
        return give_up(b, c, r);
    if ((r = stage(b, c)) < 0)
        return give_up(b, c, r);
    /* the records of chunks before the final one go first: written after
     * the ingest they would be newer than its done record */
    if (c->final && bulkload_pending(b) &&
        (r = bulkload_commit(b, s, c->err, sizeof(c->err))) < 0)
        return give_up(b, c, r);
    /* a non-final chunk's progress record waits for bulkload_commit */
    if (!c->final && !b->meta && !(b->meta = store_batch_new()))
        return give_up(b, c, fail(c, -ENOMEM, "out of memory"));
    r = store_batch_rows(s, c->batch, take_row, b, c->err, sizeof(c->err));
    if (r < 0) {
        if (!c->err[0])
            fail(c, r, "cannot sort a chunk's rows: %s", strerror(-r));
        return give_up(b, c, r);
    }
    count_runs(b);
    return c->final ? BULKLOAD_DEFERRED : 0;
}

int bulkload_ingest(bulkload *b, chunk *c, int files_status)
{
    int r = files_status;

    if (r == 0)
        r = finish_ingest(b, c);
    return r < 0 ? give_up(b, c, r) : 0;
}

/* --- abandoned staging ---------------------------------------------------- */

typedef struct cleanup {
    const char *top;
    uint64_t retention_ms;
    int (*keep)(void *ud, const char *dir_name);
    void *ud;
    int64_t now;
    int n;
} cleanup;

static int cleanup_entry(void *ud, const char *name, int is_dir)
{
    cleanup *cl = ud;
    char path[4400], stage_path[4500];
    int64_t mtime;

    (void)is_dir;
    if (name[0] == '.' || (cl->keep && cl->keep(cl->ud, name)))
        return 0;
    snprintf(path, sizeof(path), "%s/%s", cl->top, name);
    snprintf(stage_path, sizeof(stage_path), "%s/stage", path);
    /* the stage file's last append, else the directory's */
    if (!file_mtime(stage_path, &mtime) && !file_mtime(path, &mtime))
        return 0;
    if ((uint64_t)(cl->now - mtime) * 1000 < cl->retention_ms)
        return 0;
    log_info("bulk staging %s: untouched for %llu s (bulk.staging_retention_ms): removed",
             path, (unsigned long long)(cl->now - mtime));
    remove_tree(path);
    cl->n++;
    return 0;
}

int bulkload_cleanup(const char *data_dir, uint64_t retention_ms,
                     int (*keep)(void *ud, const char *dir_name), void *ud)
{
    char top[4096], err[512];
    cleanup cl = {top, retention_ms, keep, ud, (int64_t)time(NULL), 0};
    int r;

    if (!retention_ms)
        return 0;
    snprintf(top, sizeof(top), "%s/%s", data_dir, BULKLOAD_DIR);
    if (!dbdir_exists(top))
        return 0;
    if ((r = dbdir_list(top, cleanup_entry, &cl, err, sizeof(err))) < 0)
        return r;
    return cl.n;
}
