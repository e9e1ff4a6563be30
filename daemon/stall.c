/* stall.c - the stall monitor (see stall.h for threads). */
#include "stall.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "store.h"

int stall_parse_cumulative(const char *text, uint64_t *micros)
{
    const char *p = text ? strstr(text, "Cumulative stall:") : NULL;
    unsigned long h, m;
    char *end;
    double s;

    if (!p)
        return -ENOENT;
    p += strlen("Cumulative stall:");
    h = strtoul(p, &end, 10);
    if (end == p || *end != ':')
        return -EINVAL;
    p = end + 1;
    m = strtoul(p, &end, 10);
    if (end == p || *end != ':')
        return -EINVAL;
    p = end + 1;
    s = strtod(p, &end);
    if (end == p || s < 0)
        return -EINVAL;
    *micros = (uint64_t)h * 3600000000ull + (uint64_t)m * 60000000ull +
              (uint64_t)(s * 1e6 + 0.5);
    return 0;
}

void stall_sample_now(store *s, stall_sample *out)
{
    uint64_t v;
    char *text;

    memset(out, 0, sizeof(*out));
    if (store_property_u64(s, "rocksdb.num-files-at-level0", 1, &v) == 0)
        out->l0_files = v;
    if (store_property_u64(s, "rocksdb.num-immutable-mem-table", 1, &v) == 0)
        out->immutable_memtables = v;
    if (store_property_u64(s, "rocksdb.estimate-pending-compaction-bytes", 1, &v) == 0)
        out->pending_compaction_bytes = v;
    if (store_property_u64(s, "rocksdb.actual-delayed-write-rate", 0, &v) == 0)
        out->delayed_write_rate = v;
    if (store_property_u64(s, "rocksdb.is-write-stopped", 0, &v) == 0)
        out->is_write_stopped = v != 0;
    text = store_property_text(s, "rocksdb.dbstats");
    if (text) {
        stall_parse_cumulative(text, &out->stall_micros);
        free(text);
    }
    out->taken_ns = pt_now_ns();
    out->valid = 1;
}

static void work_cb(uv_work_t *w)
{
    stall_monitor *m = w->data;
    stall_sample_now(m->store, &m->scratch);
}

static void after_work_cb(uv_work_t *w, int status)
{
    stall_monitor *m = w->data;

    m->work_busy = 0;
    (*m->inflight)--;
    if (status == 0 && m->scratch.valid) {
        m->cur = m->scratch;
        m->samples++;
        if (m->cur.is_write_stopped)
            m->stopped_samples++;
        if (m->cur.delayed_write_rate)
            m->delayed_samples++;
    }
}

static void timer_cb(uv_timer_t *t)
{
    stall_monitor *m = t->data;

    if (m->work_busy || m->closing)
        return; /* a slow sample is still out: skip rather than pile up */
    m->work_busy = 1;
    (*m->inflight)++;
    m->work.data = m;
    if (uv_queue_work(t->loop, &m->work, work_cb, after_work_cb) < 0) {
        m->work_busy = 0;
        (*m->inflight)--;
    }
}

int stall_start(stall_monitor *m, uv_loop_t *loop, store *s, uint64_t sample_ms,
                uint64_t *inflight)
{
    int r;

    m->store = s;
    m->inflight = inflight;
    if ((r = uv_timer_init(loop, &m->timer)) < 0)
        return r;
    m->started = 1;
    m->timer.data = m;
    return uv_timer_start(&m->timer, timer_cb, 0, sample_ms);
}

void stall_set_interval(stall_monitor *m, uint64_t sample_ms)
{
    uv_timer_set_repeat(&m->timer, sample_ms);
}

void stall_stop(stall_monitor *m)
{
    m->closing = 1;
    if (m->started && !uv_is_closing((uv_handle_t *)&m->timer))
        uv_close((uv_handle_t *)&m->timer, NULL);
}

const char *stall_state_name(const stall_monitor *m, int pace_reason)
{
    if (m->cur.is_write_stopped)
        return "rocksdb-stopped";
    if (m->cur.delayed_write_rate)
        return "rocksdb-delayed";
    if (pace_reason)
        return "pacing";
    return "ok";
}
