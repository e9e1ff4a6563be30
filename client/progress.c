/* progress.c - the ingest progress bar. Drawn with \r on one line; the
 * stall state is shown so that a slow disk never looks like a hang.
 * Percent, MB and ETA count durable input bytes only (progress.h). */
#include "progress.h"

#include <string.h>
#include <uv.h>

void progress_init(progress_bar *p, FILE *out, int enabled, uint64_t total_bytes)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->enabled = enabled;
    p->total_bytes = total_bytes;
    p->start_ns = uv_hrtime();
    p->mark_every = 64 * 1024;
    strcpy(p->stall, "ok");
}

static progress_mark *mark_at(progress_bar *p, unsigned i)
{
    return &p->marks[(p->head + i) % PROGRESS_MARKS];
}

/* The ring is full: keep every other checkpoint and space new ones twice
 * as far apart. The mapping stays exact at checkpoints and linear between. */
static void thin_marks(progress_bar *p)
{
    progress_mark tmp[PROGRESS_MARKS];
    unsigned n = 0;

    for (unsigned i = 1; i < p->count; i += 2)
        tmp[n++] = *mark_at(p, i);
    memcpy(p->marks, tmp, n * sizeof(tmp[0]));
    p->head = 0;
    p->count = n;
    p->mark_every *= 2;
}

void progress_sent(progress_bar *p, uint64_t rows, uint64_t bytes)
{
    uint64_t last = p->count ? mark_at(p, p->count - 1)->bytes : p->base.bytes;

    if (rows > p->sent_rows && bytes - last >= p->mark_every) {
        if (p->count == PROGRESS_MARKS)
            thin_marks(p);
        *mark_at(p, p->count++) = (progress_mark){rows, bytes};
    }
    p->sent_rows = rows;
    p->sent_bytes = bytes;
}

void progress_resumed(progress_bar *p, uint64_t rows, uint64_t bytes)
{
    p->base = (progress_mark){rows, bytes};
    p->count = 0;
    p->sent_rows = p->rows_acked = rows;
    p->sent_bytes = p->durable_bytes = p->resumed_bytes = bytes;
}

void progress_acked(progress_bar *p, uint64_t rows)
{
    progress_mark next;

    if (rows < p->rows_acked)
        return;
    p->rows_acked = rows;
    while (p->count && mark_at(p, 0)->rows <= rows) {
        p->base = *mark_at(p, 0);
        p->head = (p->head + 1) % PROGRESS_MARKS;
        p->count--;
    }
    next = p->count ? *mark_at(p, 0) : (progress_mark){p->sent_rows, p->sent_bytes};
    if (rows >= next.rows)
        p->durable_bytes = next.bytes;
    else if (rows <= p->base.rows)
        p->durable_bytes = p->base.bytes;
    else /* between two checkpoints: in proportion to the rows */
        p->durable_bytes = p->base.bytes + (uint64_t)((double)(next.bytes - p->base.bytes) *
                                                      (double)(rows - p->base.rows) /
                                                      (double)(next.rows - p->base.rows));
    if (p->durable_bytes < p->base.bytes)
        p->durable_bytes = p->base.bytes;
}

static void fmt_duration(uint64_t s, char *out, size_t n)
{
    if (s >= 3600)
        snprintf(out, n, "%lluh%02llum", (unsigned long long)(s / 3600),
                 (unsigned long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(out, n, "%llum%02llus", (unsigned long long)(s / 60),
                 (unsigned long long)(s % 60));
    else
        snprintf(out, n, "%llus", (unsigned long long)s);
}

void progress_format(const progress_bar *p, uint64_t now, char *out, size_t outlen)
{
    double secs = (double)(now - p->start_ns) / 1e9;
    double rate = secs > 0 ? (double)p->rows_acked / secs : 0;
    uint64_t durable = p->durable_bytes, pending = p->sent_bytes > durable
                                                       ? p->sent_bytes - durable : 0;
    char eta[32] = "?", bar[24], phase[64] = "";
    size_t n = 0;

    if (p->total_bytes) {
        double frac = (double)durable / (double)p->total_bytes;
        double sent = (double)(durable + pending) / (double)p->total_bytes;
        double done_now = (double)(durable - p->resumed_bytes);
        int fill, fill_sent;
        if (frac > 1)
            frac = 1;
        if (sent > 1)
            sent = 1;
        fill = (int)(frac * 20);
        fill_sent = (int)(sent * 20);
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : i < fill_sent ? '+' : '.';
        bar[20] = '\0';
        /* ETA from the rate at which bytes become durable in this run */
        if (durable >= p->total_bytes)
            snprintf(eta, sizeof(eta), "0s");
        else if (done_now > 0 && secs > 0.5)
            fmt_duration((uint64_t)((double)(p->total_bytes - durable) * secs / done_now),
                         eta, sizeof(eta));
        n = (size_t)snprintf(out, outlen, "[%s] %3d%% %.1f/%.1f MB", bar, (int)(frac * 100),
                             (double)durable / 1e6, (double)p->total_bytes / 1e6);
    } else {
        n = (size_t)snprintf(out, outlen, "%.1f MB", (double)durable / 1e6);
    }
    if (n >= outlen)
        return;
    if (p->phase[0])
        snprintf(phase, sizeof(phase), "  %s", p->phase);
    snprintf(out + n, outlen - n,
             " durable +%.1f MB sent  %llu rows  %.0f rows/s  ETA %s  queue %llu%%  %s%s",
             (double)pending / 1e6, (unsigned long long)p->rows_acked, rate, eta,
             (unsigned long long)(p->queue_capacity ? p->queue_bytes * 100 / p->queue_capacity
                                                    : 0),
             p->stall, phase);
}

void progress_draw(progress_bar *p, int force)
{
    uint64_t now = uv_hrtime();
    char line[256];

    if (!p->enabled || (!force && now - p->last_draw_ns < 100000000ull))
        return;
    p->last_draw_ns = now;
    progress_format(p, now, line, sizeof(line));
    fprintf(p->out, "\r%-120s", line);
    fflush(p->out);
    p->drawn = 1;
}

void progress_clear(progress_bar *p)
{
    if (!p->enabled || !p->drawn)
        return;
    fprintf(p->out, "\r%-120s\r", "");
    fflush(p->out);
    p->drawn = 0;
}
