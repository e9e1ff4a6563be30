/* bulk.c - the bulk-ingest profile's policy (see bulk.h). Loop thread. */
#include "bulk.h"

#include "../common/clock.h"
#include "pacer.h"

int bulk_decide(bulk_policy *p, const jobs_stats *st, int pace_reason, int on)
{
    int compaction_holds = pace_reason == PACE_L0 || pace_reason == PACE_PENDING;
    int held = on && st->oldest_active_token && st->oldest_active_token <= p->held_through_token;
    int want = p->enabled && st->active &&
               (held || st->largest_active_bytes >= p->min_bytes || compaction_holds);

    if (want && !on)
        p->held_through_token = st->newest_token;
    return want;
}

void bulk_update(bulk_policy *p, jobs *js, writer *w, const job_sink *sink)
{
    jobs_stats st;
    int want, on;
    chunk *c;

    jobs_get_stats(js, &st);
    on = writer_bulk_wanted(w);
    want = bulk_decide(p, &st, writer_pace_reason(w), on);
    if (on == want)
        return;
    writer_want_bulk(w, want);
    if (!want && (c = chunk_new())) {
        c->sealed_ns = pt_now_ns();
        sink->push(sink->ud, c);
    }
}
