/* daemon.h - the daemon's state, shared by the files of daemon/.
 *
 * THREADS. Everything in this header belongs to the loop thread (the
 * thread that runs uv_run) except:
 *   - `queue`: shared with the writer thread under its own mutex, the
 *     daemon's only lock (documented in chunk_queue.h);
 *   - `writer`: its counters are atomics written by the writer thread;
 *   - work items on libuv's thread pool (reads.c, stall.c) touch only the
 *     store and their own request struct until their after-callback runs
 *     back on the loop thread; a reload's work item (reload.c) also owns
 *     `reload.running` while `reload.busy` is set;
 *   - RocksDB's own threads record file timings into the store's
 *     histograms (lock-free atomics, lathist.h).
 * There are no process-wide variables: everything hangs off `daemon`.
 */
#ifndef PT_DAEMON_H
#define PT_DAEMON_H

#include "../common/compat.h"

#include <stdint.h>
#include <uv.h>

#include "../common/buf.h"
#include "../config/config.h"
#include "chunk.h"
#include "chunk_queue.h"
#include "jobrec.h"
#include "stall.h"
#include "store.h"
#include "writer.h"

#define PT_VERSION "0.1.0"
#define DAEMON_RECENT_JOBS 32
#define JOB_ID_MAX 128

enum daemon_state { DAEMON_STARTING, DAEMON_READY, DAEMON_DRAINING, DAEMON_STOPPED };

enum job_state {
    JOB_RUNNING,   /* taking rows */
    JOB_ENDING,    /* JOB_END seen, waiting for the last acknowledgements */
    JOB_DONE,      /* every row durable, JOB_DONE sent */
    JOB_FAILED,    /* a write failed; rows before it are durable */
    JOB_ABORTED,   /* the client went away or the daemon stopped first */
};

struct conn;
struct pt_daemon;

/* A job's durable progress as last acknowledged (mirror of the meta
 * record, loaded at start-up, updated on each acknowledgement). */
typedef struct job_record {
    struct job_record *next;
    char id[JOB_ID_MAX + 1];
    jobrec r;
} job_record;

typedef struct job {
    struct job *next;          /* daemon.jobs: active and recent */
    struct job *next_blocked;  /* daemon.blocked FIFO */
    int in_blocked;
    struct pt_daemon *d;
    struct conn *conn;         /* NULL once the client is gone */
    char id[JOB_ID_MAX + 1];
    uint64_t token;            /* unique per daemon run, for the writer */
    int state;
    chunker ck;
    chunk_list sealed;         /* sealed, waiting for room in the queue */
    uint64_t inflight;         /* chunks in the queue */
    uint64_t rows_in, bytes_in;    /* including rows committed before a resume */
    uint64_t rows_acked, bytes_acked;
    uint64_t bytes_sealed;         /* for the progress record of each chunk */
    uint64_t resumed_from;         /* committed rows when the job (re)started */
    job_record *rec;
    uint64_t start_ns, end_ns, last_row_ns, last_ack_ns;
    uint64_t max_ack_gap_ns;       /* longest wait for an acknowledgement */
    uint64_t last_progress_ns, last_progress_rows;
    uint64_t rate_rows_per_s;
    char error[256];
} job;

enum conn_busy { CONN_IDLE, CONN_READING_STORE, CONN_EXPORTING };

typedef struct conn {
    uv_pipe_t pipe;            /* pipe.data = this */
    struct pt_daemon *d;
    struct conn *prev, *next;
    uint64_t id;
    pt_buf rbuf;
    size_t rpos;               /* consumed prefix of rbuf */
    int hello_done;
    int reading;               /* uv_read_start is on */
    int closing;
    int close_after_write;     /* an error frame was queued: close once written */
    int busy;                  /* enum conn_busy: a read request in flight */
    job *job;
    uint64_t wbytes;           /* bytes queued in uv_write, not yet written */
    struct read_req *req;      /* the read in flight, if any */
} conn;

/* reload.c: what the last reloads could not apply, for the log and
 * status. The RocksDB options that run are tracked per scope (the
 * database, then each relation in store order), so that a change RocksDB
 * refused is still reported, and tried again, on the next reload. */
typedef struct reload_state {
    pt_optlist *running;       /* 1 + store_nrelations(); NULL before the first reload */
    size_t nrunning;
    char **needs_restart;      /* setting names */
    size_t nneeds_restart;
    char *last_error;          /* why the last reload was refused; NULL after a good one */
    uint64_t reloads, refused;
    /* A reload's RocksDB part runs on libuv's thread pool; while it does,
     * `running` belongs to that work item and a newer file waits here
     * (only the newest). */
    struct reload_work *busy;
    pt_config *pending;
    void (*done)(struct pt_daemon *d);
} reload_state;

typedef struct pt_daemon {
    uv_loop_t *loop;
    pt_config cfg;
    char *config_path;
    uint64_t config_loaded_unix_ms;
    reload_state reload;
    store *store;
    chunk_queue queue;
    writer writer;
    uv_async_t wake;
    uv_pipe_t listener;
    char listen_path[1024];
    int listening;
    int listen_activated;      /* the socket came from the supervisor: not ours to unlink */
    void *listen_sd;           /* Windows: the pipe's security descriptor (LocalFree) */
    uv_timer_t tick;
    uv_timer_t grace;
    stall_monitor stall;
    int state;
    int exit_code;
    uint64_t start_ns;
    conn *conns;
    size_t nconns;
    uint64_t next_conn_id;
    job *jobs;
    uint64_t next_job_token;
    job *blocked_head, *blocked_tail;
    job_record *records;
    uint64_t records_n;
    uv_timer_t expiry;
    uint64_t reads_inflight;   /* thread-pool work items not yet back */
    /* counters for status and metrics */
    uint64_t rows_received, bytes_received;
    uint64_t jobs_started, jobs_done, jobs_failed, jobs_aborted;
    uint64_t errors_protocol, errors_bad_row, errors_store, errors_busy;
    uint64_t conns_accepted;
    /* hooks for the service layer */
    void (*on_ready)(struct pt_daemon *d);
    void (*on_stopping)(struct pt_daemon *d);
} pt_daemon;

/* loop.c */
int daemon_init(pt_daemon *d, uv_loop_t *loop, const pt_config *cfg, pt_diag *diag);
int daemon_start(pt_daemon *d);
/* Begin a graceful stop: no new jobs, drain, close. Idempotent. */
void daemon_shutdown(pt_daemon *d);
void daemon_free(pt_daemon *d);
/* After a chunk left the queue or a job finished: try to stop if draining. */
void daemon_maybe_finish(pt_daemon *d);

/* reload.c: apply a loaded, valid configuration at run time: reloadable
 * settings, and RocksDB options through SetOptions/SetDBOptions; the rest
 * is logged and listed in status as needing a restart. The RocksDB part
 * runs on libuv's thread pool (SetOptions writes and syncs an OPTIONS
 * file), so this returns at once; done(d), if set, is called on the loop
 * thread once the reload is applied (or failed, logged). A reload asked
 * for while one runs follows it, with the newest file. neu is copied. */
int daemon_reload(pt_daemon *d, const pt_config *neu, void (*done)(pt_daemon *d));
/* A reload whose file was invalid: nothing changed; log and keep `why`
 * (the file's diagnostics) for status. */
void daemon_reload_refused(pt_daemon *d, const char *file, const char *why);
void daemon_reload_free(pt_daemon *d);

/* transport.c */
int transport_listen(pt_daemon *d, char *err, size_t errlen);
void transport_close(pt_daemon *d);

/* conn.c */
void conn_accept(pt_daemon *d);
/* Queue a frame (takes the buffer's bytes). */
int conn_send(conn *c, pt_buf *frame);
int conn_send_then(conn *c, pt_buf *frame, void (*cb)(conn *c, int status));
void conn_send_error(conn *c, int code, const char *fmt, ...)
    PT_PRINTF(3, 4)
    ;
void conn_close(conn *c);
/* Process what is buffered, then read more if allowed. */
void conn_resume(conn *c);

/* protocol.c: handle one complete frame. Returns 0 to go on, 1 to pause
 * this connection's frames (back-pressure or a read in flight), <0 when
 * the connection must close (an error frame was already queued). */
int protocol_handle(conn *c, int type, const char *payload, size_t len);

/* jobs.c */
/* NULL when no job was opened: *code is 0 when the client was answered
 * (a finished job re-run), else the error code for err. */
job *job_begin(pt_daemon *d, conn *c, const char *id, size_t idlen, int *code, char *err,
               size_t errlen);
int job_add_rows(job *j, const char *payload, size_t len, char *err, size_t errlen);
int job_end(job *j, uint64_t total_rows, char *err, size_t errlen);
/* The job has sealed chunks waiting: its connection must pause. */
int job_blocked(const job *j);
void job_conn_gone(job *j);
void jobs_admit(pt_daemon *d);
void jobs_on_done(pt_daemon *d);
void jobs_tick(pt_daemon *d, uint64_t now);
/* Seal every partial chunk (shutdown). */
void jobs_seal_all(pt_daemon *d);
/* Start-up: read the progress records, drop the expired ones. */
int jobs_load_records(pt_daemon *d, pt_diag *diag);
/* Queue deletes of expired records (a periodic timer). */
void jobs_expire(pt_daemon *d);
void jobs_free_records(pt_daemon *d);
void jobs_update_bulk(pt_daemon *d);
const char *job_state_name(int state);

/* reads.c */
int reads_get(conn *c, const char *payload, size_t len);
int reads_count(conn *c, const char *payload, size_t len);
int reads_export(conn *c, const char *payload, size_t len);
void reads_conn_gone(conn *c);

/* status.c */
int status_json(pt_daemon *d, pt_buf *out);
int status_metrics(pt_daemon *d, pt_buf *out);
const char *daemon_stall_state(pt_daemon *d);

/* health.c: for the service layer's supervisor (watchdog, STATUS=). */
/* 1 while the writer makes progress, or is only held back by a RocksDB
 * stall; 0 when it has sat on waiting chunks for over max_stuck_ns. */
int daemon_healthy(pt_daemon *d, uint64_t max_stuck_ns);
/* "idle", "ingesting job X: N rows, R rows/s", "draining: ...". */
void daemon_status_line(pt_daemon *d, char *buf, size_t len);

#endif
