/* The progress line: what a person watching an ingest reads. */
#include "check.h"
#include "client/progress.h"

TEST(known_size_shows_bar_percent_and_eta)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 1000000);
    p.start_ns = 0;
    p.input_bytes = 250000;
    p.rows_acked = 5000;
    p.queue_bytes = 50;
    p.queue_capacity = 100;
    snprintf(p.stall, sizeof(p.stall), "rocksdb-delayed");
    progress_format(&p, 10ull * 1000000000ull, line, sizeof(line));
    CHECK(strstr(line, "[#####...............]") != NULL);
    CHECK(strstr(line, " 25% ") != NULL);
    CHECK(strstr(line, "5000 rows") != NULL);
    CHECK(strstr(line, "0.2 MB") != NULL || strstr(line, "0.3 MB") != NULL);
    CHECK(strstr(line, "500 rows/s") != NULL);
    CHECK(strstr(line, "ETA 30s") != NULL);
    CHECK(strstr(line, "queue 50%") != NULL);
    CHECK(strstr(line, "rocksdb-delayed") != NULL);
}

TEST(pipe_input_has_no_bar)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 0);
    p.start_ns = 0;
    p.rows_acked = 10;
    progress_format(&p, 1000000000ull, line, sizeof(line));
    CHECK(strchr(line, '[') == NULL);
    CHECK(strstr(line, "ETA ?") != NULL);
    CHECK(strstr(line, "ok") != NULL);
}

TEST(long_eta_in_minutes_and_hours)
{
    progress_bar p;
    char line[256];

    progress_init(&p, stderr, 1, 1000000);
    p.start_ns = 0;
    p.input_bytes = 10000; /* 1% after 100 s: 9900 s left */
    progress_format(&p, 100ull * 1000000000ull, line, sizeof(line));
    CHECK(strstr(line, "ETA 2h45m") != NULL);
}

int main(void)
{
    RUN(known_size_shows_bar_percent_and_eta);
    RUN(pipe_input_has_no_bar);
    RUN(long_eta_in_minutes_and_hours);
    return CHECK_DONE();
}
