/* jobs.c - ingest jobs: rows in, chunks out, acknowledgements back.
 *
 * Loop thread only. A job cuts its rows into chunks (chunk.c), keeps
 * sealed chunks until the bounded queue has room, and acknowledges each
 * chunk to its client once the writer reports it durable. Chunks enter
 * the queue in FIFO order across jobs (`blocked` list), so one fast client
 * cannot starve the others, and a job whose chunks wait pauses its
 * connection: that is the back-pressure.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/frame.h"
#include "../common/log.h"

const char *job_state_name(int state)
{
    switch (state) {
    case JOB_RUNNING: return "running";
    case JOB_ENDING: return "ending";
    case JOB_DONE: return "done";
    case JOB_FAILED: return "failed";
    case JOB_ABORTED: return "aborted";
    default: return "?";
    }
}

static int job_active(const job *j)
{
    return j->state == JOB_RUNNING || j->state == JOB_ENDING;
}

static int valid_job_id(const char *id, size_t len)
{
    if (len == 0 || len > JOB_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
              ch == ':'))
            return 0;
    }
    return 1;
}

/* Keep the most recent finished jobs for status; free older ones. */
static void trim_jobs(pt_daemon *d)
{
    size_t finished = 0;
    job **pp = &d->jobs;

    while (*pp) {
        job *j = *pp;
        int idle = !job_active(j) && !j->conn && !j->inflight && !j->sealed.n;
        if (idle && ++finished > DAEMON_RECENT_JOBS) {
            *pp = j->next;
            chunker_free(&j->ck);
            free(j);
            continue;
        }
        pp = &j->next;
    }
}

static uint64_t now_ms(void)
{
    return (uint64_t)time(NULL) * 1000;
}

static job_record *record_find(pt_daemon *d, const char *id, size_t len)
{
    for (job_record *r = d->records; r; r = r->next)
        if (strlen(r->id) == len && memcmp(r->id, id, len) == 0)
            return r;
    return NULL;
}

static job_record *record_add(pt_daemon *d, const char *id)
{
    job_record *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    snprintf(r->id, sizeof(r->id), "%s", id);
    r->r.state = JOBREC_RUNNING;
    r->r.created_ms = r->r.updated_ms = now_ms();
    r->next = d->records;
    d->records = r;
    d->records_n++;
    return r;
}

static int send_job_started(conn *c, const char *id, uint64_t committed, int done)
{
    pt_buf b;
    pt_wr w;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_JOB_STARTED);
    pt_wr_cstr(&w, id);
    pt_wr_u64(&w, committed);
    pt_wr_u8(&w, (uint8_t)done);
    if (pt_wr_end(&w) < 0) {
        pt_buf_free(&b);
        return -ENOMEM;
    }
    return conn_send(c, &b);
}

/* A job id already known: running now, still writing its last chunks
 * after its client went away, or finished. */
static int check_same_id(pt_daemon *d, const char *id, size_t idlen, int *code, char *err,
                         size_t errlen)
{
    for (job *o = d->jobs; o; o = o->next) {
        if (strlen(o->id) != idlen || memcmp(o->id, id, idlen) != 0)
            continue;
        if (job_active(o) && o->conn) {
            *code = PT_ERR_PROTOCOL;
            snprintf(err, errlen, "job %s is already running", o->id);
            return -EBUSY;
        }
        if (job_active(o) || o->inflight || o->sealed.n) {
            *code = PT_ERR_RETRY;
            snprintf(err, errlen, "job %s: its previous run is still writing its last chunks",
                     o->id);
            return -EAGAIN;
        }
    }
    return 0;
}

job *job_begin(pt_daemon *d, conn *c, const char *id, size_t idlen, int *code, char *err,
               size_t errlen)
{
    job_record *rec = NULL;
    job *j;

    *code = PT_ERR_PROTOCOL;
    if (idlen && !valid_job_id(id, idlen)) {
        snprintf(err, errlen, "job id must be 1-%d characters of A-Z a-z 0-9 - _ . :",
                 JOB_ID_MAX);
        return NULL;
    }
    if (idlen && check_same_id(d, id, idlen, code, err, errlen) < 0)
        return NULL;
    if (idlen && (rec = record_find(d, id, idlen)) && rec->r.state == JOBREC_DONE) {
        /* Re-running a finished job is a no-op that says so. */
        log_info("job %s: already done (%llu rows); nothing to do", rec->id,
                 (unsigned long long)rec->r.rows);
        if (send_job_started(c, rec->id, rec->r.rows, 1) < 0)
            snprintf(err, errlen, "cannot answer JOB_BEGIN");
        else
            *code = 0;
        return NULL;
    }
    j = calloc(1, sizeof(*j));
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    j->d = d;
    j->token = d->next_job_token++;
    if (idlen)
        memcpy(j->id, id, idlen);
    else
        snprintf(j->id, sizeof(j->id), "job-%llu-%llu", (unsigned long long)time(NULL),
                 (unsigned long long)j->token);
    if (!rec && !(rec = record_add(d, j->id))) {
        free(j);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    j->rec = rec;
    j->conn = c;
    j->state = JOB_RUNNING;
    chunker_init(&j->ck, d->cfg.chunk_max_rows, d->cfg.chunk_max_bytes);
    /* A resumed job carries on from its committed offset. */
    j->resumed_from = j->rows_in = j->rows_acked = j->ck.rows_total = rec->r.rows;
    j->bytes_in = j->bytes_acked = j->bytes_sealed = rec->r.bytes;
    j->start_ns = j->last_row_ns = j->last_progress_ns = pt_now_ns();
    j->last_progress_rows = j->rows_acked;
    j->next = d->jobs;
    d->jobs = j;
    c->job = j;
    d->jobs_started++;
    trim_jobs(d);
    if (j->resumed_from)
        log_info("job %s: resumed at row %llu (client %llu)", j->id,
                 (unsigned long long)j->resumed_from, (unsigned long long)c->id);
    else
        log_info("job %s: started (client %llu)", j->id, (unsigned long long)c->id);
    jobs_update_bulk(d);
    if (send_job_started(c, j->id, j->rows_acked, 0) < 0) {
        snprintf(err, errlen, "cannot answer JOB_BEGIN");
        return NULL;
    }
    *code = 0;
    return j;
}

int job_blocked(const job *j)
{
    return j->sealed.n > 0;
}

/* Stamp freshly sealed chunks and line them up behind the job. */
static void take_sealed(job *j, chunk_list *sealed)
{
    pt_daemon *d = j->d;
    uint64_t now = pt_now_ns();
    chunk *c;

    while ((c = chunk_list_pop(sealed))) {
        char rec[JOBREC_MAX];
        jobrec r;
        size_t n;

        c->job = j;
        c->job_token = j->token;
        c->sealed_ns = now;
        c->need_sync = d->cfg.sync == PT_SYNC_CHUNK ||
                       (d->cfg.sync == PT_SYNC_JOB && c->final);
        /* The job's progress goes in the same batch as its rows. */
        j->bytes_sealed += c->bytes;
        r.rows = c->end_row;
        r.bytes = j->bytes_sealed;
        r.state = c->final ? JOBREC_DONE : JOBREC_RUNNING;
        r.created_ms = j->rec->r.created_ms;
        r.updated_ms = now_ms();
        n = jobrec_encode(&r, rec, sizeof(rec));
        store_batch_put_meta(d->store, c->batch, j->id, strlen(j->id), rec, n);
        c->mem = store_batch_bytes(c->batch);
        chunk_list_push(&j->sealed, c);
    }
    if (j->sealed.n && !j->in_blocked) {
        j->in_blocked = 1;
        j->next_blocked = NULL;
        if (d->blocked_tail)
            d->blocked_tail->next_blocked = j;
        else
            d->blocked_head = j;
        d->blocked_tail = j;
    }
}

int job_add_rows(job *j, const char *payload, size_t len, char *err, size_t errlen)
{
    pt_daemon *d = j->d;
    size_t nrel = store_nrelations(d->store);
    chunk_list sealed = {0};
    uint32_t n;
    pt_rd r;
    int rc = 0;

    pt_rd_init(&r, payload, len);
    n = pt_rd_u32(&r);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        uint8_t op = pt_rd_u8(&r);
        uint16_t rel = pt_rd_u16(&r);
        size_t klen, vlen;
        const char *key = pt_rd_str(&r, &klen);
        const char *val = pt_rd_str(&r, &vlen);
        uint64_t row = j->rows_in + 1;

        if (r.err) {
            snprintf(err, errlen, "malformed ROWS frame (row %u of %u)", i + 1, n);
            rc = -EBADMSG;
        } else if (op > PT_OP_DEL) {
            snprintf(err, errlen, "row %llu: unknown op %u", (unsigned long long)row, op);
            rc = -EINVAL;
        } else if (rel >= nrel) {
            snprintf(err, errlen, "row %llu: unknown relation index %u (%zu relations)",
                     (unsigned long long)row, rel, nrel);
            rc = -EINVAL;
        } else if (klen > d->cfg.max_key_bytes) {
            snprintf(err, errlen, "row %llu: key of %zu bytes exceeds ingest.max_key_bytes (%llu)",
                     (unsigned long long)row, klen, (unsigned long long)d->cfg.max_key_bytes);
            rc = -E2BIG;
        } else if (vlen > d->cfg.max_value_bytes) {
            snprintf(err, errlen,
                     "row %llu: value of %zu bytes exceeds ingest.max_value_bytes (%llu)",
                     (unsigned long long)row, vlen, (unsigned long long)d->cfg.max_value_bytes);
            rc = -E2BIG;
        } else {
            rc = chunker_add(&j->ck, d->store, op, rel, key, klen, val, vlen, &sealed);
            if (rc < 0)
                snprintf(err, errlen, "out of memory");
            else {
                j->rows_in++;
                j->bytes_in += klen + vlen;
                d->rows_received++;
                d->bytes_received += klen + vlen;
            }
        }
    }
    if (rc == 0 && !pt_rd_done(&r)) {
        snprintf(err, errlen, "malformed ROWS frame (trailing bytes)");
        rc = -EBADMSG;
    }
    j->last_row_ns = pt_now_ns();
    take_sealed(j, &sealed);
    jobs_admit(d);
    return rc;
}

int job_end(job *j, uint64_t total_rows, char *err, size_t errlen)
{
    chunk_list sealed = {0};

    if (total_rows != j->rows_in) {
        snprintf(err, errlen, "JOB_END says %llu rows but %llu arrived",
                 (unsigned long long)total_rows, (unsigned long long)j->rows_in);
        return -EINVAL;
    }
    /* The final chunk (possibly empty) carries the job's fsync in `job`
     * mode, and its acknowledgement is the job's. */
    if (chunker_flush(&j->ck, 1, &sealed) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    j->state = JOB_ENDING;
    take_sealed(j, &sealed);
    jobs_admit(j->d);
    return 0;
}

static void seal_partial(job *j)
{
    chunk_list sealed = {0};

    if (chunker_pending(&j->ck) && chunker_flush(&j->ck, 0, &sealed) == 0)
        take_sealed(j, &sealed);
}

void job_conn_gone(job *j)
{
    j->conn = NULL;
    if (j->state == JOB_RUNNING) {
        /* Rows that arrived whole are written: the client resumes from its
         * last acknowledgement, and more progress means less to redo. */
        seal_partial(j);
        j->state = JOB_ABORTED;
        j->end_ns = pt_now_ns();
        j->d->jobs_aborted++;
        log_info("job %s: client went away after %llu rows received", j->id,
                 (unsigned long long)j->rows_in);
    }
    jobs_admit(j->d);
    jobs_update_bulk(j->d);
}

void jobs_seal_all(pt_daemon *d)
{
    for (job *j = d->jobs; j; j = j->next)
        if (j->state == JOB_RUNNING)
            seal_partial(j);
}

static void unlink_blocked(pt_daemon *d, job *j)
{
    job **pp = &d->blocked_head, *prev = NULL;

    if (!j->in_blocked)
        return;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->next_blocked;
    }
    if (*pp) {
        *pp = j->next_blocked;
        if (d->blocked_tail == j)
            d->blocked_tail = prev;
    }
    j->in_blocked = 0;
    j->next_blocked = NULL;
}

void jobs_admit(pt_daemon *d)
{
    job *j;

    while ((j = d->blocked_head)) {
        chunk *c;
        while ((c = j->sealed.head) && chunk_queue_has_room(&d->queue, c->mem)) {
            chunk_list_pop(&j->sealed);
            j->inflight++;
            chunk_queue_push(&d->queue, c);
        }
        if (j->sealed.n)
            break; /* the queue is full: everyone behind waits too */
        unlink_blocked(d, j);
        /* Its connection may read again. Frames processed from there may
         * seal and admit more (a nested call over the same FIFO). */
        if (j->conn && !j->conn->closing)
            conn_resume(j->conn);
    }
}

static void send_ack(job *j)
{
    pt_buf b;
    pt_wr w;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_CHUNK_ACK);
    pt_wr_u64(&w, j->rows_acked);
    pt_wr_u64(&w, j->bytes_acked);
    if (pt_wr_end(&w) == 0)
        conn_send(j->conn, &b);
    else
        pt_buf_free(&b);
}

static void finish_job(job *j)
{
    pt_daemon *d = j->d;
    uint64_t ms;
    pt_buf b;
    pt_wr w;

    j->state = JOB_DONE;
    j->end_ns = pt_now_ns();
    d->jobs_done++;
    ms = (j->end_ns - j->start_ns) / 1000000;
    log_info("job %s: done, %llu rows (%llu bytes) in %llu ms", j->id,
             (unsigned long long)j->rows_acked, (unsigned long long)j->bytes_acked,
             (unsigned long long)ms);
    if (!j->conn)
        return;
    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_JOB_DONE);
    pt_wr_u64(&w, j->rows_acked);
    pt_wr_u64(&w, j->bytes_acked);
    pt_wr_u64(&w, ms);
    if (pt_wr_end(&w) == 0)
        conn_send(j->conn, &b);
    else
        pt_buf_free(&b);
    j->conn->job = NULL;
    j->conn = NULL;
}

static void fail_job(job *j, const chunk *c)
{
    pt_daemon *d = j->d;
    chunk *s;

    if (j->state == JOB_FAILED)
        return;
    if (job_active(j))
        d->jobs_failed++;
    j->state = JOB_FAILED;
    j->end_ns = pt_now_ns();
    snprintf(j->error, sizeof(j->error), "%s", c->err);
    d->errors_store++;
    log_error("job %s: failed after %llu durable rows: %s", j->id,
              (unsigned long long)j->rows_acked, c->err);
    while ((s = chunk_list_pop(&j->sealed)))
        chunk_free(s);
    unlink_blocked(d, j);
    if (j->conn) {
        uint64_t free_bytes = 0;
        store_free_space(d->store, &free_bytes);
        conn_send_error(j->conn, c->status == -ECANCELED ? PT_ERR_SHUTDOWN : PT_ERR_STORE,
                        "job %s: %s (data dir %s, %.1f MB free); %llu rows of job %s are "
                        "durable", j->id, c->err, store_data_dir(d->store),
                        (double)free_bytes / 1e6, (unsigned long long)j->rows_acked, j->id);
        j->conn->close_after_write = 1;
        j->conn->job = NULL;
        j->conn = NULL;
    }
}

void jobs_on_done(pt_daemon *d)
{
    chunk_list done = {0};
    chunk *c;

    chunk_queue_take_done(&d->queue, &done);
    while ((c = chunk_list_pop(&done))) {
        job *j = c->job;
        if (!j) { /* maintenance (expired records) */
            chunk_free(c);
            continue;
        }
        j->inflight--;
        if (c->status < 0) {
            fail_job(j, c);
        } else if (j->state != JOB_FAILED) {
            uint64_t now = pt_now_ns();
            uint64_t since = j->last_ack_ns ? j->last_ack_ns : j->start_ns;
            if (now - since > j->max_ack_gap_ns)
                j->max_ack_gap_ns = now - since;
            j->rows_acked = c->end_row;
            j->bytes_acked += c->bytes;
            j->last_ack_ns = now;
            if (j->rec) {
                j->rec->r.rows = j->rows_acked;
                j->rec->r.bytes = j->bytes_acked;
                j->rec->r.updated_ms = now_ms();
                if (c->final)
                    j->rec->r.state = JOBREC_DONE;
            }
            if (j->conn)
                send_ack(j);
            if (c->final)
                finish_job(j);
        }
        chunk_free(c);
    }
    jobs_admit(d);
    trim_jobs(d);
    jobs_update_bulk(d);
}

static void send_progress(job *j, uint64_t now)
{
    pt_daemon *d = j->d;
    chunk_queue_stats st;
    uint64_t dt = now - j->last_progress_ns;
    pt_buf b;
    pt_wr w;

    if (dt)
        j->rate_rows_per_s = (j->rows_acked - j->last_progress_rows) * 1000000000ull / dt;
    j->last_progress_ns = now;
    j->last_progress_rows = j->rows_acked;
    chunk_queue_get_stats(&d->queue, &st);
    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_PROGRESS);
    pt_wr_u64(&w, j->rows_acked);
    pt_wr_u64(&w, j->bytes_acked);
    pt_wr_u64(&w, j->rate_rows_per_s);
    pt_wr_u64(&w, st.bytes);
    pt_wr_u64(&w, st.capacity);
    pt_wr_cstr(&w, daemon_stall_state(d));
    if (pt_wr_end(&w) == 0)
        conn_send(j->conn, &b);
    else
        pt_buf_free(&b);
}

void jobs_tick(pt_daemon *d, uint64_t now)
{
    uint64_t linger = d->cfg.chunk_linger_ms * 1000000ull;
    uint64_t every = d->cfg.progress_interval_ms * 1000000ull;
    int sealed_any = 0;

    for (job *j = d->jobs; j; j = j->next) {
        if (!job_active(j) || !j->conn)
            continue;
        /* A client that pauses must not leave rows unacknowledged. */
        if (j->state == JOB_RUNNING && chunker_pending(&j->ck) &&
            now - j->last_row_ns >= linger) {
            seal_partial(j);
            sealed_any = 1;
        }
        if (now - j->last_progress_ns >= every)
            send_progress(j, now);
    }
    if (sealed_any)
        jobs_admit(d);
    /* a job may have passed stall.bulk_min_bytes, or compaction debt
     * started holding one back */
    if (d->cfg.bulk_profile && !atomic_load(&d->writer.bulk_wanted))
        jobs_update_bulk(d);
}

/* --- progress records ---------------------------------------------------- */

static int expired(const pt_daemon *d, const jobrec *r, uint64_t now)
{
    return d->cfg.job_retention_ms && r->updated_ms + d->cfg.job_retention_ms < now;
}

typedef struct load_ctx {
    pt_daemon *d;
    store_batch *drop;
    uint64_t now, kept, dropped;
} load_ctx;

static int load_one(void *ud, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *x = ud;
    job_record *rec;
    jobrec r;

    if (klen == 0 || klen > JOB_ID_MAX || jobrec_decode(val, vlen, &r) < 0) {
        log_warn("%s: ignoring an unreadable job record (%zu-byte key)",
                 store_data_dir(x->d->store), klen);
        return 0;
    }
    if (expired(x->d, &r, x->now)) {
        store_batch_del_meta(x->d->store, x->drop, key, klen);
        x->dropped++;
        return 0;
    }
    if (!(rec = calloc(1, sizeof(*rec))))
        return -ENOMEM;
    memcpy(rec->id, key, klen);
    rec->r = r;
    rec->next = x->d->records;
    x->d->records = rec;
    x->d->records_n++;
    x->kept++;
    return 0;
}

int jobs_load_records(pt_daemon *d, pt_diag *diag)
{
    load_ctx x = {.d = d, .now = now_ms()};
    char err[256];
    int r;

    if (!(x.drop = store_batch_new()))
        return -ENOMEM;
    r = store_meta_scan(d->store, load_one, &x, err, sizeof(err));
    if (r < 0)
        diag_error(diag, store_data_dir(d->store), 0, 0, "cannot read job records: %s",
                   r == -ENOMEM ? "out of memory" : err);
    else if (x.dropped && (r = store_write(d->store, x.drop, 1, err, sizeof(err))) < 0)
        diag_error(diag, store_data_dir(d->store), 0, 0, "cannot expire job records: %s", err);
    store_batch_free(x.drop);
    if (r == 0 && (x.kept || x.dropped))
        log_info("job records: %llu kept, %llu expired", (unsigned long long)x.kept,
                 (unsigned long long)x.dropped);
    return r;
}

static int record_busy(pt_daemon *d, const job_record *rec)
{
    for (job *j = d->jobs; j; j = j->next)
        if (j->rec == rec && (job_active(j) || j->inflight || j->sealed.n))
            return 1;
    return 0;
}

void jobs_expire(pt_daemon *d)
{
    uint64_t now = now_ms(), n = 0;
    job_record **pp = &d->records;
    chunk *c;

    if (!(c = chunk_new()))
        return;
    while (*pp) {
        job_record *rec = *pp;
        if (!expired(d, &rec->r, now) || record_busy(d, rec)) {
            pp = &rec->next;
            continue;
        }
        store_batch_del_meta(d->store, c->batch, rec->id, strlen(rec->id));
        for (job *j = d->jobs; j; j = j->next)
            if (j->rec == rec)
                j->rec = NULL;
        *pp = rec->next;
        free(rec);
        d->records_n--;
        n++;
    }
    if (!n) {
        chunk_free(c);
        return;
    }
    c->mem = store_batch_bytes(c->batch);
    c->sealed_ns = pt_now_ns();
    /* Deleting records is housekeeping: it may exceed the bound by one
     * small batch rather than wait behind the clients. */
    chunk_queue_push(&d->queue, c);
    log_info("job records: %llu expired", (unsigned long long)n);
}

void jobs_free_records(pt_daemon *d)
{
    while (d->records) {
        job_record *r = d->records;
        d->records = r->next;
        free(r);
    }
    d->records_n = 0;
}

/* The bulk-ingest profile is on while any job runs that has sent at
 * least stall.bulk_min_bytes (stall.bulk_profile): small jobs do not pay
 * for the switch. It is also on while a job runs and compaction debt
 * holds the writer back (level 0 or pending bytes: after a large job, the
 * compaction it deferred): deferring it again lets the job write, which
 * is what the profile is for. The writer applies it between groups and
 * while it waits; an empty chunk wakes it when the last job ends so
 * compaction resumes at once. */
void jobs_update_bulk(pt_daemon *d)
{
    int held = atomic_load(&d->writer.pace_reason);
    int compaction_holds = held == PACE_L0 || held == PACE_PENDING;
    int want = 0;
    chunk *c;

    for (job *j = d->jobs; j && d->cfg.bulk_profile; j = j->next)
        want |= job_active(j) && (j->bytes_in >= d->cfg.bulk_min_bytes || compaction_holds);
    if (atomic_load(&d->writer.bulk_wanted) == want)
        return;
    atomic_store(&d->writer.bulk_wanted, want);
    if (!want && (c = chunk_new())) {
        c->sealed_ns = pt_now_ns();
        chunk_queue_push(&d->queue, c);
    }
}
