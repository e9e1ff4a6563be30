/* writer.c - the writer thread (see writer.h). */
#include "writer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/log.h"
#include "bulkload.h"
#include "pacer.h"

/* Configuration is set before the thread starts or through atomics; the
 * counters are atomics the loop thread reads for status. */
struct writer {
    uv_thread_t thread;
    chunk_queue *q;
    /* The databases written since they opened (writer thread only): the
     * bulk profile and the pacer's memtable occupancy cover them all; a
     * `forget` chunk takes one off before it closes. */
    store **known;
    /* per known database: out of the bulk-ingest profile until its level
     * 0 is below the slowdown trigger again (stall.bulk_l0_max_files) */
    unsigned char *l0_capped;
    size_t nknown, known_cap;
    uint64_t group_max_bytes;
    int started;
    atomic_uint_fast64_t chunks_written;
    atomic_uint_fast64_t rows_written;
    atomic_uint_fast64_t bytes_written;
    atomic_uint_fast64_t groups;
    atomic_uint_fast64_t syncs;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t busy_ns;
    /* when the writer last finished a group or went idle: a watchdog
     * reads it to tell a busy writer from a wedged one */
    atomic_uint_fast64_t heartbeat_ns;
    atomic_int alive;
    atomic_uint_fast64_t min_free_bytes;
    atomic_uint_fast64_t refused_low_space;
    /* admission control (pacer.h): why the writer holds back now (enum
     * pace_reason, 0 = writing), how often and how long it has */
    atomic_int pace_reason;
    atomic_uint_fast64_t paced_ns;
    atomic_uint_fast64_t pace_events;
    atomic_uint_fast64_t nowait_retries;
    atomic_int pacing_enabled;
    atomic_uint_fast64_t flush_bound_hold_ns;
    atomic_int bulk_wanted;
    atomic_uint_fast64_t bulk_l0_max_files;
    pace_rate rate;         /* writer thread only */
    pace_mode mode;         /* writer thread only */
    uint64_t bytes_in;      /* batch bytes handed to RocksDB (writer thread) */
    atomic_uint_fast64_t drain_rate;
    lathist commit_latency;
    /* jobs with a failed chunk: their later chunks are not written, so a
     * job's stored rows are always a prefix of what it sent (writer
     * thread only) */
    uint64_t failed_tokens[32];
    unsigned failed_next;
    /* bulk jobs' ends under way on threads of their own (writer thread
     * only; each entry's `done` is set by its thread) */
    struct bulk_end *ends;
};

/* A bulk job's end: its final chunk, held back from its group while a
 * thread sorts and writes the SST files (bulkload_finish_files); the
 * writer ingests them and completes the chunk when `done` is set. */
typedef struct bulk_end {
    writer *w;
    chunk *c;
    uv_thread_t thread;
    int threaded;
    int files_status;
    atomic_int done;
    struct bulk_end *next;
} bulk_end;

static int token_failed(const writer *w, uint64_t token)
{
    for (size_t i = 0; i < sizeof(w->failed_tokens) / sizeof(w->failed_tokens[0]); i++)
        if (w->failed_tokens[i] == token && token != 0)
            return 1;
    return 0;
}

static void mark_failed(writer *w, uint64_t token)
{
    if (token != 0 && !token_failed(w, token))
        w->failed_tokens[w->failed_next++ % 32] = token;
}

/* A failed write may be RocksDB refusing writes after a background error
 * (disk full, an I/O error in flush). Once the cause is gone, DB::Resume
 * clears it; try that once per failed chunk and write it again. */
static int retry_after_resume(writer *w, chunk *c)
{
    char err[200];

    if (store_resume(c->store, err, sizeof(err)) < 0)
        return -1;
    c->status = store_write(c->store, c->batch, 0, c->err, sizeof(c->err));
    if (c->status == 0)
        log_warn("%s: RocksDB accepts writes again (recovered with DB::Resume) after: %s",
                 store_data_dir(c->store), c->err);
    return c->status;
}

/* Memtable bytes of every database written: the whole database's, or
 * its relations' only (per_cf, as store_property_u64). */
static uint64_t memtable_bytes(writer *w, int per_cf)
{
    uint64_t sum = 0, v;

    for (size_t i = 0; i < w->nknown; i++)
        if (store_property_u64(w->known[i], "rocksdb.cur-size-all-mem-tables", per_cf, &v) == 0)
            sum += v;
    return sum;
}

static int known_index(const writer *w, const store *s)
{
    for (size_t i = 0; i < w->nknown; i++)
        if (w->known[i] == s)
            return (int)i;
    return -1;
}

/* 1 when s is new to the list, 0 when it was on it; -ENOMEM only when the
 * list cannot grow: the chunk is refused then. */
static int know(writer *w, store *s)
{
    if (known_index(w, s) >= 0)
        return 0;
    if (w->nknown == w->known_cap) {
        size_t cap = w->known_cap ? 2 * w->known_cap : 8;
        store **k = realloc(w->known, cap * sizeof(*k));
        unsigned char *l0;
        if (!k)
            return -ENOMEM;
        w->known = k;
        if (!(l0 = realloc(w->l0_capped, cap)))
            return -ENOMEM;
        w->l0_capped = l0;
        w->known_cap = cap;
    }
    w->l0_capped[w->nknown] = 0;
    w->known[w->nknown++] = s;
    return 1;
}

static void forget(writer *w, store *s);

/* RocksDB must never run the disk to zero: Debian's build asserts on a
 * write after a failed append, and a flush that fails half-way leaves a
 * background error. Refuse the group while free space is below the
 * floor; the jobs fail with the reason and resume once space is freed.
 * The floor is ingest.min_free_bytes, and never less than what this
 * group appends to the WAL plus what the memtables hold, which flushes
 * turn into SST files meanwhile: so 0 is safe too, it only takes away
 * the margin above that. */
static int refuse_low_space(writer *w, chunk_list *group)
{
    uint64_t cfg = atomic_load(&w->min_free_bytes), free_bytes, mem, writing = 0, floor;
    store *s = NULL;

    for (chunk *c = group->head; c && !s; c = c->next)
        if (!c->forget && !c->flush && c->store)
            s = c->store;
    if (!s)
        return 0;

    /* Every database lives under the data dir: one filesystem. */
    if (store_free_space(s, &free_bytes) < 0)
        return 0; /* cannot tell: RocksDB's own error, if any, will say */
    for (chunk *c = group->head; c; c = c->next)
        writing += c->mem;
    mem = memtable_bytes(w, 1);
    floor = mem + writing > cfg ? mem + writing : cfg;
    if (free_bytes >= floor)
        return 0;
    atomic_fetch_add(&w->refused_low_space, 1);
    for (chunk *c = group->head; c; c = c->next) {
        if (c->forget || c->flush) { /* lets go or flushes: never refused */
            if (c->forget)
                forget(w, c->store);
            c->status = 0;
            continue;
        }
        /* A later chunk of the job may find room once the memtables are
         * flushed; written after this refused one it would leave a hole
         * that the job's progress record jumps over. */
        mark_failed(w, c->job_token);
        c->status = -ENOSPC;
        snprintf(c->err, sizeof(c->err),
                 "No space left on device: %.1f MB free, below the floor of %.1f MB "
                 "(ingest.min_free_bytes %.1f MB; memtables to flush %.1f MB and this "
                 "write %.1f MB)",
                 (double)free_bytes / 1e6, (double)floor / 1e6, (double)cfg / 1e6,
                 (double)mem / 1e6, (double)writing / 1e6);
    }
    log_error("%s: %.1f MB free, below the floor of %.1f MB (ingest.min_free_bytes, or "
              "the memtables and this write): refusing writes",
              store_data_dir(s), (double)free_bytes / 1e6, (double)floor / 1e6);
    return 1;
}

/* Enter or leave the bulk-ingest profile on one database. */
static void set_bulk(store *s, int want)
{
    char err[200];

    if (want == store_bulk(s))
        return;
    if (store_set_bulk(s, want, err, sizeof(err)) < 0) {
        log_warn("%s: cannot %s the bulk-ingest profile: %s", store_data_dir(s),
                 want ? "enter" : "leave", err);
        return;
    }
    log_info("%s: bulk-ingest profile %s", store_data_dir(s),
             want ? "on: compaction deferred while jobs run" : "off: compaction catches up");
    /* The large job is over: its last rows, and those of the small column
     * families, which seldom fill a memtable, go to SST files now, so no
     * WAL file outlives it (max_total_wal_size bounds them meanwhile). */
    if (!want && store_flush_all(s, err, sizeof(err)) < 0)
        log_warn("%s: cannot flush the memtables after the bulk-ingest profile: %s",
                 store_data_dir(s), err);
}

/* Whether known database i must stay out of the profile for its level 0:
 * from the moment one relation's level 0 holds max files until every
 * relation's is below its slowdown trigger and half of max. Compaction runs
 * meanwhile and the pacer holds writes back, so level 0 stays bounded
 * (reads, open files) under a stream of jobs that would keep the profile
 * on for ever. Notes the answer in l0_capped[i]. */
static void check_l0(writer *w, size_t i, uint64_t max)
{
    store *s = w->known[i];
    uint64_t most = 0;
    int below = 1;

    if (!max) {
        w->l0_capped[i] = 0;
        return;
    }
    for (size_t r = 0; r < store_nrelations(s); r++) {
        pace_signals sig;
        pace_limits lim;
        if (store_pace_signals(s, r, &sig) < 0)
            continue;
        store_pace_limits(s, r, &lim);
        if (sig.l0_files > most)
            most = sig.l0_files;
        below &= sig.l0_files < lim.l0_slowdown && 2 * sig.l0_files < max;
    }
    if (!w->l0_capped[i] && most >= max) {
        w->l0_capped[i] = 1;
        log_warn("%s: level 0 holds %llu files (stall.bulk_l0_max_files %llu): out of the "
                 "bulk-ingest profile until compaction has brought it down",
                 store_data_dir(s), (unsigned long long)most, (unsigned long long)max);
    } else if (w->l0_capped[i] && below) {
        w->l0_capped[i] = 0;
        log_info("%s: level 0 compacted below the slowdown trigger", store_data_dir(s));
    }
}

static int in_group(const chunk_list *group, const store *s)
{
    for (const chunk *c = group ? group->head : NULL; c; c = c->next)
        if (c->store == s)
            return 1;
    return 0;
}

/* ... on every database written, as the loop asks, unless its level 0 is
 * full. Level 0 grows only by flushing what is written: it is looked at
 * for the databases the group (if any) writes to and those waiting for
 * compaction, not for every idle one each time. */
static void apply_bulk(writer *w, const chunk_list *group)
{
    int want = atomic_load(&w->bulk_wanted);
    uint64_t max = atomic_load(&w->bulk_l0_max_files);

    for (size_t i = 0; i < w->nknown; i++) {
        if (want && (w->l0_capped[i] || in_group(group, w->known[i])))
            check_l0(w, i, max);
        set_bulk(w->known[i], want && !w->l0_capped[i]);
    }
}

/* A database is about to close: it leaves the profile and the list. */
static void forget(writer *w, store *s)
{
    int i = known_index(w, s);

    if (i < 0)
        return;
    set_bulk(s, 0);
    w->known[i] = w->known[--w->nknown];
    w->l0_capped[i] = w->l0_capped[w->nknown];
}

/* Hold the chunk back while writing it would make RocksDB delay or stop
 * (pacer.h); the queue fills meanwhile and clients wait, not RocksDB. */
static void pace(writer *w, const chunk *c)
{
    size_t n = store_nrelations(c->store);
    uint64_t t0 = 0, wait;

    for (;;) {
        int reason = PACE_OK, behind = 0, two = 0, bound;
        double drain, scale = 1.0;
        for (size_t i = 0; i < n && reason == PACE_OK; i++) {
            pace_signals sig;
            pace_limits lim;
            uint64_t merge;
            double room;
            if (store_pace_signals(c->store, i, &sig) < 0)
                continue;
            store_pace_limits(c->store, i, &lim);
            reason = pace_decide(&sig, &lim, c->cost);
            if ((room = pace_headroom(&sig, &lim)) < scale)
                scale = room;
            /* a flushable memtable waits (two: twice that) */
            merge = lim.min_merge ? lim.min_merge : 1;
            behind |= sig.immutable >= merge;
            two |= sig.immutable >= 2 * merge;
        }
        /* bytes_in counts every database's writes: so does occupancy */
        pace_rate_sample(&w->rate, pt_now_ns(), w->bytes_in, memtable_bytes(w, 0));
        drain = pace_rate_estimate(&w->rate);
        atomic_store(&w->drain_rate, (uint64_t)drain);
        /* Flush is behind only when it is the bottleneck (pacer.h), or
         * while the first flush has not been measured yet. */
        bound = pace_mode_update(&w->mode, pt_now_ns(), behind, two,
                                 atomic_load(&w->flush_bound_hold_ns));
        behind = behind && (bound || drain <= 0);
        w->rate.scale = scale;
        /* Below the triggers: while flush is behind, admit at its rate. */
        wait = reason == PACE_OK ? pace_rate_wait(&w->rate, pt_now_ns(), c->mem, behind) : 0;
        if (reason == PACE_OK && wait == 0)
            break;
        if (!t0) {
            t0 = pt_now_ns();
            atomic_fetch_add(&w->pace_events, 1);
        }
        atomic_store(&w->pace_reason, reason == PACE_OK ? PACE_RATE : reason);
        atomic_store(&w->heartbeat_ns, pt_now_ns()); /* waiting on purpose */
        apply_bulk(w, NULL); /* the loop may defer compaction that holds us */
        uv_sleep(wait ? (unsigned)(wait / 1000000 < 5 ? wait / 1000000 + 1 : 5) : 5);
    }
    if (t0) {
        uint64_t waited = pt_now_ns() - t0;
        atomic_fetch_add(&w->paced_ns, waited);
        if (waited > 200000000ull)
            log_debug("paced %llu ms (%s)", (unsigned long long)(waited / 1000000),
                      pace_reason_name(atomic_load(&w->pace_reason)));
        atomic_store(&w->pace_reason, PACE_OK);
    }
    w->bytes_in += c->mem;
}

/* What the pacer saw when RocksDB said it would stall anyway. */
static void log_signals(store *s)
{
    for (size_t i = 0; i < store_nrelations(s); i++) {
        pace_signals sig = {0};
        pace_limits lim;
        store_pace_signals(s, i, &sig);
        store_pace_limits(s, i, &lim);
        log_debug("would stall: %s imm=%llu active=%llu l0=%llu pending=%llu "
                  "(wbs=%llu max=%llu merge=%llu auto=%d)", store_relation_name(s, i),
                  (unsigned long long)sig.immutable, (unsigned long long)sig.active_bytes,
                  (unsigned long long)sig.l0_files, (unsigned long long)sig.pending_bytes,
                  (unsigned long long)lim.write_buffer_size,
                  (unsigned long long)lim.max_write_buffer_number,
                  (unsigned long long)lim.min_merge, lim.auto_compactions);
    }
}

/* One chunk, never waiting inside RocksDB: when RocksDB would stall the
 * write anyway (a trigger the pacer does not model), back off and retry. */
static int write_chunk(writer *w, chunk *c)
{
    uint64_t t0 = 0;
    int r;

    /* an empty chunk (a wake-up) adds nothing RocksDB could stall on */
    if (!atomic_load(&w->pacing_enabled) || store_batch_count(c->batch) == 0)
        return store_write(c->store, c->batch, 0, c->err, sizeof(c->err));
    for (;;) {
        pace(w, c);
        r = store_write_nowait(c->store, c->batch, c->err, sizeof(c->err));
        if (r != -EAGAIN)
            break;
        if (!t0) {
            t0 = pt_now_ns();
            atomic_fetch_add(&w->pace_events, 1);
            if (pt_log_get_level() >= PT_LOG_DEBUG)
                log_signals(c->store);
        }
        atomic_store(&w->pace_reason, PACE_ROCKSDB);
        atomic_fetch_add(&w->nowait_retries, 1);
        atomic_store(&w->heartbeat_ns, pt_now_ns());
        uv_sleep(2);
    }
    if (t0) {
        atomic_fetch_add(&w->paced_ns, pt_now_ns() - t0);
        log_debug("RocksDB would stall: retried for %llu ms",
                  (unsigned long long)((pt_now_ns() - t0) / 1000000));
        atomic_store(&w->pace_reason, PACE_OK);
    }
    return r;
}

/* One WAL fsync per database that a chunk of the group asked it of, the
 * databases' fsyncs at the same time (each its own WAL file: they need
 * not queue behind one another); a chunk whose database's fsync failed is
 * not durable as asked. */
#define SYNCED_MAX 64
typedef struct synced {
    store *s;
    int r;
    int threaded;
    uv_thread_t t;
    char err[200];
} synced;

static void sync_one(void *arg)
{
    synced *y = arg;

    y->r = store_sync_wal(y->s, y->err, sizeof(y->err));
}

static synced *synced_find(synced *v, size_t n, const store *s)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].s == s)
            return &v[i];
    return NULL;
}

static void sync_group(writer *w, chunk_list *group)
{
    synced v[SYNCED_MAX];
    size_t n = 0;

    for (chunk *c = group->head; c; c = c->next)
        if (c->status == 0 && c->need_sync && n < SYNCED_MAX && !synced_find(v, n, c->store)) {
            v[n].s = c->store;
            v[n].threaded = 0;
            v[n].err[0] = '\0';
            n++;
        }
    for (size_t i = 1; i < n; i++)
        v[i].threaded = uv_thread_create(&v[i].t, sync_one, &v[i]) == 0;
    for (size_t i = 0; i < n; i++)
        if (!v[i].threaded)
            sync_one(&v[i]);
    for (size_t i = 0; i < n; i++) {
        if (v[i].threaded)
            uv_thread_join(&v[i].t);
        atomic_fetch_add(&w->syncs, 1);
        if (v[i].r < 0) {
            atomic_fetch_add(&w->errors, 1);
            log_error("%s: WAL fsync failed: %s", store_data_dir(v[i].s), v[i].err);
        }
    }
    for (chunk *c = group->head; c; c = c->next) {
        synced *y, one;
        if (c->status != 0 || !c->need_sync)
            continue;
        if (!(y = synced_find(v, n, c->store))) { /* past SYNCED_MAX databases */
            one.s = c->store;
            sync_one(y = &one);
            atomic_fetch_add(&w->syncs, 1);
        }
        if (y->r < 0) {
            c->status = y->r;
            snprintf(c->err, sizeof(c->err), "WAL fsync failed: %s", y->err);
        }
    }
}

/* Bulk jobs' chunks of the group: one stage-file fdatasync per job, then
 * their progress records (bulkload.h), before the group's WAL sync. */
static void commit_bulk(writer *w, chunk_list *group)
{
    for (chunk *c = group->head; c; c = c->next) {
        char err[256];
        int r;
        if (!c->bulk || c->status != 0 || !bulkload_pending(c->bulk))
            continue;
        if ((r = bulkload_commit(c->bulk, c->store, err, sizeof(err))) == 0)
            continue;
        mark_failed(w, c->job_token);
        atomic_fetch_add(&w->errors, 1);
        for (chunk *d = c; d; d = d->next)
            if (d->bulk == c->bulk && d->status == 0 && !d->final) {
                d->status = r;
                snprintf(d->err, sizeof(d->err), "%s", err);
            }
    }
}

/* A chunk RocksDB accepted, in the writer's counters. */
static void count_written(writer *w, const chunk *c)
{
    atomic_fetch_add(&w->chunks_written, 1);
    atomic_fetch_add(&w->rows_written, c->rows);
    atomic_fetch_add(&w->bytes_written, c->bytes);
}

static void write_group(writer *w, chunk_list *group)
{
    uint64_t t0 = pt_now_ns();
    int known;

    for (chunk *c = group->head; c; c = c->next) {
        if (c->forget || c->flush || !c->store) { /* no rows: let go, flush, wake */
            char err[200];
            if (c->forget)
                forget(w, c->store);
            else if (c->flush && store_flush_all(c->store, err, sizeof(err)) < 0)
                log_warn("%s: cannot flush the memtables of a quiet database: %s",
                         store_data_dir(c->store), err);
            c->status = 0;
            continue;
        }
        if ((known = know(w, c->store)) < 0) {
            c->status = -ENOMEM;
            snprintf(c->err, sizeof(c->err), "out of memory");
            mark_failed(w, c->job_token);
            continue;
        }
        /* a database just opened takes the profile the others have;
         * the rest follow it at group boundaries (apply_bulk) */
        if (known == 1)
            set_bulk(c->store, atomic_load(&w->bulk_wanted));
        if (token_failed(w, c->job_token)) {
            c->status = -ECANCELED;
            snprintf(c->err, sizeof(c->err), "an earlier chunk of this job failed");
            continue;
        }
        /* a bulk job's chunk is staged, and its last one sorted, written
         * as SST files and ingested, here on this thread (bulkload.h) */
        c->status = c->bulk ? bulkload_write(c->bulk, c->store, c, &w->heartbeat_ns)
                            : write_chunk(w, c);
        if (c->status == BULKLOAD_DEFERRED) /* its end: start_bulk_ends */
            continue;
        if (c->status < 0 && !c->bulk && retry_after_resume(w, c) == 0)
            continue;
        if (c->status < 0) {
            mark_failed(w, c->job_token);
            atomic_fetch_add(&w->errors, 1);
            log_error("%s: write of a chunk of %llu rows failed: %s",
                      store_data_dir(c->store), (unsigned long long)c->rows, c->err);
        }
    }
    commit_bulk(w, group);
    sync_group(w, group);
    uint64_t t1 = pt_now_ns();
    atomic_fetch_add(&w->busy_ns, t1 - t0);
    atomic_fetch_add(&w->groups, 1);
    for (chunk *c = group->head; c; c = c->next) {
        if (c->status == 0 && !c->forget && !c->flush)
            count_written(w, c);
        if (!c->forget && !c->flush && c->status != BULKLOAD_DEFERRED)
            lathist_record_us(&w->commit_latency, (t1 - c->sealed_ns) / 1000);
    }
}

static void bulk_end_main(void *arg)
{
    bulk_end *e = arg;

    e->files_status = bulkload_finish_files(e->c->bulk, e->c);
    atomic_store(&e->done, 1);
    chunk_queue_kick(e->w->q); /* the writer may be waiting for chunks */
}

/* A bulk job's end, its files written (files_status): ingest them and
 * count the final chunk as written or failed, as write_group does. */
static void end_bulk_chunk(writer *w, chunk *c, int files_status)
{
    c->status = bulkload_ingest(c->bulk, c, files_status);
    if (c->status < 0) {
        mark_failed(w, c->job_token);
        atomic_fetch_add(&w->errors, 1);
        log_error("%s: the end of a bulk job failed: %s", store_data_dir(c->store), c->err);
    } else {
        count_written(w, c);
    }
    lathist_record_us(&w->commit_latency, (pt_now_ns() - c->sealed_ns) / 1000);
}

/* The group's deferred chunks (a bulk job's final one) leave it: each
 * goes on in a thread of its own, or here if none can be had. */
static void start_bulk_ends(writer *w, chunk_list *group)
{
    chunk_list rest = {0};
    chunk *c;

    while ((c = chunk_list_pop(group))) {
        bulk_end *e;
        if (c->status != BULKLOAD_DEFERRED) {
            chunk_list_push(&rest, c);
            continue;
        }
        if (!(e = calloc(1, sizeof(*e)))) { /* no memory for a thread: here */
            end_bulk_chunk(w, c, bulkload_finish_files(c->bulk, c));
            chunk_list_push(&rest, c);
            continue;
        }
        e->w = w;
        e->c = c;
        atomic_init(&e->done, 0);
        e->next = w->ends;
        w->ends = e;
        e->threaded = uv_thread_create(&e->thread, bulk_end_main, e) == 0;
        if (!e->threaded)
            bulk_end_main(e);
    }
    *group = rest;
}

/* Ingest and complete the bulk ends whose files are written (all of
 * them, waiting, when `all`). */
static void finish_bulk_ends(writer *w, int all)
{
    bulk_end **pp = &w->ends;

    while (*pp) {
        bulk_end *e = *pp;
        chunk_list one = {0};
        chunk *c = e->c;
        if (!all && !atomic_load(&e->done)) {
            pp = &e->next;
            continue;
        }
        if (e->threaded)
            uv_thread_join(&e->thread);
        *pp = e->next;
        end_bulk_chunk(w, c, e->files_status);
        free(e);
        chunk_list_push(&one, c);
        chunk_queue_complete(w->q, &one);
    }
}

static void writer_main(void *arg)
{
    writer *w = arg;

    for (;;) {
        chunk_list group = {0};

        atomic_store(&w->heartbeat_ns, pt_now_ns());
        chunk_queue_pop_group(w->q, w->group_max_bytes, &group);
        /* The group's work starts now, and the profile switch (a RocksDB
         * SetOptions that syncs a file) is part of it: a beat left from
         * when the writer went idle would make a watchdog see the first
         * chunks of a job waiting on a stuck writer. */
        atomic_store(&w->heartbeat_ns, pt_now_ns());
        apply_bulk(w, &group);
        finish_bulk_ends(w, 0);
        if (!group.head) {
            if (!chunk_queue_closed(w->q))
                continue; /* kicked: a bulk job's files are written */
            finish_bulk_ends(w, 1);
            break; /* closed and drained */
        }
        if (!refuse_low_space(w, &group))
            write_group(w, &group);
        start_bulk_ends(w, &group);
        chunk_queue_complete(w->q, &group);
    }
    atomic_store(&w->bulk_wanted, 0);
    apply_bulk(w, NULL); /* leave compaction on for the next start */
    atomic_store(&w->alive, 0);
}

int writer_new(writer **out, chunk_queue *q, uint64_t initial_rate_bytes_per_sec)
{
    writer *w = calloc(1, sizeof(*w));

    *out = NULL;
    if (!w)
        return -ENOMEM;
    w->q = q;
    /* Groups small enough that the pacer looks again often. */
    w->group_max_bytes = 8u << 20;
    w->rate.initial_rate = initial_rate_bytes_per_sec ? (double)initial_rate_bytes_per_sec : 8e6;
    atomic_store(&w->pacing_enabled, 1);
    *out = w;
    return 0;
}

int writer_start(writer *w)
{
    int r;

    atomic_store(&w->heartbeat_ns, pt_now_ns());
    atomic_store(&w->alive, 1);
    r = uv_thread_create(&w->thread, writer_main, w);
    if (r == 0)
        w->started = 1;
    else
        atomic_store(&w->alive, 0);
    return r;
}

void writer_free(writer *w)
{
    if (!w)
        return;
    writer_stop(w);
    free(w->known);
    free(w->l0_capped);
    free(w);
}

void writer_set_limits(writer *w, const writer_limits *l)
{
    atomic_store(&w->min_free_bytes, l->min_free_bytes);
    atomic_store(&w->pacing_enabled, l->pacing);
    atomic_store(&w->flush_bound_hold_ns, l->flush_bound_hold_ms * 1000000);
    atomic_store(&w->bulk_l0_max_files, l->bulk_l0_max_files);
}

void writer_get_stats(writer *w, writer_stats *st)
{
    st->chunks_written = atomic_load(&w->chunks_written);
    st->rows_written = atomic_load(&w->rows_written);
    st->bytes_written = atomic_load(&w->bytes_written);
    st->groups = atomic_load(&w->groups);
    st->syncs = atomic_load(&w->syncs);
    st->errors = atomic_load(&w->errors);
    st->busy_ns = atomic_load(&w->busy_ns);
    st->heartbeat_ns = atomic_load(&w->heartbeat_ns);
    st->refused_low_space = atomic_load(&w->refused_low_space);
    st->pace_reason = atomic_load(&w->pace_reason);
    st->paced_ns = atomic_load(&w->paced_ns);
    st->pace_events = atomic_load(&w->pace_events);
    st->nowait_retries = atomic_load(&w->nowait_retries);
    st->drain_rate = atomic_load(&w->drain_rate);
    st->alive = atomic_load(&w->alive);
}

int writer_pace_reason(writer *w)
{
    return atomic_load(&w->pace_reason);
}

void writer_commit_latency(writer *w, lathist_snap *out)
{
    lathist_read(&w->commit_latency, out);
}

void writer_want_bulk(writer *w, int on)
{
    atomic_store(&w->bulk_wanted, on);
}

int writer_bulk_wanted(writer *w)
{
    return atomic_load(&w->bulk_wanted);
}

int writer_healthy(writer *w, uint64_t now_ns, uint64_t max_ns, int work_waiting)
{
    uint64_t beat = atomic_load(&w->heartbeat_ns);

    if (!atomic_load(&w->alive))
        return 0;
    /* Idle with nothing to do is healthy however long it lasts. */
    return !work_waiting || now_ns - beat <= max_ns;
}

void writer_stop(writer *w)
{
    if (!w->started)
        return;
    chunk_queue_close(w->q);
    uv_thread_join(&w->thread);
    w->started = 0;
}
