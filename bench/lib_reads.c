/* lib_reads.c - the reads of bench/reads.sh made through libptingest,
 * set against bench/direct_reads on the same database:
 *
 *   lib_reads [--socket PATH] scan REL
 *       every row of one relation through pti_scan (keys and values
 *       handed to a callback that touches their bytes)
 *   lib_reads [--socket PATH] mget REL KEYFILE
 *       the keys of KEYFILE (one JSON string a line) in one pti_multiget
 *   lib_reads [--socket PATH] getlat REL KEYFILE N [LABEL]
 *       N single-key pti_get calls, one after another on one connection,
 *       the keys of KEYFILE in turn; each call timed. With
 *       $LIB_READS_STOP_FILE set, it also stops once that file exists
 *       (to sample only while something else runs)
 *
 * scan and mget print one JSON line like direct_reads (rows, bytes,
 * seconds, this client's CPU seconds); getlat prints the latency
 * distribution in milliseconds (p50, p90, p99, p99.9, max) over N.
 * Socket: --socket, else $PTINGEST_SOCKET, else the daemon's default.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../client/libptingest.h"
#include "keyfile.h"
#include "rows.h"

typedef struct tally {
    uint64_t rows, kbytes, vbytes, touch;
} tally;

static int on_row(void *ud, const char *rel, const char *key, size_t klen, const char *val,
                  size_t vlen)
{
    tally *t = ud;

    (void)rel;
    t->rows++;
    t->kbytes += klen;
    t->vbytes += vlen;
    t->touch += (unsigned char)key[klen - 1] + (vlen ? (unsigned char)val[vlen - 1] : 0);
    return 0;
}

static int on_value(void *ud, size_t i, const char *val, size_t vlen)
{
    tally *t = ud;

    (void)i;
    if (val) {
        t->rows++;
        t->vbytes += vlen;
        t->touch += vlen ? (unsigned char)val[vlen - 1] : 0;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static int getlat(pti_client *c, const char *rel, const bench_keys *k, size_t n,
                  const char *label)
{
    double *lat = malloc((n ? n : 1) * sizeof(*lat)), sum = 0;
    const char *stop = getenv("LIB_READS_STOP_FILE");
    char err[512], *val;
    size_t vlen, missing = 0;

    if (!lat || !k->n)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (stop && i % 100 == 0 && access(stop, F_OK) == 0) {
            n = i;
            break;
        }
        size_t j = i % k->n;
        double t0 = bench_now();
        int r = pti_get(c, rel, k->key[j], k->len[j], &val, &vlen, err, sizeof(err));
        lat[i] = (bench_now() - t0) * 1e3;
        if (r < 0) {
            fprintf(stderr, "lib_reads: get: %s\n", err);
            return 1;
        }
        missing += r == 0;
        free(val);
        sum += lat[i];
    }
    if (!n)
        return 1;
    qsort(lat, n, sizeof(*lat), cmp_double);
    printf("{\"system\":\"ptingestd\",\"mode\":\"getlat\",\"label\":\"%s\",\"rel\":\"%s\","
           "\"n\":%zu,\"missing\":%zu,\"mean_ms\":%.4f,\"p50_ms\":%.4f,\"p90_ms\":%.4f,"
           "\"p99_ms\":%.4f,\"p999_ms\":%.4f,\"max_ms\":%.4f}\n",
           label, rel, n, missing, sum / (double)n, pct(lat, n, 0.5), pct(lat, n, 0.9),
           pct(lat, n, 0.99), pct(lat, n, 0.999), lat[n - 1]);
    free(lat);
    return 0;
}

int main(int argc, char **argv)
{
    const char *sock = NULL, *mode, *rel;
    char err[512];
    pti_client *c;
    tally t = {0};
    double t0, t1, c0, c1;
    int i = 1, r;

    if (argc > 2 && strcmp(argv[1], "--socket") == 0) {
        sock = argv[2];
        i = 3;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: lib_reads [--socket PATH] scan REL | mget REL KEYFILE | "
                        "getlat REL KEYFILE N [LABEL]\n");
        return 2;
    }
    mode = argv[i];
    rel = argv[i + 1];
    if (pti_connect(&c, sock, err, sizeof(err)) < 0) {
        fprintf(stderr, "lib_reads: %s\n", err);
        return 3;
    }
    if (strcmp(mode, "scan") == 0) {
        pti_scan_opts o;
        memset(&o, 0, sizeof(o));
        t0 = bench_now();
        c0 = bench_cpu_s();
        r = pti_scan(c, rel, &o, on_row, &t, err, sizeof(err));
        t1 = bench_now();
        c1 = bench_cpu_s();
    } else if (argc - i >= 3) {
        bench_keys k;
        char msg[512];
        uint64_t found = 0;
        if (bench_keys_load(&k, argv[i + 2], msg, sizeof(msg)) < 0) {
            fprintf(stderr, "lib_reads: %s\n", msg);
            return 2;
        }
        if (strcmp(mode, "getlat") == 0) {
            r = getlat(c, rel, &k, argc - i >= 4 ? strtoull(argv[i + 3], NULL, 10) : 10000,
                       argc - i >= 5 ? argv[i + 4] : "");
            bench_keys_free(&k);
            pti_close(c);
            return r;
        }
        t0 = bench_now();
        c0 = bench_cpu_s();
        r = pti_multiget(c, rel, k.n, k.key, k.len, on_value, &t, &found, err, sizeof(err));
        t1 = bench_now();
        c1 = bench_cpu_s();
        for (size_t j = 0; j < k.n; j++)
            t.kbytes += k.len[j];
        bench_keys_free(&k);
    } else {
        fprintf(stderr, "lib_reads: unknown mode %s\n", mode);
        return 2;
    }
    pti_close(c);
    if (r < 0) {
        fprintf(stderr, "lib_reads: %s\n", err);
        return 1;
    }
    printf("{\"system\":\"ptingestd\",\"mode\":\"%s\",\"rel\":\"%s\",\"rows\":%llu,"
           "\"key_bytes\":%llu,\"value_bytes\":%llu,\"secs\":%.4f,\"cpu_s\":%.3f,"
           "\"touch\":%llu}\n",
           mode, rel, (unsigned long long)t.rows, (unsigned long long)t.kbytes,
           (unsigned long long)t.vbytes, t1 - t0, c1 - c0, (unsigned long long)t.touch);
    return 0;
}
