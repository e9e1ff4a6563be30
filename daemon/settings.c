/* settings.c - one hook per pt_apply value (see settings.h). */
#include "settings.h"

#include "../common/log.h"

static void apply_log(const settings_target *t, const pt_config *c)
{
    (void)t;
    pt_log_set_level(c->log_level);
}

static void apply_sessions(const settings_target *t, const pt_config *c)
{
    session_limits sl = {
        .max_frame_bytes = c->max_frame_bytes,
        .max_clients = c->max_clients,
        .max_clients_per_uid = c->max_clients_per_uid,
        .operator_slots = c->operator_slots,
        .max_unsent_bytes = c->max_unsent_bytes,
        .handshake_timeout_ms = c->handshake_timeout_ms,
        .frame_timeout_ms = c->frame_timeout_ms,
        .idle_timeout_ms = c->idle_timeout_ms,
        .write_timeout_ms = c->write_timeout_ms,
        .max_key_bytes = c->max_key_bytes,
        .max_value_bytes = c->max_value_bytes,
        .chunk_max_rows = c->chunk_max_rows,
        .chunk_max_bytes = c->chunk_max_bytes,
    };

    sessions_set_limits(t->sessions, &sl);
}

static void apply_ingest(const settings_target *t, const pt_config *c)
{
    jobs_limits jl = {
        .chunk_max_rows = c->chunk_max_rows,
        .chunk_max_bytes = c->chunk_max_bytes,
        .max_key_bytes = c->max_key_bytes,
        .max_value_bytes = c->max_value_bytes,
        .sync = c->sync,
        .chunk_linger_ms = c->chunk_linger_ms,
        .progress_interval_ms = c->progress_interval_ms,
        .bulk_auto_min_bytes = c->bulk_auto_min_bytes,
        .bulk_sort_buffer_bytes = c->bulk_sort_buffer_bytes,
        .bulk_sst_file_max_bytes = c->bulk_sst_file_max_bytes,
        .bulk_staging_retention_ms = c->bulk_staging_retention_ms,
    };

    jobs_set_limits(t->jobs, &jl);
    apply_sessions(t, c); /* HELLO_OK tells clients the row limits */
}

static void apply_queue(const settings_target *t, const pt_config *c)
{
    chunk_queue_set_capacity(t->queue, c->queue_max_bytes);
    jobs_admit(t->jobs); /* a larger queue may have room now */
}

static void apply_writer(const settings_target *t, const pt_config *c)
{
    writer_limits l = {
        .min_free_bytes = c->min_free_bytes,
        .pacing = (int)c->pacing,
        .flush_bound_hold_ms = c->flush_bound_hold_ms,
        .bulk_l0_max_files = c->bulk_l0_max_files,
    };

    writer_set_limits(t->writer, &l);
}

static void apply_retention(const settings_target *t, const pt_config *c)
{
    jobs_set_retention(t->jobs, c->job_retention_ms);
    jobs_set_max_records(t->jobs, c->max_job_records);
}

static void apply_shutdown(const settings_target *t, const pt_config *c)
{
    *t->shutdown_grace_ms = c->shutdown_grace_ms;
}

static void apply_bulk(const settings_target *t, const pt_config *c)
{
    t->bulk->enabled = c->bulk_profile != 0;
    t->bulk->min_bytes = c->bulk_min_bytes;
    bulk_update(t->bulk, t->jobs, t->writer, t->bulk_sink);
}

static void apply_stall(const settings_target *t, const pt_config *c)
{
    stall_set_interval(t->stall, c->stall_sample_ms);
}

static void apply_reads(const settings_target *t, const pt_config *c)
{
    reads_limits l = {
        .page_bytes = (size_t)c->reads_page_bytes,
        .stalled_reader_timeout_ms = c->stalled_reader_timeout_ms,
    };

    reads_set_limits(t->reads, &l);
}

static void apply_databases(const settings_target *t, const pt_config *c)
{
    dbs_limits l = {c->databases_max_open, c->databases_idle_close_ms,
                    c->databases_idle_flush_ms};

    dbs_set_limits(t->dbs, &l);
}

static const settings_hook hooks[PT_APPLY_COUNT] = {
    [PT_APPLY_LOG] = apply_log,
    [PT_APPLY_INGEST] = apply_ingest,
    [PT_APPLY_LISTEN] = apply_sessions,
    [PT_APPLY_QUEUE] = apply_queue,
    [PT_APPLY_WRITER] = apply_writer,
    [PT_APPLY_RETENTION] = apply_retention,
    [PT_APPLY_SHUTDOWN] = apply_shutdown,
    [PT_APPLY_BULK] = apply_bulk,
    [PT_APPLY_STALL] = apply_stall,
    [PT_APPLY_READS] = apply_reads,
    [PT_APPLY_DATABASES] = apply_databases,
};

settings_hook settings_hook_for(pt_apply apply)
{
    return (unsigned)apply < PT_APPLY_COUNT ? hooks[apply] : NULL;
}

int settings_apply(const settings_target *t, const pt_config *c, const pt_config *old)
{
    unsigned char want[PT_APPLY_COUNT] = {0};
    int n = 0;

    for (size_t i = 0; i < pt_nkeys; i++) {
        const pt_key *k = &pt_keys[i];
        if ((k->flags & PT_KEY_RELOADABLE) && (!old || !key_equal(old, c, k)))
            want[k->apply] = 1;
    }
    for (int a = 0; a < PT_APPLY_COUNT; a++)
        if (want[a] && hooks[a]) {
            hooks[a](t, c);
            n++;
        }
    return n;
}
