/* ptingest.c - the command-line client (README.md, "The client"; ptingest(1)). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "../common/buf.h"
#include "../common/compat.h"
#include "../common/dbname.h"
#include "../common/jsonesc.h"
#include "../common/paths.h"
#include "gen.h"
#include "libptingest.h"
#include "ndjson.h"
#include "progress.h"

enum { EXIT_OK = 0, EXIT_NOT_FOUND = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3, EXIT_DAEMON = 4 };

#define READ_BLOCK (4u << 20)

typedef struct cli {
    const char *socket;
    const char *daemon_user; /* --daemon-user, else $PTINGEST_DAEMON_USER (libptingest) */
    const char *db;          /* --db, else $PTINGEST_DB, else "default" */
    char **args;   /* command arguments, options removed */
    int nargs;
    const char *job;
    int progress;  /* -1 auto, 0 off, 1 on */
    int bulk;      /* -1 the daemon decides from the input's size, 0 off, 1 on */
    int json;
    /* scan and get: keys as typed (JSON-escaped), unescaped by the command */
    const char *prefix, *from, *to, *after, *limit, *keys_file;
    int reverse, keys_only;
    uint64_t entities, seed;
} cli;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ptingest [--socket PATH] [--daemon-user USER] [--db NAME] COMMAND [ARGS]\n"
            "\n"
            "  gen [--entities N] [--seed S]   Parseltongue-shaped NDJSON on stdout\n"
            "  ingest [FILE|-] [--job ID] [--progress|--no-progress] [--bulk|--no-bulk]\n"
            "                                  --bulk: rows staged, sorted, written as SST\n"
            "                                  files and visible all at once at the end;\n"
            "                                  by default the daemon picks it for a large\n"
            "                                  file (bulk.auto_min_bytes)\n"
            "  get REL KEY                     print the stored value (exit 1 if absent)\n"
            "  get REL KEY KEY... | --keys FILE|-\n"
            "                                  NDJSON of the keys found, in the order asked;\n"
            "                                  missing keys on stderr (exit 1 if any)\n"
            "  scan REL [--prefix P | --from K [--to K]] [--after K] [--limit N]\n"
            "       [--reverse] [--keys-only]  NDJSON of a key range, key order\n"
            "  count [REL]                     number of rows\n"
            "  export [REL]                    NDJSON of the stored rows, key order\n"
            "  status [--json]                 daemon state\n"
            "  metrics                         Prometheus text format\n"
            "  db list [--json]                the databases: name, rows, bytes on disk, state\n"
            "  db create NAME                  an empty database (a first ingest creates one too)\n"
            "  db drop NAME                    delete a database and its rows\n"
            "  db checkpoint NAME DIR          a consistent copy in DIR (new), while ingest runs\n"
            "  db restore NAME DIR             a checkpoint in DIR becomes database NAME (new)\n"
            "\n"
            "Database: every command works on --db NAME, else $PTINGEST_DB, else\n"
            "\"default\"; a first ingest creates it. The db commands name theirs as\n"
            "NAME instead. A name is 1-64 characters of A-Z a-z 0-9 - _ . other than\n"
            "\".\" and \"..\"; upper and lower case are different names.\n"
            "DIR may be relative: it is made absolute against the current directory.\n"
            "Keys and bounds are written as in NDJSON, without the quotes (\\\" \\\\ \\n\n"
            "\\u00e9 ...): any key export prints works. --from is inclusive, --to\n"
            "exclusive; --after starts past K in the scan's direction.\n"
            "Socket: --socket PATH, else $PTINGEST_SOCKET, else the daemon's default.\n"
            "The server must run as you, root or the daemon's user: --daemon-user,\n"
            "else $PTINGEST_DAEMON_USER, else ptingestd.\n"
            "Exit: 0 ok, 1 not found, 2 usage or input error, 3 daemon unreachable,\n"
            "4 the daemon reported an error.\n");
}

static int exit_for(int r)
{
    if (r == -EREMOTEIO)
        return EXIT_DAEMON;
    if (r == -EINVAL || r == -E2BIG)
        return EXIT_USAGE;
    return EXIT_UNREACHABLE;
}

/* Connect, and move to the chosen database unless it is the default one
 * (a connection starts there: nothing is sent for it). */
static int connect_or_say(const cli *o, pti_client **c)
{
    char err[512];
    int r = pti_connect_daemon_user(c, o->socket, o->daemon_user, err, sizeof(err));

    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return r == -EREMOTEIO ? EXIT_DAEMON : EXIT_UNREACHABLE;
    }
    if (o->db && strcmp(o->db, PT_DB_DEFAULT) != 0 &&
        (r = pti_use_db(*c, o->db, err, sizeof(err))) < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        pti_close(*c);
        *c = NULL;
        return exit_for(r);
    }
    return 0;
}

/* A database name from the command line or $PTINGEST_DB: 0, or the
 * usage exit status after saying which rule it breaks. */
static int db_name_ok(const char *name)
{
    char rule[160], quoted[100];

    if (pt_dbname_check(name, strlen(name), rule, sizeof(rule)) == 0)
        return 0;
    pt_dbname_quote(name, strlen(name), quoted, sizeof(quoted));
    fprintf(stderr, "ptingest: bad database name \"%s\": %s\n", quoted, rule);
    return EXIT_USAGE;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return -EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

/* --- gen ----------------------------------------------------------------- */

static int cmd_gen(const cli *o)
{
    gen_params p = {.entities = o->entities, .seed = o->seed};
    char err[256];

    if (o->nargs) {
        fprintf(stderr, "ptingest gen: unexpected argument \"%s\"\n", o->args[0]);
        return EXIT_USAGE;
    }
    if (gen_write(&p, stdout, err, sizeof(err)) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "ptingest gen: %s\n", *err ? err : strerror(errno));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* --- ingest -------------------------------------------------------------- */

typedef struct ingest {
    const char *name;        /* FILE as given, or <stdin> */
    int fd;
    pti_client *c;
    ndjson_parser *parser;
    progress_bar bar;
    char *buf;
    size_t cap, len, pos;
    uint64_t line, input_bytes;
    uint64_t skip;        /* rows a resumed job already has */
    uint64_t skipped_bytes; /* input bytes of those rows */
} ingest;

static void on_progress(void *ud, const pti_progress *p)
{
    ingest *in = ud;

    progress_acked(&in->bar, pti_job_rows_acked(in->c));
    in->bar.bytes_acked = p->bytes_acked;
    in->bar.rows_per_s = p->rows_per_s;
    in->bar.queue_bytes = p->queue_bytes;
    in->bar.queue_capacity = p->queue_capacity;
    snprintf(in->bar.stall, sizeof(in->bar.stall), "%s", p->stall_state);
    if (!p->bulk_phase[0])
        in->bar.phase[0] = '\0';
    else if (p->bulk_total_bytes)
        snprintf(in->bar.phase, sizeof(in->bar.phase), "%.20s %llu/%llu MB", p->bulk_phase,
                 (unsigned long long)(p->bulk_done_bytes / 1000000 % 1000000),
                 (unsigned long long)(p->bulk_total_bytes / 1000000 % 1000000));
    else
        snprintf(in->bar.phase, sizeof(in->bar.phase), "%.20s %llu MB", p->bulk_phase,
                 (unsigned long long)(p->bulk_done_bytes / 1000000 % 1000000));
    /* also while the client waits for the last acknowledgements */
    progress_draw(&in->bar, 0);
}

/* Read more input; the buffer keeps NDJSON_PADDING spare bytes. */
static int fill(ingest *in)
{
    ssize_t n;

    if (in->pos) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->cap - in->len < READ_BLOCK / 4) {
        size_t ncap = in->cap * 2;
        char *nb = realloc(in->buf, ncap + NDJSON_PADDING);
        if (!nb)
            return -ENOMEM;
        in->buf = nb;
        in->cap = ncap;
    }
    do
        n = read(in->fd, in->buf + in->len, in->cap - in->len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    in->len += (size_t)n;
    return (int)(n > 0);
}

/* An input error: say where, wait until what was sent is durable, and
 * say how much of the input is in. */
static int input_error(ingest *in, const char *msg)
{
    char err[512];

    progress_clear(&in->bar);
    fprintf(stderr, "%s:%llu: %s\n", in->name, (unsigned long long)in->line, msg);
    if (pti_job_sync(in->c, err, sizeof(err)) < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return EXIT_DAEMON;
    }
    fprintf(stderr, "ptingest: stopped at line %llu; the %llu rows before it are ingested "
                    "(job %s)\n",
            (unsigned long long)in->line, (unsigned long long)pti_job_rows_acked(in->c),
            pti_job_id(in->c));
    return EXIT_USAGE;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* The daemon or the connection failed mid-job: say what is safe. */
static int job_failed(ingest *in, int r, const char *err)
{
    progress_clear(&in->bar);
    fprintf(stderr, "ptingest: %s\n", err);
    if (r == -EREMOTEIO || r == -ECONNRESET || r == -EPIPE)
        fprintf(stderr, "ptingest: %llu rows of job %s are durable; run the same command "
                        "with --job %s to resume\n",
                (unsigned long long)pti_job_rows_acked(in->c), pti_job_id(in->c),
                pti_job_id(in->c));
    return exit_for(r);
}

static int ingest_line(ingest *in, const char *line, size_t len)
{
    char err[512], msg[600];
    ndjson_row row;
    int rel, r;


    /* No row of this size can be stored; refuse before the parser sizes
     * its buffers for it. */
    if (len > pti_get_info(in->c)->max_frame_bytes) {
        snprintf(msg, sizeof(msg), "line of %zu bytes exceeds the daemon's frame limit of %llu "
                 "(ingest.max_frame_bytes)", len,
                 (unsigned long long)pti_get_info(in->c)->max_frame_bytes);
        return input_error(in, msg);
    }
    r = ndjson_parse_line(in->parser, line, len, &row, err, sizeof(err));
    if (r == -ENODATA)
        return 0;
    if (r < 0)
        return input_error(in, err);
    rel = pti_relation_index(in->c, row.rel, row.rel_len);
    if (rel < 0) {
        snprintf(msg, sizeof(msg), "unknown relation \"%.*s\"", (int)(row.rel_len > 100 ? 100 : row.rel_len),
                 row.rel);
        return input_error(in, msg);
    }
    if (row.op == NDJSON_DEL)
        r = pti_job_del(in->c, (unsigned)rel, row.key, row.key_len, err, sizeof(err));
    else
        r = pti_job_put(in->c, (unsigned)rel, row.key, row.key_len, row.value, row.value_len,
                        err, sizeof(err));
    if (r == -E2BIG || r == -EINVAL)
        return input_error(in, err);
    if (r < 0)
        return job_failed(in, r, err);
    return 0;
}

static int ingest_stream(ingest *in)
{
    char err[512];
    int r, eof = 0;

    while (!eof) {
        /* The next read may wait on a slow producer: hand over what we
         * have so the daemon can make it durable meanwhile. */
        if ((r = pti_job_flush(in->c, err, sizeof(err))) < 0)
            return job_failed(in, r, err);
        if ((r = fill(in)) < 0) {
            fprintf(stderr, "ptingest: %s: read failed: %s\n", in->name, strerror(-r));
            return EXIT_USAGE;
        }
        eof = r == 0;
        for (;;) {
            char *start = in->buf + in->pos;
            char *nl = memchr(start, '\n', in->len - in->pos);
            size_t len;
            if (!nl && !(eof && in->pos < in->len))
                break;
            len = nl ? (size_t)(nl - start) : in->len - in->pos;
            in->line++;
            in->pos += len + (nl ? 1 : 0);
            in->bar.input_bytes += len + (nl ? 1 : 0);
            if (in->skip) {
                /* Rows of a resumed job that are already durable. */
                in->skip -= !blank(start, len);
                in->skipped_bytes += len + (nl ? 1 : 0);
                if (!in->skip)
                    progress_resumed(&in->bar, pti_job_rows_sent(in->c), in->bar.input_bytes);
                continue;
            }
            if ((r = ingest_line(in, start, len)) != 0)
                return r;
            progress_sent(&in->bar, pti_job_rows_sent(in->c), in->bar.input_bytes);
        }
        progress_acked(&in->bar, pti_job_rows_acked(in->c));
        progress_draw(&in->bar, 0);
    }
    return 0;
}

static int cmd_ingest(const cli *o)
{
    ingest in = {0};
    char err[512];
    struct stat st;
    uint64_t rows = 0, t0 = uv_hrtime();
    int rc, show;

    if (o->nargs > 1) {
        fprintf(stderr, "ptingest ingest: unexpected argument \"%s\"\n", o->args[1]);
        return EXIT_USAGE;
    }
    in.name = o->nargs && strcmp(o->args[0], "-") != 0 ? o->args[0] : "<stdin>";
    in.fd = in.name[0] == '<' ? 0 : open(in.name, O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) {
        fprintf(stderr, "ptingest: %s: %s\n", in.name, strerror(errno));
        return EXIT_USAGE;
    }
    show = o->progress >= 0 ? o->progress : isatty(2);
    progress_init(&in.bar, stderr, show,
                  fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
    in.cap = READ_BLOCK;
    in.buf = malloc(in.cap + NDJSON_PADDING);
    if (!in.buf || ndjson_parser_new(&in.parser) < 0) {
        fprintf(stderr, "ptingest: out of memory\n");
        rc = EXIT_USAGE;
        goto out;
    }
    if ((rc = connect_or_say(o, &in.c)) != 0)
        goto out;
    pti_set_progress_cb(in.c, on_progress, &in);
    if ((rc = o->bulk == 0 ? pti_job_begin(in.c, o->job, err, sizeof(err))
                           : pti_job_begin_bulk(in.c, o->job, o->bulk == 1,
                                                in.bar.total_bytes, err, sizeof(err))) < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        rc = exit_for(rc);
        goto out;
    }
    if (!o->job)
        fprintf(stderr, "ptingest: job %s%s\n", pti_job_id(in.c),
                pti_job_bulk(in.c) ? " (bulk)" : "");
    else if (pti_job_bulk(in.c))
        fprintf(stderr, "ptingest: job %s is loaded in bulk\n", pti_job_id(in.c));
    if (pti_job_already_done(in.c)) {
        fprintf(stderr, "ptingest: job %s is already done (%llu rows); nothing to ingest\n",
                pti_job_id(in.c), (unsigned long long)pti_job_committed(in.c));
        fprintf(stderr, "ingested 0 rows (0 bytes) in %.2f s\n",
                (double)(uv_hrtime() - t0) / 1e9);
        rc = EXIT_OK;
        goto out;
    }
    if ((in.skip = pti_job_committed(in.c)))
        fprintf(stderr, "ptingest: resuming job %s after its %llu durable rows\n",
                pti_job_id(in.c), (unsigned long long)in.skip);
    if ((rc = ingest_stream(&in)) != 0)
        goto out;
    if (in.skip) {
        fprintf(stderr, "ptingest: %s: has fewer rows than the %llu job %s already holds; "
                        "is it the same input?\n", in.name,
                (unsigned long long)pti_job_committed(in.c), pti_job_id(in.c));
        rc = EXIT_USAGE;
        goto out;
    }
    rc = pti_job_end(in.c, &rows, NULL, err, sizeof(err));
    progress_acked(&in.bar, pti_job_rows_acked(in.c));
    progress_draw(&in.bar, 1);
    progress_clear(&in.bar);
    if (rc < 0) {
        rc = job_failed(&in, rc, err);
        goto out;
    }
    fprintf(stderr, "ingested %llu rows (%llu bytes) in %.2f s\n",
            (unsigned long long)(rows - pti_job_committed(in.c)),
            (unsigned long long)(in.bar.input_bytes - in.skipped_bytes),
            (double)(uv_hrtime() - t0) / 1e9);
    rc = EXIT_OK;
out:
    pti_close(in.c);
    ndjson_parser_free(in.parser);
    free(in.buf);
    if (in.fd > 0)
        close(in.fd);
    return rc;
}

/* --- reads --------------------------------------------------------------- */

/* A key as typed (escaped as in NDJSON, without the quotes) into b. */
static int key_arg(pt_buf *b, const char *what, const char *text)
{
    char err[128];

    pt_buf_reset(b);
    if (json_unescape(b, text, strlen(text), err, sizeof(err)) < 0) {
        fprintf(stderr, "ptingest: %s: not a valid key: %s\n", what, err);
        return -EINVAL;
    }
    return 0;
}

/* Keys read for a multi-get: unescaped, one after another in `bytes`. */
typedef struct key_list {
    pt_buf bytes;
    size_t n, cap;
    size_t *off, *len;
    const char **ptr;
} key_list;

static int key_list_add(key_list *k, const char *text, size_t n, char *err, size_t errlen)
{
    size_t at = k->bytes.len;
    int r;

    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        size_t *off = realloc(k->off, cap * sizeof(*off));
        if (off)
            k->off = off;
        size_t *len = off ? realloc(k->len, cap * sizeof(*len)) : NULL;
        if (!off || !len) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        k->len = len;
        k->cap = cap;
    }
    if ((r = json_unescape(&k->bytes, text, n, err, errlen)) < 0)
        return r;
    k->off[k->n] = at;
    k->len[k->n++] = k->bytes.len - at;
    return 0;
}

/* Pointers once every key is in (the buffer no longer moves). */
static int key_list_seal(key_list *k)
{
    if (!(k->ptr = calloc(k->n ? k->n : 1, sizeof(*k->ptr))))
        return -ENOMEM;
    for (size_t i = 0; i < k->n; i++)
        k->ptr[i] = k->bytes.data + k->off[i];
    return 0;
}

static void key_list_free(key_list *k)
{
    pt_buf_free(&k->bytes);
    free(k->off);
    free(k->len);
    free(k->ptr);
}

/* One line of f into b, without its newline: 1, or 0 at the end. (C11
 * has no getline, and the Windows CRT neither.) */
static int read_line(FILE *f, pt_buf *b)
{
    char part[4096];
    int any = 0;

    pt_buf_reset(b);
    while (fgets(part, sizeof(part), f)) {
        size_t n = strlen(part);
        any = 1;
        if (pt_buf_append(b, part, n) < 0)
            return -ENOMEM;
        if (n && part[n - 1] == '\n')
            break;
    }
    return any;
}

/* --keys FILE|-: one key a line, written as a JSON string ("..."). */
static int read_key_file(key_list *k, const char *file)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    const char *name = f == stdin ? "<stdin>" : file;
    char *line, err[160];
    pt_buf lb;
    size_t n;
    unsigned long lineno = 0;
    int rc = 0, more;

    if (!f) {
        fprintf(stderr, "ptingest: %s: %s\n", file, strerror(errno));
        return EXIT_USAGE;
    }
    pt_buf_init(&lb);
    while ((more = read_line(f, &lb)) > 0) {
        line = lb.data;
        n = lb.len;
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        if (n < 2 || line[0] != '"' || line[n - 1] != '"') {
            fprintf(stderr, "%s:%lu: not a JSON string (a key is written \"...\")\n", name,
                    lineno);
            rc = EXIT_USAGE;
            break;
        }
        if (key_list_add(k, line + 1, (size_t)n - 2, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s:%lu: not a valid key: %s\n", name, lineno, err);
            rc = EXIT_USAGE;
            break;
        }
    }
    if (rc == 0 && (more < 0 || ferror(f))) {
        fprintf(stderr, "ptingest: %s: read failed: %s\n", name,
                more < 0 ? "out of memory" : strerror(errno));
        rc = EXIT_USAGE;
    }
    pt_buf_free(&lb);
    if (f != stdin)
        fclose(f);
    return rc;
}

typedef struct mget_out {
    const char *rel;
    const key_list *keys;
    pt_buf line;
    uint64_t missing;
    int failed;
} mget_out;

static int print_value(void *ud, size_t i, const char *val, size_t vlen)
{
    mget_out *m = ud;
    const key_list *k = m->keys;

    pt_buf_reset(&m->line);
    pt_buf_append_str(&m->line, val ? "{\"rel\":" : "ptingest: not found: ");
    if (val) {
        json_append_cstr(&m->line, m->rel);
        pt_buf_append_str(&m->line, ",\"key\":");
    }
    json_append_string(&m->line, k->ptr[i], k->len[i]);
    if (val) {
        pt_buf_append_str(&m->line, ",\"value\":");
        pt_buf_append(&m->line, val, vlen);
        pt_buf_append_byte(&m->line, '}');
    }
    if (pt_buf_append_byte(&m->line, '\n') < 0) {
        m->failed = 1;
        return 1;
    }
    if (!val) {
        m->missing++;
        fwrite(m->line.data, 1, m->line.len, stderr);
    } else if (fwrite(m->line.data, 1, m->line.len, stdout) != m->line.len) {
        m->failed = 1;
        return 1;
    }
    return 0;
}

static int get_many(const cli *o, key_list *k)
{
    static char obuf[1 << 20];
    mget_out m = {o->args[0], k, {0}, 0, 0};
    pti_client *c;
    char err[512];
    uint64_t found;
    int r;

    if (key_list_seal(k) < 0) {
        fprintf(stderr, "ptingest: out of memory\n");
        return EXIT_USAGE;
    }
    if ((r = connect_or_say(o, &c)) != 0)
        return r;
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    pt_buf_init(&m.line);
    r = pti_multiget(c, o->args[0], k->n, k->ptr, k->len, print_value, &m, &found, err,
                     sizeof(err));
    pti_close(c);
    pt_buf_free(&m.line);
    if (fflush(stdout) != 0 || m.failed) {
        fprintf(stderr, "ptingest: writing the rows failed: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return exit_for(r);
    }
    if (m.missing) {
        fprintf(stderr, "ptingest: %llu of %zu keys not found\n",
                (unsigned long long)m.missing, k->n);
        return EXIT_NOT_FOUND;
    }
    return EXIT_OK;
}

static int cmd_get(const cli *o)
{
    pti_client *c;
    char err[512], *val;
    size_t vlen;
    key_list k;
    pt_buf key;
    int r;

    if (o->nargs < 1 || (o->keys_file ? o->nargs != 1 : o->nargs < 2)) {
        fprintf(stderr, "usage: ptingest get REL KEY [KEY...]\n"
                        "       ptingest get REL --keys FILE|-\n");
        return EXIT_USAGE;
    }
    memset(&k, 0, sizeof(k));
    if (o->keys_file || o->nargs > 2) {
        pt_buf_init(&k.bytes);
        r = o->keys_file ? read_key_file(&k, o->keys_file) : 0;
        for (int i = 1; r == 0 && i < o->nargs; i++)
            if (key_list_add(&k, o->args[i], strlen(o->args[i]), err, sizeof(err)) < 0) {
                fprintf(stderr, "ptingest: key %d: not a valid key: %s\n", i, err);
                r = EXIT_USAGE;
            }
        if (r == 0)
            r = get_many(o, &k);
        key_list_free(&k);
        return r;
    }
    pt_buf_init(&key);
    if (key_arg(&key, "KEY", o->args[1]) < 0) {
        pt_buf_free(&key);
        return EXIT_USAGE;
    }
    if ((r = connect_or_say(o, &c)) != 0) {
        pt_buf_free(&key);
        return r;
    }
    r = pti_get(c, o->args[0], key.data, key.len, &val, &vlen, err, sizeof(err));
    pti_close(c);
    pt_buf_free(&key);
    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return exit_for(r);
    }
    if (r == 0)
        return EXIT_NOT_FOUND;
    fwrite(val, 1, vlen, stdout);
    putchar('\n');
    free(val);
    return EXIT_OK;
}

static int cmd_count(const cli *o)
{
    pti_client *c;
    char err[512];
    uint64_t n;
    int r;

    if (o->nargs > 1) {
        fprintf(stderr, "usage: ptingest count [REL]\n");
        return EXIT_USAGE;
    }
    if ((r = connect_or_say(o, &c)) != 0)
        return r;
    r = pti_count(c, o->nargs ? o->args[0] : NULL, &n, err, sizeof(err));
    pti_close(c);
    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return exit_for(r);
    }
    printf("%llu\n", (unsigned long long)n);
    return EXIT_OK;
}

typedef struct export_out {
    pt_buf line;
    int failed;
    int keys_only;            /* {"rel":...,"key":...} */
} export_out;

static int export_row(void *ud, const char *rel, const char *key, size_t klen,
                      const char *val, size_t vlen)
{
    export_out *e = ud;

    pt_buf_reset(&e->line);
    pt_buf_append_str(&e->line, "{\"rel\":");
    json_append_cstr(&e->line, rel);
    pt_buf_append_str(&e->line, ",\"key\":");
    json_append_string(&e->line, key, klen);
    if (!e->keys_only) {
        pt_buf_append_str(&e->line, ",\"value\":");
        pt_buf_append(&e->line, val, vlen);
    }
    if (pt_buf_append_str(&e->line, "}\n") < 0 ||
        fwrite(e->line.data, 1, e->line.len, stdout) != e->line.len) {
        e->failed = 1;
        return 1;
    }
    return 0;
}

static int cmd_export(const cli *o)
{
    static char obuf[1 << 20];
    export_out e;
    pti_client *c;
    char err[512];
    int r;

    if (o->nargs > 1) {
        fprintf(stderr, "usage: ptingest export [REL]\n");
        return EXIT_USAGE;
    }
    if ((r = connect_or_say(o, &c)) != 0)
        return r;
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    pt_buf_init(&e.line);
    e.failed = 0;
    e.keys_only = 0;
    r = pti_export(c, o->nargs ? o->args[0] : NULL, export_row, &e, err, sizeof(err));
    pti_close(c);
    pt_buf_free(&e.line);
    if (fflush(stdout) != 0 || e.failed) {
        fprintf(stderr, "ptingest: writing the export failed: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return exit_for(r);
    }
    return EXIT_OK;
}

/* --limit: a positive integer. */
static int parse_limit(const char *s, uint64_t *out)
{
    if (parse_u64(s, out) < 0 || *out == 0) {
        fprintf(stderr, "ptingest: --limit must be a positive integer, not \"%s\"\n", s);
        return -EINVAL;
    }
    return 0;
}

static int cmd_scan(const cli *o)
{
    static char obuf[1 << 20];
    pt_buf prefix, from, to, after;
    pti_scan_opts so;
    export_out e;
    pti_client *c = NULL;
    char err[512];
    int rc = EXIT_USAGE, r;

    memset(&so, 0, sizeof(so));
    pt_buf_init(&prefix);
    pt_buf_init(&from);
    pt_buf_init(&to);
    pt_buf_init(&after);
    pt_buf_init(&e.line);
    if (o->nargs != 1) {
        fprintf(stderr, "usage: ptingest scan REL [--prefix P | --from K [--to K]] [--after K] "
                        "[--limit N] [--reverse] [--keys-only]\n");
        goto out;
    }
    if (o->prefix && (o->from || o->to)) {
        fprintf(stderr, "ptingest: --prefix cannot be combined with --from or --to\n");
        goto out;
    }
    if ((o->prefix && key_arg(&prefix, "--prefix", o->prefix) < 0) ||
        (o->from && key_arg(&from, "--from", o->from) < 0) ||
        (o->to && key_arg(&to, "--to", o->to) < 0) ||
        (o->after && key_arg(&after, "--after", o->after) < 0) ||
        (o->limit && parse_limit(o->limit, &so.limit) < 0))
        goto out;
    if (o->prefix)
        so.prefix = prefix.data, so.prefix_len = prefix.len;
    if (o->from)
        so.from = from.data, so.from_len = from.len;
    if (o->to)
        so.to = to.data, so.to_len = to.len;
    if (o->after)
        so.after = after.data, so.after_len = after.len;
    if (o->from && o->to &&
        (memcmp(from.data, to.data, from.len < to.len ? from.len : to.len) > 0 ||
         (memcmp(from.data, to.data, from.len < to.len ? from.len : to.len) == 0 &&
          from.len > to.len))) {
        fprintf(stderr, "ptingest: --from \"%s\" is after --to \"%s\"\n", o->from, o->to);
        goto out;
    }
    so.reverse = o->reverse;
    so.keys_only = o->keys_only;
    if ((rc = connect_or_say(o, &c)) != 0)
        goto out;
    setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
    e.failed = 0;
    e.keys_only = o->keys_only;
    r = pti_scan(c, o->args[0], &so, export_row, &e, err, sizeof(err));
    if (fflush(stdout) != 0 || e.failed) {
        fprintf(stderr, "ptingest: writing the rows failed: %s\n", strerror(errno));
        rc = EXIT_USAGE;
    } else if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        rc = exit_for(r);
    } else {
        rc = EXIT_OK;
    }
out:
    pti_close(c);
    pt_buf_free(&prefix);
    pt_buf_free(&from);
    pt_buf_free(&to);
    pt_buf_free(&after);
    pt_buf_free(&e.line);
    return rc;
}

/* Indent well-formed JSON (the daemon's own) for people to read. */
static void json_pretty(const char *s, FILE *out)
{
    int depth = 0, in_str = 0;

    for (; *s; s++) {
        char ch = *s;
        if (in_str) {
            fputc(ch, out);
            if (ch == '\\' && s[1])
                fputc(*++s, out);
            else if (ch == '"')
                in_str = 0;
            continue;
        }
        switch (ch) {
        case '"': in_str = 1; fputc(ch, out); break;
        case '{': case '[':
            if ((s[1] == '}' || s[1] == ']')) { fputc(ch, out); fputc(*++s, out); break; }
            fprintf(out, "%c\n%*s", ch, ++depth * 2, "");
            break;
        case '}': case ']': fprintf(out, "\n%*s%c", --depth * 2, "", ch); break;
        case ',': fprintf(out, ",\n%*s", depth * 2, ""); break;
        case ':': fputs(": ", out); break;
        default: fputc(ch, out);
        }
    }
    fputc('\n', out);
}

/* status (pretty: indented for people) or metrics, as the daemon says it. */
static int cmd_text(const cli *o, int metrics, int pretty)
{
    pti_client *c;
    char err[512], *text;
    int r;

    if (o->nargs) {
        fprintf(stderr, "ptingest: unexpected argument \"%s\"\n", o->args[0]);
        return EXIT_USAGE;
    }
    if ((r = connect_or_say(o, &c)) != 0)
        return r;
    r = metrics ? pti_metrics(c, &text, err, sizeof(err)) : pti_status(c, &text, err, sizeof(err));
    pti_close(c);
    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        return exit_for(r);
    }
    if (pretty) {
        json_pretty(text, stdout);
    } else {
        fputs(text, stdout);
        if (!metrics)
            putchar('\n');
    }
    free(text);
    return EXIT_OK;
}

/* --- databases ------------------------------------------------------------ */

/* The daemon's answers to a DB_REQUEST are small JSON objects of known
 * shape (docs/protocol.md, "Databases"); this reads them, skipping any
 * member it does not know. */
typedef struct jrd {
    const char *p, *end;
} jrd;

static void j_ws(jrd *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int j_char(jrd *j, char c)
{
    j_ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 1;
    }
    return 0;
}

static int j_string(jrd *j, pt_buf *out)
{
    const char *start;
    char err[128];

    if (!j_char(j, '"'))
        return -EBADMSG;
    for (start = j->p; j->p < j->end && *j->p != '"'; j->p++)
        if (*j->p == '\\' && j->p + 1 < j->end)
            j->p++;
    if (j->p >= j->end)
        return -EBADMSG;
    pt_buf_reset(out);
    /* a NUL-terminated text even when empty */
    if (pt_buf_reserve(out, 1) < 0 ||
        json_unescape(out, start, (size_t)(j->p - start), err, sizeof(err)) < 0)
        return -EBADMSG;
    out->data[out->len] = '\0';
    j->p++;
    return 0;
}

static int j_u64(jrd *j, uint64_t *v)
{
    uint64_t n = 0;
    int digits = 0;

    j_ws(j);
    for (; j->p < j->end && *j->p >= '0' && *j->p <= '9'; j->p++, digits++) {
        if (n > (UINT64_MAX - 9) / 10)
            return -EBADMSG;
        n = n * 10 + (uint64_t)(*j->p - '0');
    }
    *v = n;
    return digits ? 0 : -EBADMSG;
}

static int j_word(jrd *j, const char *w)
{
    size_t n = strlen(w);

    j_ws(j);
    if ((size_t)(j->end - j->p) >= n && memcmp(j->p, w, n) == 0) {
        j->p += n;
        return 1;
    }
    return 0;
}

static int j_bool(jrd *j, int *v)
{
    if (j_word(j, "true"))
        return *v = 1, 0;
    if (j_word(j, "false"))
        return *v = 0, 0;
    return -EBADMSG;
}

/* Any value, for members not known here. */
static int j_skip(jrd *j, int depth)
{
    pt_buf tmp;
    int r = 0;

    if (depth > 32)
        return -EBADMSG;
    j_ws(j);
    if (j->p >= j->end)
        return -EBADMSG;
    if (*j->p == '"') {
        pt_buf_init(&tmp);
        r = j_string(j, &tmp);
        pt_buf_free(&tmp);
        return r;
    }
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        int first = 1;
        j->p++;
        while (!j_char(j, close)) {
            if (!first && !j_char(j, ','))
                return -EBADMSG;
            first = 0;
            if (close == '}') {
                pt_buf_init(&tmp);
                r = j_string(j, &tmp);
                pt_buf_free(&tmp);
                if (r < 0 || !j_char(j, ':'))
                    return -EBADMSG;
            }
            if ((r = j_skip(j, depth + 1)) < 0)
                return r;
        }
        return 0;
    }
    if (j_word(j, "true") || j_word(j, "false") || j_word(j, "null"))
        return 0;
    if (*j->p == '-')
        j->p++;
    while (j->p < j->end && strchr("0123456789.eE+-", *j->p))
        j->p++;
    return 0;
}

/* The members of an object one by one: 1 with the next key (its ':'
 * read), 0 at the closing brace, <0. *first starts at 1. */
static int j_member(jrd *j, int *first, pt_buf *key)
{
    if (j_char(j, '}'))
        return 0;
    if (!*first && !j_char(j, ','))
        return -EBADMSG;
    *first = 0;
    if (j_string(j, key) < 0 || !j_char(j, ':'))
        return -EBADMSG;
    return 1;
}

static int key_is(const pt_buf *key, const char *name)
{
    return key->len == strlen(name) && memcmp(key->data, name, key->len) == 0;
}

/* What a DB_RESULT may hold, list entries aside. */
typedef struct db_answer {
    pt_buf name, dir, state;
    uint64_t rows, bytes_on_disk, files, bytes, linked_files, jobs_active;
    int created;
    int rows_unknown;         /* "rows":null: a database closed since start */
    unsigned seen;            /* 1 << the DA_ bit of each member read */
} db_answer;

enum { DA_NAME = 1, DA_DIR = 2, DA_STATE = 4, DA_ROWS = 8, DA_BYTES_ON_DISK = 16,
       DA_FILES = 32, DA_BYTES = 64, DA_LINKED = 128, DA_JOBS = 256, DA_CREATED = 512 };

/* One member of a result object or of a list entry into a. */
static int db_member(jrd *j, const pt_buf *key, db_answer *a)
{
    static const struct {
        const char *name;
        unsigned bit;
        size_t off;
    } nums[] = {
        {"rows", DA_ROWS, offsetof(db_answer, rows)},
        {"bytes_on_disk", DA_BYTES_ON_DISK, offsetof(db_answer, bytes_on_disk)},
        {"files", DA_FILES, offsetof(db_answer, files)},
        {"bytes", DA_BYTES, offsetof(db_answer, bytes)},
        {"linked_files", DA_LINKED, offsetof(db_answer, linked_files)},
        {"jobs_active", DA_JOBS, offsetof(db_answer, jobs_active)},
    };

    if (key_is(key, "name"))
        return a->seen |= DA_NAME, j_string(j, &a->name);
    if (key_is(key, "dir"))
        return a->seen |= DA_DIR, j_string(j, &a->dir);
    if (key_is(key, "state"))
        return a->seen |= DA_STATE, j_string(j, &a->state);
    if (key_is(key, "created"))
        return a->seen |= DA_CREATED, j_bool(j, &a->created);
    if (key_is(key, "rows") && j_word(j, "null"))
        return a->seen |= DA_ROWS, a->rows_unknown = 1, 0;
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (key_is(key, nums[i].name))
            return a->seen |= nums[i].bit, j_u64(j, (uint64_t *)((char *)a + nums[i].off));
    return j_skip(j, 1);
}

static void db_answer_init(db_answer *a)
{
    memset(a, 0, sizeof(*a));
    pt_buf_init(&a->name);
    pt_buf_init(&a->dir);
    pt_buf_init(&a->state);
}

static void db_answer_free(db_answer *a)
{
    pt_buf_free(&a->name);
    pt_buf_free(&a->dir);
    pt_buf_free(&a->state);
}

/* A flat result object (create, drop, checkpoint, restore) holding at
 * least the members in `need`. */
static int db_parse_result(const char *json, unsigned need, db_answer *a)
{
    jrd j = {json, json + strlen(json)};
    pt_buf key;
    int first = 1, r;

    pt_buf_init(&key);
    if (!j_char(&j, '{'))
        r = -EBADMSG;
    else
        while ((r = j_member(&j, &first, &key)) > 0)
            if ((r = db_member(&j, &key, a)) < 0)
                break;
    pt_buf_free(&key);
    j_ws(&j);
    if (r == 0 && (j.p != j.end || (a->seen & need) != need))
        r = -EBADMSG;
    return r;
}

static void human_mb(char *out, size_t outlen, uint64_t bytes)
{
    snprintf(out, outlen, "%.1f MB", (double)bytes / 1e6);
}

/* The list's entries, each to `row` (NULL: only check them); *width
 * grows to the longest name. */
static int db_walk_list(const char *json, pt_buf *row, int *width)
{
    jrd j = {json, json + strlen(json)};
    pt_buf key;
    db_answer a;
    int first = 1, efirst, r, listed = 0;

    pt_buf_init(&key);
    db_answer_init(&a);
    if (!j_char(&j, '{')) {
        r = -EBADMSG;
        goto out;
    }
    while ((r = j_member(&j, &first, &key)) > 0) {
        if (!key_is(&key, "databases")) {
            if ((r = j_skip(&j, 1)) < 0)
                break;
            continue;
        }
        listed = 1;
        if (!j_char(&j, '[')) {
            r = -EBADMSG;
            break;
        }
        for (int n = 0; !j_char(&j, ']'); n++) {
            char mb[32];
            if ((n && !j_char(&j, ',')) || !j_char(&j, '{')) {
                r = -EBADMSG;
                goto out;
            }
            a.seen = 0;
            a.rows_unknown = 0;
            efirst = 1;
            while ((r = j_member(&j, &efirst, &key)) > 0)
                if ((r = db_member(&j, &key, &a)) < 0)
                    goto out;
            if (r < 0 || (a.seen & (DA_NAME | DA_STATE | DA_ROWS | DA_BYTES_ON_DISK)) !=
                             (DA_NAME | DA_STATE | DA_ROWS | DA_BYTES_ON_DISK)) {
                r = -EBADMSG;
                goto out;
            }
            if ((int)a.name.len > *width)
                *width = a.name.len > 1000 ? 1000 : (int)a.name.len;
            if (!row)
                continue;
            human_mb(mb, sizeof(mb), a.bytes_on_disk);
            if (a.rows_unknown) /* not open since the daemon started */
                pt_buf_printf(row, "%-*.*s %14s %12s  %.*s\n", *width, (int)a.name.len,
                              a.name.data, "-", mb, (int)a.state.len, a.state.data);
            else
                pt_buf_printf(row, "%-*.*s %14llu %12s  %.*s\n", *width, (int)a.name.len,
                              a.name.data, (unsigned long long)a.rows, mb, (int)a.state.len,
                              a.state.data);
        }
    }
    j_ws(&j);
    if (r == 0 && (!listed || j.p != j.end))
        r = -EBADMSG;
out:
    pt_buf_free(&key);
    db_answer_free(&a);
    return r;
}

/* The list as a table, its columns as wide as the longest name needs. */
static int db_print_list(const char *json)
{
    pt_buf out;
    int width = 4, r;

    if ((r = db_walk_list(json, NULL, &width)) < 0)
        return r;
    pt_buf_init(&out);
    pt_buf_printf(&out, "%-*s %14s %12s  %s\n", width, "NAME", "ROWS", "ON DISK", "STATE");
    if ((r = db_walk_list(json, &out, &width)) == 0 && out.len)
        fwrite(out.data, 1, out.len, stdout);
    pt_buf_free(&out);
    return r;
}

/* One line saying what the operation did. */
static int db_print_result(int op, const char *name, const char *dir, const char *json)
{
    static const unsigned need[] = {
        [PTI_DB_CREATE] = DA_CREATED,
        [PTI_DB_DROP] = DA_BYTES_ON_DISK,
        [PTI_DB_CHECKPOINT] = DA_FILES | DA_BYTES | DA_LINKED,
        [PTI_DB_RESTORE] = DA_FILES | DA_BYTES,
    };
    char mb[32];
    db_answer a;
    int r;

    db_answer_init(&a);
    if ((r = db_parse_result(json, need[op], &a)) < 0)
        goto out;
    if (a.dir.len)
        dir = a.dir.data;
    switch (op) {
    case PTI_DB_CREATE:
        if (a.created)
            printf("created %s\n", name);
        else
            printf("%s exists already; nothing changed\n", name);
        break;
    case PTI_DB_DROP:
        human_mb(mb, sizeof(mb), a.bytes_on_disk);
        printf("dropped %s (%s on disk freed in the background)\n", name, mb);
        break;
    case PTI_DB_CHECKPOINT:
        human_mb(mb, sizeof(mb), a.bytes);
        printf("checkpoint of %s in %s: %llu files, %s (%llu files hard-linked)\n", name, dir,
               (unsigned long long)a.files, mb, (unsigned long long)a.linked_files);
        break;
    default:
        human_mb(mb, sizeof(mb), a.bytes);
        printf("restored %s from %s: %llu files, %s\n", name, dir,
               (unsigned long long)a.files, mb);
        break;
    }
out:
    db_answer_free(&a);
    return r;
}

/* DIR as the daemon needs it: absolute, resolved against our current
 * directory (the daemon's is not ours). */
static int absolute_dir(const char *dir, pt_buf *out)
{
    char cwd[4096];
    size_t n;
    char sep;

    pt_buf_reset(out);
    if (pt_is_absolute_path(dir))
        return pt_buf_append_str(out, dir);
    if (!getcwd(cwd, sizeof(cwd)))
        return -errno;
    n = strlen(cwd);
    sep = strchr(cwd, '/') || !strchr(cwd, '\\') ? '/' : '\\';
    while (dir[0] == '.' && pt_is_path_sep(dir[1])) /* "./x" is "x" */
        for (dir += 2; pt_is_path_sep(*dir); dir++)
            ;
    if (pt_buf_append(out, cwd, n) < 0 ||
        ((n == 0 || !pt_is_path_sep(cwd[n - 1])) && pt_buf_append_byte(out, sep) < 0) ||
        pt_buf_append_str(out, strcmp(dir, ".") == 0 ? "" : dir) < 0)
        return -ENOMEM;
    /* no trailing separator, the root aside */
    while (out->len > 1 && pt_is_path_sep(out->data[out->len - 1]))
        out->data[--out->len] = '\0';
    return 0;
}

static int cmd_db(const cli *o)
{
    static const struct {
        const char *name;
        int op, nargs;
        const char *usage;
    } ops[] = {
        {"list", PTI_DB_LIST, 0, "db list [--json]"},
        {"create", PTI_DB_CREATE, 1, "db create NAME"},
        {"drop", PTI_DB_DROP, 1, "db drop NAME"},
        {"checkpoint", PTI_DB_CHECKPOINT, 2, "db checkpoint NAME DIR"},
        {"restore", PTI_DB_RESTORE, 2, "db restore NAME DIR"},
    };
    const char *name = NULL, *sub = o->nargs ? o->args[0] : "";
    pti_client *c;
    char err[512], *json = NULL;
    pt_buf dir;
    size_t i;
    int r, rc;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(sub, ops[i].name) == 0)
            break;
    if (i == sizeof(ops) / sizeof(ops[0])) {
        if (*sub)
            fprintf(stderr, "ptingest: unknown db command \"%s\"\n", sub);
        fprintf(stderr, "usage: ptingest db list [--json]\n"
                        "       ptingest db create|drop NAME\n"
                        "       ptingest db checkpoint|restore NAME DIR\n");
        return EXIT_USAGE;
    }
    if (o->nargs - 1 != ops[i].nargs || (o->json && ops[i].op != PTI_DB_LIST)) {
        fprintf(stderr, "usage: ptingest %s\n", ops[i].usage);
        return EXIT_USAGE;
    }
    if (ops[i].nargs && (rc = db_name_ok(name = o->args[1])) != 0)
        return rc;
    pt_buf_init(&dir);
    if (ops[i].nargs == 2) {
        if (!*o->args[2]) {
            fprintf(stderr, "ptingest: db %s: DIR is empty\n", sub);
            rc = EXIT_USAGE;
            goto out;
        }
        if ((r = absolute_dir(o->args[2], &dir)) < 0) {
            fprintf(stderr, "ptingest: %s: cannot make it absolute: %s\n", o->args[2],
                    strerror(-r));
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if ((rc = connect_or_say(o, &c)) != 0)
        goto out;
    r = pti_db_request(c, ops[i].op, name, ops[i].nargs == 2 ? dir.data : NULL, &json, err,
                       sizeof(err));
    pti_close(c);
    if (r < 0) {
        fprintf(stderr, "ptingest: %s\n", err);
        rc = exit_for(r);
        goto out;
    }
    if (ops[i].op == PTI_DB_LIST && o->json)
        r = printf("%s\n", json) < 0 ? -EIO : 0;
    else if (ops[i].op == PTI_DB_LIST)
        r = db_print_list(json);
    else
        r = db_print_result(ops[i].op, name, dir.data, json);
    if (r < 0) {
        fprintf(stderr, "ptingest: malformed answer from ptingestd: %s\n", json);
        rc = exit_for(-EBADMSG);
    } else if (fflush(stdout) != 0) {
        fprintf(stderr, "ptingest: writing the answer failed: %s\n", strerror(errno));
        rc = EXIT_USAGE;
    }
out:
    free(json);
    pt_buf_free(&dir);
    return rc;
}

/* --- command line -------------------------------------------------------- */

static int take_value(int argc, char **argv, int *i, const char *name, const char **out)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (strcmp(argv[*i], name) != 0)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "ptingest: %s needs a value\n", name);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

int main(int argc, char **argv)
{
    cli o = {.progress = -1, .bulk = -1, .entities = 1000, .seed = 1};
    const char *cmd = NULL, *v;
    char **args = calloc((size_t)argc + 1, sizeof(char *));
    int r, rc;

    if (!args)
        return EXIT_USAGE;
    pt_binary_stdio(); /* NDJSON in and out byte for byte, on Windows too */
    o.args = args;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((r = take_value(argc, argv, &i, "--socket", &o.socket)) ||
            (r = take_value(argc, argv, &i, "--daemon-user", &o.daemon_user)) ||
            (r = take_value(argc, argv, &i, "--db", &o.db)) ||
            (r = take_value(argc, argv, &i, "--job", &o.job)) ||
            (r = take_value(argc, argv, &i, "--prefix", &o.prefix)) ||
            (r = take_value(argc, argv, &i, "--from", &o.from)) ||
            (r = take_value(argc, argv, &i, "--to", &o.to)) ||
            (r = take_value(argc, argv, &i, "--after", &o.after)) ||
            (r = take_value(argc, argv, &i, "--limit", &o.limit)) ||
            (r = take_value(argc, argv, &i, "--keys", &o.keys_file))) {
            if (r < 0)
                goto usage;
        } else if ((r = take_value(argc, argv, &i, "--entities", &v)) ||
                   (r = take_value(argc, argv, &i, "--seed", &v))) {
            uint64_t *dst = strncmp(a, "--seed", 6) == 0 ? &o.seed : &o.entities;
            if (r < 0 || parse_u64(v, dst) < 0) {
                fprintf(stderr, "ptingest: %s needs a non-negative integer\n", a);
                goto usage;
            }
        } else if (strcmp(a, "--progress") == 0) {
            o.progress = 1;
        } else if (strcmp(a, "--no-progress") == 0) {
            o.progress = 0;
        } else if (strcmp(a, "--bulk") == 0) {
            o.bulk = 1;
        } else if (strcmp(a, "--no-bulk") == 0) {
            o.bulk = 0;
        } else if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--reverse") == 0) {
            o.reverse = 1;
        } else if (strcmp(a, "--keys-only") == 0) {
            o.keys_only = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            if (cmd && strcmp(cmd, "gen") == 0)
                printf("\n%s", gen_describe());
            free(args);
            return EXIT_OK;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "ptingest: unknown option %s\n", a);
            goto usage;
        } else if (!cmd) {
            cmd = a;
        } else {
            o.args[o.nargs++] = argv[i];
        }
    }
    if (!o.socket)
        o.socket = getenv("PTINGEST_SOCKET");
    if (!cmd)
        goto usage;
    if (strcmp(cmd, "scan") != 0 &&
        (o.prefix || o.from || o.to || o.after || o.limit || o.reverse || o.keys_only)) {
        fprintf(stderr, "ptingest: --prefix, --from, --to, --after, --limit, --reverse and "
                        "--keys-only are options of scan\n");
        goto usage;
    }
    if (o.keys_file && strcmp(cmd, "get") != 0) {
        fprintf(stderr, "ptingest: --keys is an option of get\n");
        goto usage;
    }
    if (strcmp(cmd, "db") == 0) {
        /* the db commands name their database; $PTINGEST_DB is not theirs */
        if (o.db) {
            fprintf(stderr, "ptingest: the db commands take the database as NAME, not --db\n");
            goto usage;
        }
    } else if (strcmp(cmd, "gen") != 0) {
        if (!o.db && (v = getenv("PTINGEST_DB")) && *v)
            o.db = v;
        if (!o.db)
            o.db = PT_DB_DEFAULT;
        if ((rc = db_name_ok(o.db)) != 0) {
            free(args);
            return rc;
        }
    }
    if (strcmp(cmd, "gen") == 0)
        rc = cmd_gen(&o);
    else if (strcmp(cmd, "ingest") == 0)
        rc = cmd_ingest(&o);
    else if (strcmp(cmd, "get") == 0)
        rc = cmd_get(&o);
    else if (strcmp(cmd, "scan") == 0)
        rc = cmd_scan(&o);
    else if (strcmp(cmd, "count") == 0)
        rc = cmd_count(&o);
    else if (strcmp(cmd, "export") == 0)
        rc = cmd_export(&o);
    else if (strcmp(cmd, "status") == 0)
        rc = cmd_text(&o, 0, !o.json);
    else if (strcmp(cmd, "metrics") == 0)
        rc = cmd_text(&o, 1, 0);
    else if (strcmp(cmd, "db") == 0)
        rc = cmd_db(&o);
    else {
        fprintf(stderr, "ptingest: unknown command \"%s\"\n", cmd);
        goto usage;
    }
    free(args);
    return rc;
usage:
    usage(stderr);
    free(args);
    return EXIT_USAGE;
}
