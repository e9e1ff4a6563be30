/* status.c - what the daemon says about itself: status JSON (CONTRACT.md
 * keys) and Prometheus metrics. Loop thread; reads the writer's atomics
 * and the stall monitor's last published sample, never RocksDB itself,
 * so status answers at once even while RocksDB is stalled.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/jsonesc.h"

#define U(x) ((unsigned long long)(x))

const char *daemon_stall_state(pt_daemon *d)
{
    const stall_sample *s = &d->stall.cur;

    if (s->is_write_stopped)
        return "rocksdb-stopped";
    if (s->delayed_write_rate)
        return "rocksdb-delayed";
    if (atomic_load(&d->writer.pace_reason))
        return "pacing";
    return "ok";
}

static const char *state_name(int s)
{
    switch (s) {
    case DAEMON_STARTING: return "starting";
    case DAEMON_READY: return "ready";
    case DAEMON_DRAINING: return "draining";
    default: return "stopped";
    }
}

static void job_json(pt_daemon *d, pt_buf *b, const job *j, uint64_t now)
{
    uint64_t end = j->end_ns ? j->end_ns : now;
    int active = j->state == JOB_RUNNING || j->state == JOB_ENDING;

    pt_buf_append_str(b, "{\"id\":");
    json_append_cstr(b, j->id);
    pt_buf_printf(b, ",\"state\":\"%s\",\"rows\":%llu,\"bytes\":%llu,"
                     "\"rows_received\":%llu,\"rows_per_s\":%llu,\"elapsed_ms\":%llu,"
                     "\"chunks_waiting\":%llu,\"chunks_in_queue\":%llu,\"max_ack_gap_ms\":%llu,"
                     "\"stall_state\":\"%s\",\"client\":%s",
                  job_state_name(j->state), U(j->rows_acked), U(j->bytes_acked),
                  U(j->rows_in), U(j->rate_rows_per_s), U((end - j->start_ns) / 1000000),
                  U(j->sealed.n), U(j->inflight), U(j->max_ack_gap_ns / 1000000),
                  active ? daemon_stall_state(d) : "-", j->conn ? "true" : "false");
    if (*j->error) {
        pt_buf_append_str(b, ",\"error\":");
        json_append_cstr(b, j->error);
    }
    pt_buf_append_byte(b, '}');
}

static void json_str_or_null(pt_buf *b, const char *s)
{
    if (s)
        json_append_cstr(b, s);
    else
        pt_buf_append_str(b, "null");
}

/* The configuration that runs, and what the last reloads could not
 * apply (daemon/reload.c). */
static void config_json(pt_daemon *d, pt_buf *b)
{
    const reload_state *rs = &d->reload;

    pt_buf_append_str(b, "\"config\":{\"path\":");
    json_str_or_null(b, d->cfg.path);
    pt_buf_printf(b, ",\"loaded_unix_ms\":%llu,\"sync\":\"%s\",\"options_file\":",
                  U(d->config_loaded_unix_ms), config_sync_name(d->cfg.sync));
    json_str_or_null(b, d->cfg.options_file);
    pt_buf_append_str(b, ",\"needs_restart\":[");
    for (size_t i = 0; i < rs->nneeds_restart; i++) {
        if (i)
            pt_buf_append_byte(b, ',');
        json_append_cstr(b, rs->needs_restart[i]);
    }
    pt_buf_append_str(b, "],\"last_reload_error\":");
    json_str_or_null(b, rs->last_error);
    pt_buf_printf(b, ",\"reloads\":%llu,\"reloads_refused\":%llu},", U(rs->reloads),
                  U(rs->refused));
}

/* "name":{"count":n,"p50":us,"p90":us,"p99":us,"max":us} */
static void latency_json(pt_buf *b, const char *name, const lathist_snap *h)
{
    pt_buf_printf(b, "\"%s\":{\"count\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,"
                     "\"max\":%llu}",
                  name, U(h->count), U(lathist_quantile_us(h, 0.50)),
                  U(lathist_quantile_us(h, 0.90)), U(lathist_quantile_us(h, 0.99)),
                  U(h->max_us));
}

int status_json(pt_daemon *d, pt_buf *b)
{
    uint64_t now = pt_now_ns();
    chunk_queue_stats q;
    const stall_sample *s = &d->stall.cur;
    writer *w = &d->writer;
    lathist_snap fc, fx;
    int first = 1;

    chunk_queue_get_stats(&d->queue, &q);
    pt_buf_printf(b, "{\"version\":\"%s\",\"uptime_s\":%llu,\"state\":\"%s\",", PT_VERSION,
                  U((now - d->start_ns) / 1000000000ull), state_name(d->state));
    config_json(d, b);
    pt_buf_append_str(b, "\"data_dir\":");
    json_append_cstr(b, d->cfg.data_dir);
    pt_buf_append_str(b, ",\"socket\":");
    json_append_cstr(b, d->listen_path);
    pt_buf_printf(b, ",\"clients\":%llu,", U(d->nconns));
    pt_buf_printf(b, "\"queue\":{\"chunks\":%llu,\"bytes\":%llu,\"capacity_bytes\":%llu},",
                  U(q.chunks), U(q.bytes), U(q.capacity));
    pt_buf_printf(b, "\"writer\":{\"chunks_written\":%llu,\"rows_written\":%llu,"
                     "\"bytes_written\":%llu,\"groups\":%llu,\"wal_syncs\":%llu,\"errors\":%llu,"
                     "\"pacing\":\"%s\",\"pace_events\":%llu,\"paced_ms\":%llu,"
                     "\"nowait_retries\":%llu,\"refused_low_space\":%llu},",
                  U(atomic_load(&w->chunks_written)), U(atomic_load(&w->rows_written)),
                  U(atomic_load(&w->bytes_written)), U(atomic_load(&w->groups)),
                  U(atomic_load(&w->syncs)), U(atomic_load(&w->errors)),
                  pace_reason_name(atomic_load(&w->pace_reason)),
                  U(atomic_load(&w->pace_events)), U(atomic_load(&w->paced_ns) / 1000000),
                  U(atomic_load(&w->nowait_retries)), U(atomic_load(&w->refused_low_space)));
    pt_buf_printf(b, "\"rocksdb\":{\"l0_files\":%llu,\"immutable_memtables\":%llu,"
                     "\"pending_compaction_bytes\":%llu,\"delayed_write_rate\":%llu,"
                     "\"is_write_stopped\":%s,\"stall_micros\":%llu,\"stopped_samples\":%llu,"
                     "\"sample_age_ms\":%llu,",
                  U(s->l0_files), U(s->immutable_memtables), U(s->pending_compaction_bytes),
                  U(s->delayed_write_rate), s->is_write_stopped ? "true" : "false",
                  U(s->stall_micros), U(d->stall.stopped_samples),
                  U(s->valid ? (now - s->taken_ns) / 1000000 : 0));
    store_file_latency(d->store, &fc, &fx);
    latency_json(b, "file_create_us", &fc);
    pt_buf_append_byte(b, ',');
    latency_json(b, "file_close_us", &fx);
    pt_buf_append_str(b, "},");
    pt_buf_printf(b, "\"stall_state\":\"%s\",\"compaction\":\"%s\",", daemon_stall_state(d),
                  store_bulk(d->store) ? "deferred"
                  : s->pending_compaction_bytes ? "catching-up" : "idle");
    pt_buf_append_str(b, "\"jobs\":[");
    for (const job *j = d->jobs; j; j = j->next) {
        if (!first)
            pt_buf_append_byte(b, ',');
        first = 0;
        job_json(d, b, j, now);
    }
    pt_buf_printf(b, "],\"job_records\":{\"count\":%llu,\"retention_ms\":%llu,\"records\":[",
                  U(d->records_n), U(d->cfg.job_retention_ms));
    first = 1;
    for (const job_record *r = d->records; r; r = r->next) {
        pt_buf_append_str(b, first ? "{\"id\":" : ",{\"id\":");
        first = 0;
        json_append_cstr(b, r->id);
        pt_buf_printf(b, ",\"state\":\"%s\",\"rows\":%llu,\"bytes\":%llu,"
                         "\"created_ms\":%llu,\"updated_ms\":%llu}",
                      r->r.state == JOBREC_DONE ? "done" : "incomplete", U(r->r.rows),
                      U(r->r.bytes), U(r->r.created_ms), U(r->r.updated_ms));
    }
    return pt_buf_append_str(b, "]}}");
}

static void metric(pt_buf *b, const char *name, const char *type, const char *help,
                   unsigned long long v)
{
    pt_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

/* A Prometheus histogram in seconds from a microsecond lathist. */
static void histogram(pt_buf *b, const char *name, const char *help, const lathist_snap *h)
{
    uint64_t cum = 0;

    pt_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (int i = 0; i < LATHIST_BUCKETS - 1; i++) {
        cum += h->n[i];
        pt_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name,
                      (double)lathist_bound_us(i) / 1e6, U(cum));
    }
    pt_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
                  U(h->count), name, (double)h->sum_us / 1e6, name, U(h->count));
}

/* What an operator alerts on besides the queue and RocksDB: throughput in
 * bytes, how busy and how stuck the writer is (the watchdog's signal, for
 * those without systemd), back-pressure, and jobs as counters, since the
 * by-state gauge forgets old jobs. */
static void service_metrics(pt_daemon *d, pt_buf *b, const chunk_queue_stats *q)
{
    writer *w = &d->writer;
    uint64_t now = pt_now_ns(), beat = atomic_load(&w->heartbeat_ns), blocked = 0;

    for (const job *j = d->blocked_head; j; j = j->next_blocked)
        blocked++;
    pt_buf_printf(b, "# HELP ptingestd_info Version of the running daemon.\n"
                     "# TYPE ptingestd_info gauge\nptingestd_info{version=\"%s\"} 1\n",
                  PT_VERSION);
    metric(b, "ptingestd_bytes_received_total", "counter", "Row bytes received from clients.",
           U(d->bytes_received));
    metric(b, "ptingestd_connections_total", "counter", "Client connections accepted.",
           U(d->conns_accepted));
    metric(b, "ptingestd_jobs_blocked", "gauge",
           "Jobs paused because the queue is full (back-pressure).", U(blocked));
    metric(b, "ptingestd_writer_groups_total", "counter",
           "Group commits: sets of chunks written and synced together.",
           U(atomic_load(&w->groups)));
    pt_buf_printf(b, "# HELP ptingestd_writer_busy_seconds_total Time the writer spent in "
                     "RocksDB writes and syncs.\n# TYPE ptingestd_writer_busy_seconds_total "
                     "counter\nptingestd_writer_busy_seconds_total %.6f\n",
                  (double)atomic_load(&w->busy_ns) / 1e9);
    pt_buf_printf(b, "# HELP ptingestd_writer_stuck_seconds How long chunks have waited while "
                     "the writer made no progress (0 when idle or moving).\n"
                     "# TYPE ptingestd_writer_stuck_seconds gauge\n"
                     "ptingestd_writer_stuck_seconds %.3f\n",
                  q->chunks && now > beat ? (double)(now - beat) / 1e9 : 0.0);
    metric(b, "ptingestd_rocksdb_delayed_samples_total", "counter",
           "Samples that saw writes delayed.", U(d->stall.delayed_samples));
    pt_buf_append_str(b, "# HELP ptingestd_jobs_total Jobs started, and how they ended.\n"
                         "# TYPE ptingestd_jobs_total counter\n");
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"started\"} %llu\n", U(d->jobs_started));
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"done\"} %llu\n", U(d->jobs_done));
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"failed\"} %llu\n", U(d->jobs_failed));
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"aborted\"} %llu\n", U(d->jobs_aborted));
}

int status_metrics(pt_daemon *d, pt_buf *b)
{
    chunk_queue_stats q;
    const stall_sample *s = &d->stall.cur;
    writer *w = &d->writer;
    uint64_t states[5] = {0};
    lathist_snap h, fc, fx;

    chunk_queue_get_stats(&d->queue, &q);
    metric(b, "ptingestd_uptime_seconds", "gauge", "Seconds since start.",
           U((pt_now_ns() - d->start_ns) / 1000000000ull));
    metric(b, "ptingestd_queue_chunks", "gauge", "Chunks queued or being written.", U(q.chunks));
    metric(b, "ptingestd_queue_bytes", "gauge", "Bytes queued or being written.", U(q.bytes));
    metric(b, "ptingestd_queue_capacity_bytes", "gauge", "ingest.queue_max_bytes.", U(q.capacity));
    metric(b, "ptingestd_rows_received_total", "counter", "Rows received from clients.",
           U(d->rows_received));
    metric(b, "ptingestd_rows_written_total", "counter", "Rows written to RocksDB.",
           U(atomic_load(&w->rows_written)));
    metric(b, "ptingestd_bytes_written_total", "counter", "Key and value bytes written.",
           U(atomic_load(&w->bytes_written)));
    metric(b, "ptingestd_chunks_written_total", "counter", "Chunks (WriteBatches) written.",
           U(atomic_load(&w->chunks_written)));
    metric(b, "ptingestd_wal_syncs_total", "counter", "WAL fsyncs (group commits).",
           U(atomic_load(&w->syncs)));
    metric(b, "ptingestd_clients", "gauge", "Connected clients.", U(d->nconns));
    lathist_read(&w->commit_latency, &h);
    histogram(b, "ptingestd_chunk_commit_seconds", "From seal to durable.", &h);
    store_file_latency(d->store, &fc, &fx);
    histogram(b, "ptingestd_rocksdb_file_create_seconds",
              "RocksDB's creates of writable files (WAL, SST, MANIFEST).", &fc);
    histogram(b, "ptingestd_rocksdb_file_close_seconds",
              "RocksDB's closes of written files (slow: real-time antivirus scanning).", &fx);
    metric(b, "ptingestd_rocksdb_l0_files", "gauge", "Level-0 SST files.", U(s->l0_files));
    metric(b, "ptingestd_rocksdb_immutable_memtables", "gauge", "Memtables waiting for flush.",
           U(s->immutable_memtables));
    metric(b, "ptingestd_rocksdb_pending_compaction_bytes", "gauge",
           "Estimated bytes compaction is behind.", U(s->pending_compaction_bytes));
    metric(b, "ptingestd_rocksdb_delayed_write_rate", "gauge",
           "RocksDB's write rate while it delays writes (0 = not delayed).",
           U(s->delayed_write_rate));
    metric(b, "ptingestd_rocksdb_write_stopped", "gauge", "1 while RocksDB stops writes.",
           U(s->is_write_stopped));
    metric(b, "ptingestd_rocksdb_stall_micros_total", "counter",
           "Cumulative write stall time reported by RocksDB.", U(s->stall_micros));
    metric(b, "ptingestd_rocksdb_stopped_samples_total", "counter",
           "Samples that saw writes stopped.", U(d->stall.stopped_samples));
    service_metrics(d, b, &q);
    for (const job *j = d->jobs; j; j = j->next)
        if (j->state >= 0 && j->state < 5)
            states[j->state]++;
    pt_buf_append_str(b, "# HELP ptingestd_jobs Jobs known to the daemon by state.\n"
                         "# TYPE ptingestd_jobs gauge\n");
    for (int i = 0; i < 5; i++)
        pt_buf_printf(b, "ptingestd_jobs{state=\"%s\"} %llu\n", job_state_name(i), U(states[i]));
    pt_buf_append_str(b, "# HELP ptingestd_errors_total Errors by kind.\n"
                         "# TYPE ptingestd_errors_total counter\n");
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"protocol\"} %llu\n", U(d->errors_protocol));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"bad_row\"} %llu\n", U(d->errors_bad_row));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"store\"} %llu\n", U(d->errors_store));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"busy\"} %llu\n", U(d->errors_busy));
    return pt_buf_printf(b, "ptingestd_errors_total{kind=\"write\"} %llu\n",
                         U(atomic_load(&w->errors)));
}
