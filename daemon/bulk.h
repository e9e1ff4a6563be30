/* bulk.h - when the bulk-ingest profile is on (stall.bulk_profile).
 *
 * The profile defers compaction while jobs write (store_set_bulk). It is
 * on while any job runs that has sent at least stall.bulk_min_bytes, so
 * small jobs do not pay for the switch, and while a job runs and
 * compaction debt holds the writer back (level 0 or pending bytes: after
 * a large job, the compaction it deferred): deferring it again lets the
 * job write, which is what the profile is for. Once on, it stays on
 * while any job that ran when it came on still runs: with compaction
 * deferred the debt stops holding the writer back, and going off then
 * would bring it back under the same job, switching once per flush (each
 * switch rewrites RocksDB's OPTIONS file and flushes the memtables). It
 * does not stay on for the jobs that came after, so a steady stream of
 * small jobs cannot defer compaction for ever. The writer applies the
 * change between groups and while it waits; when the last job ends an
 * empty chunk wakes it, so compaction resumes at once.
 *
 * Loop thread. bulk_decide is the policy; bulk_update applies it.
 */
#ifndef PT_BULK_H
#define PT_BULK_H

#include <stdint.h>

#include "jobs.h"
#include "writer.h"

typedef struct bulk_policy {
    int enabled;          /* stall.bulk_profile */
    uint64_t min_bytes;   /* stall.bulk_min_bytes */
    /* set by bulk_decide: the newest job token when the profile came on */
    uint64_t held_through_token;
} bulk_policy;

/* Whether the profile should be on, given the jobs (st), why the writer
 * holds back now (pace_reason, enum pace_reason) and whether it is on;
 * notes in p which jobs hold it when it comes on. */
int bulk_decide(bulk_policy *p, const jobs_stats *st, int pace_reason, int on);

/* Tell the writer when the answer changes; wake it through sink when the
 * profile goes off. */
void bulk_update(bulk_policy *p, jobs *js, writer *w, const job_sink *sink);

#endif
