#include "pacer.h"

/*
 * RocksDB 7.8 (db/column_family.cc, GetWriteStallConditionAndCause), with
 * n = immutable memtables not yet flushed:
 *   stop   when n >= max_write_buffer_number,
 *          L0 files >= level0_stop_writes_trigger,
 *          pending compaction bytes >= hard limit;
 *   delay  when n >= max_write_buffer_number - 1 (if max_write_buffer_number > 3),
 *          L0 >= level0_slowdown_writes_trigger, pending >= soft limit;
 * the L0 and pending conditions only while auto compaction is on.
 * A write that fills the active memtable makes it immutable (n + 1). We
 * hold a write back one step before each trigger: n must stay below the
 * delay line after the switch the write may cause, L0 must stay below the
 * slowdown trigger counting what the waiting memtables will flush into it,
 * and compaction debt must stay under 90% of the soft limit.
 */
int pace_decide(const pace_signals *s, const pace_limits *l, uint64_t incoming)
{
    /* RocksDB may switch a memtable once its arena is within a block
     * (write_buffer_size / 8) of the limit (MemTable::ShouldFlushNow):
     * count it full a little early rather than be surprised. */
    int fills_active = s->active_bytes + incoming >= l->write_buffer_size / 4 * 3;
    uint64_t after = s->immutable + (fills_active ? 1 : 0);
    uint64_t delay_at = l->max_write_buffer_number > 3 ? l->max_write_buffer_number - 1
                                                       : l->max_write_buffer_number;

    /* A flush starts only once min_merge memtables are immutable: below
     * that, the switch must be allowed or nothing would ever flush. */
    if (after >= delay_at && s->immutable >= l->min_merge)
        return PACE_MEMTABLES;
    if (l->auto_compactions && l->l0_slowdown && s->l0_files + after >= l->l0_slowdown)
        return PACE_L0;
    if (l->auto_compactions && l->soft_pending &&
        s->pending_bytes >= l->soft_pending / 10 * 9)
        return PACE_PENDING;
    return PACE_OK;
}

double pace_headroom(const pace_signals *s, const pace_limits *l)
{
    double delay_at = (double)(l->max_write_buffer_number > 3 ? l->max_write_buffer_number - 1
                                                              : l->max_write_buffer_number);
    double used = (double)s->immutable +
                  (l->write_buffer_size ? (double)s->active_bytes / (double)l->write_buffer_size
                                        : 0);
    double room = delay_at - used; /* memtables before the delay line */

    if (room >= 1.5)
        return 1.0;
    if (room <= 0.5)
        return 0.25;
    return 0.25 + 0.75 * (room - 0.5);
}

const char *pace_reason_name(int reason)
{
    switch (reason) {
    case PACE_MEMTABLES: return "memtables";
    case PACE_L0: return "level0";
    case PACE_PENDING: return "pending-compaction";
    case PACE_ROCKSDB: return "rocksdb-would-stall";
    case PACE_RATE: return "flush-rate";
    default: return "ok";
    }
}

#define RATE_WINDOW_NS 2000000000ull
#define RATE_SAMPLE_NS 100000000ull

void pace_rate_sample(pace_rate *r, uint64_t now, uint64_t written, uint64_t occupancy)
{
    uint64_t drained = written > occupancy ? written - occupancy : 0;
    unsigned last = (r->next + 31) % 32;

    if (r->n && now - r->t_ns[last] < RATE_SAMPLE_NS)
        return;
    r->t_ns[r->next] = now;
    r->drained[r->next] = drained;
    r->next = (r->next + 1) % 32;
    if (r->n < 32)
        r->n++;
}

double pace_rate_estimate(const pace_rate *r)
{
    unsigned newest, oldest;

    if (r->n < 2)
        return 0;
    newest = (r->next + 31) % 32;
    oldest = newest;
    /* the oldest sample within the window */
    for (unsigned k = 1; k < r->n; k++) {
        unsigned i = (newest + 32 - k) % 32;
        if (r->t_ns[newest] - r->t_ns[i] > RATE_WINDOW_NS)
            break;
        oldest = i;
    }
    if (oldest == newest || r->drained[newest] < r->drained[oldest])
        return 0;
    return (double)(r->drained[newest] - r->drained[oldest]) * 1e9 /
           (double)(r->t_ns[newest] - r->t_ns[oldest]);
}

uint64_t pace_rate_wait(pace_rate *r, uint64_t now, uint64_t incoming, int behind)
{
    double rate = pace_rate_estimate(r), burst;

    /* Before the first flush has finished nothing has drained and the
     * disk's speed is unknown: a burst into every free memtable would end
     * in a wait for a whole flush. Start at a cautious rate instead; the
     * measured one takes over as soon as a flush completes. */
    if (rate <= 0 && behind)
        rate = r->initial_rate;
    if (r->scale > 0 && r->scale < 1)
        rate *= r->scale;

    if (!r->last_ns)
        r->tokens = (double)incoming; /* start with one write's burst */
    else if (rate > 0)
        r->tokens += rate * (double)(now - r->last_ns) / 1e9;
    r->last_ns = now;
    /* a burst of one write, no more: acknowledgements stay evenly spaced */
    burst = (double)incoming;
    if (r->tokens > burst)
        r->tokens = burst;
    if (!behind || rate <= 0) {
        r->tokens = burst;
        return 0;
    }
    if (r->tokens >= (double)incoming) {
        r->tokens -= (double)incoming;
        return 0;
    }
    return (uint64_t)(((double)incoming - r->tokens) * 1e9 / rate) + 1;
}

int pace_mode_update(pace_mode *m, uint64_t now, int waiting, int two, uint64_t hold_ns)
{
    if (waiting) {
        m->idle_since = 0;
        if (!m->busy_since)
            m->busy_since = now;
        if (two || now - m->busy_since >= hold_ns)
            m->flush_bound = 1;
    } else {
        m->busy_since = 0;
        if (!m->idle_since)
            m->idle_since = now;
        if (now - m->idle_since >= hold_ns)
            m->flush_bound = 0;
    }
    return m->flush_bound;
}
