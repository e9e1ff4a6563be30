/* daemon.c - the daemon's life: open, serve, drain, close; and the wiring.
 *
 * The one file that sees every module: it owns them, connects them through
 * their callback tables (job_events, job_sink, read_client_ops,
 * session_env, reload_ops) and runs the timers. Loop thread. The writer
 * thread is started here and joined here; it reports finished chunks
 * through `wake` (uv_async_send), the only call it makes into libuv besides
 * the queue's mutex. Threads and locks: daemon.h.
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
#include "bulk.h"
#include "chunk_queue.h"
#include "dbs.h"
#include "jobs.h"
#include "listen.h"
#include "reads.h"
#include "reload.h"
#include "session.h"
#include "settings.h"
#include "stall.h"
#include "status.h"
#include "store.h"
#include "writer.h"

#define TICK_MS 10

enum daemon_state { DAEMON_STARTING, DAEMON_READY, DAEMON_DRAINING, DAEMON_STOPPED };

struct pt_daemon {
    uv_loop_t *loop;
    pt_config cfg;             /* what runs (reloads swap it) */
    uint64_t config_loaded_unix_ms;
    daemon_hooks hooks;
    int state;
    uint64_t start_ns;
    dbs *dbs;
    store *store;              /* the default database's */
    chunk_queue queue;
    int queue_ok;
    writer *writer;
    stall_monitor stall;
    jobs *jobs;
    reads *reads;
    sessions *sessions;
    reloader *reloader;
    listener *listener;
    char listen_path[1024];
    bulk_policy bulk;
    job_sink sink;
    settings_target settings;
    uint64_t shutdown_grace_ms;
    uint64_t inflight;         /* thread-pool work items not yet back */
    int reload_asked;          /* a client's RELOAD, handed on at the next tick */
    int last_reload_applied;   /* how the last reload ended, for RELOAD_R */
    char last_reload_msg[2048];
    uv_async_t wake;
    uv_timer_t tick;
    uv_timer_t grace;
    int handles;               /* wake, tick and grace are initialised */
};

static void maybe_finish(pt_daemon *d);

static const char *state_name(int s)
{
    switch (s) {
    case DAEMON_STARTING: return "starting";
    case DAEMON_READY: return "ready";
    case DAEMON_DRAINING: return "draining";
    default: return "stopped";
    }
}

static void status_src_of(pt_daemon *d, status_src *s)
{
    memset(s, 0, sizeof(*s));
    s->cfg = &d->cfg;
    s->state = state_name(d->state);
    s->draining = d->state == DAEMON_DRAINING;
    s->stopped = d->state == DAEMON_STOPPED;
    s->start_ns = d->start_ns;
    s->config_loaded_unix_ms = d->config_loaded_unix_ms;
    s->listen_path = d->listen_path;
    s->queue = &d->queue;
    s->writer = d->writer;
    s->store = d->store;
    s->dbs = d->dbs;
    s->stall = &d->stall;
    s->jobs = d->jobs;
    s->sessions = d->sessions;
    s->reads = d->reads;
    reload_get_info(d->reloader, &s->reload);
}

/* --- the chunk queue, as jobs see it ---------------------------------------- */

static int sink_has_room(void *ud, uint64_t mem)
{
    return chunk_queue_has_room(&((pt_daemon *)ud)->queue, mem);
}

static void sink_push(void *ud, chunk *c)
{
    chunk_queue_push(&((pt_daemon *)ud)->queue, c);
}

static void sink_take_done(void *ud, chunk_list *out)
{
    chunk_queue_take_done(&((pt_daemon *)ud)->queue, out);
}

static uint64_t sink_capacity(void *ud)
{
    chunk_queue_stats st;

    chunk_queue_get_stats(&((pt_daemon *)ud)->queue, &st);
    return st.capacity;
}

static void wake_from_writer(void *arg)
{
    pt_daemon *d = arg;
    uv_async_send(&d->wake);
}

/* --- what sessions, jobs and reloads ask of the daemon ---------------------- */

static void on_activity(void *ud)
{
    pt_daemon *d = ud;
    bulk_update(&d->bulk, d->jobs, d->writer, &d->sink);
}

static int env_status_text(void *ud, int type, const char *dbname, pt_buf *out)
{
    status_src s;

    status_src_of(ud, &s);
    s.db = dbname;
    return type == PT_MSG_STATUS ? status_json(&s, out) : status_metrics(&s, out);
}

static void env_progress_info(void *ud, uint64_t *qbytes, uint64_t *qcap, const char **stall)
{
    pt_daemon *d = ud;
    chunk_queue_stats st;
    status_src s;

    chunk_queue_get_stats(&d->queue, &st);
    *qbytes = st.bytes;
    *qcap = st.capacity;
    status_src_of(d, &s);
    *stall = status_stall_state(&s);
}

static void env_changed(void *ud)
{
    maybe_finish(ud);
}

/* Handed to the supervisor's hook from the next tick, not from inside
 * the frame that asked: the answer may come at once (nothing to reload)
 * and must not re-enter the connection that is handling the frame. */
static void env_reload(void *ud)
{
    ((pt_daemon *)ud)->reload_asked = 1;
}

static pt_config *reload_live(void *ud)
{
    return &((pt_daemon *)ud)->cfg;
}

static void reload_install(void *ud, pt_config *next)
{
    pt_daemon *d = ud;
    pt_config old = d->cfg;

    d->cfg = *next;
    d->config_loaded_unix_ms = (uint64_t)time(NULL) * 1000;
    if (dbs_set_config(d->dbs, &d->cfg) < 0)
        log_warn("out of memory: databases opened from now on keep the previous settings");
    settings_apply(&d->settings, &d->cfg, &old);
    config_free(&old);
}

static void reload_done(void *ud)
{
    pt_daemon *d = ud;
    reload_info ri;
    size_t n;

    reload_get_info(d->reloader, &ri);
    n = (size_t)snprintf(d->last_reload_msg, sizeof(d->last_reload_msg), "reloaded %s",
                         d->cfg.path ? d->cfg.path : "(built-in defaults)");
    for (size_t i = 0; i < ri.nneeds_restart && n < sizeof(d->last_reload_msg); i++)
        n += (size_t)snprintf(d->last_reload_msg + n, sizeof(d->last_reload_msg) - n, "%s%s",
                              i ? ", " : "; these need a restart to change: ",
                              ri.needs_restart[i]);
    d->last_reload_applied = 1;
    if (d->hooks.reloaded)
        d->hooks.reloaded(d->hooks.ud);
    maybe_finish(d);
}

/* --- life ------------------------------------------------------------------- */

int daemon_new(pt_daemon **out, uv_loop_t *loop, const pt_config *cfg, const daemon_hooks *h,
               pt_diag *diag)
{
    job_events ev = {0};
    read_client_ops rops = {0};
    session_env env = {env_status_text, env_progress_info, env_changed, env_reload, NULL};
    reload_ops ro = {reload_live, reload_install, reload_done, NULL};
    dbs_env dbenv;
    pt_daemon *d;
    int r;

    if (!(*out = d = calloc(1, sizeof(*d))))
        return -ENOMEM;
    d->loop = loop;
    d->state = DAEMON_STARTING;
    d->start_ns = pt_now_ns();
    if (h)
        d->hooks = *h;
    if ((r = config_clone(&d->cfg, cfg)) < 0)
        return r;
    d->config_loaded_unix_ms = (uint64_t)time(NULL) * 1000;
    pt_log_set_level(d->cfg.log_level);
    r = chunk_queue_init(&d->queue, d->cfg.queue_max_bytes, wake_from_writer, d);
    if (r < 0) {
        diag_error(diag, "ptingestd", 0, 0, "cannot create the chunk queue: %s", uv_strerror(r));
        return r;
    }
    d->queue_ok = 1;
    d->sink = (job_sink){sink_has_room, sink_push, sink_take_done, d, sink_capacity};
    sessions_job_events(&ev);
    ev.activity = on_activity;
    ev.events_ud = d;
    sessions_read_ops(&rops);
    env.ud = d;
    ro.ud = d;
    if ((r = writer_new(&d->writer, &d->queue, d->cfg.initial_rate_bytes_per_sec)) < 0 ||
        (r = jobs_new(&d->jobs, loop, &d->sink, &ev)) < 0) {
        diag_error(diag, "ptingestd", 0, 0, "out of memory");
        return r;
    }
    /* the default database opens here; the others when asked for */
    dbenv = (dbs_env){sink_push, d};
    if ((r = dbs_new(&d->dbs, loop, &d->cfg, d->jobs, &dbenv, &d->inflight, diag)) < 0)
        return r;
    d->store = dbs_default_store(d->dbs);
    if ((r = reads_new(&d->reads, loop, &rops, (unsigned)d->cfg.reads_workers,
                       &d->inflight)) < 0 ||
        (r = sessions_new(&d->sessions, loop, d->dbs, d->jobs, d->reads, &env)) < 0 ||
        (r = reloader_new(&d->reloader, loop, d->store, &ro, &d->inflight)) < 0) {
        diag_error(diag, "ptingestd", 0, 0, "out of memory");
        return r;
    }
    d->settings = (settings_target){&d->queue, d->writer, d->jobs, d->sessions, &d->stall,
                                    &d->bulk, &d->sink, &d->shutdown_grace_ms, d->reads,
                                    d->dbs};
    jobs_set_retention(d->jobs, d->cfg.job_retention_ms);
    return 0;
}

static void on_wake(uv_async_t *a)
{
    pt_daemon *d = a->data;

    jobs_on_done(d->jobs);
    maybe_finish(d);
}

static void on_tick(uv_timer_t *t)
{
    pt_daemon *d = t->data;

    jobs_tick(d->jobs, pt_now_ns());
    if (d->reload_asked) {
        d->reload_asked = 0;
        if (d->hooks.reload)
            d->hooks.reload(d->hooks.ud);
        else
            daemon_reload_over(d, "this daemon cannot reload");
    }
    reads_tick(d->reads, pt_now_ns());
    if (d->state == DAEMON_READY)
        dbs_tick(d->dbs, pt_now_ns());
    sessions_tick(d->sessions, pt_now_ns());
    /* Thread-pool work (reads, stall samples) finishing is one of the
     * things a drain waits for; the tick notices it. */
    if (d->state == DAEMON_DRAINING)
        maybe_finish(d);
}

int daemon_start(pt_daemon *d)
{
    listen_opts lo = {d->cfg.listen_path, d->cfg.listen_mode, d->cfg.listen_allow};
    char err[512];
    int r;

    /* Handles first: a failure below shuts down through the same path,
     * which closes them. */
    if ((r = uv_async_init(d->loop, &d->wake, on_wake)) < 0)
        return r;
    d->wake.data = d;
    uv_timer_init(d->loop, &d->tick);
    d->tick.data = d;
    uv_timer_init(d->loop, &d->grace);
    d->grace.data = d;
    d->handles = 1;
    uv_timer_start(&d->tick, on_tick, TICK_MS, TICK_MS);
    if ((r = writer_start(d->writer)) < 0) {
        log_error("cannot start the writer thread: %s", uv_strerror(r));
        return r;
    }
    r = stall_start(&d->stall, d->loop, d->store, d->cfg.stall_sample_ms, &d->inflight);
    if (r < 0)
        return r;
    /* every reloadable setting through the hooks a reload uses */
    settings_apply(&d->settings, &d->cfg, NULL);
    if ((r = listener_open(&d->listener, d->loop, &lo, sessions_accept, d->sessions, err,
                           sizeof(err))) < 0) {
        log_error("%s", err);
        return r;
    }
    snprintf(d->listen_path, sizeof(d->listen_path), "%s", listener_path(d->listener));
    d->state = DAEMON_READY;
    log_info("ready");
    if (d->hooks.ready)
        d->hooks.ready(d->hooks.ud);
    return 0;
}

static void on_grace(uv_timer_t *t)
{
    pt_daemon *d = t->data;

    log_warn("shutdown grace period of %llu ms is over: dropping chunks not "
             "yet written (never acknowledged) and closing every connection",
             (unsigned long long)d->shutdown_grace_ms);
    chunk_queue_cancel_pending(&d->queue);
    jobs_drop_sealed(d->jobs);
    sessions_close_all(d->sessions);
    jobs_on_done(d->jobs);
    maybe_finish(d);
}

void daemon_shutdown(pt_daemon *d)
{
    if (d->state != DAEMON_READY && d->state != DAEMON_STARTING)
        return;
    d->state = DAEMON_DRAINING;
    log_info("draining: no new jobs; writing what was received");
    if (d->hooks.stopping)
        d->hooks.stopping(d->hooks.ud, d->shutdown_grace_ms);
    listener_close(d->listener);
    d->listener = NULL;
    reload_drop_pending(d->reloader);
    jobs_seal_all(d->jobs);
    jobs_admit(d->jobs);
    sessions_drain(d->sessions);
    if (d->shutdown_grace_ms && d->handles)
        uv_timer_start(&d->grace, on_grace, d->shutdown_grace_ms, 0);
    maybe_finish(d);
}

static int drained(pt_daemon *d)
{
    chunk_queue_stats st;

    chunk_queue_get_stats(&d->queue, &st);
    return st.chunks == 0 && jobs_idle(d->jobs);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void maybe_finish(pt_daemon *d)
{
    writer_stats w;

    if (d->state != DAEMON_DRAINING || !drained(d))
        return;
    /* Everything received is written; tell unfinished jobs where they
     * stand, then close their connections. */
    sessions_finish(d->sessions);
    if (sessions_count(d->sessions) || d->inflight)
        return; /* called again as they go */
    d->state = DAEMON_STOPPED;
    writer_stop(d->writer);
    jobs_on_done(d->jobs);
    jobs_close(d->jobs);
    stall_stop(&d->stall);
    if (d->handles) {
        close_handle((uv_handle_t *)&d->tick);
        close_handle((uv_handle_t *)&d->grace);
        close_handle((uv_handle_t *)&d->wake);
    }
    writer_get_stats(d->writer, &w);
    log_info("stopped: %llu rows written in %llu chunks", (unsigned long long)w.rows_written,
             (unsigned long long)w.chunks_written);
}

int daemon_reload(pt_daemon *d, const pt_config *neu)
{
    return reload_start(d->reloader, neu);
}

void daemon_reload_refused(pt_daemon *d, const char *file, const char *why)
{
    reload_refused(d->reloader, file, why);
    d->last_reload_applied = 0;
    snprintf(d->last_reload_msg, sizeof(d->last_reload_msg),
             "%s refused, nothing changed:\n%s", file, why);
}

void daemon_reload_over(pt_daemon *d, const char *why_not)
{
    if (why_not)
        sessions_reload_over(d->sessions, 0, why_not);
    else
        sessions_reload_over(d->sessions, d->last_reload_applied, d->last_reload_msg);
}

int daemon_healthy(pt_daemon *d, uint64_t max_stuck_ns)
{
    status_src s;

    status_src_of(d, &s);
    return health_ok(&s, max_stuck_ns);
}

void daemon_status_line(pt_daemon *d, char *buf, size_t len)
{
    status_src s;

    status_src_of(d, &s);
    health_line(&s, buf, len);
}

uint64_t daemon_shutdown_grace_ms(const pt_daemon *d)
{
    return d->shutdown_grace_ms;
}

void daemon_free(pt_daemon *d)
{
    if (!d)
        return;
    writer_free(d->writer);
    dbs_free(d->dbs); /* detaches from jobs: before them */
    jobs_free(d->jobs);
    reads_free(d->reads);
    sessions_free(d->sessions);
    reloader_free(d->reloader);
    if (d->queue_ok)
        chunk_queue_destroy(&d->queue);
    config_free(&d->cfg);
    free(d);
}
