/* session.h - what a connection's frames mean (docs/protocol.md).
 *
 * Loop thread. A client says HELLO first, then either runs jobs
 * (JOB_BEGIN, ROWS..., JOB_END) or asks reads, one request at a time.
 * Anything out of place is a protocol error: an ERROR frame, and that
 * connection closes; the daemon and every other client carry on.
 *
 * `sessions` is every connection the daemon serves. It owns the conn.h
 * connections, hands rows to jobs.h and reads to reads.h, and turns their
 * events into frames (common/protocol.h). What it needs from the rest of
 * the daemon comes through session_env.
 */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../common/buf.h"
#include "jobs.h"
#include "listen.h"
#include "dbs.h"
#include "reads.h"

typedef struct sessions sessions;

typedef struct session_env {
    /* STATUS_R or METRICS_R text for a STATUS or METRICS frame from a
     * connection on database dbname. */
    int (*status_text)(void *ud, int type, const char *dbname, pt_buf *out);
    /* What a PROGRESS frame reports besides the job's own numbers. */
    void (*progress_info)(void *ud, uint64_t *queue_bytes, uint64_t *queue_capacity,
                          const char **stall_state);
    /* A connection or a detached read ended: a drain may be over. */
    void (*changed)(void *ud);
    /* A client (root or the daemon's own user) asks for a reload of the
     * configuration file; sessions_reload_over answers it. NULL: refused. */
    void (*reload)(void *ud);
    void *ud;
} session_env;

/* The settings sessions follow; HELLO_OK tells clients the limits. */
typedef struct session_limits {
    uint64_t max_frame_bytes;   /* ingest.max_frame_bytes (restart only) */
    uint64_t max_clients;       /* listen.max_clients (restart only) */
    uint64_t max_clients_per_uid, operator_slots;
    uint64_t max_unsent_bytes;  /* listen.* bounds and timeouts (conn.h) */
    uint64_t handshake_timeout_ms, frame_timeout_ms, idle_timeout_ms, write_timeout_ms;
    uint64_t max_key_bytes, max_value_bytes;
    uint64_t chunk_max_rows, chunk_max_bytes;
} session_limits;

typedef struct session_stats {
    uint64_t clients, accepted;
    uint64_t errors_protocol, errors_bad_row, errors_busy;
    uint64_t errors_denied;     /* peers listen.allow refused */
} session_stats;

int sessions_new(sessions **out, uv_loop_t *loop, dbs *ds, jobs *js, reads *rd,
                 const session_env *env);
/* Every connection must be closed (sessions_count() == 0). */
void sessions_free(sessions *ss);
void sessions_set_limits(sessions *ss, const session_limits *l);
/* The client side of jobs' and reads' events: a job's or a read's
 * `client` is a session. (activity and events_ud are left as they are.) */
void sessions_job_events(job_events *ev);
void sessions_read_ops(read_client_ops *ops);

/* A client waits on server (listen.h's callback; ud is the sessions);
 * one that listen.allow does not admit gets ERROR denied and is closed. */
void sessions_accept(void *ud, uv_stream_t *server, const listen_peer *peer);
/* Draining: take no more frames; idle connections close, the others stop
 * reading and wait for their jobs' last acknowledgements. */
void sessions_drain(sessions *ss);
/* Everything received is written: clients whose jobs did not finish are
 * told where they stand (once), the rest close. */
void sessions_finish(sessions *ss);
void sessions_close_all(sessions *ss);
/* A reload is over: every client that asked for one (RELOAD) is told the
 * outcome (RELOAD_R: applied or not, and msg) and may send again. */
void sessions_reload_over(sessions *ss, int applied, const char *msg);
/* The connections' timeouts (the daemon's tick). */
void sessions_tick(sessions *ss, uint64_t now_ns);
size_t sessions_count(const sessions *ss);
void sessions_get_stats(const sessions *ss, session_stats *st);

#endif
