/* loop.c - the daemon's life: open, serve, drain, close.
 *
 * Runs on the loop thread. The writer thread is started here and joined
 * here; it reports finished chunks through `wake` (uv_async_send), the
 * only call it makes into libuv besides the queue's mutex.
 */
#include "daemon.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/frame.h"
#include "../common/log.h"

#define TICK_MS 10

static void wake_from_writer(void *arg)
{
    pt_daemon *d = arg;
    uv_async_send(&d->wake);
}

static void on_wake(uv_async_t *a)
{
    pt_daemon *d = a->data;

    jobs_on_done(d);
    daemon_maybe_finish(d);
}

static void on_tick(uv_timer_t *t)
{
    pt_daemon *d = t->data;

    jobs_tick(d, pt_now_ns());
    /* Thread-pool work (reads, stall samples) finishing is one of the
     * things a drain waits for; the tick notices it. */
    if (d->state == DAEMON_DRAINING)
        daemon_maybe_finish(d);
}

static void on_expiry(uv_timer_t *t)
{
    jobs_expire(t->data);
}

int daemon_init(pt_daemon *d, uv_loop_t *loop, const pt_config *cfg, pt_diag *diag)
{
    int r;

    memset(d, 0, sizeof(*d));
    d->loop = loop;
    d->state = DAEMON_STARTING;
    d->start_ns = pt_now_ns();
    d->next_job_token = 1;
    if ((r = config_clone(&d->cfg, cfg)) < 0)
        return r;
    d->config_loaded_unix_ms = (uint64_t)time(NULL) * 1000;
    pt_log_set_level(d->cfg.log_level);
    r = store_open(&d->store, &d->cfg, diag);
    if (r < 0)
        return r;
    if ((r = jobs_load_records(d, diag)) < 0)
        return r;
    r = chunk_queue_init(&d->queue, d->cfg.queue_max_bytes, wake_from_writer, d);
    if (r < 0) {
        diag_error(diag, "ptingestd", 0, 0, "cannot create the chunk queue: %s", uv_strerror(r));
        return r;
    }
    return 0;
}

int daemon_start(pt_daemon *d)
{
    char err[512];
    int r;

    /* Handles first: a failure below shuts down through the same path,
     * which closes them. */
    if ((r = uv_async_init(d->loop, &d->wake, on_wake)) < 0)
        return r;
    d->wake.data = d;
    uv_timer_init(d->loop, &d->tick);
    d->tick.data = d;
    uv_timer_start(&d->tick, on_tick, TICK_MS, TICK_MS);
    uv_timer_init(d->loop, &d->grace);
    d->grace.data = d;
    uv_timer_init(d->loop, &d->expiry);
    d->expiry.data = d;
    if (d->cfg.job_retention_ms) {
        uint64_t every = d->cfg.job_retention_ms < 3600000 ? d->cfg.job_retention_ms : 3600000;
        uv_timer_start(&d->expiry, on_expiry, every < 1000 ? 1000 : every,
                       every < 1000 ? 1000 : every);
    }
    atomic_store(&d->writer.min_free_bytes, d->cfg.min_free_bytes);
    atomic_store(&d->writer.pacing_enabled, d->cfg.pacing);
    atomic_store(&d->writer.flush_bound_hold_ns, d->cfg.flush_bound_hold_ms * 1000000);
    d->writer.rate.initial_rate = (double)d->cfg.initial_rate_bytes_per_sec;
    if ((r = writer_start(&d->writer, &d->queue, d->store)) < 0) {
        log_error("cannot start the writer thread: %s", uv_strerror(r));
        return r;
    }
    r = stall_start(&d->stall, d->loop, d->store, d->cfg.stall_sample_ms,
                    &d->reads_inflight);
    if (r < 0)
        return r;
    if ((r = transport_listen(d, err, sizeof(err))) < 0) {
        log_error("%s", err);
        return r;
    }
    d->state = DAEMON_READY;
    log_info("ready");
    if (d->on_ready)
        d->on_ready(d);
    return 0;
}

static void on_grace(uv_timer_t *t)
{
    pt_daemon *d = t->data;
    chunk_list gone = {0};
    chunk *c;

    log_warn("shutdown grace period of %llu ms is over: dropping chunks not "
             "yet written (never acknowledged) and closing every connection",
             (unsigned long long)d->cfg.shutdown_grace_ms);
    chunk_queue_cancel_pending(&d->queue);
    for (job *j = d->jobs; j; j = j->next)
        while ((c = chunk_list_pop(&j->sealed)))
            chunk_list_push(&gone, c);
    while ((c = chunk_list_pop(&gone)))
        chunk_free(c);
    for (conn *cn = d->conns, *next; cn; cn = next) {
        next = cn->next;
        conn_close(cn);
    }
    jobs_on_done(d);
    daemon_maybe_finish(d);
}

void daemon_shutdown(pt_daemon *d)
{
    if (d->state != DAEMON_READY && d->state != DAEMON_STARTING)
        return;
    d->state = DAEMON_DRAINING;
    log_info("draining: no new jobs; writing what was received");
    if (d->on_stopping)
        d->on_stopping(d);
    transport_close(d);
    jobs_seal_all(d);
    jobs_admit(d);
    for (conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        if (!c->job)
            conn_close(c); /* idle or reading: nothing to drain */
        else if (c->reading) {
            uv_read_stop((uv_stream_t *)&c->pipe);
            c->reading = 0;
        }
    }
    if (d->cfg.shutdown_grace_ms)
        uv_timer_start(&d->grace, on_grace, d->cfg.shutdown_grace_ms, 0);
    daemon_maybe_finish(d);
}

static int drained(pt_daemon *d)
{
    chunk_queue_stats st;

    chunk_queue_get_stats(&d->queue, &st);
    if (st.chunks)
        return 0;
    for (job *j = d->jobs; j; j = j->next)
        if (j->sealed.n || j->inflight)
            return 0;
    return 1;
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void daemon_maybe_finish(pt_daemon *d)
{
    if (d->state != DAEMON_DRAINING || !drained(d))
        return;
    /* Everything received is written; tell unfinished jobs where they
     * stand, then close their connections. */
    for (conn *c = d->conns, *next; c; c = next) {
        next = c->next;
        if (c->job && (c->job->state == JOB_RUNNING || c->job->state == JOB_ENDING)) {
            conn_send_error(c, PT_ERR_SHUTDOWN,
                            "daemon is shutting down: %llu rows of job %s are durable; "
                            "run the same ingest again to finish it",
                            (unsigned long long)c->job->rows_acked, c->job->id);
            c->close_after_write = 1;
        } else if (!c->closing) {
            conn_close(c);
        }
    }
    if (d->nconns || d->reads_inflight)
        return; /* called again as they go */
    d->state = DAEMON_STOPPED;
    writer_stop(&d->writer);
    jobs_on_done(d);
    stall_stop(&d->stall);
    close_handle((uv_handle_t *)&d->tick);
    close_handle((uv_handle_t *)&d->grace);
    close_handle((uv_handle_t *)&d->expiry);
    close_handle((uv_handle_t *)&d->wake);
    log_info("stopped: %llu rows written in %llu chunks",
             (unsigned long long)atomic_load(&d->writer.rows_written),
             (unsigned long long)atomic_load(&d->writer.chunks_written));
}

void daemon_free(pt_daemon *d)
{
    job *j, *next;

    writer_stop(&d->writer);
    for (j = d->jobs; j; j = next) {
        next = j->next;
        chunker_free(&j->ck);
        for (chunk *c; (c = chunk_list_pop(&j->sealed));)
            chunk_free(c);
        free(j);
    }
    d->jobs = NULL;
    jobs_free_records(d);
    chunk_queue_destroy(&d->queue);
    store_close(d->store);
    d->store = NULL;
    daemon_reload_free(d);
    config_free(&d->cfg);
    free(d->config_path);
}
