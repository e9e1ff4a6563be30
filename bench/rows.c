/* rows.c - see rows.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "rows.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../client/ndjson.h"

#define BLOCK_BYTES (64u << 20)

static const char *const default_rels[] = {
    "CodeGraph", "DependencyEdges", "TestEntitiesExcluded",
    "FileWordCoverage", "IgnoredFiles",
};

static char *arena_copy(bench_rows *r, const char *s, size_t n)
{
    if (r->nblocks == 0 || r->block_used + n > r->block_cap) {
        size_t cap = n > BLOCK_BYTES ? n : BLOCK_BYTES;
        if (r->nblocks == r->blocks_cap) {
            size_t nc = r->blocks_cap ? r->blocks_cap * 2 : 16;
            char **nb = realloc(r->blocks, nc * sizeof(*nb));
            if (!nb)
                return NULL;
            r->blocks = nb;
            r->blocks_cap = nc;
        }
        char *b = malloc(cap);
        if (!b)
            return NULL;
        r->blocks[r->nblocks++] = b;
        r->block_used = 0;
        r->block_cap = cap;
    }
    char *p = r->blocks[r->nblocks - 1] + r->block_used;
    memcpy(p, s, n);
    r->block_used += n;
    return p;
}

static int rel_index(bench_rows *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->nrel; i++)
        if (strlen(r->rel_names[i]) == len && memcmp(r->rel_names[i], name, len) == 0)
            return (int)i;
    if (r->nrel == BENCH_MAX_REL || memchr(name, '\0', len))
        return -1;
    char *s = malloc(len + 1);
    if (!s)
        return -1;
    memcpy(s, name, len);
    s[len] = '\0';
    r->rel_names[r->nrel] = s;
    return (int)r->nrel++;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    char *buf = NULL;
    size_t have = 0;

    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size;
    buf = malloc(cap + NDJSON_PADDING + 1);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    while (have < cap) {
        ssize_t n = read(fd, buf + have, cap - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "file shrank");
            free(buf);
            close(fd);
            return NULL;
        }
        have += (size_t)n;
    }
    close(fd);
    memset(buf + have, 0, NDJSON_PADDING + 1);
    *len = have;
    return buf;
}

int bench_rows_load(bench_rows *r, const char *path, char *err, size_t errlen)
{
    size_t len = 0, cap = 0, lineno = 0;
    ndjson_parser *p = NULL;
    char *buf;
    char perr[256];
    int rc = -1;

    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < sizeof(default_rels) / sizeof(default_rels[0]); i++)
        if (rel_index(r, default_rels[i], strlen(default_rels[i])) < 0)
            goto oom;
    buf = read_file(path, &len, err, errlen);
    if (!buf)
        return -1;
    if (ndjson_parser_new(&p) != 0) {
        free(buf);
        goto oom;
    }
    for (size_t off = 0; off < len;) {
        char *nl = memchr(buf + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - buf) : len;
        ndjson_row row;
        int e;

        lineno++;
        e = ndjson_parse_line(p, buf + off, end - off, &row, perr, sizeof(perr));
        off = end + 1;
        if (e == -ENODATA)
            continue;
        if (e < 0) {
            snprintf(err, errlen, "%s:%zu: %s", path, lineno, perr);
            goto out;
        }
        if (row.key_len > UINT32_MAX || row.value_len > UINT32_MAX) {
            snprintf(err, errlen, "%s:%zu: row too large", path, lineno);
            goto out;
        }
        if (r->n == cap) {
            size_t nc = cap ? cap * 2 : 1u << 16;
            bench_row *nv = realloc(r->v, nc * sizeof(*nv));
            if (!nv)
                goto oom_buf;
            r->v = nv;
            cap = nc;
        }
        bench_row *b = &r->v[r->n];
        int ri = rel_index(r, row.rel, row.rel_len);
        if (ri < 0) {
            snprintf(err, errlen, "%s:%zu: too many relations", path, lineno);
            goto out;
        }
        b->rel = (uint16_t)ri;
        b->del = row.op == NDJSON_DEL;
        b->klen = (uint32_t)row.key_len;
        b->vlen = b->del ? 0 : (uint32_t)row.value_len;
        b->key = arena_copy(r, row.key, row.key_len ? row.key_len : 1);
        b->val = b->del ? NULL : arena_copy(r, row.value, row.value_len ? row.value_len : 1);
        if (!b->key || (!b->del && !b->val))
            goto oom_buf;
        r->key_bytes += b->klen;
        r->val_bytes += b->vlen;
        r->rel_rows[ri]++;
        r->n++;
    }
    rc = 0;
    goto out;
oom_buf:
    snprintf(err, errlen, "%s: out of memory", path);
out:
    ndjson_parser_free(p);
    free(buf);
    if (rc < 0)
        bench_rows_free(r);
    return rc;
oom:
    snprintf(err, errlen, "out of memory");
    bench_rows_free(r);
    return -1;
}

void bench_rows_free(bench_rows *r)
{
    for (size_t i = 0; i < r->nblocks; i++)
        free(r->blocks[i]);
    for (size_t i = 0; i < r->nrel; i++)
        free(r->rel_names[i]);
    free(r->blocks);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

size_t bench_chunk_end(const bench_rows *r, size_t start, uint64_t max_rows,
                       uint64_t max_bytes)
{
    uint64_t rows = 0, cost = 0;
    size_t i = start;

    while (i < r->n) {
        uint64_t c = (uint64_t)r->v[i].klen + r->v[i].vlen + BENCH_ROW_OVERHEAD;
        if (rows > 0 && (rows + 1 > max_rows || cost + c > max_bytes))
            break;
        rows++;
        cost += c;
        i++;
        if (rows >= max_rows || cost >= max_bytes)
            break;
    }
    return i;
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu_s(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t fl = strlen(field);
    long v = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            v = strtol(line + fl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

long bench_rss_kib(void) { return status_kib("VmRSS"); }

long bench_reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");

    if (f) {
        fputs("5", f);
        fclose(f);
    }
    return bench_rss_kib();
}
long bench_peak_rss_kib(void) { return status_kib("VmHWM"); }

void bench_report(const char *system, const bench_rows *r, double secs,
                  long rss_base_kib, const char *extra)
{
    uint64_t bytes = r->key_bytes + r->val_bytes;
    long peak = bench_peak_rss_kib();

    printf("{\"system\":\"%s\",\"rows\":%zu,\"bytes\":%llu,\"wall_s\":%.3f,"
           "\"rows_per_s\":%.0f,\"mb_per_s\":%.1f,\"peak_rss_kib\":%ld,"
           "\"preload_rss_kib\":%ld%s}\n",
           system, r->n, (unsigned long long)bytes, secs,
           secs > 0 ? (double)r->n / secs : 0.0,
           secs > 0 ? (double)bytes / 1e6 / secs : 0.0,
           peak, rss_base_kib, extra ? extra : "");
    fflush(stdout);
}
