/* progress.c - the ingest progress bar. Drawn with \r on one line; the
 * stall state is shown so that a slow disk never looks like a hang. */
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
    strcpy(p->stall, "ok");
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
    double mb = (double)p->input_bytes / 1e6;
    double rate = secs > 0 ? (double)p->rows_acked / secs : 0;
    char eta[32] = "?", bar[24];
    size_t n = 0;

    if (p->total_bytes) {
        double frac = (double)p->input_bytes / (double)p->total_bytes;
        int fill = (int)(frac * 20 + 0.5);
        if (frac > 1)
            frac = 1;
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = '\0';
        if (frac > 0.001 && secs > 0.5)
            fmt_duration((uint64_t)(secs / frac - secs), eta, sizeof(eta));
        n = (size_t)snprintf(out, outlen, "[%s] %3d%% ", bar, (int)(frac * 100));
    }
    if (n >= outlen)
        return;
    snprintf(out + n, outlen - n, "%llu rows  %.1f MB  %.0f rows/s  ETA %s  queue %llu%%  %s",
             (unsigned long long)p->rows_acked, mb, rate, eta,
             (unsigned long long)(p->queue_capacity ? p->queue_bytes * 100 / p->queue_capacity : 0),
             p->stall);
}

void progress_draw(progress_bar *p, int force)
{
    uint64_t now = uv_hrtime();
    char line[256];

    if (!p->enabled || (!force && now - p->last_draw_ns < 100000000ull))
        return;
    p->last_draw_ns = now;
    progress_format(p, now, line, sizeof(line));
    fprintf(p->out, "\r%-100s", line);
    fflush(p->out);
    p->drawn = 1;
}

void progress_clear(progress_bar *p)
{
    if (!p->enabled || !p->drawn)
        return;
    fprintf(p->out, "\r%-100s\r", "");
    fflush(p->out);
    p->drawn = 0;
}
