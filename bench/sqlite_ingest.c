/* sqlite_ingest.c - the rows of an NDJSON file written into SQLite the way
 * an application would store them: one table per relation
 * (key TEXT PRIMARY KEY, value TEXT), journal_mode=WAL, synchronous=NORMAL
 * (the WAL is not synced at commit: like ingest.sync: none), prepared
 * INSERT OR REPLACE statements with bound parameters, one transaction per
 * chunk (the daemon's chunking rule and sizes).
 *
 *   sqlite_ingest [--chunk-rows N] [--chunk-bytes N] FILE.ndjson DB
 *
 * A C program rather than the sqlite3 shell: the shell would have to parse
 * SQL text with every 7.5 KB value quoted into it, which measures the SQL
 * parser, not the storage; bound parameters are SQLite's fastest path, so
 * SQLite is shown at its best. The file is parsed into memory first
 * (client/ndjson, as the CLI does); the clock covers only the
 * transactions. Prints one JSON line (rows.h bench_report).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rows.h"

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ingest: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int step(sqlite3 *db, sqlite3_stmt *st)
{
    int e = sqlite3_step(st);

    sqlite3_reset(st);
    if (e != SQLITE_DONE) {
        fprintf(stderr, "sqlite_ingest: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t max_rows = BENCH_CHUNK_ROWS, max_bytes = BENCH_CHUNK_BYTES;
    const char *file = NULL, *path = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--chunk-rows") && i + 1 < argc)
            max_rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--chunk-bytes") && i + 1 < argc)
            max_bytes = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            file = path = NULL, i = argc;
    }
    if (!file || !path || max_rows == 0 || max_bytes == 0) {
        fprintf(stderr, "usage: sqlite_ingest [--chunk-rows N] [--chunk-bytes N] FILE.ndjson DB\n");
        return 2;
    }

    bench_rows r;
    char msg[512];
    if (bench_rows_load(&r, file, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "sqlite_ingest: %s\n", msg);
        return 2;
    }
    long base = bench_reset_peak_rss();

    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ingest: %s: %s\n", path, sqlite3_errmsg(db));
        return 1;
    }
    if (exec(db, "PRAGMA journal_mode=WAL") < 0 || exec(db, "PRAGMA synchronous=NORMAL") < 0)
        return 1;

    sqlite3_stmt *put[BENCH_MAX_REL] = {0}, *del[BENCH_MAX_REL] = {0};
    for (size_t i = 0; i < r.nrel; i++) {
        char sql[512];
        /* Relation names are identifiers from the data: quote them. */
        char *q = sqlite3_mprintf("%w", r.rel_names[i]);
        snprintf(sql, sizeof(sql),
                 "CREATE TABLE IF NOT EXISTS \"%s\" (key TEXT PRIMARY KEY NOT NULL, "
                 "value TEXT NOT NULL)", q);
        if (exec(db, sql) < 0)
            return 1;
        snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO \"%s\" (key, value) VALUES (?1, ?2)", q);
        if (sqlite3_prepare_v2(db, sql, -1, &put[i], NULL) != SQLITE_OK)
            goto sqlerr;
        snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE key = ?1", q);
        if (sqlite3_prepare_v2(db, sql, -1, &del[i], NULL) != SQLITE_OK)
            goto sqlerr;
        sqlite3_free(q);
    }
    sqlite3_stmt *begin, *commit;
    if (sqlite3_prepare_v2(db, "BEGIN", -1, &begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK)
        goto sqlerr;

    uint64_t txs = 0;
    double t0 = bench_now(), cpu0 = bench_cpu_s();
    for (size_t start = 0; start < r.n;) {
        size_t end = bench_chunk_end(&r, start, max_rows, max_bytes);
        if (step(db, begin) < 0)
            return 1;
        for (size_t i = start; i < end; i++) {
            const bench_row *b = &r.v[i];
            sqlite3_stmt *st = b->del ? del[b->rel] : put[b->rel];
            sqlite3_bind_text(st, 1, b->key, (int)b->klen, SQLITE_STATIC);
            if (!b->del)
                sqlite3_bind_text(st, 2, b->val, (int)b->vlen, SQLITE_STATIC);
            if (step(db, st) < 0)
                return 1;
        }
        if (step(db, commit) < 0)
            return 1;
        txs++;
        start = end;
    }
    double t1 = bench_now(), cpu1 = bench_cpu_s();

    for (size_t i = 0; i < r.nrel; i++) {
        sqlite3_finalize(put[i]);
        sqlite3_finalize(del[i]);
    }
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    double t2 = bench_now();

    char x[128];
    snprintf(x, sizeof(x), ",\"transactions\":%llu,\"close_s\":%.3f,\"cpu_s\":%.2f,\"sqlite\":\"%s\"",
             (unsigned long long)txs, t2 - t1, cpu1 - cpu0, sqlite3_libversion());
    bench_report("sqlite", &r, t1 - t0, base, x);
    bench_rows_free(&r);
    return 0;
sqlerr:
    fprintf(stderr, "sqlite_ingest: %s\n", sqlite3_errmsg(db));
    return 1;
}
