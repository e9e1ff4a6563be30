/* status_sampler.c - ptingestd's status (the JSON of `ptingest status
 * --json`) sampled at a fixed interval over one connection, for
 * compare.sh's time series. Spawning the CLI every 150 ms costs a process
 * and a connection per sample and drifts under load; this does not.
 *
 *   status_sampler [--socket PATH] [--interval-ms N] [--max-s S]
 *
 * Prints one line per sample until the daemon goes away, stdout is closed,
 * SIGTERM, or S seconds (default 3600):
 *   t_s rows_written queue_bytes queue_chunks l0_files stall_state
 * (t_s since the first sample).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../client/libptingest.h"

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The number after "key": in s (the first occurrence), or -1. */
static long long num(const char *s, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = s ? strstr(s, pat) : NULL;
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    char path[512], err[512];
    long interval_ms = 150;
    double max_s = 3600;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc)
            sock = argv[++i];
        else if (!strcmp(argv[i], "--interval-ms") && i + 1 < argc)
            interval_ms = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--max-s") && i + 1 < argc)
            max_s = strtod(argv[++i], NULL);
        else {
            fprintf(stderr, "usage: status_sampler [--socket PATH] [--interval-ms N] [--max-s S]\n");
            return 2;
        }
    }
    if (interval_ms < 1)
        interval_ms = 1;
    if (!sock) {
        pti_default_socket(path, sizeof(path));
        sock = path;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    pti_client *c;
    if (pti_connect(&c, sock, err, sizeof(err)) < 0) {
        fprintf(stderr, "status_sampler: %s\n", err);
        return 3;
    }
    double t0 = now(), next = t0;
    while (!stop && now() - t0 < max_s) {
        char *json = NULL;
        if (pti_status(c, &json, err, sizeof(err)) < 0)
            break;
        const char *q = strstr(json, "\"queue\":");
        const char *st = strstr(json, "\"stall_state\":\"");
        char state[32] = "?";
        if (st) {
            st += strlen("\"stall_state\":\"");
            size_t n = strcspn(st, "\"");
            if (n >= sizeof(state))
                n = sizeof(state) - 1;
            memcpy(state, st, n);
            state[n] = '\0';
        }
        if (printf("%.3f %lld %lld %lld %lld %s\n", now() - t0, num(json, "rows_written"),
                   num(q, "bytes"), num(q, "chunks"), num(json, "l0_files"), state) < 0 ||
            fflush(stdout) != 0) {
            free(json);
            break;
        }
        free(json);
        next += (double)interval_ms / 1000.0;
        double d = next - now();
        if (d > 0) {
            struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
            nanosleep(&ts, NULL);
        } else {
            next = now();
        }
    }
    pti_close(c);
    return 0;
}
