/* health.c - what a supervisor asks the daemon: is it fit for a watchdog
 * ping, and what is it doing, in one line (see status.h). Loop thread;
 * like status.c it reads the writer's atomics and the last stall sample,
 * never RocksDB.
 */
#include "status.h"

#include <stdio.h>
#include <string.h>

#include "../common/clock.h"

#define U(x) ((unsigned long long)(x))

int health_ok(const status_src *src, uint64_t max_stuck_ns)
{
    uint64_t now = pt_now_ns();
    const stall_sample *s = &src->stall->cur;
    chunk_queue_stats q;
    writer_stats w;

    /* The writer was stopped on purpose: the drain is over and the loop
     * is about to return. */
    if (src->stopped)
        return 1;
    chunk_queue_get_stats(src->queue, &q);
    if (writer_healthy(src->writer, now, max_stuck_ns, q.chunks > 0))
        return 1;
    writer_get_stats(src->writer, &w);
    if (!w.alive)
        return 0;
    /* The writer is stuck inside a write, but RocksDB itself says it is
     * holding writes back (a fresh sample): that is a stall on a slow
     * disk, not a wedge, and a restart would only add recovery to it.
     * The stall shows in STATUS= and the metrics instead. */
    return s->valid && now - s->taken_ns <= max_stuck_ns &&
           (s->is_write_stopped || s->delayed_write_rate);
}

void health_line(const status_src *src, char *buf, size_t len)
{
    const char *stall = status_stall_state(src);
    const char *first = NULL;
    uint64_t n = 0, rows = 0, rate = 0;
    chunk_queue_stats q;
    job_info i;
    int w;

    for (const job *j = jobs_first(src->jobs); j; j = jobs_next(j)) {
        if (!job_active(j))
            continue;
        job_get_info(j, &i);
        if (!first)
            first = i.id;
        n++;
        rows += i.rows_acked;
        rate += i.rate_rows_per_s;
    }
    if (src->draining) {
        chunk_queue_get_stats(src->queue, &q);
        w = snprintf(buf, len, "draining: %llu chunks (%llu bytes) left to write", U(q.chunks),
                     U(q.bytes));
    } else if (n == 0) {
        w = snprintf(buf, len, "idle");
    } else if (n == 1) {
        w = snprintf(buf, len, "ingesting job %s: %llu rows, %llu rows/s", first, U(rows),
                     U(rate));
    } else {
        w = snprintf(buf, len, "ingesting %llu jobs (%s, ...): %llu rows, %llu rows/s", U(n),
                     first, U(rows), U(rate));
    }
    if (w >= 0 && (size_t)w < len && strcmp(stall, "ok") != 0)
        snprintf(buf + w, len - (size_t)w, "; %s", stall);
}
