/* The bulk-ingest profile's policy (bulk_decide): on for a large job, or
 * for any job that compaction debt holds back; once on, held while a job
 * that ran when it came on still runs, so it never flaps under one job,
 * and not for ever under a stream of later jobs; never on with the
 * profile off. */
#include "check.h"
#include "daemon/bulk.h"
#include "daemon/pacer.h"

#define MIN_BYTES 1000000

/* Jobs with tokens first..last running (none: first 0); largest sent. */
static jobs_stats jobs_running(uint64_t first, uint64_t last, uint64_t largest)
{
    jobs_stats st;

    memset(&st, 0, sizeof(st));
    st.active = first ? last - first + 1 : 0;
    st.oldest_active_token = first;
    st.newest_token = last;
    st.largest_active_bytes = largest;
    return st;
}

TEST(small_job_leaves_it_off)
{
    bulk_policy p = {1, MIN_BYTES, 0};
    jobs_stats st = jobs_running(1, 1, MIN_BYTES - 1);

    CHECK_EQ_INT(bulk_decide(&p, &st, PACE_OK, 0), 0);
    CHECK_EQ_INT(bulk_decide(&p, &st, PACE_MEMTABLES, 0), 0);
    CHECK_EQ_INT(bulk_decide(&p, &st, PACE_RATE, 0), 0);
}

TEST(large_job_or_debt_turns_it_on)
{
    bulk_policy p = {1, MIN_BYTES, 0};
    jobs_stats big = jobs_running(1, 1, MIN_BYTES), small = jobs_running(1, 1, 10);

    CHECK_EQ_INT(bulk_decide(&p, &big, PACE_OK, 0), 1);
    CHECK_EQ_INT(bulk_decide(&p, &small, PACE_L0, 0), 1);
    CHECK_EQ_INT(bulk_decide(&p, &small, PACE_PENDING, 0), 1);
}

/* One step: the jobs running, why the writer holds back, and what the
 * profile must be after it. */
typedef struct step {
    uint64_t first, last;
    int reason, want;
} step;

static void replay(const step *seq, size_t n)
{
    bulk_policy p = {1, MIN_BYTES, 0};
    int on = 0;

    for (size_t i = 0; i < n; i++) {
        jobs_stats st = jobs_running(seq[i].first, seq[i].last, 10);
        on = bulk_decide(&p, &st, seq[i].reason, on);
        if (on != seq[i].want)
            fprintf(stderr, "step %zu: got %d want %d\n", i, on, seq[i].want);
        CHECK_EQ_INT(on, seq[i].want);
    }
}

/* The sequence that flapped (CI): a small job (token 2) behind a large
 * one. The debt turns the profile on; with compaction deferred the debt
 * no longer holds the writer back; it stays on until job 2 ends. */
TEST(on_for_debt_held_while_its_job_runs)
{
    static const step seq[] = {
        {2, 2, PACE_OK, 0}, {2, 2, PACE_L0, 1}, {2, 2, PACE_OK, 1}, {2, 2, PACE_RATE, 1},
        {2, 3, PACE_OK, 1}, /* job 3 starts beside it */
        {0, 3, PACE_OK, 0}, /* no job runs */
        {4, 4, PACE_OK, 0},
    };
    replay(seq, sizeof(seq) / sizeof(seq[0]));
}

/* Overlapping small jobs, one after another for ever: the profile is not
 * held past the jobs that ran when it came on, so compaction gets its
 * turn; the debt may turn it on again, for the jobs of that moment. */
TEST(not_held_for_later_jobs)
{
    static const step seq[] = {
        {1, 2, PACE_L0, 1}, /* on for jobs 1 and 2 */
        {2, 3, PACE_OK, 1}, /* job 2 still runs */
        {3, 4, PACE_OK, 0}, /* 1 and 2 are done: off, compaction runs */
        {3, 5, PACE_OK, 0},
        {4, 6, PACE_L0, 1}, /* the debt holds job 4 back: on, for 4-6 */
        {6, 7, PACE_OK, 1},
        {7, 8, PACE_OK, 0},
    };
    replay(seq, sizeof(seq) / sizeof(seq[0]));
}

TEST(no_job_or_disabled_is_off)
{
    bulk_policy p = {1, MIN_BYTES, 0}, off = {0, MIN_BYTES, 0};
    jobs_stats none = jobs_running(0, 9, 0), big = jobs_running(1, 1, 5 * MIN_BYTES);

    CHECK_EQ_INT(bulk_decide(&p, &none, PACE_L0, 1), 0);
    CHECK_EQ_INT(bulk_decide(&off, &big, PACE_L0, 0), 0);
    CHECK_EQ_INT(bulk_decide(&off, &big, PACE_L0, 1), 0);
}

int main(void)
{
    RUN(small_job_leaves_it_off);
    RUN(large_job_or_debt_turns_it_on);
    RUN(on_for_debt_held_while_its_job_runs);
    RUN(not_held_for_later_jobs);
    RUN(no_job_or_disabled_is_off);
    return CHECK_DONE();
}
