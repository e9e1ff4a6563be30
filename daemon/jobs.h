/* jobs.h - ingest jobs: rows in, chunks out, acknowledgements back.
 *
 * Loop thread only. A job cuts its rows into chunks (chunk.h), keeps
 * sealed chunks until the bounded queue has room, and reports each chunk
 * the writer made durable. Jobs with chunks waiting take turns, a chunk
 * each, and none holds more than its share of the queue (the bound over
 * the jobs that are writing) while another waits, so a small job is not
 * stuck behind a huge one. A job whose chunks wait is "blocked": its
 * client must not send more (back-pressure).
 *
 * jobs knows neither connections nor frames: a job belongs to an opaque
 * `client` and reports through job_events; chunks go through a job_sink
 * (the chunk queue in the daemon, a fake in tests). Progress records
 * (jobrec.h) make a job resumable after a crash; the bulk-profile policy
 * lives in bulk.h and hears of activity through events.activity.
 */
#ifndef PT_JOBS_H
#define PT_JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../config/diag.h"
#include "chunk.h"
#include "jobrec.h"
#include "store.h"

#define JOBS_RECENT 32

enum job_state {
    JOB_RUNNING,   /* taking rows */
    JOB_ENDING,    /* JOB_END seen, waiting for the last acknowledgements */
    JOB_DONE,      /* every row durable, JOB_DONE sent */
    JOB_FAILED,    /* a write failed; rows before it are durable */
    JOB_ABORTED,   /* the client went away or the daemon stopped first */
    JOB_NSTATES
};

typedef struct jobs jobs;
typedef struct job job;

/* A database as jobs see it: the store its chunks go to and its progress
 * records (a job id is unique within its database). Owned by the
 * database registry (dbs.h); jobs only count the jobs that hold it. */
typedef struct jobdb {
    store *s;
    const char *name;
    jobrecs recs;
    uint64_t held;             /* jobs not finished or with chunks out */
    uint64_t quiet_since_ns;   /* when held last fell to 0 */
    int unflushed;             /* written since its last idle flush (dbs.h) */
    struct jobdb *next;        /* jobs' list of attached databases */
    int attached;
} jobdb;

/* What a job tells its client. `client` is what job_begin was given; a
 * job whose client is gone (job_client_gone) reports nothing. */
typedef struct job_events {
    /* Chunks up to these totals are durable. */
    void (*acked)(void *client, uint64_t rows, uint64_t bytes);
    /* Every progress interval while the job is active. */
    void (*progress)(void *client, uint64_t rows, uint64_t bytes, uint64_t rows_per_s);
    /* Every row is durable; the job leaves its client. */
    void (*done)(void *client, uint64_t rows, uint64_t bytes, uint64_t elapsed_ms);
    /* A write failed (code: enum pt_err); the job leaves its client. */
    void (*failed)(void *client, int code, const char *msg);
    /* The job's chunks are all queued: its client may send again. */
    void (*unblocked)(void *client);
    /* The set of active jobs or their sizes changed (events_ud). */
    void (*activity)(void *events_ud);
    void *events_ud;
    /* A bulk job's phase (bulkload.h), with progress (NULL: not sent). */
    void (*bulk_phase)(void *client, const char *phase, uint64_t done_bytes,
                       uint64_t total_bytes);
} job_events;

/* Where sealed chunks go and finished ones come back from. */
typedef struct job_sink {
    int (*has_room)(void *ud, uint64_t mem);
    void (*push)(void *ud, chunk *c);
    void (*take_done)(void *ud, chunk_list *out);
    void *ud;
    /* The queue's bound, for each job's fair share of it (NULL: none). */
    uint64_t (*capacity)(void *ud);
} job_sink;

/* The settings jobs follow (ingest.*); new chunks and new jobs use them. */
typedef struct jobs_limits {
    uint64_t chunk_max_rows, chunk_max_bytes;
    uint64_t max_key_bytes, max_value_bytes;
    int sync;                     /* enum pt_sync_mode */
    uint64_t chunk_linger_ms, progress_interval_ms;
    uint64_t bulk_auto_min_bytes;     /* bulk.auto_min_bytes, 0: only when asked */
    uint64_t bulk_sort_buffer_bytes;  /* bulk.sort_buffer_bytes */
    uint64_t bulk_sst_file_max_bytes; /* bulk.sst_file_max_bytes */
    uint64_t bulk_staging_retention_ms; /* bulk.staging_retention_ms */
} jobs_limits;

int jobs_new(jobs **out, uv_loop_t *loop, const job_sink *sink, const job_events *ev);
/* A database opened: its records (loaded with jobs_load_records) join the
 * expiry and the cap. Detach before it closes; db->held must be 0. */
void jobs_attach(jobs *js, jobdb *db);
void jobs_detach(jobs *js, jobdb *db);
/* The daemon stops: close the expiry timer (the loop still runs). */
void jobs_close(jobs *js);
/* After every job is gone from the queue (the writer stopped), and after
 * the databases were detached (dbs_free). Without jobs_close first, the
 * loop must run once more to release it. NULL ok. */
void jobs_free(jobs *js);
void jobs_set_limits(jobs *js, const jobs_limits *l);
/* ingest.job_retention_ms: (re)arms the expiry of progress records. */
void jobs_set_retention(jobs *js, uint64_t retention_ms);
/* ingest.max_job_records: past it, the oldest records go (finished ones
 * first), now and as jobs begin. */
void jobs_set_max_records(jobs *js, uint64_t max_records);
/* The progress records in db->s into db->recs; expired ones are deleted.
 * Any thread, before the database is attached. */
int jobs_load_records(jobdb *db, uint64_t retention_ms, pt_diag *diag);

/* Open a job for client. id "" (idlen 0) lets the daemon name it. NULL
 * when no job was opened: *code is 0 when the id names a job already done
 * (*committed its rows, nothing to do), else an enum pt_err with err.
 * A resumed job starts at *committed rows. */
job *job_begin(jobs *js, jobdb *db, void *client, const char *id, size_t idlen,
               uint64_t *committed, int *code, char *err, size_t errlen);
/* The same for JOB_BEGIN_BULK: mode is enum pt_bulk_mode, size_hint the
 * client's input bytes (0 unknown). *bulk says whether the job is loaded
 * in bulk (bulkload.h): asked, or announced at least bulk.auto_min_bytes,
 * or a resumed bulk job. A job begun in one mode and resumed in the other
 * is refused (PT_ERR_BULK_MODE). job_begin is this with mode -1 (never
 * bulk). */
job *job_begin_bulk(jobs *js, jobdb *db, void *client, const char *id, size_t idlen, int mode,
                    uint64_t size_hint, int *bulk, uint64_t *committed, int *code, char *err,
                    size_t errlen);
/* One ROWS payload. -EBADMSG for a malformed frame, -EINVAL/-E2BIG for a
 * bad row (err names it), -ENOMEM. */
int job_add_rows(job *j, const char *payload, size_t len, char *err, size_t errlen);
int job_end(job *j, uint64_t total_rows, char *err, size_t errlen);
/* The client went away: seal what arrived whole; the job runs on silent. */
void job_client_gone(job *j);

const char *job_id(const job *j);
int job_state(const job *j);
/* Sealed chunks wait for room: the client must pause. */
int job_blocked(const job *j);
/* Running or ending: not finished. */
int job_active(const job *j);
uint64_t job_rows_acked(const job *j);
const char *job_state_name(int state);

/* Chunks came back from the writer: acknowledge, finish, fail. */
void jobs_on_done(jobs *js);
/* Seal partial chunks of idle clients (linger) and send progress. */
void jobs_tick(jobs *js, uint64_t now_ns);
/* Move sealed chunks into the sink while it has room. Not re-entrant by
 * construction: a call made while one runs (from an unblocked event)
 * only asks the running one to look again. */
void jobs_admit(jobs *js);
/* Shutdown: seal every partial chunk; past the grace period, drop what
 * never reached the queue. */
void jobs_seal_all(jobs *js);
void jobs_drop_sealed(jobs *js);
/* No chunk of any job is sealed or in the queue. */
int jobs_idle(const jobs *js);
/* Delete expired progress records (the retention timer calls it), and
 * remove abandoned bulk staging (bulk.staging_retention_ms) on the thread
 * pool. */
void jobs_expire(jobs *js);

/* For status, metrics and the bulk policy. */
typedef struct job_info {
    const char *id;
    const char *db;
    int state;
    uint64_t rows_acked, bytes_acked, rows_in, bytes_in;
    uint64_t rate_rows_per_s;
    uint64_t start_ns, end_ns, max_ack_gap_ns;
    uint64_t chunks_waiting, chunks_in_queue;
    int has_client;
    const char *error;
    int bulk;                      /* loaded in bulk; then: */
    int bulk_phase;                /* enum bulk_phase */
    uint64_t bulk_staged_bytes, bulk_done_bytes, bulk_total_bytes;
    uint64_t bulk_runs, bulk_spilled_bytes, bulk_sst_bytes;
} job_info;
typedef struct jobs_stats {
    uint64_t rows_received, bytes_received;
    uint64_t started, done, failed, aborted;
    uint64_t write_errors;
    uint64_t blocked;              /* jobs waiting for room in the queue */
    uint64_t active;               /* running or ending */
    uint64_t largest_active_bytes; /* bytes received by the largest active job */
    uint64_t newest_token;         /* the last job token given (0: none yet) */
    uint64_t oldest_active_token;  /* the oldest active job's token (0: none) */
    uint64_t by_state[JOB_NSTATES];
    uint64_t retention_ms;
    uint64_t max_records;
} jobs_stats;
void jobs_get_stats(const jobs *js, jobs_stats *st);
/* Active and recent jobs, newest first: NULL after the last. */
const job *jobs_first(const jobs *js);
const job *jobs_next(const job *j);
void job_get_info(const job *j, job_info *out);
/* Progress records of every attached database. */
uint64_t jobs_records_count(const jobs *js);
/* Attached databases: NULL after the last. */
const jobdb *jobs_dbs(const jobs *js);

#endif
