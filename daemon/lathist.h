/* lathist.h - a latency histogram that any thread records into.
 *
 * Bucket i (i < LATHIST_BUCKETS - 1) counts latencies below 2^i
 * microseconds and at or above the previous bucket's bound; the last
 * bucket counts everything from 2^(LATHIST_BUCKETS - 2) us (16.8 s) up.
 * Recording is a few relaxed atomic operations and never blocks, so the
 * writer thread and RocksDB's background threads record on their hot
 * paths while the loop thread reads (a reader may see a record's bucket
 * before its sum: figures are for people and Prometheus, never for
 * decisions).
 */
#ifndef PT_LATHIST_H
#define PT_LATHIST_H

#include <stdatomic.h>
#include <stdint.h>

#define LATHIST_BUCKETS 26

typedef struct lathist {
    atomic_uint_fast64_t n[LATHIST_BUCKETS];
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t max_us;
} lathist;

typedef struct lathist_snap {
    uint64_t n[LATHIST_BUCKETS];
    uint64_t count;
    uint64_t sum_us;
    uint64_t max_us;
} lathist_snap;

void lathist_init(lathist *h);
void lathist_record_us(lathist *h, uint64_t us);
void lathist_read(lathist *h, lathist_snap *s);
/* Upper bound (us) of the bucket holding quantile q (0 < q <= 1), capped
 * at the largest latency seen; 0 when nothing was recorded. */
uint64_t lathist_quantile_us(const lathist_snap *s, double q);
/* Upper bound of bucket i in microseconds (UINT64_MAX for the last). */
uint64_t lathist_bound_us(int i);

#endif
