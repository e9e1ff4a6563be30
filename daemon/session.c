/* session.c - what a connection's frames mean (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "../common/log.h"
#include "../common/protocol.h"
#include "../common/dbname.h"
#include "../common/paths.h"
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
    char db[PT_DBNAME_MAX + 1];  /* the database USE chose ("default") */
    /* a frame that waits for its database to open (dbs_acquire) */
    db_wait wait;
    int waiting_db;
    int pending_type;
    char *pending;
    size_t pending_len;
    dbs_admin *admin;          /* a `ptingest db` request under way */
} session;

struct sessions {
    uv_loop_t *loop;
    dbs *ds;
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

int sessions_new(sessions **out, uv_loop_t *loop, dbs *ds, jobs *js, reads *rd,
                 const session_env *env)
{
    sessions *ss = calloc(1, sizeof(*ss));

    *out = NULL;
    if (!ss)
        return -ENOMEM;
    ss->loop = loop;
    ss->ds = ds;
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
    store *st = dbs_default_store(ss->ds); /* every database has the same relations */
    size_t n = store_nrelations(st);
    const char *names[PT_MAX_RELATIONS];
    pt_hello_ok m;
    pt_buf b;

    for (size_t i = 0; i < n && i < PT_MAX_RELATIONS; i++)
        names[i] = store_relation_name(st, i);
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

/* A frame that needs the connection's database: 1 when it is held now
 * (*d), 0 when the frame waits for it to open (it is kept and run again
 * from db_ready), <0 when refused (ERROR queued; -EIO: close). */
static int need_db(session *s, int create, int type, const char *p, size_t len, db **d)
{
    char msg[512];
    int code, r;

    r = dbs_acquire(s->ss->ds, s->db, create, &s->wait, d, &code, msg, sizeof(msg));
    if (r == 1)
        return 1;
    if (r < 0) {
        conn_send_error(s->c, code, "%s", msg);
        return code == PT_ERR_STORE ? -EIO : -EAGAIN;
    }
    if (!(s->pending = malloc(len ? len : 1))) {
        dbs_cancel(s->ss->ds, &s->wait);
        conn_send_error(s->c, PT_ERR_STORE, "out of memory");
        return -EIO;
    }
    memcpy(s->pending, p, len);
    s->pending_len = len;
    s->pending_type = type;
    s->waiting_db = 1;
    return 0;
}

static int begin_job(session *s, db *d, pt_str m)
{
    char err[256], id[JOB_ID_MAX + 1];
    uint64_t committed;
    int code;

    s->job = job_begin(s->ss->js, db_jobs(d), s, m.p, m.n, &committed, &code, err, sizeof(err));
    dbs_release(d); /* the job holds it now (jobdb.held) */
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

static int handle_job_begin(session *s, const char *p, size_t len)
{
    pt_str m;
    db *d;
    int r;

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
    /* an ingest creates its database */
    if ((r = need_db(s, 1, PT_MSG_JOB_BEGIN, p, len, &d)) <= 0)
        return r == -EAGAIN ? 0 : r == 0 ? 1 : r; /* 0: paused until it opens */
    return begin_job(s, d, m);
}

/* JOB_BEGIN_BULK once its database is open (JOB_BEGIN's begin_job). */
static int begin_job_bulk(session *s, db *d, const pt_job_begin_bulk *m)
{
    char err[256], id[JOB_ID_MAX + 1];
    pt_job_started_bulk a;
    uint64_t committed;
    int code, bulk;
    pt_buf b;

    s->job = job_begin_bulk(s->ss->js, db_jobs(d), s, m->id.p, m->id.n, m->mode, m->size_hint,
                            &bulk, &committed, &code, err, sizeof(err));
    dbs_release(d); /* the job holds it now (jobdb.held) */
    if (!s->job && code != 0) {
        conn_send_error(s->c, code, "%s", err);
        return code == PT_ERR_RETRY || code == PT_ERR_BULK_MODE ? 0 : -EINVAL;
    }
    if (s->job)
        log_debug("job %s: client %llu, %s", job_id(s->job), (unsigned long long)conn_id(s->c),
                  bulk ? "bulk" : "memtable");
    snprintf(id, sizeof(id), "%.*s", (int)m->id.n, m->id.p);
    a.s.id = pt_str_c(s->job ? job_id(s->job) : id);
    a.s.committed = committed;
    a.s.already_done = s->job == NULL;
    a.bulk = (uint8_t)bulk;
    pt_buf_init(&b);
    return send_frame(s, pt_enc_job_started_bulk(&b, &a), &b) < 0 ? -EIO : 0;
}

static int handle_job_begin_bulk(session *s, const char *p, size_t len)
{
    pt_job_begin_bulk m;
    db *d;
    int r;

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
    if ((r = need_db(s, 1, PT_MSG_JOB_BEGIN_BULK, p, len, &d)) <= 0)
        return r == -EAGAIN ? 0 : r == 0 ? 1 : r; /* 0: paused until it opens */
    return begin_job_bulk(s, d, &m);
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
    if ((r = s->ss->env.status_text(s->ss->env.ud, type, s->db, &t)) < 0) {
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

static int start_read(session *s, db *d, int type, const char *p, size_t len)
{
    return reads_request(s->ss->rd, s, db_store(d), d, type, p, len, &s->req);
}

static int handle_read(session *s, int type, const char *p, size_t len)
{
    db *d;
    int r = need_db(s, 0, type, p, len, &d);

    if (r <= 0)
        return r == -EAGAIN ? 0 : r == 0 ? 1 : r; /* 0: paused until it opens */
    return start_read(s, d, type, p, len);
}

/* The database a frame waited for is open (or is not): run the frame. */
static void db_ready(db_wait *w, db *d, int code, const char *msg)
{
    session *s = (session *)((char *)w - offsetof(session, wait));
    int r = 0;

    s->waiting_db = 0;
    if (code) {
        conn_send_error(s->c, code, "%s", msg);
        r = code == PT_ERR_STORE ? -EIO : 0;
    } else if (s->pending_type == PT_MSG_JOB_BEGIN ||
               s->pending_type == PT_MSG_JOB_BEGIN_BULK) {
        pt_job_begin_bulk mb;
        pt_str m;
        if (s->ss->draining) { /* began to drain while the database opened */
            dbs_release(d);
            conn_send_error(s->c, PT_ERR_SHUTDOWN, "daemon is shutting down; no new jobs");
            r = -ESHUTDOWN;
        } else if (s->pending_type == PT_MSG_JOB_BEGIN &&
                   pt_dec_job_begin(s->pending, s->pending_len, &m) == 0) {
            r = begin_job(s, d, m);
        } else if (s->pending_type == PT_MSG_JOB_BEGIN_BULK &&
                   pt_dec_job_begin_bulk(s->pending, s->pending_len, &mb) == 0) {
            r = begin_job_bulk(s, d, &mb);
        } else {
            dbs_release(d);
        }
    } else {
        r = start_read(s, d, s->pending_type, s->pending, s->pending_len);
    }
    free(s->pending);
    s->pending = NULL;
    if (r < 0)
        conn_close_after_write(s->c);
    else if (!conn_closing(s->c))
        conn_resume(s->c);
}

/* USE: the connection's database from now on. Nothing opens yet. */
static int handle_use(session *s, const char *p, size_t len)
{
    char err[256];
    pt_str name;
    pt_buf b;

    if (pt_dec_use(p, len, &name) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed USE");
        return -EBADMSG;
    }
    if (pt_dbname_check(name.p, name.n, err, sizeof(err)) < 0) {
        conn_send_error(s->c, PT_ERR_BAD_NAME, "%s", err);
        return 0;
    }
    memcpy(s->db, name.p, name.n);
    s->db[name.n] = '\0';
    pt_buf_init(&b);
    return send_frame(s, pt_enc_use_ok(&b, name), &b) < 0 ? -EIO : 0;
}

static void admin_done(void *ud, int code, const char *text)
{
    session *s = ud;
    pt_buf b;

    s->admin = NULL;
    if (code) {
        conn_send_error(s->c, code, "%s", text);
        if (code == PT_ERR_STORE || code == PT_ERR_PROTOCOL) {
            conn_close_after_write(s->c);
            return;
        }
    } else {
        pt_buf_init(&b);
        if (send_frame(s, pt_enc_db_result(&b, pt_str_c(text)), &b) < 0) {
            conn_close(s->c);
            return;
        }
    }
    if (s->eof)
        conn_close_after_write(s->c);
    else if (!conn_closing(s->c))
        conn_resume(s->c);
}

/* DB_REQUEST: list, create, drop, checkpoint, restore (dbs.h). */
static int handle_db_request(session *s, const char *p, size_t len)
{
    char name[PT_DBNAME_MAX + 1] = "", *dir = NULL, msg[1024];
    pt_db_request m;
    int code, r;

    if (pt_dec_db_request(p, len, &m) < 0) {
        conn_send_error(s->c, PT_ERR_PROTOCOL, "malformed DB_REQUEST");
        return -EBADMSG;
    }
    if (m.op != PT_DB_LIST) {
        if (pt_dbname_check(m.name.p, m.name.n, msg, sizeof(msg)) < 0) {
            conn_send_error(s->c, PT_ERR_BAD_NAME, "%s", msg);
            return 0;
        }
        memcpy(name, m.name.p, m.name.n);
        name[m.name.n] = '\0';
    }
    if (m.op == PT_DB_CHECKPOINT || m.op == PT_DB_RESTORE) {
        if (!(dir = malloc(m.dir.n + 1))) {
            conn_send_error(s->c, PT_ERR_STORE, "out of memory");
            return -ENOMEM;
        }
        memcpy(dir, m.dir.p, m.dir.n);
        dir[m.dir.n] = '\0';
        if (m.dir.n == 0 || strlen(dir) != m.dir.n || !pt_is_absolute_path(dir)) {
            conn_send_error(s->c, PT_ERR_BAD_REQUEST,
                            "db %s: the directory must be an absolute path, got \"%s\"",
                            pt_db_op_name(m.op), dir);
            free(dir);
            return 0;
        }
    }
    if (m.op != PT_DB_LIST)
        log_info("client %llu (uid %lu): db %s %s%s%s", (unsigned long long)conn_id(s->c),
                 s->uid, pt_db_op_name(m.op), name, dir ? " " : "", dir ? dir : "");
    r = dbs_admin_start(s->ss->ds, m.op, name, dir, admin_done, s, &s->admin, &code, msg,
                        sizeof(msg));
    free(dir);
    if (r < 0) {
        conn_send_error(s->c, code, "%s", msg);
        return code == PT_ERR_STORE ? -EIO : 0;
    }
    return 1; /* paused until answered */
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
    case PT_MSG_USE: return handle_use(s, p, len);
    case PT_MSG_DB_REQUEST: return handle_db_request(s, p, len);
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
    return !s->ss->draining && !s->req && !s->awaiting_reload && !s->waiting_db &&
           !s->admin && !(s->job && job_blocked(s->job));
}

static int waiting(void *ud, conn *c)
{
    session *s = ud;

    (void)c;
    return s->req || s->awaiting_reload || s->waiting_db || s->admin ||
           (s->job && (job_blocked(s->job) || job_state(s->job) == JOB_ENDING));
}

/* Answers still owed (a read, the acknowledgements of an ended job) are
 * written first; a job the client never ended is aborted as if it had
 * gone (its rows so far are durable, it resumes). */
static void on_eof(void *ud, conn *c)
{
    session *s = ud;

    s->eof = 1;
    if (!s->req && !s->waiting_db && !s->admin && !(s->job && job_state(s->job) == JOB_ENDING))
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
    if (s->waiting_db) {
        dbs_cancel(s->ss->ds, &s->wait);
        s->waiting_db = 0;
    }
    free(s->pending);
    s->pending = NULL;
    if (s->admin) {
        dbs_admin_detach(s->admin);
        s->admin = NULL;
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
    snprintf(s->db, sizeof(s->db), "%s", PT_DB_DEFAULT);
    s->wait.ready = db_ready;
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
static void read_release(void *hold)
{
    dbs_release(hold);
}

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
    ops->release = read_release;
}
