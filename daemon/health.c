/* health.c - what a supervisor asks the daemon: is it fit for a watchdog
 * ping, and what is it doing, in one line. Loop thread; like status.c it
 * reads the writer's atomics and the last stall sample, never RocksDB.
 */
#include "daemon.h"

#include <stdio.h>
#include <string.h>

#include "../common/clock.h"

#define U(x) ((unsigned long long)(x))

int daemon_healthy(pt_daemon *d, uint64_t max_stuck_ns)
{
    uint64_t now = pt_now_ns();
    const stall_sample *s = &d->stall.cur;
    chunk_queue_stats q;

    /* The writer was stopped on purpose: the drain is over and the loop
     * is about to return. */
    if (d->state == DAEMON_STOPPED)
        return 1;
    chunk_queue_get_stats(&d->queue, &q);
    if (writer_healthy(&d->writer, now, max_stuck_ns, q.chunks > 0))
        return 1;
    if (!atomic_load(&d->writer.alive))
        return 0;
    /* The writer is stuck inside a write, but RocksDB itself says it is
     * holding writes back (a fresh sample): that is a stall on a slow
     * disk, not a wedge, and a restart would only add recovery to it.
     * The stall shows in STATUS= and the metrics instead. */
    return s->valid && now - s->taken_ns <= max_stuck_ns &&
           (s->is_write_stopped || s->delayed_write_rate);
}

void daemon_status_line(pt_daemon *d, char *buf, size_t len)
{
    const char *stall = daemon_stall_state(d);
    const job *first = NULL;
    uint64_t n = 0, rows = 0, rate = 0;
    chunk_queue_stats q;
    int w;

    for (const job *j = d->jobs; j; j = j->next) {
        if (j->state != JOB_RUNNING && j->state != JOB_ENDING)
            continue;
        if (!first)
            first = j;
        n++;
        rows += j->rows_acked;
        rate += j->rate_rows_per_s;
    }
    if (d->state == DAEMON_DRAINING) {
        chunk_queue_get_stats(&d->queue, &q);
        w = snprintf(buf, len, "draining: %llu chunks (%llu bytes) left to write", U(q.chunks),
                     U(q.bytes));
    } else if (n == 0) {
        w = snprintf(buf, len, "idle");
    } else if (n == 1) {
        w = snprintf(buf, len, "ingesting job %s: %llu rows, %llu rows/s", first->id, U(rows),
                     U(rate));
    } else {
        w = snprintf(buf, len, "ingesting %llu jobs (%s, ...): %llu rows, %llu rows/s", U(n),
                     first->id, U(rows), U(rate));
    }
    if (w >= 0 && (size_t)w < len && strcmp(stall, "ok") != 0)
        snprintf(buf + w, len - (size_t)w, "; %s", stall);
}
