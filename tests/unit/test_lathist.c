/* The latency histogram: buckets, quantiles, and records from many
 * threads at once losing nothing. */
#include <stdint.h>
#include <uv.h>

#include "check.h"
#include "daemon/lathist.h"

TEST(empty_reads_zero)
{
    lathist h;
    lathist_snap s;

    lathist_init(&h);
    lathist_read(&h, &s);
    CHECK_EQ_INT(s.count, 0);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.5), 0);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.99), 0);
}

TEST(bucket_bounds)
{
    lathist h;
    lathist_snap s;

    lathist_init(&h);
    lathist_record_us(&h, 0);    /* < 1 us: bucket 0 */
    lathist_record_us(&h, 1);    /* [1, 2): bucket 1 */
    lathist_record_us(&h, 1023); /* [512, 1024): bucket 10 */
    lathist_record_us(&h, 1024); /* [1024, 2048): bucket 11 */
    lathist_record_us(&h, UINT64_C(60000000)); /* a minute: the last */
    lathist_read(&h, &s);
    CHECK_EQ_INT(s.n[0], 1);
    CHECK_EQ_INT(s.n[1], 1);
    CHECK_EQ_INT(s.n[10], 1);
    CHECK_EQ_INT(s.n[11], 1);
    CHECK_EQ_INT(s.n[LATHIST_BUCKETS - 1], 1);
    CHECK_EQ_INT(s.count, 5);
    CHECK_EQ_INT(s.sum_us, 1 + 1023 + 1024 + 60000000);
    CHECK_EQ_INT(s.max_us, 60000000);
    CHECK_EQ_INT(lathist_bound_us(10), 1024);
    CHECK(lathist_bound_us(LATHIST_BUCKETS - 1) == UINT64_MAX);
}

TEST(quantiles)
{
    lathist h;
    lathist_snap s;

    lathist_init(&h);
    /* 98 fast closes (~100 us) and 2 slow ones (~50 ms): the antivirus
     * shape. p50 and p90 stay in the fast bucket, p99 finds the slow. */
    for (int i = 0; i < 98; i++)
        lathist_record_us(&h, 100);
    lathist_record_us(&h, 50000);
    lathist_record_us(&h, 40000);
    lathist_read(&h, &s);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.50), 128);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.90), 128);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.98), 128);
    /* rank 99 lands in [32768, 65536), capped at the largest seen */
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.99), 50000);
    CHECK_EQ_INT(lathist_quantile_us(&s, 1.0), 50000);
    CHECK_EQ_INT(s.max_us, 50000);
}

TEST(one_sample_is_every_quantile)
{
    lathist h;
    lathist_snap s;

    lathist_init(&h);
    lathist_record_us(&h, 300);
    lathist_read(&h, &s);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.01), 300);
    CHECK_EQ_INT(lathist_quantile_us(&s, 0.5), 300);
    CHECK_EQ_INT(lathist_quantile_us(&s, 1.0), 300);
}

#define THREADS 4
#define PER_THREAD 200000

static void hammer(void *arg)
{
    lathist *h = arg;

    for (uint64_t i = 0; i < PER_THREAD; i++)
        lathist_record_us(h, i % 5000);
}

TEST(concurrent_records_are_all_counted)
{
    static lathist h;
    lathist_snap s;
    uv_thread_t t[THREADS];
    uint64_t sum = 0;

    lathist_init(&h);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ_INT(uv_thread_create(&t[i], hammer, &h), 0);
    for (int i = 0; i < THREADS; i++)
        uv_thread_join(&t[i]);
    lathist_read(&h, &s);
    for (uint64_t i = 0; i < PER_THREAD; i++)
        sum += i % 5000;
    CHECK_EQ_INT(s.count, (uint64_t)THREADS * PER_THREAD);
    CHECK_EQ_INT(s.sum_us, THREADS * sum);
    CHECK_EQ_INT(s.max_us, 4999);
}

int main(void)
{
    RUN(empty_reads_zero);
    RUN(bucket_bounds);
    RUN(quantiles);
    RUN(one_sample_is_every_quantile);
    RUN(concurrent_records_are_all_counted);
    return CHECK_DONE();
}
