/* reload.c - SIGHUP: apply what can change on a live daemon. Loop thread.
 *
 * The new configuration was already loaded and validated; an invalid one
 * never reaches here, so a bad file changes nothing. Settings marked
 * reloadable in config/keys.c take effect now (new chunks, new jobs, the
 * queue bound, the log level); the rest are named as needing a restart.
 */
#include "daemon.h"

#include <time.h>

#include "../common/log.h"

int daemon_reload(pt_daemon *d, const pt_config *neu)
{
    pt_config old = d->cfg, next;
    pt_diag diag;
    int restart, r;

    diag_init(&diag);
    /* RocksDB options are no longer compared there; handing them to
     * RocksDB on a live database comes next. */
    restart = config_diff_needs_restart(&old, neu, &diag, NULL, 0);
    if ((r = config_clone(&next, neu)) < 0) {
        diag_free(&diag);
        return r;
    }
    /* Keep what only a restart may change, so status tells the truth
     * about what is running. */
    pt_config mix = next;
    mix.data_dir = old.data_dir;          old.data_dir = next.data_dir;
    mix.listen_path = old.listen_path;    old.listen_path = next.listen_path;
    mix.listen_mode = old.listen_mode;
    mix.max_clients = old.max_clients;
    mix.max_frame_bytes = old.max_frame_bytes;
    mix.relations = old.relations;        old.relations = next.relations;
    mix.nrelations = old.nrelations;      old.nrelations = next.nrelations;
    mix.options_file = old.options_file;  old.options_file = next.options_file;
    mix.db_options = old.db_options;      old.db_options = next.db_options;
    mix.cf_options = old.cf_options;      old.cf_options = next.cf_options;
    mix.rate_limit_bytes_per_sec = old.rate_limit_bytes_per_sec;
    config_free(&old);
    d->cfg = mix;
    d->config_loaded_unix_ms = (uint64_t)time(NULL) * 1000;

    pt_log_set_level(d->cfg.log_level);
    chunk_queue_set_capacity(&d->queue, d->cfg.queue_max_bytes);
    atomic_store(&d->writer.min_free_bytes, d->cfg.min_free_bytes);
    stall_set_interval(&d->stall, d->cfg.stall_sample_ms);
    for (job *j = d->jobs; j; j = j->next) {
        j->ck.max_rows = d->cfg.chunk_max_rows;
        j->ck.max_bytes = d->cfg.chunk_max_bytes;
    }
    if (restart)
        log_warn("reload: %d setting(s) need a restart to take effect:\n%s", restart,
                 diag_text(&diag));
    log_info("reloaded configuration from %s", d->cfg.path ? d->cfg.path : "(built-in)");
    diag_free(&diag);
    jobs_admit(d); /* a larger queue may have room now */
    return 0;
}
