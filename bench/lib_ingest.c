/* lib_ingest.c - the rows of an NDJSON file sent to ptingestd through
 * libptingest with no JSON parsing on the clock: the file is parsed into
 * memory first (client/ndjson, as the CLI does), then one job of
 * pti_job_put for every row and pti_job_end is timed. Set against
 * `ptingest ingest` of the same file, it separates the CLI's cost (reading
 * and parsing NDJSON) from the daemon's.
 *
 *   lib_ingest [--socket PATH] [--job ID] FILE.ndjson
 *
 * Socket: --socket, else $PTINGEST_SOCKET, else the daemon's default.
 * Prints one JSON line (rows.h bench_report); its peak RSS is this
 * client's, pre-loaded rows included, not the daemon's.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../client/libptingest.h"
#include "rows.h"

int main(int argc, char **argv)
{
    const char *sock = NULL, *job = NULL, *file = NULL;
    char path[512], err[512];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc)
            sock = argv[++i];
        else if (!strcmp(argv[i], "--job") && i + 1 < argc)
            job = argv[++i];
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else {
            fprintf(stderr, "usage: lib_ingest [--socket PATH] [--job ID] FILE.ndjson\n");
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: lib_ingest [--socket PATH] [--job ID] FILE.ndjson\n");
        return 2;
    }
    if (!sock) {
        pti_default_socket(path, sizeof(path));
        sock = path;
    }

    bench_rows r;
    if (bench_rows_load(&r, file, err, sizeof(err)) < 0) {
        fprintf(stderr, "lib_ingest: %s\n", err);
        return 2;
    }
    long base = bench_reset_peak_rss();

    pti_client *c;
    if (pti_connect(&c, sock, err, sizeof(err)) < 0) {
        fprintf(stderr, "lib_ingest: %s\n", err);
        return 3;
    }
    /* The daemon's relation indexes for ours. */
    int map[BENCH_MAX_REL];
    for (size_t i = 0; i < r.nrel; i++) {
        map[i] = pti_relation_index(c, r.rel_names[i], strlen(r.rel_names[i]));
        if (map[i] < 0 && r.rel_rows[i] > 0) {
            fprintf(stderr, "lib_ingest: the daemon has no relation %s\n", r.rel_names[i]);
            return 2;
        }
    }

    double t0 = bench_now(), cpu0 = bench_cpu_s();
    if (pti_job_begin(c, job, err, sizeof(err)) < 0)
        goto fail;
    for (size_t i = 0; i < r.n; i++) {
        const bench_row *b = &r.v[i];
        int e = b->del ? pti_job_del(c, (unsigned)map[b->rel], b->key, b->klen, err, sizeof(err))
                       : pti_job_put(c, (unsigned)map[b->rel], b->key, b->klen, b->val,
                                     b->vlen, err, sizeof(err));
        if (e < 0)
            goto fail;
    }
    uint64_t rows = 0, bytes = 0;
    if (pti_job_end(c, &rows, &bytes, err, sizeof(err)) < 0)
        goto fail;
    double t1 = bench_now(), cpu1 = bench_cpu_s();

    if (rows != r.n)
        fprintf(stderr, "lib_ingest: the daemon acknowledged %llu of %zu rows\n",
                (unsigned long long)rows, r.n);
    char x[96];
    snprintf(x, sizeof(x), ",\"rows_acked\":%llu,\"cpu_s\":%.2f", (unsigned long long)rows,
             cpu1 - cpu0);
    bench_report("ptingestd-lib", &r, t1 - t0, base, x);
    int rc = rows == r.n ? 0 : 4;
    pti_close(c);
    bench_rows_free(&r);
    return rc;
fail:
    fprintf(stderr, "lib_ingest: %s\n", err);
    pti_close(c);
    return 4;
}
