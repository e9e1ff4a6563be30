/* daemon.h - the daemon as main.c and the service layer see it: open,
 * serve, reload, drain, close. What is inside is daemon.c's business.
 *
 * THREADS AND LOCKS (the whole daemon's list). The loop thread (the one
 * that runs uv_run) owns sockets, sessions, jobs and every module's state,
 * except:
 *   - the writer thread (writer.c) owns every RocksDB write; the loop and
 *     the writer meet only in the chunk queue, under its mutex, the
 *     daemon's first lock (chunk_queue.h), and through a uv_async wake-up;
 *   - the writer's counters and the limits the loop sets on it are
 *     atomics (writer.h);
 *   - a bulk job's staging and ingest run on the writer thread, inside its
 *     chunks (bulkload.h): the loop creates and frees the job's bulkload
 *     and reads only its phase and byte counters (atomics); removing
 *     abandoned staging is a work item on libuv's thread pool that
 *     touches only directories no running job uses. A job's end (sorting,
 *     SST files) runs on a thread the writer starts for it and joins
 *     (writer.c, bulk_end): the writer holds the final chunk back and
 *     touches neither it nor its bulkload until that thread has set its
 *     `done` (an atomic) and woken it with chunk_queue_kick (under the
 *     queue's mutex); then the writer ingests. That thread writes the
 *     sorted parts' SST files with helper threads it starts and joins:
 *     each part is one thread's (an atomic counter hands them out); the
 *     first failure's message is kept under the part pool's mutex
 *     (bulkload.c), held only to copy it, never with another lock;
 *   - the read workers (readpool.c) run reads' steps (readwork.c), each
 *     touching only the store and its own request; the loop hands steps
 *     over and takes them back through two queues and a finished list
 *     under the pool's mutex, the daemon's second lock, and a uv_async
 *     wake-up;
 *   - work items on libuv's thread pool (stall.c, reload.c, dbs.c) touch
 *     only the store and their own request until their after-callback runs
 *     back on the loop thread; a database's opening store is its work
 *     item's until then, and a closing one is closed only after the writer
 *     has let go of it (a `forget` chunk through the queue);
 *   - RocksDB's own threads share the databases' block cache and memtable
 *     budget (store_share.cpp), which RocksDB locks itself, and the one
 *     info LOG, which its logger locks itself; the first database opened
 *     makes that LOG under store_share's log mutex (databases open on
 *     libuv's thread pool), held only to make or hand out the logger;
 *   - RocksDB's own threads record file timings into the store's
 *     histograms (lock-free atomics, lathist.h).
 * There are no process-wide variables.
 */
#ifndef PT_DAEMON_H
#define PT_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../config/config.h"

typedef struct pt_daemon pt_daemon;

/* What the service layer hears (each may be NULL). */
typedef struct daemon_hooks {
    void (*ready)(void *ud);                       /* listening, RocksDB open */
    void (*stopping)(void *ud, uint64_t grace_ms); /* a drain began */
    void (*reloaded)(void *ud);                    /* a reload ended */
    /* A client asked for a reload (RELOAD): do what SIGHUP does, and call
     * daemon_reload_over once no reload runs any more. NULL: refused. */
    void (*reload)(void *ud);
    void *ud;
} daemon_hooks;

/* Open RocksDB and read the job records. Errors go to diag. On failure
 * *out may still be set: daemon_free it. */
int daemon_new(pt_daemon **out, uv_loop_t *loop, const pt_config *cfg, const daemon_hooks *h,
               pt_diag *diag);
/* Start the writer and the stall monitor, apply the settings, listen. */
int daemon_start(pt_daemon *d);
/* Begin a graceful stop: no new jobs, drain, close. Idempotent. */
void daemon_shutdown(pt_daemon *d);
/* Apply a loaded, valid configuration (copied); hooks.reloaded follows. */
int daemon_reload(pt_daemon *d, const pt_config *neu);
/* A reload whose file was invalid: nothing changed; log and keep why. */
void daemon_reload_refused(pt_daemon *d, const char *file, const char *why);
/* No reload runs any more: clients that asked for one are told how the
 * last one ended, or why_not when there was none to run (NULL: the last
 * one's outcome). */
void daemon_reload_over(pt_daemon *d, const char *why_not);
/* For a supervisor: fit for a watchdog ping, and one line of status. */
int daemon_healthy(pt_daemon *d, uint64_t max_stuck_ns);
void daemon_status_line(pt_daemon *d, char *buf, size_t len);
uint64_t daemon_shutdown_grace_ms(const pt_daemon *d);
/* After the loop returned. NULL ok. */
void daemon_free(pt_daemon *d);

#endif
