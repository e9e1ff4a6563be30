/* The progress line: what a person watching an ingest reads. Percent, MB
 * and ETA follow durable (acknowledged) input bytes; what is sent but not
 * acknowledged is shown apart. */
#include "check.h"
#include "client/progress.h"

#define SEC 1000000000ull

TEST(percent_mb_and_eta_follow_acknowledged_bytes)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 1000000);
    p.start_ns = 0;
    /* 10,000 rows of 100 bytes each are sent: the whole input */
    for (uint64_t r = 1; r <= 10000; r++)
        progress_sent(&p, r, r * 100);
    /* the daemon has made the first 2,500 durable */
    progress_acked(&p, 2500);
    CHECK_EQ_INT(p.durable_bytes, 250000);
    p.queue_bytes = 50;
    p.queue_capacity = 100;
    snprintf(p.stall, sizeof(p.stall), "pacing");
    progress_format(&p, 10 * SEC, line, sizeof(line));
    CHECK(strstr(line, "[#####+++++++++++++++]") != NULL);
    CHECK(strstr(line, " 25% ") != NULL);
    CHECK(strstr(line, "0.2/1.0 MB durable") != NULL || strstr(line, "0.3/1.0 MB durable"));
    CHECK(strstr(line, "+0.8 MB sent") != NULL);
    CHECK(strstr(line, "2500 rows") != NULL);
    CHECK(strstr(line, "250 rows/s") != NULL);
    CHECK(strstr(line, "ETA 30s") != NULL); /* 750 KB left at 25 KB/s */
    CHECK(strstr(line, "queue 50%") != NULL);
    CHECK(strstr(line, "pacing") != NULL);
    CHECK(strstr(line, "100%") == NULL);
}

TEST(all_sent_none_acknowledged_is_not_done)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 418000000);
    p.start_ns = 0;
    for (uint64_t r = 1; r <= 100000; r++)
        progress_sent(&p, r, r * 4180);
    progress_acked(&p, 0);
    progress_format(&p, 17 * SEC, line, sizeof(line));
    CHECK(strstr(line, "   0% ") != NULL);
    CHECK(strstr(line, "ETA ?") != NULL);
    CHECK(strstr(line, "+418.0 MB sent") != NULL);
    CHECK(strstr(line, "ETA 0s") == NULL);
    /* once everything is acknowledged it is 100% and nothing is pending */
    progress_acked(&p, 100000);
    progress_format(&p, 23 * SEC, line, sizeof(line));
    CHECK(strstr(line, "100% 418.0/418.0 MB durable +0.0 MB sent") != NULL);
    CHECK(strstr(line, "ETA 0s") != NULL);
}

TEST(rows_of_different_sizes_map_to_their_bytes)
{
    progress_bar p;
    uint64_t bytes = 0;

    progress_init(&p, stderr, 0, 0);
    /* 1,000 rows of 10 bytes, then 1,000 rows of 1,000 bytes */
    for (uint64_t r = 1; r <= 2000; r++) {
        bytes += r <= 1000 ? 10 : 1000;
        progress_sent(&p, r, bytes);
    }
    progress_acked(&p, 1000);
    /* within one checkpoint interval (64 KiB) of the truth */
    CHECK(p.durable_bytes <= 10000 + 65536);
    CHECK(p.durable_bytes >= 10000);
    progress_acked(&p, 1500);
    CHECK(p.durable_bytes >= 510000 - 65536 && p.durable_bytes <= 510000 + 65536);
    progress_acked(&p, 2000);
    CHECK_EQ_INT(p.durable_bytes, 1010000);
    /* acknowledgements never go back */
    progress_acked(&p, 10);
    CHECK_EQ_INT(p.durable_bytes, 1010000);
}

TEST(many_unacknowledged_rows_stay_bounded_and_monotonic)
{
    progress_bar p;
    uint64_t last = 0;
    int ok = 1;

    progress_init(&p, stderr, 0, 0);
    /* 400 MB in flight: more checkpoints than the ring holds */
    for (uint64_t r = 1; r <= 400000; r++)
        progress_sent(&p, r, r * 1000);
    CHECK(p.count <= PROGRESS_MARKS);
    for (uint64_t r = 0; r <= 400000; r += 997) {
        progress_acked(&p, r);
        if (p.durable_bytes < last || p.durable_bytes > r * 1000 + 2 * p.mark_every ||
            p.durable_bytes + 2 * p.mark_every < r * 1000)
            ok = 0;
        last = p.durable_bytes;
    }
    CHECK(ok);
    progress_acked(&p, 400000);
    CHECK_EQ_INT(p.durable_bytes, 400000000ull);
}

TEST(resumed_job_counts_its_earlier_rows_as_durable)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 1000000);
    p.start_ns = 0;
    progress_resumed(&p, 5000, 500000);
    for (uint64_t r = 5001; r <= 10000; r++)
        progress_sent(&p, r, r * 100);
    progress_acked(&p, 7500);
    CHECK_EQ_INT(p.durable_bytes, 750000);
    /* 250 KB in this run took 10 s: 250 KB left is 10 s more */
    progress_format(&p, 10 * SEC, line, sizeof(line));
    CHECK(strstr(line, " 75% ") != NULL);
    CHECK(strstr(line, "ETA 10s") != NULL);
}

TEST(pipe_input_has_no_bar)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 0);
    p.start_ns = 0;
    progress_sent(&p, 10, 1000);
    progress_acked(&p, 10);
    progress_format(&p, SEC, line, sizeof(line));
    CHECK(strchr(line, '[') == NULL);
    CHECK(strstr(line, "ETA ?") != NULL);
    CHECK(strstr(line, "10 rows") != NULL);
    CHECK(strstr(line, "ok") != NULL);
}

TEST(long_eta_in_minutes_and_hours)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 1000000);
    p.start_ns = 0;
    progress_sent(&p, 100, 10000);
    progress_acked(&p, 100); /* 1% after 100 s: 9900 s left */
    progress_format(&p, 100 * SEC, line, sizeof(line));
    CHECK(strstr(line, "ETA 2h45m") != NULL);
}

TEST(bulk_phase_is_shown)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 1000);
    p.start_ns = 0;
    snprintf(p.phase, sizeof(p.phase), "writing-ssts 12.0 MB");
    progress_format(&p, SEC, line, sizeof(line));
    CHECK(strstr(line, "writing-ssts 12.0 MB") != NULL);
}

int main(void)
{
    RUN(percent_mb_and_eta_follow_acknowledged_bytes);
    RUN(all_sent_none_acknowledged_is_not_done);
    RUN(rows_of_different_sizes_map_to_their_bytes);
    RUN(many_unacknowledged_rows_stay_bounded_and_monotonic);
    RUN(resumed_job_counts_its_earlier_rows_as_durable);
    RUN(pipe_input_has_no_bar);
    RUN(long_eta_in_minutes_and_hours);
    RUN(bulk_phase_is_shown);
    return CHECK_DONE();
}
