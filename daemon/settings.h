/* settings.h - applying the configuration's reloadable keys to the live
 * daemon: one hook per pt_apply value of the keys table (config/keys.h).
 *
 * Start-up runs every hook once; a reload runs the hooks whose keys its
 * file changed. So a reloadable key that a reload reports as applied is
 * applied by the same code that set it at start. Loop thread.
 */
#ifndef PT_SETTINGS_H
#define PT_SETTINGS_H

#include <stdint.h>

#include "../config/config.h"
#include "../config/keys.h"
#include "bulk.h"
#include "chunk_queue.h"
#include "dbs.h"
#include "jobs.h"
#include "reads.h"
#include "session.h"
#include "stall.h"
#include "writer.h"

/* The live modules the hooks change. */
typedef struct settings_target {
    chunk_queue *queue;
    writer *writer;
    jobs *jobs;
    sessions *sessions;
    stall_monitor *stall;
    bulk_policy *bulk;
    job_sink *bulk_sink;        /* wakes the writer when the profile goes off */
    uint64_t *shutdown_grace_ms;
    reads *reads;
    dbs *dbs;
} settings_target;

typedef void (*settings_hook)(const settings_target *t, const pt_config *c);

/* The hook for an apply value; NULL for PT_APPLY_NONE and for
 * PT_APPLY_ROCKSDB (the reload hands RocksDB's options over itself). */
settings_hook settings_hook_for(pt_apply apply);

/* old NULL: every hook (start-up). Else the hooks of the keys whose value
 * differs between old and c. Returns how many hooks ran. */
int settings_apply(const settings_target *t, const pt_config *c, const pt_config *old);

#endif
