/* session.c - what a connection's frames mean (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "../common/log.h"
#include "../common/protocol.h"
#include "conn.h"
#include "version.h"

typedef struct session {
    struct session *prev, *next;
    sessions *ss;
    conn *c;
    int hello_done;
    int told_shutdown;
    int eof;                   /* the client half-closed: close once answered */
    int uid_known;
    unsigned long uid;
    int operator;              /* root or the daemon's own user (listen.h) */
    int awaiting_reload;       /* asked for a reload: answered when it is over */
    job *job;                  /* the job this client runs, if any */
    read_req *req;             /* the read in flight, if any */
} session;

struct sessions {
    uv_loop_t *loop;
    store *s;
    jobs *js;
    reads *rd;
    session_env env;
    session_limits lim;
    conn_limits conn_lim;      /* every connection reads these */
    session *list;
    size_t n;
    uint64_t next_id;
    int draining;
    session_stats st;
};

static const conn_ops session_conn_ops;

int sessions_new(sessions **out, uv_loop_t *loop, store *s, jobs *js, reads *rd,
                 const session_env *env)
{
    sessions *ss = calloc(1, sizeof(*ss));

    *out = NULL;
    if (!ss)
        return -ENOMEM;
    ss->loop = loop;
    ss->s = s;
    ss->js = js;
    ss->rd = rd;
    ss->env = *env;
    ss->lim.max_frame_bytes = 16 << 20;
    ss->lim.max_clients = 256;
    ss->lim.max_clients_per_uid = 128;
    ss->lim.operator_slots = 4;
    ss->conn_lim.max_frame_bytes = ss->lim.max_frame_bytes;
    ss->conn_lim.max_unsent_bytes = 4 << 20;
    *out = ss;
    return 0;
}

void sessions_free(sessions *ss)
{
    free(ss);
}

void sessions_set_limits(sessions *ss, const session_limits *l)
{
    ss->lim = *l;
    ss->conn_lim.max_frame_bytes = l->max_frame_bytes;
    ss->conn_lim.max_unsent_bytes = l->max_unsent_bytes;
    ss->conn_lim.handshake_timeout_ms = l->handshake_timeout_ms;
    ss->conn_lim.frame_timeout_ms = l->frame_timeout_ms;
    ss->conn_lim.idle_timeout_ms = l->idle_timeout_ms;
    ss->conn_lim.write_timeout_ms = l->write_timeout_ms;
}

size_t sessions_count(const sessions *ss)
{
    return ss->n;
}

void sessions_get_stats(const sessions *ss, session_stats *st)
{
    *st = ss->st;
    st->clients = ss->n;
}

static int send_frame(session *s, int r, pt_buf *b)
{
    if (r < 0) {
        pt_buf_free(b);
        return r;
    }
    return conn_send(s->c, b);
}

/* --- frames in ------------------------------------------------------------ */

static int send_hello_ok(session *s)
{
    sessions *ss = s->ss;
    size_t n = store_nrelations(ss->s);
    const char *names[PT_MAX_RELATIONS];
    pt_hello_ok m;
    pt_buf b;

    for (size_t i = 0; i < n && i < PT_MAX_RELATIONS; i++)
        names[i] = store_relation_name(ss->s, i);
    memset(&m, 0, sizeof(m));
    m.version = PT_PROTO_VERSION;
    m.daemon_version = pt_str_c(PT_VERSION);
    m.max_frame_bytes = ss->lim.max_frame_bytes;
    m.max_key_bytes = ss->lim.max_key_bytes;
    m.max_value_bytes = ss->lim.max_value_bytes;
    m.chunk_max_rows = ss->lim.chunk_max_rows;
    m.chunk_max_bytes = ss->lim.chunk_max_bytes;
    m.nrel = (uint16_t)(n < PT_MAX_RELATIONS ? n : PT_MAX_RELATIONS);
    m.rel = names;
    pt_buf_init(&b);
    return send_frame(s, pt_enc_hello_ok(&b, &m), &b);
}

static int handle_hello(session *s, const char *p, size_t len)
{
    pt_hello m;

    if (s->hello_done) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "HELLO sent twice");
        return -EPROTO;
    }
    if (pt_dec_hello(p, len, &m) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed HELLO");
        return -EBADMSG;
    }
    if (m.version != PT_PROTO_VERSION) {
        conn_send_error(s->c, PT_ERR_VERSION,
                        "protocol version %u not supported (this daemon speaks %u)",
                        m.version, PT_PROTO_VERSION);
        return -EPROTO;
    }
    log_debug("client %llu: hello from %.*s", (unsigned long long)conn_id(s->c),
              (int)m.client.n, m.client.p);
    s->hello_done = 1;
    return send_hello_ok(s) < 0 ? -EIO : 0;
}

static int send_job_started(session *s, const char *id, uint64_t committed, int done)
{
    pt_job_started m = {pt_str_c(id), committed, (uint8_t)done};
    pt_buf b;

    pt_buf_init(&b);
    return send_frame(s, pt_enc_job_started(&b, &m), &b);
}

static int handle_job_begin(session *s, const char *p, size_t len)
{
    char err[256], id[JOB_ID_MAX + 1];
    uint64_t committed;
    pt_str m;
    int code;

    if (pt_dec_job_begin(p, len, &m) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed JOB_BEGIN");
        return -EBADMSG;
    }
    if (s->job) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "JOB_BEGIN while job %s is open",
                        job_id(s->job));
        return -EPROTO;
    }
    if (s->ss->draining) {
        conn_send_error(s->c, PT_ERR_SHUTDOWN, "daemon is shutting down; no new jobs");
        return -ESHUTDOWN;
    }
    s->job = job_begin(s->ss->js, s, m.p, m.n, &committed, &code, err, sizeof(err));
    if (s->job) {
        log_debug("job %s: client %llu", job_id(s->job), (unsigned long long)conn_id(s->c));
        return send_job_started(s, job_id(s->job), committed, 0) < 0 ? -EIO : 0;
    }
    if (code == 0) { /* already done: nothing to do, and it says so */
        snprintf(id, sizeof(id), "%.*s", (int)m.n, m.p);
        return send_job_started(s, id, committed, 1) < 0 ? -EIO : 0;
    }
    conn_send_error(s->c, code, "%s", err);
    return code == PT_ERR_RETRY ? 0 : -EINVAL;
}

static int handle_job_begin_bulk(session *s, const char *p, size_t len)
{
    char err[256], id[JOB_ID_MAX + 1];
    pt_job_begin_bulk m;
    pt_job_started_bulk a;
    uint64_t committed;
    int code, bulk;
    pt_buf b;

    if (pt_dec_job_begin_bulk(p, len, &m) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed JOB_BEGIN_BULK");
        return -EBADMSG;
    }
    if (s->job) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "JOB_BEGIN_BULK while job %s is open",
                        job_id(s->job));
        return -EPROTO;
    }
    if (s->ss->draining) {
        conn_send_error(s->c, PT_ERR_SHUTDOWN, "daemon is shutting down; no new jobs");
        return -ESHUTDOWN;
    }
    s->job = job_begin_bulk(s->ss->js, s, m.id.p, m.id.n, m.mode, m.size_hint, &bulk,
                            &committed, &code, err, sizeof(err));
    if (!s->job && code != 0) {
        conn_send_error(s->c, code, "%s", err);
        return code == PT_ERR_RETRY || code == PT_ERR_BULK_MODE ? 0 : -EINVAL;
    }
    if (s->job)
        log_debug("job %s: client %llu, %s", job_id(s->job), (unsigned long long)conn_id(s->c),
                  bulk ? "bulk" : "memtable");
    snprintf(id, sizeof(id), "%.*s", (int)m.id.n, m.id.p);
    a.s.id = pt_str_c(s->job ? job_id(s->job) : id);
    a.s.committed = committed;
    a.s.already_done = s->job == NULL;
    a.bulk = (uint8_t)bulk;
    pt_buf_init(&b);
    return send_frame(s, pt_enc_job_started_bulk(&b, &a), &b) < 0 ? -EIO : 0;
}

static int handle_rows(session *s, const char *p, size_t len)
{
    char err[512];
    int r;

    if (!s->job || job_state(s->job) != JOB_RUNNING) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "ROWS outside a running job");
        return -EPROTO;
    }
    r = job_add_rows(s->job, p, len, err, sizeof(err));
    if (r < 0) {
        int code = r == -EBADMSG ? PT_ERR_PROTOCOL : PT_ERR_BAD_ROW;
        if (code == PT_ERR_PROTOCOL)
            s->ss->st.errors_protocol++;
        else
            s->ss->st.errors_bad_row++;
        conn_send_error(s->c, code, "%s", err);
        return r;
    }
    return 0;
}

static int handle_job_end(session *s, const char *p, size_t len)
{
    char err[256];
    uint64_t total;

    if (pt_dec_job_end(p, len, &total) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed JOB_END");
        return -EBADMSG;
    }
    if (!s->job || job_state(s->job) != JOB_RUNNING) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "JOB_END outside a running job");
        return -EPROTO;
    }
    if (job_end(s->job, total, err, sizeof(err)) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "%s", err);
        return -EPROTO;
    }
    return 0;
}

static int handle_status(session *s, int type, const char *p, size_t len)
{
    int reply = type == PT_MSG_STATUS ? PT_MSG_STATUS_R : PT_MSG_METRICS_R;
    pt_buf t, b;
    int r;

    if (pt_dec_empty(p, len) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed %s", pt_msg_name(type));
        return -EBADMSG;
    }
    pt_buf_init(&t);
    if ((r = s->ss->env.status_text(s->ss->env.ud, type, &t)) < 0) {
        pt_buf_free(&t);
        conn_send_error(s->c, PT_ERR_STORE, "cannot build %s: out of memory",
                        pt_msg_name(type));
        return r;
    }
    pt_buf_init(&b);
    r = pt_enc_text(&b, reply, (pt_str){t.data, t.len});
    pt_buf_free(&t);
    return send_frame(s, r, &b) < 0 ? -EIO : 0;
}

static int handle_read(session *s, int type, const char *p, size_t len)
{
    return reads_request(s->ss->rd, s, type, p, len, &s->req);
}

/* RELOAD: the same as SIGHUP, for a supervisor's reload command (the
 * unit's ExecReload=, ptingestd --reload), answered when it is over so
 * that the command can wait for it and report a refused file. Only root
 * and the daemon's own user may: it is the administrator's act. */
static int handle_reload(session *s, const char *p, size_t len)
{
    if (pt_dec_empty(p, len) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed RELOAD");
        return -EBADMSG;
    }
    if (!s->operator || !s->ss->env.reload) {
        s->ss->st.errors_denied++;
        conn_send_error(s->c, PT_ERR_DENIED,
                        "denied: a reload may be asked by root or the daemon's own user only%s",
                        s->uid_known ? "" : " (this client's account is not known here)");
        return -EPERM;
    }
    log_info("client %llu (uid %lu) asks for a reload", (unsigned long long)conn_id(s->c),
             s->uid);
    s->awaiting_reload = 1;
    s->ss->env.reload(s->ss->env.ud);
    return 0;
}

static int on_frame(void *ud, conn *c, int type, const char *p, size_t len)
{
    session *s = ud;

    (void)c;
    if (!s->hello_done && type != PT_MSG_HELLO) {
        s->ss->st.errors_protocol++;
        conn_send_error(s->c, PT_ERR_PROTOCOL, "expected HELLO first, got %s (type %d)",
                        pt_msg_name(type), type);
        return -EPROTO;
    }
    if (s->job && job_state(s->job) == JOB_RUNNING && type != PT_MSG_ROWS &&
        type != PT_MSG_JOB_END && type != PT_MSG_STATUS && type != PT_MSG_METRICS) {
        s->ss->st.errors_protocol++;
        conn_send_error(s->c, PT_ERR_PROTOCOL, "%s not allowed while job %s is open",
                        pt_msg_name(type), job_id(s->job));
        return -EPROTO;
    }
    switch (type) {
    case PT_MSG_HELLO: return handle_hello(s, p, len);
    case PT_MSG_JOB_BEGIN: return handle_job_begin(s, p, len);
    case PT_MSG_JOB_BEGIN_BULK: return handle_job_begin_bulk(s, p, len);
    case PT_MSG_ROWS: return handle_rows(s, p, len);
    case PT_MSG_JOB_END: return handle_job_end(s, p, len);
    case PT_MSG_GET:
    case PT_MSG_COUNT:
    case PT_MSG_EXPORT:
    case PT_MSG_SCAN:
    case PT_MSG_MGET: return handle_read(s, type, p, len);
    case PT_MSG_STATUS:
    case PT_MSG_METRICS: return handle_status(s, type, p, len);
    case PT_MSG_RELOAD: return handle_reload(s, p, len);
    default:
        s->ss->st.errors_protocol++;
        conn_send_error(s->c, PT_ERR_PROTOCOL, "unexpected message type %d (%s)", type,
                        pt_msg_name(type));
        return -EPROTO;
    }
}

/* --- the connection's life ------------------------------------------------ */

static int may_read(void *ud, conn *c)
{
    session *s = ud;

    (void)c;
    return !s->ss->draining && !s->req && !s->awaiting_reload &&
           !(s->job && job_blocked(s->job));
}

static int waiting(void *ud, conn *c)
{
    session *s = ud;

    (void)c;
    return s->req || s->awaiting_reload ||
           (s->job && (job_blocked(s->job) || job_state(s->job) == JOB_ENDING));
}

/* Answers still owed (a read, the acknowledgements of an ended job) are
 * written first; a job the client never ended is aborted as if it had
 * gone (its rows so far are durable, it resumes). */
static void on_eof(void *ud, conn *c)
{
    session *s = ud;

    s->eof = 1;
    if (!s->req && !(s->job && job_state(s->job) == JOB_ENDING))
        conn_close_after_write(c);
}

static void on_bad_frame(void *ud, conn *c)
{
    (void)c;
    ((session *)ud)->ss->st.errors_protocol++;
}

static void on_written(void *ud, conn *c, int status)
{
    session *s = ud;

    (void)c;
    if (s->req)
        reads_written(s->req, status);
}

static void on_close(void *ud, conn *c)
{
    session *s = ud;

    (void)c;
    if (s->job) {
        job *j = s->job;
        s->job = NULL;
        job_client_gone(j);
    }
    if (s->req) {
        reads_detach(s->req);
        s->req = NULL;
    }
}

static void on_closed(void *ud)
{
    session *s = ud;
    sessions *ss = s->ss;

    if (s->prev)
        s->prev->next = s->next;
    else
        ss->list = s->next;
    if (s->next)
        s->next->prev = s->prev;
    ss->n--;
    free(s);
    ss->env.changed(ss->env.ud);
}

static const conn_ops session_conn_ops = {
    .may_read = may_read,
    .waiting = waiting,
    .on_eof = on_eof,
    .on_frame = on_frame,
    .on_bad_frame = on_bad_frame,
    .on_written = on_written,
    .on_close = on_close,
    .on_closed = on_closed,
};

/* Admission by numbers: listen.max_clients in all, listen.operator_slots
 * more for root and the daemon's own user, listen.max_clients_per_uid for
 * any other user. 1 when s was refused (busy). */
static int refuse_busy(sessions *ss, session *s, const listen_peer *peer)
{
    uint64_t same = 0;

    if (peer->operator && ss->n <= ss->lim.max_clients + ss->lim.operator_slots)
        return 0;
    if (ss->n > ss->lim.max_clients) {
        ss->st.errors_busy++;
        conn_send_error(s->c, PT_ERR_BUSY, "too many clients (listen.max_clients = %llu)",
                        (unsigned long long)ss->lim.max_clients);
        conn_close_after_write(s->c);
        return 1;
    }
    if (!peer->known || peer->operator)
        return 0;
    for (const session *o = ss->list; o; o = o->next)
        same += o->uid_known && o->uid == peer->uid;
    if (same <= ss->lim.max_clients_per_uid)
        return 0;
    ss->st.errors_busy++;
    conn_send_error(s->c, PT_ERR_BUSY,
                    "too many clients of uid %lu (listen.max_clients_per_uid = %llu)",
                    peer->uid, (unsigned long long)ss->lim.max_clients_per_uid);
    conn_close_after_write(s->c);
    return 1;
}

void sessions_accept(void *ud, uv_stream_t *server, const listen_peer *peer)
{
    sessions *ss = ud;
    session *s = calloc(1, sizeof(*s));

    if (!s) {
        log_error("out of memory accepting a client");
        return;
    }
    s->ss = ss;
    s->c = conn_accept(ss->loop, server, ++ss->next_id, &ss->conn_lim, &session_conn_ops, s);
    if (!s->c) {
        free(s);
        return;
    }
    s->next = ss->list;
    if (ss->list)
        ss->list->prev = s;
    ss->list = s;
    ss->n++;
    ss->st.accepted++;
    if (!peer->allowed) {
        /* accepted only to be told why: a refused client sees a reason,
         * not a reset */
        ss->st.errors_denied++;
        log_warn("client %llu denied: uid %lu gid %lu pid %ld: %s",
                 (unsigned long long)conn_id(s->c), peer->uid, peer->gid, peer->pid,
                 peer->why);
        conn_send_error(s->c, PT_ERR_DENIED, "denied: %s", peer->why);
        conn_close_after_write(s->c);
        return;
    }
    s->uid_known = peer->known;
    s->uid = peer->uid;
    s->operator = peer->operator;
    if (refuse_busy(ss, s, peer))
        return;
    log_debug("client %llu connected", (unsigned long long)conn_id(s->c));
    if (peer->known)
        log_debug("client %llu: uid %lu gid %lu pid %ld (%s)",
                  (unsigned long long)conn_id(s->c), peer->uid, peer->gid, peer->pid,
                  peer->why);
    conn_resume(s->c);
}

void sessions_drain(sessions *ss)
{
    ss->draining = 1;
    for (session *s = ss->list, *next; s; s = next) {
        next = s->next;
        if (!s->job)
            conn_close(s->c); /* idle or reading: nothing to drain */
        else
            conn_stop_reading(s->c);
    }
}

void sessions_finish(sessions *ss)
{
    for (session *s = ss->list, *next; s; s = next) {
        next = s->next;
        if (conn_closing(s->c))
            continue;
        if (s->job && job_active(s->job)) {
            if (s->told_shutdown)
                continue;
            s->told_shutdown = 1;
            conn_send_error(s->c, PT_ERR_SHUTDOWN,
                            "daemon is shutting down: %llu rows of job %s are durable; "
                            "run the same ingest again to finish it",
                            (unsigned long long)job_rows_acked(s->job), job_id(s->job));
            conn_close_after_write(s->c);
        } else {
            conn_close(s->c);
        }
    }
}

void sessions_reload_over(sessions *ss, int applied, const char *msg)
{
    pt_reload_r m = {(uint8_t)(applied != 0), pt_str_c(msg)};

    for (session *s = ss->list; s; s = s->next) {
        pt_buf b;

        if (!s->awaiting_reload || conn_closing(s->c))
            continue;
        s->awaiting_reload = 0;
        pt_buf_init(&b);
        send_frame(s, pt_enc_reload_r(&b, &m), &b);
        conn_resume(s->c);
    }
}

void sessions_close_all(sessions *ss)
{
    for (session *s = ss->list, *next; s; s = next) {
        next = s->next;
        conn_close(s->c);
    }
}

void sessions_tick(sessions *ss, uint64_t now)
{
    for (session *s = ss->list; s; s = s->next)
        conn_tick(s->c, now);
}

/* --- events from jobs and reads ------------------------------------------- */

static void job_acked(void *client, uint64_t rows, uint64_t bytes)
{
    session *s = client;
    pt_chunk_ack m = {rows, bytes};
    pt_buf b;

    pt_buf_init(&b);
    send_frame(s, pt_enc_chunk_ack(&b, &m), &b);
}

static void job_progress(void *client, uint64_t rows, uint64_t bytes, uint64_t rate)
{
    session *s = client;
    sessions *ss = s->ss;
    const char *stall = "ok";
    pt_progress m;
    pt_buf b;

    memset(&m, 0, sizeof(m));
    m.rows_acked = rows;
    m.bytes_acked = bytes;
    m.rows_per_s = rate;
    ss->env.progress_info(ss->env.ud, &m.queue_bytes, &m.queue_capacity, &stall);
    m.stall_state = pt_str_c(stall);
    pt_buf_init(&b);
    send_frame(s, pt_enc_progress(&b, &m), &b);
}

static void job_bulk_phase(void *client, const char *phase, uint64_t done, uint64_t total)
{
    session *s = client;
    pt_bulk_phase m = {pt_str_c(phase), done, total};
    pt_buf b;

    pt_buf_init(&b);
    send_frame(s, pt_enc_bulk_phase(&b, &m), &b);
}

static void job_done(void *client, uint64_t rows, uint64_t bytes, uint64_t ms)
{
    session *s = client;
    pt_job_done m = {rows, bytes, ms};
    pt_buf b;

    s->job = NULL;
    pt_buf_init(&b);
    send_frame(s, pt_enc_job_done(&b, &m), &b);
    if (s->eof)
        conn_close_after_write(s->c);
}

static void job_failed(void *client, int code, const char *msg)
{
    session *s = client;

    s->job = NULL;
    conn_send_error(s->c, code, "%s", msg);
    conn_close_after_write(s->c);
}

static void job_unblocked(void *client)
{
    session *s = client;

    if (!conn_closing(s->c))
        conn_resume(s->c);
}

void sessions_job_events(job_events *ev)
{
    ev->acked = job_acked;
    ev->progress = job_progress;
    ev->done = job_done;
    ev->failed = job_failed;
    ev->unblocked = job_unblocked;
    ev->bulk_phase = job_bulk_phase;
}

static int read_send(void *client, pt_buf *frame, int notify)
{
    session *s = client;

    return notify ? conn_send_notify(s->c, frame) : conn_send(s->c, frame);
}

static void read_error(void *client, int code, const char *msg)
{
    conn_send_error(((session *)client)->c, code, "%s", msg);
}

static void read_done(void *client)
{
    session *s = client;

    if (!s)
        return; /* its client had gone; a drain's tick notices the count */
    s->req = NULL;
    if (s->eof)
        conn_close_after_write(s->c);
    else
        conn_resume(s->c);
}

/* It cannot read an ERROR it does not read: say why in the log, and go. */
static void read_stalled(void *client, const char *msg)
{
    session *s = client;

    log_warn("client %llu: %s", (unsigned long long)conn_id(s->c), msg);
    conn_close(s->c);
}

void sessions_read_ops(read_client_ops *ops)
{
    ops->send = read_send;
    ops->error = read_error;
    ops->done = read_done;
    ops->stalled = read_stalled;
}
