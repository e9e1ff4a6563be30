/* Pacing decisions on recorded signal sequences: the pacer must hold back
 * exactly before the write that would make RocksDB delay or stop, and
 * never hold back when only a write can unblock progress. */
#include "check.h"
#include "daemon/pacer.h"

#define MB (1024ull * 1024)

static const pace_limits tuned = {
    .write_buffer_size = 64 * MB, .max_write_buffer_number = 4, .min_merge = 1,
    .l0_slowdown = 20, .l0_stop = 36, .soft_pending = 64 * 1024 * MB,
    .hard_pending = 256 * 1024 * MB, .auto_compactions = 1,
};

TEST(idle_database_writes)
{
    pace_signals s = {0};
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_OK);
}

/* Recorded from a throttled run: the active memtable fills while
 * immutables wait for a slow flush. max_write_buffer_number 4: RocksDB
 * delays at 3 immutables and stops at 4. */
TEST(memtable_sequence)
{
    static const struct { pace_signals s; int want; } seq[] = {
        {{0, 10 * MB, 0, 0}, PACE_OK},
        {{0, 63 * MB, 0, 0}, PACE_OK},        /* switch -> 1 immutable */
        {{1, 63 * MB, 0, 0}, PACE_OK},        /* switch -> 2 */
        {{2, 30 * MB, 1, 0}, PACE_OK},
        {{2, 63 * MB, 1, 0}, PACE_MEMTABLES}, /* switch -> 3: RocksDB would delay */
        {{3, 5 * MB, 1, 0}, PACE_MEMTABLES},  /* already at the delay line */
        {{2, 5 * MB, 2, 0}, PACE_OK},         /* a flush finished */
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        int got = pace_decide(&seq[i].s, &tuned, 1 * MB);
        if (got != seq[i].want)
            fprintf(stderr, "step %zu: got %s want %s\n", i, pace_reason_name(got),
                    pace_reason_name(seq[i].want));
        CHECK_EQ_INT(got, seq[i].want);
    }
}

TEST(merge_must_be_allowed_to_fill)
{
    /* With min_write_buffer_number_to_merge 3, fewer immutables are never
     * flushed: holding back there would wait forever. */
    pace_limits l = tuned;
    l.min_merge = 3;
    pace_signals s = {2, 63 * MB, 0, 0};
    CHECK_EQ_INT(pace_decide(&s, &l, 1 * MB), PACE_OK);
    s.immutable = 3;
    s.active_bytes = 1 * MB;
    CHECK_EQ_INT(pace_decide(&s, &l, 1 * MB), PACE_MEMTABLES);
}

TEST(small_max_write_buffer_number_has_no_delay_step)
{
    /* max_write_buffer_number <= 3: RocksDB only stops, at 3 immutables */
    pace_limits l = tuned;
    l.max_write_buffer_number = 3;
    pace_signals s = {1, 64 * MB, 0, 0};
    CHECK_EQ_INT(pace_decide(&s, &l, 1 * MB), PACE_OK);
    s.immutable = 2;
    s.active_bytes = 10 * MB;
    CHECK_EQ_INT(pace_decide(&s, &l, 1 * MB), PACE_OK);
    s.active_bytes = 64 * MB;
    CHECK_EQ_INT(pace_decide(&s, &l, 1 * MB), PACE_MEMTABLES);
}

TEST(level0_counts_what_flushes_will_add)
{
    pace_signals s = {0, 1 * MB, 18, 0};
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_OK);
    s.l0_files = 19;
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_OK);
    s.active_bytes = 63 * MB; /* this write switches it: its flush makes 20 */
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_L0);
    s.l0_files = 18;
    s.immutable = 1; /* 18 + the waiting immutable + the switch */
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_L0);
    s.active_bytes = 1 * MB;
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_OK);
}

TEST(level0_ignored_when_compaction_is_off)
{
    /* The bulk-load profile lifts L0 triggers and defers compaction; with
     * compaction off L0 never shrinks, so it must not hold writes. */
    pace_limits l = tuned;
    l.auto_compactions = 0;
    pace_signals s = {0, 1 * MB, 500, 0};
    CHECK_EQ_INT(pace_decide(&s, &l, 1 * MB), PACE_OK);
}

TEST(pending_compaction_near_soft_limit)
{
    pace_signals s = {0, 1 * MB, 0, 57 * 1024 * MB};
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_OK);
    s.pending_bytes = 58 * 1024 * MB; /* >= 90% of 64 GiB */
    CHECK_EQ_INT(pace_decide(&s, &tuned, 1 * MB), PACE_PENDING);
    pace_limits off = tuned;
    off.soft_pending = 0;
    CHECK_EQ_INT(pace_decide(&s, &off, 1 * MB), PACE_OK);
}

/* The drain rate: bytes that left the memtables per second. */
TEST(drain_rate_estimate)
{
    pace_rate r = {0};
    uint64_t s = 1000000000ull;

    CHECK(pace_rate_estimate(&r) == 0);
    /* 8 MB/s drained: written grows 10 MB/s, occupancy grows 2 MB/s */
    for (uint64_t t = 0; t <= 20; t++)
        pace_rate_sample(&r, t * s / 10, t * MB, t * MB / 5);
    double est = pace_rate_estimate(&r);
    CHECK(est > 7.9 * MB && est < 8.1 * MB);
    /* samples closer than 100 ms are merged */
    pace_rate_sample(&r, 2 * s + 1, 100 * MB, 0);
    CHECK(pace_rate_estimate(&r) == est);
}

TEST(token_bucket_spaces_writes_at_the_rate)
{
    pace_rate r = {0};
    uint64_t s = 1000000000ull, now;

    for (uint64_t t = 0; t <= 20; t++) /* 10 MB/s drained */
        pace_rate_sample(&r, t * s / 10, t * MB, 0);
    now = 2 * s;
    CHECK_EQ_INT(pace_rate_wait(&r, now, 1 * MB, 0), 0); /* not behind: no limit */
    CHECK_EQ_INT(pace_rate_wait(&r, now, 1 * MB, 1), 0); /* a burst of one write */
    uint64_t w = pace_rate_wait(&r, now, 1 * MB, 1);     /* the next waits ~100 ms */
    CHECK(w > 90000000ull && w < 110000000ull);
    CHECK_EQ_INT(pace_rate_wait(&r, now + w, 1 * MB, 1), 0);
}

TEST(unknown_rate_starts_cautious)
{
    pace_rate r = {.initial_rate = 8e6};
    uint64_t w;

    /* nothing measured, flush behind: the initial rate applies */
    CHECK_EQ_INT(pace_rate_wait(&r, 1000, 1000000, 1), 0);
    w = pace_rate_wait(&r, 1000, 1000000, 1);
    CHECK(w > 120000000ull && w < 130000000ull); /* 1 MB at 8 MB/s */
    /* not behind: no limit at all */
    CHECK_EQ_INT(pace_rate_wait(&r, 1000, 1000000, 0), 0);
}

#define MS 1000000ull

/* Flushes that keep up: a memtable waits for a moment, then none does.
 * Never flush-bound, so the writer keeps full speed. */
TEST(flushes_keeping_up_are_not_the_bottleneck)
{
    pace_mode m = {0};
    for (uint64_t t = 1; t < 5000; t += 10) {
        int waiting = (t / 10) % 3 == 0; /* 10 ms of every 30 */
        CHECK_EQ_INT(pace_mode_update(&m, t * MS, waiting, 0, 1000 * MS), 0);
    }
}

/* A slow disk: a flush is always running. Flush-bound after the hold,
 * and it stays so through the moments between one flush and the next. */
TEST(a_flush_always_running_is_the_bottleneck)
{
    pace_mode m = {0};
    CHECK_EQ_INT(pace_mode_update(&m, 1 * MS, 1, 0, 1000 * MS), 0);
    CHECK_EQ_INT(pace_mode_update(&m, 900 * MS, 1, 0, 1000 * MS), 0);
    CHECK_EQ_INT(pace_mode_update(&m, 1001 * MS, 1, 0, 1000 * MS), 1);
    /* a flush finished just as the next memtable filled */
    CHECK_EQ_INT(pace_mode_update(&m, 1200 * MS, 0, 0, 1000 * MS), 1);
    CHECK_EQ_INT(pace_mode_update(&m, 1210 * MS, 1, 0, 1000 * MS), 1);
    /* the backlog is gone for good: back to full speed after the hold */
    CHECK_EQ_INT(pace_mode_update(&m, 2000 * MS, 0, 0, 1000 * MS), 1);
    CHECK_EQ_INT(pace_mode_update(&m, 3001 * MS, 0, 0, 1000 * MS), 0);
}

/* Two memtables waiting at once: flush is behind now, no hold. */
TEST(two_waiting_is_the_bottleneck_at_once)
{
    pace_mode m = {0};
    CHECK_EQ_INT(pace_mode_update(&m, 1 * MS, 1, 0, 1000 * MS), 0);
    CHECK_EQ_INT(pace_mode_update(&m, 50 * MS, 1, 1, 1000 * MS), 1);
}

/* The share of the drain rate admitted shrinks near the delay line
 * (max_write_buffer_number 4: RocksDB delays at 3 unflushed memtables). */
TEST(headroom_scales_the_admission_rate)
{
    pace_signals s = {1, 16 * MB, 0, 0}; /* 1.25 memtables used, 1.75 left */
    CHECK(pace_headroom(&s, &tuned) == 1.0);
    s.immutable = 2;
    s.active_bytes = 0; /* 1 left */
    CHECK(pace_headroom(&s, &tuned) > 0.6 && pace_headroom(&s, &tuned) < 0.65);
    s.active_bytes = 40 * MB; /* 0.375 left */
    CHECK(pace_headroom(&s, &tuned) == 0.25);

    /* and the token bucket admits that share: 10 MB/s drained, a quarter
     * admitted, so 1 MB waits ~400 ms instead of ~100 ms */
    pace_rate r = {0};
    uint64_t now = 1000000000ull, w;
    pace_rate_sample(&r, now - 1000000000ull, 0, 0);
    pace_rate_sample(&r, now, 10 * MB, 0);
    r.scale = 0.25;
    CHECK_EQ_INT(pace_rate_wait(&r, now, 1 * MB, 1), 0); /* a burst of one write */
    w = pace_rate_wait(&r, now, 1 * MB, 1);
    CHECK(w > 350000000ull && w < 450000000ull);
}

int main(void)
{
    RUN(idle_database_writes);
    RUN(memtable_sequence);
    RUN(merge_must_be_allowed_to_fill);
    RUN(small_max_write_buffer_number_has_no_delay_step);
    RUN(level0_counts_what_flushes_will_add);
    RUN(level0_ignored_when_compaction_is_off);
    RUN(pending_compaction_near_soft_limit);
    RUN(drain_rate_estimate);
    RUN(token_bucket_spaces_writes_at_the_rate);
    RUN(unknown_rate_starts_cautious);
    RUN(flushes_keeping_up_are_not_the_bottleneck);
    RUN(a_flush_always_running_is_the_bottleneck);
    RUN(two_waiting_is_the_bottleneck_at_once);
    RUN(headroom_scales_the_admission_rate);
    return CHECK_DONE();
}
