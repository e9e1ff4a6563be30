/* jobs.c - ingest jobs: lifecycle and admission (see jobs.h). Loop thread. */
#include "jobs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/frame.h"
#include "../common/log.h"
#include "../common/protocol.h"
#include "../common/rowcheck.h"
#include "../config/config.h"
#include "bulkload.h"

struct job {
    struct job *next;          /* jobs.list: active and recent, newest first */
    struct job *next_blocked;  /* jobs.blocked FIFO */
    int in_blocked;
    struct job *next_ready;    /* jobs.ready: unblocked, client not told yet */
    int in_ready;
    jobs *js;
    void *client;              /* NULL once the client is gone */
    jobdb *db;                 /* held while active or with chunks out */
    char dbname[72];           /* for status, after the database is let go */
    char id[JOB_ID_MAX + 1];
    uint64_t token;            /* unique per daemon run, for the writer */
    int state;
    chunker ck;
    chunk_list sealed;         /* sealed, waiting for room in the queue */
    uint64_t inflight;         /* chunks in the queue */
    uint64_t inflight_bytes;   /* their bytes against the queue's bound */
    uint64_t rows_in, bytes_in;    /* including rows committed before a resume */
    uint64_t rows_acked, bytes_acked;
    uint64_t bytes_sealed;         /* for the progress record of each chunk */
    job_record *rec;
    uint64_t start_ns, end_ns, last_row_ns, last_ack_ns;
    uint64_t max_ack_gap_ns;       /* longest wait for an acknowledgement */
    uint64_t last_progress_ns, last_progress_rows;
    uint64_t rate_rows_per_s;
    char error[256];
    bulkload *bulk;                /* a bulk job, else NULL */
};

struct jobs {
    jobdb *dbs;                /* attached databases */
    job_sink sink;
    job_events ev;
    jobs_limits lim;
    job *list;
    job *blocked_head, *blocked_tail;
    job *ready_head, *ready_tail;
    int admitting, admit_again;
    uint64_t next_token;
    uint64_t retention_ms;
    uint64_t max_records;      /* ingest.max_job_records */
    uv_timer_t expiry;
    int expiry_armed;
    jobs_stats st;             /* counters; the rest is computed */
};

static uint64_t now_ms(void)
{
    return (uint64_t)time(NULL) * 1000;
}

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

const char *job_id(const job *j) { return j->id; }
int job_state(const job *j) { return j->state; }
uint64_t job_rows_acked(const job *j) { return j->rows_acked; }
int job_blocked(const job *j) { return j->sealed.n > 0; }

int job_active(const job *j)
{
    return j->state == JOB_RUNNING || j->state == JOB_ENDING;
}

static void activity(jobs *js)
{
    if (js->ev.activity)
        js->ev.activity(js->ev.events_ud);
}

/* --- life ----------------------------------------------------------------- */

static void on_expiry(uv_timer_t *t)
{
    jobs_expire(t->data);
}

int jobs_new(jobs **out, uv_loop_t *loop, const job_sink *sink, const job_events *ev)
{
    jobs *js = calloc(1, sizeof(*js));

    *out = NULL;
    if (!js)
        return -ENOMEM;
    js->sink = *sink;
    js->ev = *ev;
    js->next_token = 1;
    js->lim.chunk_max_rows = 8192;
    js->lim.chunk_max_bytes = 1 << 20;
    js->lim.max_key_bytes = 16384;
    js->lim.max_value_bytes = 8 << 20;
    js->lim.progress_interval_ms = 500;
    js->lim.chunk_linger_ms = 20;
    js->max_records = 10000;
    uv_timer_init(loop, &js->expiry);
    js->expiry.data = js;
    *out = js;
    return 0;
}

static void cleanup_staging_of(jobs *js, jobdb *db);

void jobs_attach(jobs *js, jobdb *db)
{
    if (db->attached)
        return;
    db->next = js->dbs;
    js->dbs = db;
    db->attached = 1;
    /* abandoned bulk staging of a database that opens goes first */
    cleanup_staging_of(js, db);
}

void jobs_detach(jobs *js, jobdb *db)
{
    for (jobdb **pp = &js->dbs; *pp; pp = &(*pp)->next)
        if (*pp == db) {
            *pp = db->next;
            break;
        }
    db->attached = 0;
    db->next = NULL;
}

/* The job no longer needs its database once it is over and nothing of it
 * is sealed or in the queue: the database may then close or be dropped. */
static void let_go_db(job *j)
{
    if (j->db && !job_active(j) && !j->inflight && !j->sealed.n) {
        if (--j->db->held == 0) {
            j->db->quiet_since_ns = pt_now_ns();
            j->db->unflushed = 1;
        }
        j->db = NULL;
        j->rec = NULL; /* the records go with the database */
    }
}

static void free_job(job *j)
{
    bulkload_free(j->bulk);
    chunker_free(&j->ck);
    for (chunk *c; (c = chunk_list_pop(&j->sealed));)
        chunk_free(c);
    free(j);
}

static void free_after_close(uv_handle_t *h)
{
    free(h->data);
}

void jobs_close(jobs *js)
{
    if (!uv_is_closing((uv_handle_t *)&js->expiry))
        uv_close((uv_handle_t *)&js->expiry, NULL);
}

void jobs_free(jobs *js)
{
    job *j, *next;

    if (!js)
        return;
    for (j = js->list; j; j = next) {
        next = j->next;
        free_job(j); /* the databases may be gone already: held is theirs */
    }
    /* The timer's memory is the struct's. Closed (jobs_close) while the
     * loop ran: free now; else once the loop has run its close. */
    if (uv_is_closing((uv_handle_t *)&js->expiry))
        free(js);
    else
        uv_close((uv_handle_t *)&js->expiry, free_after_close);
}

static void arm_expiry(jobs *js);

void jobs_set_limits(jobs *js, const jobs_limits *l)
{
    int rearm = js->lim.bulk_staging_retention_ms != l->bulk_staging_retention_ms;

    js->lim = *l;
    if (rearm)
        arm_expiry(js);
    /* running jobs cut their next chunks to the new sizes */
    for (job *j = js->list; j; j = j->next) {
        j->ck.max_rows = l->chunk_max_rows;
        j->ck.max_bytes = l->chunk_max_bytes;
    }
}

/* The expiry timer: often enough to honour short retentions (of the
 * records and of bulk staging), at most hourly. */
static void arm_expiry(jobs *js)
{
    uint64_t every = 3600000, st = js->lim.bulk_staging_retention_ms;

    if (!js->retention_ms && !st) {
        uv_timer_stop(&js->expiry);
        return;
    }
    if (js->retention_ms && js->retention_ms < every)
        every = js->retention_ms;
    if (st && st < every)
        every = st;
    if (every < 1000)
        every = 1000;
    uv_timer_start(&js->expiry, on_expiry, every, every);
}

void jobs_set_retention(jobs *js, uint64_t retention_ms)
{
    js->retention_ms = retention_ms;
    arm_expiry(js);
}

static void evict_records(jobs *js);

void jobs_set_max_records(jobs *js, uint64_t max_records)
{
    js->max_records = max_records;
    evict_records(js);
}

int jobs_load_records(jobdb *db, uint64_t retention_ms, pt_diag *diag)
{
    return jobrecs_load(&db->recs, db->s, retention_ms, now_ms(), diag);
}

/* Keep the most recent finished jobs for status; free older ones. */
static void trim_jobs(jobs *js)
{
    size_t finished = 0;
    job **pp = &js->list;

    while (*pp) {
        job *j = *pp;
        int idle;
        let_go_db(j);
        idle = !job_active(j) && !j->client && !j->inflight && !j->sealed.n &&
                   !j->in_ready;
        if (idle && ++finished > JOBS_RECENT) {
            *pp = j->next;
            free_job(j);
            continue;
        }
        pp = &j->next;
    }
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

static int job_named(const jobs *js, const char *id)
{
    for (const job *o = js->list; o; o = o->next)
        if (strcmp(o->id, id) == 0)
            return 1;
    return 0;
}

/* "job-<unix time>-<token>", made unique against every job and record:
 * a client may have chosen exactly such a name itself. */
static void auto_name(jobs *js, jobdb *db, job *j)
{
    unsigned long long t = (unsigned long long)time(NULL), tok = j->token;

    snprintf(j->id, sizeof(j->id), "job-%llu-%llu", t, tok);
    for (unsigned n = 2; job_named(js, j->id) || jobrecs_find(&db->recs, j->id, strlen(j->id));
         n++)
        snprintf(j->id, sizeof(j->id), "job-%llu-%llu-%u", t, tok, n);
}

/* A job id already known: running now, still writing its last chunks
 * after its client went away, or finished. */
static int check_same_id(jobs *js, const jobdb *db, const char *id, size_t idlen, int *code,
                         char *err, size_t errlen)
{
    for (job *o = js->list; o; o = o->next) {
        if (o->db != db || strlen(o->id) != idlen || memcmp(o->id, id, idlen) != 0)
            continue;
        if (job_active(o) && o->client) {
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

job *job_begin(jobs *js, jobdb *db, void *client, const char *id, size_t idlen,
               uint64_t *committed, int *code, char *err, size_t errlen)
{
    int bulk;

    return job_begin_bulk(js, db, client, id, idlen, -1, 0, &bulk, committed, code, err,
                          errlen);
}

job *job_begin_bulk(jobs *js, jobdb *db, void *client, const char *id, size_t idlen, int mode,
                    uint64_t size_hint, int *bulk, uint64_t *committed, int *code, char *err,
                    size_t errlen)
{
    job_record *rec = NULL;
    job *j;

    *code = PT_ERR_PROTOCOL;
    *bulk = mode == PT_BULK_ON ||
            (mode == PT_BULK_AUTO && js->lim.bulk_auto_min_bytes &&
             size_hint >= js->lim.bulk_auto_min_bytes);
    *committed = 0;
    if (idlen && !valid_job_id(id, idlen)) {
        snprintf(err, errlen, "job id must be 1-%d characters of A-Z a-z 0-9 - _ . :",
                 JOB_ID_MAX);
        return NULL;
    }
    if (idlen && check_same_id(js, db, id, idlen, code, err, errlen) < 0)
        return NULL;
    if (idlen && (rec = jobrecs_find(&db->recs, id, idlen)) && rec->r.state == JOBREC_DONE) {
        /* Re-running a finished job is a no-op that says so. */
        log_info("job %s: already done (%llu rows); nothing to do", rec->id,
                 (unsigned long long)rec->r.rows);
        *committed = rec->r.rows;
        *code = 0;
        return NULL;
    }
    if (rec && rec->r.rows && rec->r.bulk != *bulk) {
        /* its durable rows are staged (bulk) or in the database (not) */
        if (mode == PT_BULK_AUTO) { /* auto follows the job's first run */
            *bulk = rec->r.bulk;
        } else {
            *code = PT_ERR_BULK_MODE;
            snprintf(err, errlen, "job %s was begun %s; resume it %s", rec->id,
                     rec->r.bulk ? "in bulk mode" : "without bulk mode",
                     rec->r.bulk ? "with --bulk" : "without --bulk");
            return NULL;
        }
    }
    if (!(j = calloc(1, sizeof(*j)))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    j->js = js;
    j->token = js->next_token++;
    if (idlen)
        memcpy(j->id, id, idlen);
    else
        auto_name(js, db, j);
    if (!rec) {
        if (!(rec = jobrecs_add(&db->recs, j->id, now_ms()))) {
            free(j);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        evict_records(js); /* a new record may push the table past its cap */
    }
    if (*bulk && bulkload_new(&j->bulk, store_data_dir(db->s), j->id,
                              js->lim.bulk_sort_buffer_bytes, js->lim.bulk_sst_file_max_bytes,
                              err, errlen) < 0) {
        free(j);
        *code = PT_ERR_STORE;
        return NULL;
    }
    rec->r.bulk = *bulk;
    j->db = db;
    db->held++;
    snprintf(j->dbname, sizeof(j->dbname), "%s", db->name);
    j->rec = rec;
    j->client = client;
    j->state = JOB_RUNNING;
    chunker_init(&j->ck, js->lim.chunk_max_rows, js->lim.chunk_max_bytes);
    /* A resumed job carries on from its committed offset. */
    j->rows_in = j->rows_acked = j->ck.rows_total = rec->r.rows;
    j->bytes_in = j->bytes_acked = j->bytes_sealed = rec->r.bytes;
    j->start_ns = j->last_row_ns = j->last_progress_ns = pt_now_ns();
    j->last_progress_rows = j->rows_acked;
    j->next = js->list;
    js->list = j;
    js->st.started++;
    trim_jobs(js);
    if (j->rows_acked)
        log_info("job %s: resumed at row %llu", j->id, (unsigned long long)j->rows_acked);
    else
        log_info("job %s: started", j->id);
    activity(js);
    *committed = j->rows_acked;
    *code = 0;
    return j;
}

/* --- rows in, chunks out -------------------------------------------------- */

static void blocked_push(jobs *js, job *j)
{
    if (j->in_blocked)
        return;
    j->in_blocked = 1;
    j->next_blocked = NULL;
    if (js->blocked_tail)
        js->blocked_tail->next_blocked = j;
    else
        js->blocked_head = j;
    js->blocked_tail = j;
}

static void blocked_unlink(jobs *js, job *j)
{
    job **pp = &js->blocked_head, *prev = NULL;

    if (!j->in_blocked)
        return;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->next_blocked;
    }
    if (*pp) {
        *pp = j->next_blocked;
        if (js->blocked_tail == j)
            js->blocked_tail = prev;
    }
    j->in_blocked = 0;
    j->next_blocked = NULL;
}

/* Stamp freshly sealed chunks and line them up behind the job. */
static void take_sealed(job *j, chunk_list *sealed)
{
    jobs *js = j->js;
    uint64_t now = pt_now_ns();
    chunk *c;

    while ((c = chunk_list_pop(sealed))) {
        char rec[JOBREC_MAX];
        jobrec r;
        size_t n;

        c->job = j;
        c->job_token = j->token;
        c->bulk = j->bulk;
        c->sealed_ns = now;
        c->need_sync = js->lim.sync == PT_SYNC_CHUNK ||
                       (js->lim.sync == PT_SYNC_JOB && c->final);
        /* The job's progress goes in the same batch as its rows. */
        j->bytes_sealed += c->bytes;
        r.rows = c->end_row;
        r.bytes = j->bytes_sealed;
        r.state = c->final ? JOBREC_DONE : JOBREC_RUNNING;
        r.created_ms = j->rec ? j->rec->r.created_ms : now_ms();
        r.updated_ms = now_ms();
        r.bulk = j->bulk != NULL;
        n = jobrec_encode(&r, rec, sizeof(rec));
        c->store = j->db->s;
        store_batch_put_meta(j->db->s, c->batch, j->id, strlen(j->id), rec, n);
        c->mem = store_batch_bytes(c->batch);
        chunk_list_push(&j->sealed, c);
    }
    if (j->sealed.n)
        blocked_push(js, j);
}

/* What export prints must be one valid NDJSON row, whatever a client
 * sent: a UTF-8 key, and a value that is one compact JSON text (a put) or
 * nothing (a delete). common/rowcheck.h. */
static int check_row_text(const pt_row *row, unsigned long long at, char *err, size_t errlen)
{
    const char *why;
    size_t off;

    if (pt_utf8_check(row->key.p, row->key.n, &off) < 0) {
        snprintf(err, errlen, "row %llu: key is not valid UTF-8 (byte %zu)", at, off);
        return -EINVAL;
    }
    if (row->op == PT_OP_DEL) {
        if (row->value.n == 0)
            return 0;
        snprintf(err, errlen, "row %llu: a delete carries no value (%zu bytes sent)", at,
                 row->value.n);
        return -EINVAL;
    }
    if (pt_json_check_compact(row->value.p, row->value.n, &off, &why) < 0) {
        snprintf(err, errlen, "row %llu: value is not one compact JSON text: %s at byte %zu",
                 at, why, off);
        return -EINVAL;
    }
    return 0;
}

/* The checks every row passes before it enters a chunk. */
static int check_row(const job *j, const pt_row *row, size_t nrel, char *err, size_t errlen)
{
    const jobs_limits *l = &j->js->lim;
    unsigned long long at = (unsigned long long)j->rows_in + 1;

    if (row->op > PT_OP_DEL) {
        snprintf(err, errlen, "row %llu: unknown op %u", at, row->op);
        return -EINVAL;
    }
    if (row->rel >= nrel) {
        snprintf(err, errlen, "row %llu: unknown relation index %u (%zu relations)", at,
                 row->rel, nrel);
        return -EINVAL;
    }
    if (row->key.n > l->max_key_bytes) {
        snprintf(err, errlen, "row %llu: key of %zu bytes exceeds ingest.max_key_bytes (%llu)",
                 at, row->key.n, (unsigned long long)l->max_key_bytes);
        return -E2BIG;
    }
    if (row->value.n > l->max_value_bytes) {
        snprintf(err, errlen,
                 "row %llu: value of %zu bytes exceeds ingest.max_value_bytes (%llu)", at,
                 row->value.n, (unsigned long long)l->max_value_bytes);
        return -E2BIG;
    }
    return check_row_text(row, at, err, errlen);
}

int job_add_rows(job *j, const char *payload, size_t len, char *err, size_t errlen)
{
    jobs *js = j->js;
    store *st = j->db->s;
    size_t nrel = store_nrelations(st);
    chunk_list sealed = {0};
    pt_rows_rd rr;
    pt_row row;
    int rc = pt_rows_rd_init(&rr, PT_MSG_ROWS, payload, len);

    while (rc == 0 && (rc = pt_rows_next(&rr, &row)) > 0) {
        if ((rc = check_row(j, &row, nrel, err, errlen)) < 0)
            break;
        rc = chunker_add(&j->ck, st, row.op, row.rel, row.key.p, row.key.n, row.value.p,
                         row.value.n, &sealed);
        if (rc < 0) {
            snprintf(err, errlen, "out of memory");
            break;
        }
        j->rows_in++;
        j->bytes_in += row.key.n + row.value.n;
        js->st.rows_received++;
        js->st.bytes_received += row.key.n + row.value.n;
    }
    if (rc == -EBADMSG)
        snprintf(err, errlen, "malformed ROWS frame (row %u of %u%s)", rr.index + 1, rr.n,
                 rr.index == rr.n ? ": trailing bytes" : "");
    j->last_row_ns = pt_now_ns();
    take_sealed(j, &sealed);
    jobs_admit(js);
    return rc < 0 ? rc : 0;
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
    jobs_admit(j->js);
    return 0;
}

static void seal_partial(job *j)
{
    chunk_list sealed = {0};

    if (chunker_pending(&j->ck) && chunker_flush(&j->ck, 0, &sealed) == 0)
        take_sealed(j, &sealed);
}

static void ready_unlink(jobs *js, job *j)
{
    job **pp = &js->ready_head, *prev = NULL;

    if (!j->in_ready)
        return;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->next_ready;
    }
    if (*pp) {
        *pp = j->next_ready;
        if (js->ready_tail == j)
            js->ready_tail = prev;
    }
    j->in_ready = 0;
    j->next_ready = NULL;
}

void job_client_gone(job *j)
{
    jobs *js = j->js;

    j->client = NULL;
    ready_unlink(js, j);
    if (j->state == JOB_RUNNING) {
        /* Rows that arrived whole are written: the client resumes from its
         * last acknowledgement, and more progress means less to redo. */
        seal_partial(j);
        j->state = JOB_ABORTED;
        j->end_ns = pt_now_ns();
        js->st.aborted++;
        log_info("job %s: client went away after %llu rows received", j->id,
                 (unsigned long long)j->rows_in);
    }
    jobs_admit(js);
    activity(js);
}

void jobs_seal_all(jobs *js)
{
    for (job *j = js->list; j; j = j->next)
        if (j->state == JOB_RUNNING)
            seal_partial(j);
}

void jobs_drop_sealed(jobs *js)
{
    for (job *j = js->list; j; j = j->next) {
        for (chunk *c; (c = chunk_list_pop(&j->sealed));)
            chunk_free(c);
        blocked_unlink(js, j);
    }
}

int jobs_idle(const jobs *js)
{
    for (const job *j = js->list; j; j = j->next)
        if (j->sealed.n || j->inflight)
            return 0;
    return 1;
}

static void ready_push(jobs *js, job *j)
{
    if (!j->client || j->in_ready)
        return;
    j->in_ready = 1;
    j->next_ready = NULL;
    if (js->ready_tail)
        js->ready_tail->next_ready = j;
    else
        js->ready_head = j;
    js->ready_tail = j;
}

/* Each writing job's share of the queue: its bound over the jobs with
 * chunks waiting or queued (everything when it is alone). */
static uint64_t fair_share(jobs *js)
{
    uint64_t n = 0;

    if (!js->sink.capacity)
        return UINT64_MAX;
    for (const job *j = js->list; j; j = j->next)
        n += j->sealed.n || j->inflight;
    return js->sink.capacity(js->sink.ud) / (n ? n : 1);
}

/* Move chunks from the blocked jobs into the sink, a chunk a job a turn
 * in FIFO order, a job past its share only when it holds nothing; a job
 * whose chunks are all in goes to the ready list. */
static void admit_once(jobs *js)
{
    int moved = 1;

    while (moved) {
        uint64_t share = fair_share(js);
        moved = 0;
        for (job *j = js->blocked_head, *next; j; j = next) {
            chunk *c = j->sealed.head;
            next = j->next_blocked;
            if (j->inflight && j->inflight_bytes + c->mem > share)
                continue; /* others first */
            if (!js->sink.has_room(js->sink.ud, c->mem))
                continue;
            chunk_list_pop(&j->sealed);
            j->inflight++;
            j->inflight_bytes += c->mem;
            js->sink.push(js->sink.ud, c);
            moved = 1;
            if (!j->sealed.n) {
                blocked_unlink(js, j);
                ready_push(js, j);
            }
        }
    }
}

void jobs_admit(jobs *js)
{
    job *j;

    if (js->admitting) {
        js->admit_again = 1;
        return;
    }
    js->admitting = 1;
    do {
        js->admit_again = 0;
        admit_once(js);
        /* Tell one client at a time: what it sends next may seal and
         * queue more, which only sets admit_again (no nesting). */
        if ((j = js->ready_head)) {
            ready_unlink(js, j);
            if (j->client)
                js->ev.unblocked(j->client);
            js->admit_again = 1;
        }
    } while (js->admit_again);
    js->admitting = 0;
}

/* --- chunks back ---------------------------------------------------------- */

static void finish_job(job *j)
{
    jobs *js = j->js;
    void *client = j->client;
    uint64_t ms;

    j->state = JOB_DONE;
    j->end_ns = pt_now_ns();
    js->st.done++;
    ms = (j->end_ns - j->start_ns) / 1000000;
    log_info("job %s: done, %llu rows (%llu bytes) in %llu ms", j->id,
             (unsigned long long)j->rows_acked, (unsigned long long)j->bytes_acked,
             (unsigned long long)ms);
    j->client = NULL;
    ready_unlink(js, j);
    if (client)
        js->ev.done(client, j->rows_acked, j->bytes_acked, ms);
}

static void fail_job(job *j, const chunk *c)
{
    jobs *js = j->js;
    void *client = j->client;
    uint64_t free_bytes = 0;
    char msg[1024];

    if (j->state == JOB_FAILED)
        return;
    if (job_active(j))
        js->st.failed++;
    j->state = JOB_FAILED;
    j->end_ns = pt_now_ns();
    snprintf(j->error, sizeof(j->error), "%s", c->err);
    js->st.write_errors++;
    log_error("job %s: failed after %llu durable rows: %s", j->id,
              (unsigned long long)j->rows_acked, c->err);
    for (chunk *s; (s = chunk_list_pop(&j->sealed));)
        chunk_free(s);
    blocked_unlink(js, j);
    j->client = NULL;
    ready_unlink(js, j);
    if (!client)
        return;
    store_free_space(c->store, &free_bytes);
    snprintf(msg, sizeof(msg),
             "job %s: %s (data dir %s, %.1f MB free); %llu rows of job %s are durable", j->id,
             c->err, store_data_dir(c->store), (double)free_bytes / 1e6,
             (unsigned long long)j->rows_acked, j->id);
    js->ev.failed(client, c->status == -ECANCELED ? PT_ERR_SHUTDOWN : PT_ERR_STORE, msg);
}

static void chunk_durable(job *j, const chunk *c)
{
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
        jobrecs_touch(&j->db->recs, j->rec);
    }
    if (j->client)
        j->js->ev.acked(j->client, j->rows_acked, j->bytes_acked);
    if (c->final)
        finish_job(j);
}

void jobs_on_done(jobs *js)
{
    chunk_list done = {0};
    chunk *c;

    js->sink.take_done(js->sink.ud, &done);
    while ((c = chunk_list_pop(&done))) {
        job *j = c->job;
        if (!j && c->done) /* a database let go (dbs.h) */
            c->done(c->done_ud, c);
        if (j) { /* else maintenance: expired records, a wake-up */
            j->inflight--;
            j->inflight_bytes -= c->mem;
            if (c->status < 0)
                fail_job(j, c);
            else if (j->state != JOB_FAILED)
                chunk_durable(j, c);
        }
        chunk_free(c);
    }
    jobs_admit(js);
    trim_jobs(js);
    activity(js);
}

static void progress(job *j, uint64_t now)
{
    uint64_t dt = now - j->last_progress_ns;

    if (dt)
        j->rate_rows_per_s = (j->rows_acked - j->last_progress_rows) * 1000000000ull / dt;
    j->last_progress_ns = now;
    j->last_progress_rows = j->rows_acked;
    j->js->ev.progress(j->client, j->rows_acked, j->bytes_acked, j->rate_rows_per_s);
    if (j->bulk && j->js->ev.bulk_phase) {
        bulkload_info bi;
        bulkload_get_info(j->bulk, &bi);
        if (bi.phase == BULK_RECEIVING)
            j->js->ev.bulk_phase(j->client, bulk_phase_name(bi.phase), bi.staged_bytes, 0);
        else
            j->js->ev.bulk_phase(j->client, bulk_phase_name(bi.phase), bi.done_bytes,
                                 bi.total_bytes);
    }
}

void jobs_tick(jobs *js, uint64_t now)
{
    uint64_t linger = js->lim.chunk_linger_ms * 1000000ull;
    uint64_t every = js->lim.progress_interval_ms * 1000000ull;
    int sealed_any = 0, active = 0;

    for (job *j = js->list; j; j = j->next) {
        if (!job_active(j) || !j->client)
            continue;
        active = 1;
        /* A client that pauses must not leave rows unacknowledged. */
        if (j->state == JOB_RUNNING && chunker_pending(&j->ck) &&
            now - j->last_row_ns >= linger) {
            seal_partial(j);
            sealed_any = 1;
        }
        if (now - j->last_progress_ns >= every)
            progress(j, now);
    }
    if (sealed_any)
        jobs_admit(js);
    /* a job may have passed stall.bulk_min_bytes, or compaction debt
     * started holding one back */
    if (active)
        activity(js);
}

/* --- progress records ----------------------------------------------------- */

static int record_busy(void *ud, const job_record *rec)
{
    for (job *j = ((jobs *)ud)->list; j; j = j->next)
        if (j->rec == rec && (job_active(j) || j->inflight || j->sealed.n))
            return 1;
    return 0;
}

static void record_dropped(void *ud, const job_record *rec)
{
    for (job *j = ((jobs *)ud)->list; j; j = j->next)
        if (j->rec == rec)
            j->rec = NULL;
}

/* Queue the deletes of records dropped by `drop` (expiry or the cap).
 * Housekeeping may exceed the queue's bound by one small batch rather
 * than wait behind the clients. */
static uint64_t drop_records_of(jobs *js, jobdb *db, int evict)
{
    uint64_t n;
    chunk *c;

    if (!(c = chunk_new()))
        return 0;
    n = evict ? jobrecs_evict(&db->recs, db->s, c->batch, js->max_records, record_busy,
                              record_dropped, js)
              : jobrecs_expire(&db->recs, db->s, c->batch, js->retention_ms, now_ms(),
                               record_busy, record_dropped, js);
    if (!n) {
        chunk_free(c);
        return 0;
    }
    c->store = db->s;
    c->mem = store_batch_bytes(c->batch);
    c->sealed_ns = pt_now_ns();
    js->sink.push(js->sink.ud, c);
    return n;
}

/* Abandoned bulk staging is removed on the thread pool (it reads and
 * removes directories); the running bulk jobs' directories are kept. */
typedef struct cleanup_work {
    uv_work_t req;
    char *data_dir;
    uint64_t retention_ms;
    size_t nkeep;
    char (*keep)[2 * JOB_ID_MAX + 1];
} cleanup_work;

static int cleanup_keep(void *ud, const char *name)
{
    cleanup_work *w = ud;

    for (size_t i = 0; i < w->nkeep; i++)
        if (strcmp(w->keep[i], name) == 0)
            return 1;
    return 0;
}

static void cleanup_run(uv_work_t *req)
{
    cleanup_work *w = req->data;

    bulkload_cleanup(w->data_dir, w->retention_ms, cleanup_keep, w);
}

static void cleanup_done(uv_work_t *req, int status)
{
    cleanup_work *w = req->data;

    (void)status;
    free(w->data_dir);
    free(w->keep);
    free(w);
}

static void cleanup_staging_of(jobs *js, jobdb *db)
{
    cleanup_work *w;
    size_t n = 0;

    if (!js->lim.bulk_staging_retention_ms || !(w = calloc(1, sizeof(*w))))
        return;
    for (job *j = js->list; j; j = j->next)
        n += j->bulk != NULL;
    w->req.data = w;
    w->retention_ms = js->lim.bulk_staging_retention_ms;
    w->data_dir = strdup(store_data_dir(db->s));
    w->keep = calloc(n + 1, sizeof(*w->keep));
    if (!w->data_dir || !w->keep) {
        cleanup_done(&w->req, 0);
        return;
    }
    for (job *j = js->list; j; j = j->next)
        if (j->bulk && j->db == db && (job_active(j) || j->inflight))
            bulkload_dir_name(j->id, w->keep[w->nkeep++], sizeof(w->keep[0]));
    if (uv_queue_work(js->expiry.loop, &w->req, cleanup_run, cleanup_done) < 0)
        cleanup_done(&w->req, 0);
}

static void cleanup_staging(jobs *js)
{
    for (jobdb *db = js->dbs; db; db = db->next)
        cleanup_staging_of(js, db);
}

/* Every attached database's; the cap (ingest.max_job_records) holds per
 * database, as ids are. */
static uint64_t drop_records(jobs *js, int evict)
{
    uint64_t n = 0;

    for (jobdb *db = js->dbs; db; db = db->next)
        if (!evict || db->recs.n > js->max_records)
            n += drop_records_of(js, db, evict);
    return n;
}

void jobs_expire(jobs *js)
{
    uint64_t n = drop_records(js, 0);

    if (n)
        log_info("job records: %llu expired", (unsigned long long)n);
    cleanup_staging(js);
}

static void evict_records(jobs *js)
{
    uint64_t n = drop_records(js, 1);

    if (n)
        log_info("job records: %llu oldest dropped (ingest.max_job_records = %llu)",
                 (unsigned long long)n, (unsigned long long)js->max_records);
}

/* --- for status ----------------------------------------------------------- */

void jobs_get_stats(const jobs *js, jobs_stats *st)
{
    *st = js->st;
    st->retention_ms = js->retention_ms;
    st->max_records = js->max_records;
    st->newest_token = js->next_token - 1;
    for (const job *j = js->blocked_head; j; j = j->next_blocked)
        st->blocked++;
    for (const job *j = js->list; j; j = j->next) {
        if (j->state >= 0 && j->state < JOB_NSTATES)
            st->by_state[j->state]++;
        if (!job_active(j))
            continue;
        st->active++;
        if (!st->oldest_active_token || j->token < st->oldest_active_token)
            st->oldest_active_token = j->token;
        if (j->bytes_in > st->largest_active_bytes)
            st->largest_active_bytes = j->bytes_in;
    }
}

const job *jobs_first(const jobs *js) { return js->list; }
const job *jobs_next(const job *j) { return j->next; }
const jobdb *jobs_dbs(const jobs *js) { return js->dbs; }

uint64_t jobs_records_count(const jobs *js)
{
    uint64_t n = 0;

    for (const jobdb *db = js->dbs; db; db = db->next)
        n += db->recs.n;
    return n;
}

void job_get_info(const job *j, job_info *out)
{
    out->id = j->id;
    out->db = j->dbname;
    out->state = j->state;
    out->rows_acked = j->rows_acked;
    out->bytes_acked = j->bytes_acked;
    out->rows_in = j->rows_in;
    out->bytes_in = j->bytes_in;
    out->rate_rows_per_s = j->rate_rows_per_s;
    out->start_ns = j->start_ns;
    out->end_ns = j->end_ns;
    out->max_ack_gap_ns = j->max_ack_gap_ns;
    out->chunks_waiting = j->sealed.n;
    out->chunks_in_queue = j->inflight;
    out->has_client = j->client != NULL;
    out->error = j->error;
    out->bulk = j->bulk != NULL;
    if (j->bulk) {
        bulkload_info bi;
        bulkload_get_info(j->bulk, &bi);
        out->bulk_phase = bi.phase;
        out->bulk_staged_bytes = bi.staged_bytes;
        out->bulk_done_bytes = bi.done_bytes;
        out->bulk_total_bytes = bi.total_bytes;
        out->bulk_runs = bi.runs;
        out->bulk_spilled_bytes = bi.spilled_bytes;
        out->bulk_sst_bytes = bi.sst_bytes;
    }
}
