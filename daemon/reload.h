/* reload.h - SIGHUP: apply a new configuration to a live daemon.
 *
 * Threads: the loop thread computes what needs a restart and, when the
 * reload is done, has the daemon install the configuration (ops.install,
 * which runs the settings hooks, settings.h); the RocksDB options are
 * compared and handed to RocksDB by a work item on libuv's thread pool,
 * which owns the record of what runs meanwhile. One reload runs at a
 * time; a newer file waits (only the newest).
 *
 * The new configuration was already loaded and checked, RocksDB options
 * included (main.c); an invalid one never reaches reload_start, so a bad
 * file changes nothing. Then:
 *   - settings marked reloadable in config/keys.c take effect through
 *     their hooks (new chunks, new jobs, the queue bound, the log level);
 *   - RocksDB options that differ from what runs are handed to RocksDB
 *     (SetOptions per column family, SetDBOptions), which changes what it
 *     can on a live database and refuses the rest;
 *   - restart-only keys, a changed relation set, options RocksDB refused
 *     and options removed from the file are logged and listed in status as
 *     needing a restart. They stay listed on later reloads until a restart
 *     or a file that matches what runs.
 */
#ifndef PT_RELOAD_H
#define PT_RELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../config/config.h"
#include "store.h"

typedef struct reloader reloader;

typedef struct reload_ops {
    /* The configuration that runs now. */
    pt_config *(*live)(void *ud);
    /* Make next (moved in) the live configuration and apply it. */
    void (*install)(void *ud, pt_config *next);
    /* A reload ended (applied, or failed and logged), none waits. */
    void (*done)(void *ud);
    void *ud;
} reload_ops;

/* What the last reloads could not apply, for status. */
typedef struct reload_info {
    const char *const *needs_restart;   /* setting names */
    size_t nneeds_restart;
    const char *last_error;             /* why the last reload was refused */
    uint64_t reloads, refused;
} reload_info;

/* inflight counts thread-pool items not yet back (a drain waits for 0). */
int reloader_new(reloader **out, uv_loop_t *loop, store *s, const reload_ops *ops,
                 uint64_t *inflight);
void reloader_free(reloader *r);
/* Apply neu (copied); returns at once. A reload asked for while one runs
 * follows it, with the newest file. */
int reload_start(reloader *r, const pt_config *neu);
/* The daemon drains: a waiting file is not applied. */
void reload_drop_pending(reloader *r);
/* A reload whose file was invalid: nothing changed; log and keep `why`
 * (the file's diagnostics) for status. */
void reload_refused(reloader *r, const char *file, const char *why);
void reload_get_info(const reloader *r, reload_info *out);

#endif
