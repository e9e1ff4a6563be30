/* naive_ingest - the way the original tool wrote, for bench/stall.sh:
 * RocksDB defaults (64 MiB memtable, 2 memtables, 2 background jobs), one
 * giant WriteBatch per relation, under the same flush/compaction rate
 * limit as ptingestd. Like the original tool's storage engine, every
 * relation lives in one keyspace (the default column family, keys
 * prefixed with the relation name): with a column family per relation,
 * each would take its one batch into a memtable of its own and never
 * wait, which is not what froze the original tool. A monitor thread samples what ptingestd's status
 * reports, every 100 ms: is-write-stopped, and the latency of answering
 * (here: reading the same RocksDB properties — the most a tool without a
 * status API could say). An "acknowledgement" is a batch returning.
 *
 *   naive_ingest DBDIR NDJSON RATE_BYTES_PER_SEC
 * prints one JSON object with the keys bench/stall.sh compares.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <rocksdb/c.h>

#include "client/ndjson.h"
#include "daemon/stall.h"

static const char *const rels[] = {"CodeGraph", "DependencyEdges", "TestEntitiesExcluded",
                                   "FileWordCoverage", "IgnoredFiles"};
#define NREL 5

typedef struct mon {
    rocksdb_t *db;
    atomic_int stop;
    uint64_t stopped, samples;
    double lat[1 << 16];
    size_t nlat;
    atomic_uint_fast64_t last_ack_ns;
    uint64_t max_gap_ns;
} mon;

static void monitor(void *arg)
{
    mon *m = arg;

    while (!atomic_load(&m->stop)) {
        uint64_t t0 = uv_hrtime(), v = 0, gap;
        char *s = rocksdb_property_value(m->db, "rocksdb.is-write-stopped");
        if (s) {
            v = strtoull(s, NULL, 10);
            rocksdb_free(s);
        }
        s = rocksdb_property_value(m->db, "rocksdb.num-immutable-mem-table");
        rocksdb_free(s);
        if (m->nlat < sizeof(m->lat) / sizeof(m->lat[0]))
            m->lat[m->nlat++] = (double)(uv_hrtime() - t0) / 1e6;
        m->samples++;
        m->stopped += v != 0;
        gap = uv_hrtime() - atomic_load(&m->last_ack_ns);
        if (gap > m->max_gap_ns)
            m->max_gap_ns = gap;
        uv_sleep(100);
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
        return NULL;
    buf = malloc((size_t)n + NDJSON_PADDING);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_writebatch_t *wb[NREL];
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    ndjson_parser *p;
    char *err = NULL, *data, msg[256];
    size_t len, rows = 0;
    uint64_t t0, t1, stall_us = 0;
    uv_thread_t th;
    mon *m = calloc(1, sizeof(*m));

    if (argc != 4) {
        fprintf(stderr, "usage: naive_ingest DBDIR NDJSON RATE_BYTES_PER_SEC\n");
        return 2;
    }
    if (!(data = slurp(argv[2], &len)) || ndjson_parser_new(&p) < 0 || !m) {
        fprintf(stderr, "naive_ingest: cannot read %s\n", argv[2]);
        return 1;
    }
    /* RocksDB's defaults, as the original tool used them. */
    rocksdb_options_set_create_if_missing(o, 1);
    rocksdb_options_set_create_missing_column_families(o, 1);
    if (atoll(argv[3]) > 0)
        rocksdb_options_set_ratelimiter(o, rocksdb_ratelimiter_create(atoll(argv[3]), 100000, 10));
    m->db = rocksdb_open(o, argv[1], &err);
    if (err) {
        fprintf(stderr, "naive_ingest: %s\n", err);
        return 1;
    }
    /* Build the giant batches first: the original tool had its rows in
     * memory already. */
    for (int i = 0; i < NREL; i++)
        wb[i] = rocksdb_writebatch_create();
    char *kbuf = malloc(1 << 20);
    for (size_t pos = 0; pos < len;) {
        char *nl = memchr(data + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - data - pos) : len - pos;
        ndjson_row r;
        if (ndjson_parse_line(p, data + pos, l, &r, msg, sizeof(msg)) == 0) {
            for (int i = 0; i < NREL; i++)
                if (strlen(rels[i]) == r.rel_len && memcmp(rels[i], r.rel, r.rel_len) == 0 &&
                    r.rel_len + 1 + r.key_len <= (1 << 20)) {
                    memcpy(kbuf, r.rel, r.rel_len);
                    kbuf[r.rel_len] = '\0';
                    memcpy(kbuf + r.rel_len + 1, r.key, r.key_len);
                    rocksdb_writebatch_put(wb[i], kbuf, r.rel_len + 1 + r.key_len, r.value,
                                           r.value_len);
                    rows++;
                }
        }
        pos += l + 1;
    }
    t0 = uv_hrtime();
    atomic_store(&m->last_ack_ns, t0);
    uv_thread_create(&th, monitor, m);
    for (int i = 0; i < NREL; i++) {
        rocksdb_write(m->db, wo, wb[i], &err);
        if (err) {
            fprintf(stderr, "naive_ingest: write: %s\n", err);
            return 1;
        }
        atomic_store(&m->last_ack_ns, uv_hrtime());
    }
    /* Like the daemon's run, the clock stops when the last write returns. */
    t1 = uv_hrtime();
    atomic_store(&m->stop, 1);
    uv_thread_join(&th);
    char *st = rocksdb_property_value(m->db, "rocksdb.dbstats");
    stall_parse_cumulative(st, &stall_us);
    rocksdb_free(st);
    qsort(m->lat, m->nlat, sizeof(double), cmp);
    double wall = (double)(t1 - t0) / 1e9;
    printf("{\"wall_s\":%.2f,\"rows_per_s\":%.0f,\"stopped_samples\":%llu,\"samples\":%llu,"
           "\"stall_micros\":%llu,\"max_no_ack_gap_s\":%.2f,\"status_p50_ms\":%.2f,"
           "\"status_p99_ms\":%.2f,\"status_max_ms\":%.2f}\n",
           wall, (double)rows / wall, (unsigned long long)m->stopped,
           (unsigned long long)m->samples, (unsigned long long)stall_us,
           (double)m->max_gap_ns / 1e9, m->nlat ? m->lat[m->nlat / 2] : 0,
           m->nlat ? m->lat[m->nlat * 99 / 100] : 0, m->nlat ? m->lat[m->nlat - 1] : 0);
    for (int i = 0; i < NREL; i++)
        rocksdb_writebatch_destroy(wb[i]);
    free(kbuf);
    rocksdb_close(m->db);
    return 0;
}
