/* direct_rocksdb.c - the rows of an NDJSON file written straight into
 * RocksDB, as a program that skips ptingestd would: one column family per
 * relation, one WriteBatch per chunk (the daemon's chunking rule and
 * sizes), the daemon's built-in RocksDB options, the WAL on and not synced
 * (like ingest.sync: none), one writing thread.
 *
 *   direct_rocksdb [options] FILE.ndjson DBDIR
 *     --chunk-rows N     rows per WriteBatch at most (default 8192)
 *     --chunk-bytes N    key+value+16 bytes per WriteBatch at most (1048576)
 *     --sync             fsync the WAL with every batch (sync=true)
 *     --opt NAME=VALUE   one more RocksDB option (DB or CF, by RocksDB name;
 *                        repeatable, applied after the daemon's defaults)
 *     --no-defaults      start from RocksDB's defaults instead of the daemon's
 *     --bulk             compaction deferred while writing, as the daemon's
 *                        bulk-ingest profile does (disable_auto_compactions
 *                        on, switched off again once the rows are in)
 *     --stats            print RocksDB's "rocksdb.stats" to stderr at the end
 *                        (write stalls, flushes, compactions)
 *
 * The file is parsed into memory first (client/ndjson, as the CLI does);
 * the clock covers only the writes. Prints one JSON line (rows.h
 * bench_report) with the write time, peak RSS (VmHWM, restarted once the
 * rows are loaded; preload_rss_kib is the RSS at that moment, so the
 * difference is what RocksDB took), CPU seconds of the writes
 * and the time close took.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rocksdb/c.h>

#include "rows.h"

/* config/config.c default_db_options / default_cf_options, as RocksDB
 * option text, when this was written; compare.sh passes the daemon's
 * current ones (from `ptingestd --check-config`) with --no-defaults --opt. */
static const char daemon_defaults[] =
    "max_background_jobs=6;bytes_per_sync=1048576;"
    "write_buffer_size=16777216;max_write_buffer_number=4;"
    "min_write_buffer_number_to_merge=2;level0_file_num_compaction_trigger=4;"
    "level0_slowdown_writes_trigger=20;level0_stop_writes_trigger=36";

static int apply(rocksdb_options_t **o, const char *text)
{
    rocksdb_options_t *next = rocksdb_options_create();
    char *err = NULL;

    rocksdb_get_options_from_string(*o, text, next, &err);
    if (err) {
        fprintf(stderr, "direct_rocksdb: RocksDB rejected \"%s\": %s\n", text, err);
        rocksdb_free(err);
        rocksdb_options_destroy(next);
        return -1;
    }
    rocksdb_options_destroy(*o);
    *o = next;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: direct_rocksdb [--chunk-rows N] [--chunk-bytes N] [--sync]\n"
                    "       [--opt NAME=VALUE]... [--no-defaults] [--bulk] [--stats] FILE.ndjson DBDIR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t max_rows = BENCH_CHUNK_ROWS, max_bytes = BENCH_CHUNK_BYTES;
    int sync = 0, defaults = 1, nextra = 0, stats = 0, bulk = 0;
    const char *extra[64];
    const char *file = NULL, *dir = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--chunk-rows") && i + 1 < argc)
            max_rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--chunk-bytes") && i + 1 < argc)
            max_bytes = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--sync"))
            sync = 1;
        else if (!strcmp(argv[i], "--bulk"))
            bulk = 1;
        else if (!strcmp(argv[i], "--stats"))
            stats = 1;
        else if (!strcmp(argv[i], "--no-defaults"))
            defaults = 0;
        else if (!strcmp(argv[i], "--opt") && i + 1 < argc && nextra < 64)
            extra[nextra++] = argv[++i];
        else if (argv[i][0] == '-')
            usage();
        else if (!file)
            file = argv[i];
        else if (!dir)
            dir = argv[i];
        else
            usage();
    }
    if (!file || !dir || max_rows == 0 || max_bytes == 0)
        usage();

    bench_rows r;
    char msg[512];
    if (bench_rows_load(&r, file, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "direct_rocksdb: %s\n", msg);
        return 2;
    }
    long base = bench_reset_peak_rss();

    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(o, 1);
    rocksdb_options_set_create_missing_column_families(o, 1);
    if (defaults && apply(&o, daemon_defaults) < 0)
        return 2;
    for (int i = 0; i < nextra; i++)
        if (apply(&o, extra[i]) < 0)
            return 2;
    if (bulk && apply(&o, "disable_auto_compactions=true") < 0)
        return 2;

    size_t ncf = r.nrel + 1;
    const char **names = calloc(ncf, sizeof(*names));
    const rocksdb_options_t **cfo = calloc(ncf, sizeof(*cfo));
    rocksdb_column_family_handle_t **cfs = calloc(ncf, sizeof(*cfs));
    if (!names || !cfo || !cfs) {
        fprintf(stderr, "direct_rocksdb: out of memory\n");
        return 1;
    }
    names[0] = "default";
    for (size_t i = 0; i < r.nrel; i++)
        names[i + 1] = r.rel_names[i];
    for (size_t i = 0; i < ncf; i++)
        cfo[i] = o;
    char *err = NULL;
    rocksdb_t *db = rocksdb_open_column_families(o, dir, (int)ncf, names, cfo, cfs, &err);
    if (err) {
        fprintf(stderr, "direct_rocksdb: cannot open %s: %s\n", dir, err);
        return 1;
    }
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(wo, sync);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    uint64_t batches = 0;

    double t0 = bench_now(), cpu0 = bench_cpu_s();
    for (size_t start = 0; start < r.n;) {
        size_t end = bench_chunk_end(&r, start, max_rows, max_bytes);
        rocksdb_writebatch_clear(wb);
        for (size_t i = start; i < end; i++) {
            const bench_row *b = &r.v[i];
            if (b->del)
                rocksdb_writebatch_delete_cf(wb, cfs[b->rel + 1], b->key, b->klen);
            else
                rocksdb_writebatch_put_cf(wb, cfs[b->rel + 1], b->key, b->klen,
                                          b->val, b->vlen);
        }
        rocksdb_write(db, wo, wb, &err);
        if (err) {
            fprintf(stderr, "direct_rocksdb: write failed after %zu rows: %s\n", start, err);
            return 1;
        }
        batches++;
        start = end;
    }
    double t1 = bench_now(), cpu1 = bench_cpu_s();

    if (bulk) {
        /* as the daemon does when the last job ends: compaction catches up */
        const char *k[] = {"disable_auto_compactions"}, *v[] = {"false"};
        for (size_t i = 0; i < ncf; i++) {
            rocksdb_set_options_cf(db, cfs[i], 1, k, v, &err);
            if (err) {
                fprintf(stderr, "direct_rocksdb: %s\n", err);
                rocksdb_free(err);
                err = NULL;
            }
        }
    }
    if (stats) {
        char *text = rocksdb_property_value(db, "rocksdb.stats");
        if (text)
            fputs(text, stderr);
        rocksdb_free(text);
    }
    rocksdb_writebatch_destroy(wb);
    rocksdb_writeoptions_destroy(wo);
    for (size_t i = 0; i < ncf; i++)
        rocksdb_column_family_handle_destroy(cfs[i]);
    rocksdb_close(db);
    double t2 = bench_now();

    char x[128];
    snprintf(x, sizeof(x), ",\"batches\":%llu,\"sync\":%s,\"bulk\":%s,\"close_s\":%.3f,\"cpu_s\":%.2f",
             (unsigned long long)batches, sync ? "true" : "false", bulk ? "true" : "false", t2 - t1,
             cpu1 - cpu0);
    bench_report("rocksdb-direct", &r, t1 - t0, base, x);
    rocksdb_options_destroy(o);
    free(names);
    free(cfo);
    free(cfs);
    bench_rows_free(&r);
    return 0;
}
