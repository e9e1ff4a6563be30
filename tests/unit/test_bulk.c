/* The bulk-ingest profile's policy: on for a large job, or for any job
 * that compaction debt holds back; once on, it stays on until no job
 * runs, so it never flaps under one job; never on with the profile off. */
#include "check.h"
#include "daemon/bulk.h"
#include "daemon/pacer.h"

static const bulk_policy pol = {.enabled = 1, .min_bytes = 1000000};

TEST(small_job_leaves_it_off)
{
    CHECK_EQ_INT(bulk_policy_wants(&pol, 1, 999999, PACE_OK, 0), 0);
    CHECK_EQ_INT(bulk_policy_wants(&pol, 1, 999999, PACE_MEMTABLES, 0), 0);
    CHECK_EQ_INT(bulk_policy_wants(&pol, 1, 999999, PACE_RATE, 0), 0);
}

TEST(large_job_turns_it_on)
{
    CHECK_EQ_INT(bulk_policy_wants(&pol, 1, 1000000, PACE_OK, 0), 1);
}

TEST(compaction_debt_turns_it_on)
{
    CHECK_EQ_INT(bulk_policy_wants(&pol, 1, 10, PACE_L0, 0), 1);
    CHECK_EQ_INT(bulk_policy_wants(&pol, 1, 10, PACE_PENDING, 0), 1);
}

/* The sequence that flapped: a small job behind a large one. The debt
 * turns the profile on; with compaction deferred the debt no longer holds
 * the writer back; the profile must stay on until the job ends. */
TEST(on_for_debt_stays_on_until_no_job_runs)
{
    int on = 0;
    static const struct { uint64_t active; int reason; int want; } seq[] = {
        {1, PACE_OK, 0}, {1, PACE_L0, 1}, {1, PACE_OK, 1}, {1, PACE_RATE, 1},
        {2, PACE_OK, 1}, {1, PACE_OK, 1}, {0, PACE_OK, 0}, {1, PACE_OK, 0},
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        on = bulk_policy_wants(&pol, seq[i].active, 10, seq[i].reason, on);
        if (on != seq[i].want)
            fprintf(stderr, "step %zu: got %d want %d\n", i, on, seq[i].want);
        CHECK_EQ_INT(on, seq[i].want);
    }
}

TEST(no_job_or_disabled_is_off)
{
    static const bulk_policy off = {.enabled = 0, .min_bytes = 1000000};

    CHECK_EQ_INT(bulk_policy_wants(&pol, 0, 5000000, PACE_L0, 1), 0);
    CHECK_EQ_INT(bulk_policy_wants(&off, 1, 5000000, PACE_L0, 0), 0);
    CHECK_EQ_INT(bulk_policy_wants(&off, 1, 5000000, PACE_L0, 1), 0);
}

int main(void)
{
    RUN(small_job_leaves_it_off);
    RUN(large_job_turns_it_on);
    RUN(compaction_debt_turns_it_on);
    RUN(on_for_debt_stays_on_until_no_job_runs);
    RUN(no_job_or_disabled_is_off);
    return CHECK_DONE();
}
