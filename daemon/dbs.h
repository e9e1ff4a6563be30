/* dbs.h - the databases one daemon serves: a registry of names, each its
 * own RocksDB instance, opened on demand and closed when idle.
 *
 * Why one instance per database (README, "Databases"): a drop is a close
 * and a directory removal (no DeleteRange debt to compact away), a
 * checkpoint and a restore are per database by construction, and a
 * database's stalls stay its own. What instances would not share by
 * themselves, memory, they share through store_share.h: one block cache
 * and one memtable budget for the daemon.
 *
 * Layout: "default" is data_dir itself (a data dir from before databases
 * opens unchanged); every other database is data_dir/databases/<dir>,
 * <dir> from common/dbname.h. A name is in the registry when its
 * directory exists; directories of half-made or dropped databases
 * (".restore-*", ".dropped-*") are removed in the background at start.
 *
 * Loop thread. Opening, closing, checkpoints, copies and removals run on
 * libuv's thread pool, each counted in *inflight so a drain waits for
 * them. A database is held while a read, a job (jobdb.held) or an admin
 * request uses it; only an unheld one closes. Before its store closes the
 * writer is told to let go of it by a `forget` chunk through the queue,
 * which orders the close after every chunk queued for it.
 */
#ifndef PT_DBS_H
#define PT_DBS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../common/buf.h"
#include "../config/config.h"
#include "../config/diag.h"
#include "chunk.h"
#include "jobs.h"
#include "store.h"

typedef struct dbs dbs;
typedef struct db db;

typedef struct dbs_env {
    /* Put a chunk in the queue (housekeeping: past its bound). */
    void (*push)(void *ud, chunk *c);
    void *ud;
} dbs_env;

typedef struct dbs_limits {
    uint64_t max_open;         /* databases.max_open */
    uint64_t idle_close_ms;    /* databases.idle_close_ms; 0 = never */
    uint64_t idle_flush_ms;    /* databases.idle_flush_ms; 0 = never */
} dbs_limits;

/* Opens the default database (synchronously: the daemon serves nothing
 * yet) and reads the registry. cfg is copied. Errors go to diag. */
int dbs_new(dbs **out, uv_loop_t *loop, const pt_config *cfg, jobs *js, const dbs_env *env,
            uint64_t *inflight, pt_diag *diag);
/* A reload: later opens use cfg (copied). */
int dbs_set_config(dbs *ds, const pt_config *cfg);
void dbs_set_limits(dbs *ds, const dbs_limits *l);
/* Flush the memtables of databases quiet past databases.idle_flush_ms
 * (through the writer: a `flush` chunk), close those idle past
 * databases.idle_close_ms. */
void dbs_tick(dbs *ds, uint64_t now_ns);
/* Shutdown, the writer stopped and nothing in flight: close every store. */
void dbs_close_all(dbs *ds);
void dbs_free(dbs *ds);

store *dbs_default_store(dbs *ds);

/* --- holding a database -------------------------------------------------- */

/* A request waiting for a database to open. ready is called once: with
 * the database held (code 0), or with NULL, an enum pt_err and why. */
typedef struct db_wait {
    struct db_wait *next;
    void (*ready)(struct db_wait *w, db *d, int code, const char *msg);
} db_wait;

/* Hold the database `name` (a checked name), opening it if it is closed
 * and creating it when `create`. 1: held now (*out); 0: w->ready comes
 * later (never from inside this call); -1: refused (*code, msg). */
int dbs_acquire(dbs *ds, const char *name, int create, db_wait *w, db **out, int *code,
                char *msg, size_t msglen);
/* The waiter is gone: ready will not be called. */
void dbs_cancel(dbs *ds, db_wait *w);
void dbs_release(db *d);
store *db_store(const db *d);
jobdb *db_jobs(db *d);
const char *db_name(const db *d);

/* --- what `ptingest db` asks ------------------------------------------ */

/* The answer: code 0 and a JSON text, or an enum pt_err and a message. */
typedef void (*dbs_admin_cb)(void *ud, int code, const char *text);
typedef struct dbs_admin dbs_admin;
/* op: enum pt_db_op. 0: under way, cb comes later (never from inside
 * this call), *out lets the caller detach; -1: refused now (*code, msg). */
int dbs_admin_start(dbs *ds, int op, const char *name, const char *dir, dbs_admin_cb cb,
                    void *ud, dbs_admin **out, int *code, char *msg, size_t msglen);
/* The asker is gone: the operation completes, cb is not called. */
void dbs_admin_detach(dbs_admin *a);

/* --- status ----------------------------------------------------------------- */

typedef struct dbs_stats {
    uint64_t known, open;
    uint64_t opened, closed_idle, dropped, checkpoints, restored;
    uint64_t memtable_bytes, block_cache_bytes;   /* the shared budgets' use */
    uint64_t memtable_budget_bytes, block_cache_budget_bytes;
} dbs_stats;
void dbs_get_stats(const dbs *ds, dbs_stats *st);
/* Each database: name, state, and the open ones' store (NULL closed). */
typedef void (*dbs_each_cb)(void *ud, const char *name, const char *state, store *s,
                            uint64_t holds, uint64_t njobs);
void dbs_each(const dbs *ds, dbs_each_cb cb, void *ud);

#endif
