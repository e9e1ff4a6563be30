/* status.c - the status JSON (its keys are documented in README.md,
 * "Status") and the Prometheus metrics (see status.h). Loop thread.
 */
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/clock.h"
#include "../common/jsonesc.h"
#include "bulkload.h"
#include "version.h"

#define U(x) ((unsigned long long)(x))
#define STATUS_RECORDS 32 /* job records listed (the newest) */

const char *status_stall_state(const status_src *s)
{
    return stall_state_name(s->stall, writer_pace_reason(s->writer));
}

static void job_json(const status_src *src, pt_buf *b, const job *jb, uint64_t now)
{
    job_info i, *j = &i;
    uint64_t end;
    int active;

    job_get_info(jb, j);
    end = j->end_ns ? j->end_ns : now;
    active = j->state == JOB_RUNNING || j->state == JOB_ENDING;

    pt_buf_append_str(b, "{\"id\":");
    json_append_cstr(b, j->id);
    pt_buf_printf(b, ",\"state\":\"%s\",\"rows\":%llu,\"bytes\":%llu,"
                     "\"rows_received\":%llu,\"rows_per_s\":%llu,\"elapsed_ms\":%llu,"
                     "\"chunks_waiting\":%llu,\"chunks_in_queue\":%llu,\"max_ack_gap_ms\":%llu,"
                     "\"stall_state\":\"%s\",\"client\":%s",
                  job_state_name(j->state), U(j->rows_acked), U(j->bytes_acked),
                  U(j->rows_in), U(j->rate_rows_per_s), U((end - j->start_ns) / 1000000),
                  U(j->chunks_waiting), U(j->chunks_in_queue), U(j->max_ack_gap_ns / 1000000),
                  active ? status_stall_state(src) : "-", j->has_client ? "true" : "false");
    if (*j->error) {
        pt_buf_append_str(b, ",\"error\":");
        json_append_cstr(b, j->error);
    }
    pt_buf_append_str(b, ",\"db\":");
    json_append_cstr(b, j->db);
    if (j->bulk) /* bulkload.h: where a bulk job is, so it never looks frozen */
        pt_buf_printf(b, ",\"bulk\":{\"phase\":\"%s\",\"staged_bytes\":%llu,"
                         "\"phase_done_bytes\":%llu,\"phase_total_bytes\":%llu,"
                         "\"sorted_runs\":%llu,\"spilled_bytes\":%llu,\"sst_bytes\":%llu}",
                      bulk_phase_name(j->bulk_phase), U(j->bulk_staged_bytes),
                      U(j->bulk_done_bytes), U(j->bulk_total_bytes), U(j->bulk_runs),
                      U(j->bulk_spilled_bytes), U(j->bulk_sst_bytes));
    pt_buf_append_byte(b, '}');
}

static void metric(pt_buf *b, const char *name, const char *type, const char *help,
                   unsigned long long v);

/* Bulk jobs (bulkload.h) by phase, and the bytes of their phases. */
static void bulk_metrics(pt_buf *b, const status_src *src)
{
    uint64_t n[BULK_NPHASES] = {0}, done[BULK_NPHASES] = {0}, total[BULK_NPHASES] = {0};
    uint64_t staged = 0;

    for (const job *jb = jobs_first(src->jobs); jb; jb = jobs_next(jb)) {
        job_info j;
        job_get_info(jb, &j);
        if (!j.bulk || !(j.state == JOB_RUNNING || j.state == JOB_ENDING))
            continue;
        n[j.bulk_phase]++;
        done[j.bulk_phase] += j.bulk_phase == BULK_RECEIVING ? j.bulk_staged_bytes
                                                             : j.bulk_done_bytes;
        total[j.bulk_phase] += j.bulk_total_bytes;
        staged += j.bulk_staged_bytes;
    }
    pt_buf_append_str(b, "# HELP ptingestd_bulk_jobs Running bulk jobs by phase.\n"
                         "# TYPE ptingestd_bulk_jobs gauge\n");
    for (int i = 0; i < BULK_DONE; i++)
        pt_buf_printf(b, "ptingestd_bulk_jobs{phase=\"%s\"} %llu\n", bulk_phase_name(i),
                      U(n[i]));
    pt_buf_append_str(b, "# HELP ptingestd_bulk_phase_bytes Bytes of their phase done and in "
                         "all (0: not known yet) by running bulk jobs.\n"
                         "# TYPE ptingestd_bulk_phase_bytes gauge\n");
    for (int i = 0; i < BULK_DONE; i++) {
        pt_buf_printf(b, "ptingestd_bulk_phase_bytes{phase=\"%s\",of=\"done\"} %llu\n",
                      bulk_phase_name(i), U(done[i]));
        pt_buf_printf(b, "ptingestd_bulk_phase_bytes{phase=\"%s\",of=\"total\"} %llu\n",
                      bulk_phase_name(i), U(total[i]));
    }
    metric(b, "ptingestd_bulk_staged_bytes", "gauge",
           "Bytes staged on disk by running bulk jobs.", U(staged));
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
static void config_json(const status_src *src, pt_buf *b)
{
    const reload_info *rs = &src->reload;

    pt_buf_append_str(b, "\"config\":{\"path\":");
    json_str_or_null(b, src->cfg->path);
    pt_buf_printf(b, ",\"loaded_unix_ms\":%llu,\"sync\":\"%s\",\"options_file\":",
                  U(src->config_loaded_unix_ms), config_sync_name(src->cfg->sync));
    json_str_or_null(b, src->cfg->options_file);
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

typedef struct each_ctx {
    pt_buf *b;
    int first;                 /* json: no comma yet; metrics: which family */
    const status_src *src;
} each_ctx;

static void metric(pt_buf *b, const char *name, const char *type, const char *help,
                   unsigned long long v);

static void database_json(void *ud, const char *name, const char *state, store *s,
                          uint64_t holds, uint64_t njobs)
{
    each_ctx *e = ud;

    (void)s;
    pt_buf_append_str(e->b, e->first ? "{\"name\":" : ",{\"name\":");
    e->first = 0;
    json_append_cstr(e->b, name);
    pt_buf_printf(e->b, ",\"state\":\"%s\",\"jobs_active\":%llu,\"in_use\":%llu}", state,
                  U(njobs), U(holds));
}

/* The connection's database, and every database with what holds it (no
 * RocksDB call: `ptingest db list` measures rows and bytes). */
static void databases_json(const status_src *src, pt_buf *b)
{
    each_ctx e = {b, 1, src};
    dbs_stats st;

    if (!src->dbs)
        return;
    dbs_get_stats(src->dbs, &st);
    pt_buf_append_str(b, "\"database\":");
    json_append_cstr(b, src->db ? src->db : "default");
    pt_buf_printf(b, ",\"databases\":{\"known\":%llu,\"open\":%llu,\"max_open\":%llu,"
                     "\"memtable_bytes\":%llu,\"memtable_budget_bytes\":%llu,"
                     "\"block_cache_bytes\":%llu,\"block_cache_budget_bytes\":%llu,"
                     "\"opened\":%llu,\"closed_idle\":%llu,\"dropped\":%llu,"
                     "\"checkpoints\":%llu,\"restored\":%llu,\"list\":[",
                  U(st.known), U(st.open), U(src->cfg->databases_max_open), U(st.memtable_bytes),
                  U(st.memtable_budget_bytes), U(st.block_cache_bytes),
                  U(st.block_cache_budget_bytes), U(st.opened), U(st.closed_idle),
                  U(st.dropped), U(st.checkpoints), U(st.restored));
    dbs_each(src->dbs, database_json, &e);
    pt_buf_append_str(b, "]},");
}

static void database_metrics(void *ud, const char *name, const char *state, store *s,
                             uint64_t holds, uint64_t njobs)
{
    each_ctx *e = ud;

    (void)s;
    (void)holds;
    /* names are [A-Za-z0-9._-]: nothing to escape in a label */
    if (e->first)
        pt_buf_printf(e->b, "ptingestd_database_open{db=\"%s\"} %d\n", name,
                      strcmp(state, "open") == 0);
    else
        pt_buf_printf(e->b, "ptingestd_database_jobs_active{db=\"%s\"} %llu\n", name,
                      U(njobs));
}

static void databases_metrics(const status_src *src, pt_buf *b)
{
    each_ctx e = {b, 1, src};
    dbs_stats st;

    if (!src->dbs)
        return;
    dbs_get_stats(src->dbs, &st);
    metric(b, "ptingestd_databases_known", "gauge", "Databases in the data dir.", U(st.known));
    metric(b, "ptingestd_databases_open", "gauge", "Databases open now.", U(st.open));
    metric(b, "ptingestd_databases_memtable_bytes", "gauge",
           "Memtable bytes of all databases (databases.memtable_budget_bytes bounds them).",
           U(st.memtable_bytes));
    metric(b, "ptingestd_databases_block_cache_bytes", "gauge",
           "Bytes in the block cache all databases share.", U(st.block_cache_bytes));
    metric(b, "ptingestd_databases_dropped_total", "counter", "Databases dropped.",
           U(st.dropped));
    metric(b, "ptingestd_databases_closed_idle_total", "counter",
           "Databases closed after databases.idle_close_ms unused.", U(st.closed_idle));
    pt_buf_append_str(b, "# HELP ptingestd_database_open 1 while the database is open.\n"
                         "# TYPE ptingestd_database_open gauge\n");
    dbs_each(src->dbs, database_metrics, &e);
    pt_buf_append_str(b, "# HELP ptingestd_database_jobs_active Jobs writing into the "
                         "database.\n# TYPE ptingestd_database_jobs_active gauge\n");
    e.first = 0;
    dbs_each(src->dbs, database_metrics, &e);
}

int status_json(const status_src *src, pt_buf *b)
{
    uint64_t now = pt_now_ns();
    chunk_queue_stats q;
    const stall_sample *s = &src->stall->cur;
    uint64_t nrecs = jobs_records_count(src->jobs);
    writer_stats w;
    reads_stats rs;
    jobs_stats js;
    lathist_snap fc, fx;
    uint64_t listed;
    int first = 1;

    chunk_queue_get_stats(src->queue, &q);
    writer_get_stats(src->writer, &w);
    jobs_get_stats(src->jobs, &js);
    pt_buf_printf(b, "{\"version\":\"%s\",\"uptime_s\":%llu,\"state\":\"%s\",", PT_VERSION,
                  U((now - src->start_ns) / 1000000000ull), src->state);
    config_json(src, b);
    pt_buf_append_str(b, "\"data_dir\":");
    json_append_cstr(b, src->cfg->data_dir);
    pt_buf_append_str(b, ",\"socket\":");
    json_append_cstr(b, src->listen_path);
    pt_buf_printf(b, ",\"clients\":%llu,", U(sessions_count(src->sessions)));
    pt_buf_printf(b, "\"queue\":{\"chunks\":%llu,\"bytes\":%llu,\"capacity_bytes\":%llu},",
                  U(q.chunks), U(q.bytes), U(q.capacity));
    reads_get_stats(src->reads, &rs);
    pt_buf_printf(b, "\"reads\":{\"active\":%llu,\"requests\":%llu,\"errors\":%llu,"
                     "\"stalled_dropped\":%llu},",
                  U(rs.active), U(rs.requests), U(rs.errors), U(rs.stalled_dropped));
    pt_buf_printf(b, "\"writer\":{\"chunks_written\":%llu,\"rows_written\":%llu,"
                     "\"bytes_written\":%llu,\"groups\":%llu,\"wal_syncs\":%llu,\"errors\":%llu,"
                     "\"pacing\":\"%s\",\"pace_events\":%llu,\"paced_ms\":%llu,"
                     "\"nowait_retries\":%llu,\"refused_low_space\":%llu},",
                  U(w.chunks_written), U(w.rows_written), U(w.bytes_written), U(w.groups),
                  U(w.syncs), U(w.errors), pace_reason_name(w.pace_reason),
                  U(w.pace_events), U(w.paced_ns / 1000000), U(w.nowait_retries),
                  U(w.refused_low_space));
    pt_buf_printf(b, "\"rocksdb\":{\"l0_files\":%llu,\"immutable_memtables\":%llu,"
                     "\"pending_compaction_bytes\":%llu,\"delayed_write_rate\":%llu,"
                     "\"is_write_stopped\":%s,\"stall_micros\":%llu,\"stopped_samples\":%llu,"
                     "\"sample_age_ms\":%llu,",
                  U(s->l0_files), U(s->immutable_memtables), U(s->pending_compaction_bytes),
                  U(s->delayed_write_rate), s->is_write_stopped ? "true" : "false",
                  U(s->stall_micros), U(src->stall->stopped_samples),
                  U(s->valid ? (now - s->taken_ns) / 1000000 : 0));
    store_file_latency(src->store, &fc, &fx);
    latency_json(b, "file_create_us", &fc);
    pt_buf_append_byte(b, ',');
    latency_json(b, "file_close_us", &fx);
    pt_buf_append_str(b, "},");
    databases_json(src, b);
    pt_buf_printf(b, "\"stall_state\":\"%s\",\"compaction\":\"%s\",", status_stall_state(src),
                  store_bulk(src->store) ? "deferred"
                  : s->pending_compaction_bytes ? "catching-up" : "idle");
    pt_buf_append_str(b, "\"jobs\":[");
    for (const job *j = jobs_first(src->jobs); j; j = jobs_next(j)) {
        if (!first)
            pt_buf_append_byte(b, ',');
        first = 0;
        job_json(src, b, j, now);
    }
    /* The newest few: any client can make records, and status must stay
     * small and quick however many there are. */
    pt_buf_printf(b, "],\"job_records\":{\"count\":%llu,\"retention_ms\":%llu,"
                     "\"max\":%llu,\"listed\":%llu,\"records\":[",
                  U(nrecs), U(js.retention_ms), U(js.max_records),
                  U(nrecs < STATUS_RECORDS ? nrecs : STATUS_RECORDS));
    first = 1;
    listed = 0;
    for (const jobdb *jd = jobs_dbs(src->jobs); jd; jd = jd->next)
    for (const job_record *r = jd->recs.tail; r && listed < STATUS_RECORDS;
         r = r->prev, listed++) {
        pt_buf_append_str(b, first ? "{\"id\":" : ",{\"id\":");
        first = 0;
        json_append_cstr(b, r->id);
        pt_buf_printf(b, ",\"state\":\"%s\",\"rows\":%llu,\"bytes\":%llu,"
                         "\"created_ms\":%llu,\"updated_ms\":%llu,\"db\":",
                      r->r.state == JOBREC_DONE ? "done" : "incomplete", U(r->r.rows),
                      U(r->r.bytes), U(r->r.created_ms), U(r->r.updated_ms));
        json_append_cstr(b, jd->name);
        pt_buf_append_byte(b, '}');
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
static void service_metrics(const status_src *src, pt_buf *b, const chunk_queue_stats *q,
                            const writer_stats *w, const jobs_stats *js,
                            const session_stats *ss)
{
    uint64_t now = pt_now_ns();

    pt_buf_printf(b, "# HELP ptingestd_info Version of the running daemon.\n"
                     "# TYPE ptingestd_info gauge\nptingestd_info{version=\"%s\"} 1\n",
                  PT_VERSION);
    metric(b, "ptingestd_bytes_received_total", "counter", "Row bytes received from clients.",
           U(js->bytes_received));
    metric(b, "ptingestd_connections_total", "counter", "Client connections accepted.",
           U(ss->accepted));
    metric(b, "ptingestd_jobs_blocked", "gauge",
           "Jobs paused because the queue is full (back-pressure).", U(js->blocked));
    metric(b, "ptingestd_writer_groups_total", "counter",
           "Group commits: sets of chunks written and synced together.", U(w->groups));
    pt_buf_printf(b, "# HELP ptingestd_writer_busy_seconds_total Time the writer spent in "
                     "RocksDB writes and syncs.\n# TYPE ptingestd_writer_busy_seconds_total "
                     "counter\nptingestd_writer_busy_seconds_total %.6f\n",
                  (double)w->busy_ns / 1e9);
    pt_buf_printf(b, "# HELP ptingestd_writer_stuck_seconds How long chunks have waited while "
                     "the writer made no progress (0 when idle or moving).\n"
                     "# TYPE ptingestd_writer_stuck_seconds gauge\n"
                     "ptingestd_writer_stuck_seconds %.3f\n",
                  q->chunks && now > w->heartbeat_ns ? (double)(now - w->heartbeat_ns) / 1e9
                                                     : 0.0);
    metric(b, "ptingestd_rocksdb_delayed_samples_total", "counter",
           "Samples that saw writes delayed.", U(src->stall->delayed_samples));
    pt_buf_append_str(b, "# HELP ptingestd_jobs_total Jobs started, and how they ended.\n"
                         "# TYPE ptingestd_jobs_total counter\n");
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"started\"} %llu\n", U(js->started));
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"done\"} %llu\n", U(js->done));
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"failed\"} %llu\n", U(js->failed));
    pt_buf_printf(b, "ptingestd_jobs_total{result=\"aborted\"} %llu\n", U(js->aborted));
}

int status_metrics(const status_src *src, pt_buf *b)
{
    chunk_queue_stats q;
    const stall_sample *s = &src->stall->cur;
    writer_stats w;
    jobs_stats js;
    reads_stats rs;
    session_stats ss;
    lathist_snap h, fc, fx;

    chunk_queue_get_stats(src->queue, &q);
    writer_get_stats(src->writer, &w);
    jobs_get_stats(src->jobs, &js);
    sessions_get_stats(src->sessions, &ss);
    metric(b, "ptingestd_uptime_seconds", "gauge", "Seconds since start.",
           U((pt_now_ns() - src->start_ns) / 1000000000ull));
    metric(b, "ptingestd_queue_chunks", "gauge", "Chunks queued or being written.", U(q.chunks));
    metric(b, "ptingestd_queue_bytes", "gauge", "Bytes queued or being written.", U(q.bytes));
    metric(b, "ptingestd_queue_capacity_bytes", "gauge", "ingest.queue_max_bytes.", U(q.capacity));
    metric(b, "ptingestd_rows_received_total", "counter", "Rows received from clients.",
           U(js.rows_received));
    metric(b, "ptingestd_rows_written_total", "counter", "Rows written to RocksDB.",
           U(w.rows_written));
    metric(b, "ptingestd_bytes_written_total", "counter", "Key and value bytes written.",
           U(w.bytes_written));
    metric(b, "ptingestd_chunks_written_total", "counter", "Chunks (WriteBatches) written.",
           U(w.chunks_written));
    metric(b, "ptingestd_wal_syncs_total", "counter", "WAL fsyncs (group commits).",
           U(w.syncs));
    metric(b, "ptingestd_clients", "gauge", "Connected clients.", U(ss.clients));
    reads_get_stats(src->reads, &rs);
    metric(b, "ptingestd_reads_total", "counter",
           "Read requests taken (get, count, export, scan, multi-get).", U(rs.requests));
    metric(b, "ptingestd_reads_active", "gauge", "Read requests not yet answered.",
           U(rs.active));
    metric(b, "ptingestd_reads_stalled_dropped_total", "counter",
           "Clients dropped for leaving a read's answer unread "
           "(reads.stalled_reader_timeout_ms).", U(rs.stalled_dropped));
    writer_commit_latency(src->writer, &h);
    histogram(b, "ptingestd_chunk_commit_seconds", "From seal to durable.", &h);
    store_file_latency(src->store, &fc, &fx);
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
           "Samples that saw writes stopped.", U(src->stall->stopped_samples));
    service_metrics(src, b, &q, &w, &js, &ss);
    databases_metrics(src, b);
    pt_buf_append_str(b, "# HELP ptingestd_jobs Jobs known to the daemon by state.\n"
                         "# TYPE ptingestd_jobs gauge\n");
    for (int i = 0; i < JOB_NSTATES; i++)
        pt_buf_printf(b, "ptingestd_jobs{state=\"%s\"} %llu\n", job_state_name(i),
                      U(js.by_state[i]));
    bulk_metrics(b, src);
    pt_buf_append_str(b, "# HELP ptingestd_errors_total Errors by kind.\n"
                         "# TYPE ptingestd_errors_total counter\n");
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"protocol\"} %llu\n", U(ss.errors_protocol));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"bad_row\"} %llu\n", U(ss.errors_bad_row));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"store\"} %llu\n",
                  U(js.write_errors + reads_errors(src->reads)));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"busy\"} %llu\n", U(ss.errors_busy));
    pt_buf_printf(b, "ptingestd_errors_total{kind=\"denied\"} %llu\n", U(ss.errors_denied));
    return pt_buf_printf(b, "ptingestd_errors_total{kind=\"write\"} %llu\n", U(w.errors));
}
