/* resp_gen.c - the rows of an NDJSON file as Redis protocol (RESP) for
 * `redis-cli --pipe`: a put is SET "<rel>:<key>" <value>, a delete is
 * DEL "<rel>:<key>" (Redis has no column families: the relation prefixes
 * the key). Values are the same compact JSON text the other stores get.
 *
 *   resp_gen FILE.ndjson OUT.resp [CHUNK_ROWS CHUNK_BYTES]
 *
 * Also prints one JSON line describing the data set, used to size the
 * other benchmarks (db_bench's --key_size/--value_size):
 *   {"rows":N,"key_bytes":K,"value_bytes":V,"mean_key":k,"mean_value":v,
 *    "chunks":C,"mean_chunk_rows":c,"rel_rows":{"CodeGraph":n,...}}
 * (chunks: WriteBatches under the chunk bounds given, else the daemon's
 * built-in ones).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

static void bulk(FILE *f, const char *a, size_t alen, const char *b, size_t blen)
{
    fprintf(f, "$%zu\r\n", alen + blen);
    fwrite(a, 1, alen, f);
    fwrite(b, 1, blen, f);
    fputs("\r\n", f);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: resp_gen FILE.ndjson OUT.resp [CHUNK_ROWS CHUNK_BYTES]\n");
        return 2;
    }
    uint64_t max_rows = argc == 5 ? strtoull(argv[3], NULL, 10) : BENCH_CHUNK_ROWS;
    uint64_t max_bytes = argc == 5 ? strtoull(argv[4], NULL, 10) : BENCH_CHUNK_BYTES;
    if (!max_rows || !max_bytes) {
        fprintf(stderr, "resp_gen: chunk bounds must be positive\n");
        return 2;
    }
    bench_rows r;
    char msg[512];
    if (bench_rows_load(&r, argv[1], msg, sizeof(msg)) < 0) {
        fprintf(stderr, "resp_gen: %s\n", msg);
        return 2;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(f, obuf, _IOFBF, sizeof(obuf));

    char prefix[BENCH_MAX_REL][300];
    size_t plen[BENCH_MAX_REL];
    for (size_t i = 0; i < r.nrel; i++) {
        snprintf(prefix[i], sizeof(prefix[i]), "%s:", r.rel_names[i]);
        plen[i] = strlen(prefix[i]);
    }
    for (size_t i = 0; i < r.n; i++) {
        const bench_row *b = &r.v[i];
        if (b->del) {
            fputs("*2\r\n$3\r\nDEL\r\n", f);
            bulk(f, prefix[b->rel], plen[b->rel], b->key, b->klen);
        } else {
            fputs("*3\r\n$3\r\nSET\r\n", f);
            bulk(f, prefix[b->rel], plen[b->rel], b->key, b->klen);
            bulk(f, "", 0, b->val, b->vlen);
        }
    }
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }

    size_t chunks = 0;
    for (size_t start = 0; start < r.n; chunks++)
        start = bench_chunk_end(&r, start, max_rows, max_bytes);

    printf("{\"rows\":%zu,\"key_bytes\":%llu,\"value_bytes\":%llu,\"mean_key\":%.0f,"
           "\"mean_value\":%.0f,\"chunks\":%zu,\"mean_chunk_rows\":%.0f,\"rel_rows\":{",
           r.n, (unsigned long long)r.key_bytes, (unsigned long long)r.val_bytes,
           r.n ? (double)r.key_bytes / (double)r.n : 0.0,
           r.n ? (double)r.val_bytes / (double)r.n : 0.0, chunks,
           chunks ? (double)r.n / (double)chunks : 0.0);
    for (size_t i = 0, k = 0; i < r.nrel; i++)
        if (r.rel_rows[i])
            printf("%s\"%s\":%llu", k++ ? "," : "", r.rel_names[i],
                   (unsigned long long)r.rel_rows[i]);
    printf("}}\n");
    bench_rows_free(&r);
    return 0;
}
