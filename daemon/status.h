/* status.h - what the daemon says about itself: the status JSON, the
 * Prometheus metrics, and for a supervisor a health verdict and a line of
 * what it does (health.c).
 *
 * Loop thread. Everything is read from the modules' own stats (the
 * writer's atomics, the stall monitor's last published sample), never
 * from RocksDB itself, so status answers at once even while RocksDB is
 * stalled. The daemon fills a status_src with its modules; nothing here
 * keeps state.
 */
#ifndef PT_STATUS_H
#define PT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "../config/config.h"
#include "chunk_queue.h"
#include "dbs.h"
#include "jobs.h"
#include "reads.h"
#include "reload.h"
#include "session.h"
#include "stall.h"
#include "store.h"
#include "writer.h"

typedef struct status_src {
    const pt_config *cfg;
    const char *state;           /* "starting", "ready", "draining", "stopped" */
    int draining, stopped;
    uint64_t start_ns;
    uint64_t config_loaded_unix_ms;
    const char *listen_path;
    chunk_queue *queue;
    writer *writer;
    store *store;                /* the default database */
    dbs *dbs;
    const char *db;              /* the asking connection's database, or NULL */
    const stall_monitor *stall;
    const jobs *jobs;
    const sessions *sessions;
    const reads *reads;
    reload_info reload;
} status_src;

int status_json(const status_src *s, pt_buf *out);
int status_metrics(const status_src *s, pt_buf *out);
/* The stall state jobs and status report ("ok", "pacing", ...). */
const char *status_stall_state(const status_src *s);

/* health.c. 1 while the writer makes progress, or is only held back by a
 * RocksDB stall; 0 when it has sat on waiting chunks for over
 * max_stuck_ns. */
int health_ok(const status_src *s, uint64_t max_stuck_ns);
/* "idle", "ingesting job X: N rows, R rows/s", "draining: ...". */
void health_line(const status_src *s, char *buf, size_t len);

#endif
