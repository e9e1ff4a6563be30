/* bulk.c - the bulk-ingest profile's policy (see bulk.h). Loop thread. */
#include "bulk.h"

#include "../common/clock.h"
#include "pacer.h"

int bulk_policy_wants(const bulk_policy *p, uint64_t active, uint64_t largest, int pace_reason,
                      int on)
{
    int compaction_holds = pace_reason == PACE_L0 || pace_reason == PACE_PENDING;

    return p->enabled && active && (on || largest >= p->min_bytes || compaction_holds);
}

void bulk_update(const bulk_policy *p, jobs *js, writer *w, const job_sink *sink)
{
    jobs_stats st;
    int want, on;
    chunk *c;

    jobs_get_stats(js, &st);
    on = writer_bulk_wanted(w);
    want = bulk_policy_wants(p, st.active, st.largest_active_bytes, writer_pace_reason(w), on);
    if (on == want)
        return;
    writer_want_bulk(w, want);
    if (!want && (c = chunk_new())) {
        c->sealed_ns = pt_now_ns();
        sink->push(sink->ud, c);
    }
}
