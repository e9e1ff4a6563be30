/* stall_probe - asks ptingestd for status every 100 ms during an ingest,
 * as bench/stall.sh needs: status latency percentiles, samples that saw
 * RocksDB's writes stopped, the daemon's stall time, and the longest time
 * any job went without an acknowledged chunk.
 *
 *   stall_probe SOCKET STOPFILE     runs until STOPFILE exists
 * prints one JSON object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "client/libptingest.h"

static uint64_t num_after(const char *json, const char *key)
{
    const char *p = strstr(json, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* the largest "max_ack_gap_ms": in the jobs array */
static uint64_t max_gap(const char *json)
{
    uint64_t best = 0;
    for (const char *p = json; (p = strstr(p, "\"max_ack_gap_ms\":")); p++) {
        uint64_t v = strtoull(p + 17, NULL, 10);
        if (v > best)
            best = v;
    }
    return best;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static double lat[1 << 17];
    size_t n = 0;
    uint64_t stopped = 0, stall_us = 0, gap_ms = 0, samples = 0, pacing = 0;
    pti_client *c;
    char err[256];

    if (argc != 3) {
        fprintf(stderr, "usage: stall_probe SOCKET STOPFILE\n");
        return 2;
    }
    if (pti_connect(&c, argv[1], err, sizeof(err)) < 0) {
        fprintf(stderr, "stall_probe: %s\n", err);
        return 3;
    }
    while (access(argv[2], F_OK) != 0) {
        uint64_t t0 = uv_hrtime();
        char *json;
        if (pti_status(c, &json, err, sizeof(err)) < 0) {
            fprintf(stderr, "stall_probe: %s\n", err);
            return 4;
        }
        if (n < sizeof(lat) / sizeof(lat[0]))
            lat[n++] = (double)(uv_hrtime() - t0) / 1e6;
        samples++;
        stopped += strstr(json, "\"is_write_stopped\":true") != NULL;
        pacing += strstr(json, "\"stall_state\":\"pacing\"") != NULL;
        stall_us = num_after(json, "\"stall_micros\":");
        if (max_gap(json) > gap_ms)
            gap_ms = max_gap(json);
        free(json);
        uv_sleep(100);
    }
    pti_close(c);
    qsort(lat, n, sizeof(double), cmp);
    printf("{\"stopped_samples\":%llu,\"samples\":%llu,\"pacing_samples\":%llu,"
           "\"stall_micros\":%llu,\"max_no_ack_gap_s\":%.2f,\"status_p50_ms\":%.2f,"
           "\"status_p99_ms\":%.2f,\"status_max_ms\":%.2f}\n",
           (unsigned long long)stopped, (unsigned long long)samples,
           (unsigned long long)pacing, (unsigned long long)stall_us, (double)gap_ms / 1000,
           n ? lat[n / 2] : 0, n ? lat[n * 99 / 100] : 0, n ? lat[n - 1] : 0);
    return 0;
}
