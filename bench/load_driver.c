/* load_driver.c - bench/load.sh's clients, all at once against one daemon
 * on a local socket:
 *   - N ingesting clients (libptingest), each one job of R rows with
 *     values of 100-3000 bytes, the rows it sent written to EXPECTED (as
 *     `ptingest export` prints them) so that load.sh can compare;
 *   - M readers looping get / count / an export of one relation;
 *   - a status sampler (STATUS every 20 ms over one connection, each
 *     round trip timed);
 *   - a slow-loris: a HELLO and then STATUS frames, one byte a second;
 *   - a pipeliner: HELLO, then STATUS frames as fast as the socket takes
 *     them, never reading an answer;
 *   - a stream of malformed frames, one new connection each (bad flags,
 *     a frame over the limit, an unknown type, rows before HELLO, a
 *     payload with trailing bytes, a row whose value is not JSON), each
 *     answer read to EOF.
 * Everything stops by itself: the ingesters finish (or the deadline
 * passes), the rest stop once they have and --min-seconds is over.
 * Prints key=value lines: the figures load.sh reports.
 *
 *   load_driver --socket PATH --expected FILE [--clients 64] [--rows 1500]
 *               [--readers 8] [--min-seconds 40] [--deadline 300]
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../client/libptingest.h"
#include "../common/protocol.h"

static const char *sock_path;
static int nclients = 64, nrows = 1500, nreaders = 8;
static double min_seconds = 40, deadline = 300, t_start;
static atomic_int ingest_left, stop_all;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *expected;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double elapsed(void)
{
    return now() - t_start;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The side actors keep going until the ingest is over and the minimum
 * time has passed, or the deadline. */
static int keep_going(void)
{
    double t = elapsed();
    return !atomic_load(&stop_all) && t < deadline &&
           (atomic_load(&ingest_left) > 0 || t < min_seconds);
}

/* ---- latencies ------------------------------------------------------------ */

typedef struct lat {
    double *v;
    size_t n, cap;
} lat;

static void lat_add(lat *l, double s)
{
    if (l->n == l->cap) {
        double *p = realloc(l->v, (l->cap = l->cap ? 2 * l->cap : 1024) * sizeof(*p));
        if (!p)
            abort();
        l->v = p;
    }
    l->v[l->n++] = s;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void lat_print(const char *name, lat *l)
{
    if (!l->n) {
        printf("%s_n=0\n", name);
        return;
    }
    qsort(l->v, l->n, sizeof(double), cmp_d);
    printf("%s_n=%zu %s_p50_ms=%.2f %s_p99_ms=%.2f %s_max_ms=%.2f\n", name, l->n, name,
           1e3 * l->v[l->n / 2], name, 1e3 * l->v[(size_t)((double)(l->n - 1) * 0.99)], name,
           1e3 * l->v[l->n - 1]);
}

/* ---- ingesters ------------------------------------------------------------ */

typedef struct ingester {
    pthread_t th;
    int id;
    int ok;
    uint64_t rows, bytes;
    double seconds;
    char err[256];
} ingester;

/* The row's value: compact JSON of 100-3000 bytes, a function of (c, r). */
static size_t make_value(char *buf, size_t cap, int c, int r)
{
    unsigned h = (unsigned)c * 2654435761u ^ (unsigned)r * 40503u;
    size_t pad = 100 + (h % 2900), n;

    n = (size_t)snprintf(buf, cap, "{\"c\":%d,\"r\":%d,\"s\":\"", c, r);
    for (size_t i = 0; i < pad && n + 3 < cap; i++)
        buf[n++] = (char)('a' + (h + i * 7) % 26);
    buf[n++] = '"';
    buf[n++] = '}';
    buf[n] = '\0';
    return n;
}

static void *ingest_main(void *arg)
{
    ingester *g = arg;
    pti_client *c = NULL;
    const pti_info *info;
    char key[64], val[4096], job[32];
    FILE *mine = tmpfile();
    double t0 = now();
    int r;

    if (!mine)
        abort();
    snprintf(job, sizeof job, "load-%d", g->id);
    if ((r = pti_connect(&c, sock_path, g->err, sizeof g->err)) < 0 ||
        (r = pti_job_begin(c, job, g->err, sizeof g->err)) < 0)
        goto out;
    info = pti_get_info(c);
    for (int j = 0; j < nrows && !atomic_load(&stop_all); j++) {
        unsigned rel = (unsigned)((g->id + j) % (int)info->nrelations);
        size_t kn = (size_t)snprintf(key, sizeof key, "load-c%02d-r%05d", g->id, j);
        size_t vn = make_value(val, sizeof val, g->id, j);
        if ((r = pti_job_put(c, rel, key, kn, val, vn, g->err, sizeof g->err)) < 0)
            goto out;
        fprintf(mine, "{\"rel\":\"%s\",\"key\":\"%s\",\"value\":%s}\n", info->relations[rel],
                key, val);
    }
    if ((r = pti_job_end(c, &g->rows, &g->bytes, g->err, sizeof g->err)) < 0)
        goto out;
    g->ok = g->rows == (uint64_t)nrows;
    if (!g->ok)
        snprintf(g->err, sizeof g->err, "job ended with %llu rows of %d",
                 (unsigned long long)g->rows, nrows);
out:
    g->seconds = now() - t0;
    pti_close(c);
    if (g->ok) { /* only what the daemon confirmed durable is expected back */
        char buf[65536];
        size_t n;
        rewind(mine);
        pthread_mutex_lock(&out_lock);
        while ((n = fread(buf, 1, sizeof buf, mine)) > 0)
            fwrite(buf, 1, n, expected);
        pthread_mutex_unlock(&out_lock);
    }
    fclose(mine);
    atomic_fetch_sub(&ingest_left, 1);
    return NULL;
}

/* ---- readers and status ------------------------------------------------------ */

typedef struct reader {
    pthread_t th;
    int id;
    lat get, count, export_;
    uint64_t errors, exported;
    char err[256];
} reader;

static int count_row(void *ud, const char *rel, const char *key, size_t klen, const char *val,
                     size_t vlen)
{
    (void)rel, (void)key, (void)klen, (void)val, (void)vlen;
    ((reader *)ud)->exported++;
    return 0;
}

static void *reader_main(void *arg)
{
    reader *rd = arg;
    pti_client *c = NULL;
    const pti_info *info;
    unsigned seed = (unsigned)rd->id * 7919u + 1;
    double last_export = 0;

    if (pti_connect(&c, sock_path, rd->err, sizeof rd->err) < 0) {
        rd->errors++;
        return NULL;
    }
    info = pti_get_info(c);
    while (keep_going()) {
        char key[64], *val = NULL;
        size_t vlen;
        uint64_t n;
        double t0 = now();
        int k = (int)(rand_r(&seed) % (unsigned)nclients), j = (int)(rand_r(&seed) % 200u);
        const char *rel = info->relations[(k + j) % (int)info->nrelations];

        snprintf(key, sizeof key, "load-c%02d-r%05d", k, j);
        if (pti_get(c, rel, key, strlen(key), &val, &vlen, rd->err, sizeof rd->err) < 0)
            rd->errors++;
        free(val);
        lat_add(&rd->get, now() - t0);
        t0 = now();
        if (pti_count(c, NULL, &n, rd->err, sizeof rd->err) < 0)
            rd->errors++;
        lat_add(&rd->count, now() - t0);
        if (now() - last_export > 2.0) { /* one relation, every 2 s per reader */
            t0 = last_export = now();
            if (pti_export(c, info->relations[rd->id % (int)info->nrelations], count_row, rd,
                           rd->err, sizeof rd->err) < 0)
                rd->errors++;
            lat_add(&rd->export_, now() - t0);
        }
        sleep_ms(5);
    }
    pti_close(c);
    return NULL;
}

static lat status_lat;
static uint64_t status_errors;

static void *status_main(void *arg)
{
    pti_client *c = NULL;
    char err[256];

    (void)arg;
    if (pti_connect(&c, sock_path, err, sizeof err) < 0) {
        status_errors++;
        return NULL;
    }
    while (keep_going()) {
        char *json = NULL;
        double t0 = now();
        if (pti_status(c, &json, err, sizeof err) < 0) {
            status_errors++;
            pti_close(c);
            c = NULL;
            if (pti_connect(&c, sock_path, err, sizeof err) < 0)
                break;
        } else {
            lat_add(&status_lat, now() - t0);
        }
        free(json);
        sleep_ms(20);
    }
    pti_close(c);
    return NULL;
}

/* ---- raw, hostile clients ---------------------------------------------------- */

static int raw_connect(void)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* 1 when the peer has closed (EOF or reset) by now; reads and drops what
 * is there. */
static int peer_closed(int fd)
{
    char buf[65536];
    struct pollfd p = {fd, POLLIN, 0};

    while (poll(&p, 1, 0) > 0) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            return 1;
        if (n < 0)
            return 0;
    }
    return 0;
}

static double loris_closed_at = -1;
static size_t loris_bytes;

/* HELLO then STATUS frames, one byte a second. */
static void *loris_main(void *arg)
{
    pt_buf b;
    pt_hello h = {PT_PROTO_VERSION, pt_str_c("slow-loris")};
    int fd = raw_connect();
    double t0 = elapsed();

    (void)arg;
    if (fd < 0)
        return NULL;
    pt_buf_init(&b);
    pt_enc_hello(&b, &h);
    for (int i = 0; i < 64; i++)
        pt_enc_empty(&b, PT_MSG_STATUS);
    for (size_t i = 0; i < b.len && keep_going(); i++) {
        if (send(fd, b.data + i, 1, MSG_NOSIGNAL) != 1 || peer_closed(fd)) {
            loris_closed_at = elapsed() - t0;
            break;
        }
        loris_bytes++;
        for (int k = 0; k < 10 && keep_going(); k++) {
            sleep_ms(100);
            if (peer_closed(fd)) {
                loris_closed_at = elapsed() - t0;
                break;
            }
        }
        if (loris_closed_at >= 0)
            break;
    }
    close(fd);
    pt_buf_free(&b);
    return NULL;
}

static double pipe_closed_at = -1;
static uint64_t pipe_frames;

/* HELLO, then STATUS frames as fast as the socket takes them, no reads. */
static void *pipeliner_main(void *arg)
{
    pt_buf b;
    pt_hello h = {PT_PROTO_VERSION, pt_str_c("pipeliner")};
    int fd = raw_connect();
    size_t off = 0;
    double t0 = elapsed();

    (void)arg;
    if (fd < 0)
        return NULL;
    pt_buf_init(&b);
    pt_enc_hello(&b, &h);
    while (keep_going()) {
        ssize_t n;
        if (off == b.len) {
            pt_buf_reset(&b);
            off = 0;
            for (int i = 0; i < 256; i++)
                pt_enc_empty(&b, PT_MSG_STATUS);
        }
        n = send(fd, b.data + off, b.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 50);
            if (p.revents & (POLLHUP | POLLERR)) {
                pipe_closed_at = elapsed() - t0;
                break;
            }
            continue;
        }
        if (n < 0) {
            pipe_closed_at = elapsed() - t0;
            break;
        }
        pipe_frames += (uint64_t)(off + (size_t)n) / PT_FRAME_HEADER -
                       (uint64_t)off / PT_FRAME_HEADER;
        off += (size_t)n;
    }
    close(fd);
    pt_buf_free(&b);
    return NULL;
}

static uint64_t bad_sent, bad_answered, bad_codes[32]; /* enum pt_err, the last: any above */

/* One malformed input on a new connection; the ERROR code it got, or 0. */
static int one_bad(int kind)
{
    pt_buf b;
    pt_hello h = {PT_PROTO_VERSION, pt_str_c("malformed")};
    pt_rows_wr rw;
    pt_row row = {PT_OP_PUT, 0, pt_str_c("k"), pt_str_c("not json\n{\"x\":1}")};
    char buf[4096];
    size_t got = 0;
    int fd = raw_connect(), code = 0;

    if (fd < 0)
        return -1;
    pt_buf_init(&b);
    if (kind != 3)
        pt_enc_hello(&b, &h);
    switch (kind) {
    case 0: /* flags not zero */
        pt_enc_empty(&b, PT_MSG_STATUS);
        b.data[b.len - 3] = 1;
        break;
    case 1: { /* announces more than any frame may be */
        unsigned char hdr[8] = {0xff, 0xff, 0xff, 0x7f, PT_MSG_STATUS, 0, 0, 0};
        pt_buf_append(&b, hdr, sizeof hdr);
        break;
    }
    case 2: /* a type nobody knows */
        pt_enc_empty(&b, 200);
        break;
    case 3: /* rows before HELLO */
        pt_rows_begin(&rw, &b, PT_MSG_ROWS);
        pt_rows_add(&rw, &row);
        pt_rows_end(&rw);
        break;
    case 4: /* trailing bytes after a payload */
        pt_enc_text(&b, PT_MSG_COUNT, pt_str_c(""));
        b.data[0] = (char)(b.data[0] + 3);
        pt_buf_append(&b, "xyz", 3);
        break;
    default: /* a job whose row's value is not JSON */
        pt_enc_job_begin(&b, pt_str_c(""));
        pt_rows_begin(&rw, &b, PT_MSG_ROWS);
        pt_rows_add(&rw, &row);
        pt_rows_end(&rw);
        break;
    }
    if (send(fd, b.data, b.len, MSG_NOSIGNAL) == (ssize_t)b.len)
        bad_sent++;
    /* read to EOF (5 s at most); the last ERROR frame's code */
    for (double t0 = now(); now() - t0 < 5;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&p, 1, 200) <= 0)
            continue;
        n = recv(fd, buf + got, sizeof buf - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        for (;;) {
            int type;
            size_t plen;
            if (pt_frame_peek(buf, got, sizeof buf, &type, &plen) != 1)
                break;
            if (type == PT_MSG_ERROR) {
                pt_error_msg e;
                if (pt_dec_error(buf + PT_FRAME_HEADER, plen, &e) == 0)
                    code = (int)e.code;
            }
            memmove(buf, buf + PT_FRAME_HEADER + plen, got - PT_FRAME_HEADER - plen);
            got -= PT_FRAME_HEADER + plen;
        }
        if (got == sizeof buf)
            got = 0;
    }
    close(fd);
    pt_buf_free(&b);
    return code;
}

static void *malformed_main(void *arg)
{
    (void)arg;
    for (int i = 0; keep_going(); i++) {
        int code = one_bad(i % 6);
        if (code > 0) {
            bad_answered++;
            bad_codes[code < 32 ? code : 31]++;
        }
        sleep_ms(20);
    }
    return NULL;
}

/* ---- main --------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *exp_path = NULL;
    pthread_t st, lo, pi, ma;
    ingester *g;
    reader *rd;
    lat get = {0}, count = {0}, exp = {0};
    uint64_t ok = 0, rows = 0, bytes = 0, rerrors = 0, exported = 0;
    double slowest = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "--socket"))
            sock_path = v;
        else if (!strcmp(a, "--expected"))
            exp_path = v;
        else if (!strcmp(a, "--clients"))
            nclients = atoi(v);
        else if (!strcmp(a, "--rows"))
            nrows = atoi(v);
        else if (!strcmp(a, "--readers"))
            nreaders = atoi(v);
        else if (!strcmp(a, "--min-seconds"))
            min_seconds = atof(v);
        else if (!strcmp(a, "--deadline"))
            deadline = atof(v);
        else
            goto usage;
        i++;
    }
    if (!sock_path || !exp_path || nclients < 1 || nclients > 1000 || nrows < 1 || nreaders < 0)
        goto usage;
    if (!(expected = fopen(exp_path, "w"))) {
        perror(exp_path);
        return 2;
    }
    g = calloc((size_t)nclients, sizeof(*g));
    rd = calloc((size_t)nreaders + 1, sizeof(*rd));
    if (!g || !rd)
        return 2;
    t_start = now();
    atomic_store(&ingest_left, nclients);
    pthread_create(&st, NULL, status_main, NULL);
    pthread_create(&lo, NULL, loris_main, NULL);
    pthread_create(&pi, NULL, pipeliner_main, NULL);
    pthread_create(&ma, NULL, malformed_main, NULL);
    for (int i = 0; i < nreaders; i++) {
        rd[i].id = i;
        pthread_create(&rd[i].th, NULL, reader_main, &rd[i]);
    }
    for (int i = 0; i < nclients; i++) {
        g[i].id = i;
        pthread_create(&g[i].th, NULL, ingest_main, &g[i]);
    }
    for (int i = 0; i < nclients; i++) {
        pthread_join(g[i].th, NULL);
        ok += g[i].ok;
        rows += g[i].rows;
        bytes += g[i].bytes;
        if (g[i].seconds > slowest)
            slowest = g[i].seconds;
        if (!g[i].ok)
            fprintf(stderr, "ingester %d: %s\n", i, g[i].err);
    }
    printf("ingest_seconds=%.1f\n", elapsed());
    for (int i = 0; i < nreaders; i++) {
        pthread_join(rd[i].th, NULL);
        for (size_t k = 0; k < rd[i].get.n; k++)
            lat_add(&get, rd[i].get.v[k]);
        for (size_t k = 0; k < rd[i].count.n; k++)
            lat_add(&count, rd[i].count.v[k]);
        for (size_t k = 0; k < rd[i].export_.n; k++)
            lat_add(&exp, rd[i].export_.v[k]);
        rerrors += rd[i].errors;
        exported += rd[i].exported;
        if (rd[i].errors)
            fprintf(stderr, "reader %d: %llu errors, last: %s\n", i,
                    (unsigned long long)rd[i].errors, rd[i].err);
    }
    pthread_join(st, NULL);
    pthread_join(lo, NULL);
    pthread_join(pi, NULL);
    pthread_join(ma, NULL);
    fclose(expected);

    printf("clients=%d jobs_ok=%llu rows=%llu bytes=%llu slowest_job_s=%.1f\n", nclients,
           (unsigned long long)ok, (unsigned long long)rows, (unsigned long long)bytes, slowest);
    lat_print("status", &status_lat);
    printf("status_errors=%llu\n", (unsigned long long)status_errors);
    lat_print("get", &get);
    lat_print("count", &count);
    lat_print("export", &exp);
    printf("reader_errors=%llu exported_rows=%llu\n", (unsigned long long)rerrors,
           (unsigned long long)exported);
    printf("loris_bytes_sent=%zu loris_dropped_after_s=%.1f\n", loris_bytes, loris_closed_at);
    printf("pipeliner_frames_sent=%llu pipeliner_dropped_after_s=%.1f\n",
           (unsigned long long)pipe_frames, pipe_closed_at);
    printf("malformed_sent=%llu malformed_answered=%llu", (unsigned long long)bad_sent,
           (unsigned long long)bad_answered);
    for (int i = 1; i < 32; i++)
        if (bad_codes[i])
            printf(" code_%s=%llu", pt_err_name(i), (unsigned long long)bad_codes[i]);
    printf("\nseconds=%.1f\n", elapsed());
    return ok == (uint64_t)nclients ? 0 : 1;
usage:
    fprintf(stderr, "usage: load_driver --socket PATH --expected FILE [--clients N] [--rows N]\n"
                    "       [--readers N] [--min-seconds S] [--deadline S]\n");
    return 2;
}
