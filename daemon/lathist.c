/* lathist.c - see lathist.h. */
#include "lathist.h"

void lathist_init(lathist *h)
{
    for (int i = 0; i < LATHIST_BUCKETS; i++)
        atomic_init(&h->n[i], 0);
    atomic_init(&h->sum_us, 0);
    atomic_init(&h->max_us, 0);
}

uint64_t lathist_bound_us(int i)
{
    return i < LATHIST_BUCKETS - 1 ? 1ull << i : UINT64_MAX;
}

void lathist_record_us(lathist *h, uint64_t us)
{
    int b = 0;
    uint64_t m = atomic_load_explicit(&h->max_us, memory_order_relaxed);

    while (b < LATHIST_BUCKETS - 1 && us >= lathist_bound_us(b))
        b++;
    atomic_fetch_add_explicit(&h->n[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
    while (us > m && !atomic_compare_exchange_weak_explicit(&h->max_us, &m, us,
                                                            memory_order_relaxed,
                                                            memory_order_relaxed))
        ;
}

void lathist_read(lathist *h, lathist_snap *s)
{
    s->count = 0;
    for (int i = 0; i < LATHIST_BUCKETS; i++) {
        s->n[i] = atomic_load_explicit(&h->n[i], memory_order_relaxed);
        s->count += s->n[i];
    }
    s->sum_us = atomic_load_explicit(&h->sum_us, memory_order_relaxed);
    s->max_us = atomic_load_explicit(&h->max_us, memory_order_relaxed);
}

uint64_t lathist_quantile_us(const lathist_snap *s, double q)
{
    uint64_t seen = 0, want;

    if (s->count == 0)
        return 0;
    /* the rank of the q-quantile, counted from 1 */
    want = (uint64_t)(q * (double)s->count + 0.999999);
    if (want < 1)
        want = 1;
    if (want > s->count)
        want = s->count;
    for (int i = 0; i < LATHIST_BUCKETS; i++) {
        seen += s->n[i];
        if (seen >= want) {
            uint64_t bound = lathist_bound_us(i);
            return bound < s->max_us ? bound : s->max_us;
        }
    }
    return s->max_us;
}
