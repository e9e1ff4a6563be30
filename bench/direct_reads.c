/* direct_reads.c - the reads of bench/reads.sh made straight on RocksDB,
 * as a program that skips ptingestd would, with the read options the
 * daemon uses for the same read (daemon/readwork.c, daemon/store.c):
 *
 *   direct_reads scan DBDIR REL
 *       every row of one relation: an iterator on a snapshot, fill_cache
 *       on (the daemon's SCAN), key and value bytes touched
 *   direct_reads mget DBDIR REL KEYFILE
 *       the keys of KEYFILE (one JSON string a line) in one MultiGet
 *       (RocksDB's batched form) on a snapshot
 *
 * The database is opened read-only (it takes no lock, so the daemon may
 * keep it open; it must not be writing meanwhile for the figures to mean
 * anything) with RocksDB's default options: the daemon's built-in options
 * differ from them only on the write side (memtables, compaction, sync).
 * Prints one JSON line: rows (or keys found), key and value bytes, the
 * read's seconds, CPU seconds.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rocksdb/c.h>

#include "keyfile.h"
#include "rows.h"

static void usage(void)
{
    fprintf(stderr, "usage: direct_reads scan DBDIR REL\n"
                    "       direct_reads mget DBDIR REL KEYFILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *mode, *dir, *rel;
    rocksdb_options_t *o;
    char **names, *err = NULL;
    size_t ncf = 0, cf = (size_t)-1;
    rocksdb_column_family_handle_t **cfs;
    const rocksdb_options_t **cfo;
    rocksdb_t *db;
    rocksdb_readoptions_t *ro;
    const rocksdb_snapshot_t *snap;
    uint64_t rows = 0, kbytes = 0, vbytes = 0, touch = 0;
    double t0, t1, c0, c1;

    if (argc < 4)
        usage();
    mode = argv[1];
    dir = argv[2];
    rel = argv[3];
    if (strcmp(mode, "scan") != 0 && (strcmp(mode, "mget") != 0 || argc < 5))
        usage();

    o = rocksdb_options_create();
    names = rocksdb_list_column_families(o, dir, &ncf, &err);
    if (err) {
        fprintf(stderr, "direct_reads: %s: %s\n", dir, err);
        return 1;
    }
    cfs = calloc(ncf, sizeof(*cfs));
    cfo = calloc(ncf, sizeof(*cfo));
    for (size_t i = 0; i < ncf; i++) {
        cfo[i] = o;
        if (strcmp(names[i], rel) == 0)
            cf = i;
    }
    if (cf == (size_t)-1) {
        fprintf(stderr, "direct_reads: no relation %s in %s\n", rel, dir);
        return 1;
    }
    db = rocksdb_open_for_read_only_column_families(o, dir, (int)ncf,
                                                    (const char *const *)names, cfo, cfs, 0,
                                                    &err);
    if (err) {
        fprintf(stderr, "direct_reads: cannot open %s: %s\n", dir, err);
        return 1;
    }
    ro = rocksdb_readoptions_create();

    if (strcmp(mode, "scan") == 0) {
        rocksdb_iterator_t *it;
        t0 = bench_now();
        c0 = bench_cpu_s();
        snap = rocksdb_create_snapshot(db);
        rocksdb_readoptions_set_snapshot(ro, snap);
        it = rocksdb_create_iterator_cf(db, ro, cfs[cf]);
        for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
            size_t kl, vl;
            const char *k = rocksdb_iter_key(it, &kl);
            const char *v = rocksdb_iter_value(it, &vl);
            rows++;
            kbytes += kl;
            vbytes += vl;
            touch += (unsigned char)k[kl - 1] + (vl ? (unsigned char)v[vl - 1] : 0);
        }
        rocksdb_iter_get_error(it, &err);
        rocksdb_iter_destroy(it);
        rocksdb_release_snapshot(db, snap);
        t1 = bench_now();
        c1 = bench_cpu_s();
    } else {
        bench_keys k;
        char msg[512];
        rocksdb_pinnableslice_t **vals;
        char **errs;
        if (bench_keys_load(&k, argv[4], msg, sizeof(msg)) < 0) {
            fprintf(stderr, "direct_reads: %s\n", msg);
            return 2;
        }
        vals = calloc(k.n ? k.n : 1, sizeof(*vals));
        errs = calloc(k.n ? k.n : 1, sizeof(*errs));
        t0 = bench_now();
        c0 = bench_cpu_s();
        snap = rocksdb_create_snapshot(db);
        rocksdb_readoptions_set_snapshot(ro, snap);
        rocksdb_batched_multi_get_cf(db, ro, cfs[cf], k.n, k.key, k.len, vals, errs, false);
        for (size_t i = 0; i < k.n; i++) {
            size_t vl = 0;
            const char *v;
            if (errs[i] && !err)
                err = errs[i];
            else
                rocksdb_free(errs[i]);
            if (!vals[i])
                continue;
            v = rocksdb_pinnableslice_value(vals[i], &vl);
            rows++;
            kbytes += k.len[i];
            vbytes += vl;
            touch += vl ? (unsigned char)v[vl - 1] : 0;
            rocksdb_pinnableslice_destroy(vals[i]);
        }
        rocksdb_release_snapshot(db, snap);
        t1 = bench_now();
        c1 = bench_cpu_s();
        free(vals);
        free(errs);
        bench_keys_free(&k);
    }
    if (err) {
        fprintf(stderr, "direct_reads: read failed: %s\n", err);
        return 1;
    }
    printf("{\"system\":\"rocksdb-direct\",\"mode\":\"%s\",\"rel\":\"%s\",\"rows\":%llu,"
           "\"key_bytes\":%llu,\"value_bytes\":%llu,\"secs\":%.4f,\"cpu_s\":%.3f,"
           "\"touch\":%llu}\n",
           mode, rel, (unsigned long long)rows, (unsigned long long)kbytes,
           (unsigned long long)vbytes, t1 - t0, c1 - c0, (unsigned long long)touch);
    rocksdb_readoptions_destroy(ro);
    for (size_t i = 0; i < ncf; i++)
        rocksdb_column_family_handle_destroy(cfs[i]);
    rocksdb_close(db);
    rocksdb_list_column_families_destroy(names, ncf);
    rocksdb_options_destroy(o);
    free(cfs);
    free(cfo);
    return 0;
}
