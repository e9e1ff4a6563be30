/* options_ini.c - rocksdb.options_file (see options_ini.h for the mapping)
 * and the deprecation and contradiction checks for RocksDB options.
 *
 * Runs on whichever thread loads a config and touches only the pt_config
 * it is given.
 *
 * The file is read with inih through ini_parse_stream and a reader
 * callback, for three reasons found on Debian's build of inih r55:
 *   - multi-line values are on: a line that starts with whitespace
 *     continues the previous value, and RocksDB's own OPTIONS files indent
 *     every key. The reader hands inih each line without its indentation.
 *   - the handler may or may not get a line number (however the library
 *     was built: config/meson.build asks it and gives the handler the
 *     library's type). The reader counts lines itself, and inih calls the
 *     handler for a line before it asks for the next one.
 *   - inih returns only its first error. The reader checks each line's
 *     shape itself, reports every bad line, and hands inih a blank line
 *     instead, so the report is complete.
 * inih strips " ;" inline comments but not " #" ones, which hand-written
 * files use ("16777216  # 16 MB"); the reader strips both. inih's line
 * buffer is 200 bytes, fixed when it was built, and RocksDB writes longer
 * lines (compaction_options_universal, 236): such a line's value is held
 * here and inih is handed "name=" alone.
 */
#include "options_ini.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PT_HAVE_INI
#include <ini.h>
#endif

#include "../common/paths.h"
#include "../common/readfile.h"
#include "keys.h"

#define INI_MAX_FILE_BYTES (4u << 20)
#define INI_NAME_MAX 128

/* ---- deprecated names -------------------------------------------------------
 * Names RocksDB 7.8 still parses (an OPTIONS file from an older RocksDB must
 * load) but no longer uses: OptionVerificationType::kDeprecated in its
 * options/db_options.cc and options/cf_options.cc, or documented as
 * superseded in include/rocksdb/options.h. Checked against 7.8.3: each is
 * accepted by its option parser and none is written to its OPTIONS files,
 * except max_write_buffer_number_to_maintain, which RocksDB still writes as 0
 * (hence `inert`: the value that means "not used"). max_background_compactions
 * and max_background_flushes are handled by the contradiction check. The
 * names are looked up in any scope: RocksDB's option-string parser takes a
 * column-family option among the database options too. */
typedef struct deprecated_opt {
    const char *name;
    const char *inert; /* a value that is not worth a warning, or NULL */
    const char *hint;
} deprecated_opt;

static const deprecated_opt deprecated[] = {
    {"base_background_compactions", NULL, "ignored; max_background_jobs sizes the pools"},
    {"allow_os_buffer", NULL, "ignored"},
    {"skip_log_error_on_recovery", NULL, "ignored"},
    {"new_table_reader_for_compaction_inputs", NULL, "ignored"},
    {"preserve_deletes", NULL, "ignored"},
    {"disable_data_sync", NULL, "ignored"},
    {"disableDataSync", NULL, "ignored"},
    {"use_direct_writes", NULL, "ignored; see use_direct_io_for_flush_and_compaction"},
    {"concurrent_prepare", NULL, "ignored; see two_write_queues"},
    {"seq_per_batch", NULL, "ignored"},
    {"experimental_allow_mempurge", NULL, "ignored; see experimental_mempurge_threshold"},
    {"experimental_mempurge_policy", NULL, "ignored; see experimental_mempurge_threshold"},
    {"soft_rate_limit", NULL, "ignored; see soft_pending_compaction_bytes_limit"},
    {"hard_rate_limit", NULL, "ignored; see hard_pending_compaction_bytes_limit"},
    {"purge_redundant_kvs_while_flush", NULL, "ignored"},
    {"verify_checksums_in_compaction", NULL, "ignored"},
    {"filter_deletes", NULL, "ignored"},
    {"max_mem_compaction_level", NULL, "ignored"},
    {"compaction_measure_io_stats", NULL, "ignored; see report_bg_io_stats"},
    {"rate_limit_delay_max_milliseconds", NULL, "ignored"},
    {"source_compaction_factor", NULL, "ignored; see max_compaction_bytes"},
    {"expanded_compaction_factor", NULL, "ignored; see max_compaction_bytes"},
    {"max_grandparent_overlap_factor", NULL, "ignored; see max_compaction_bytes"},
    {"memtable_prefix_bloom_bits", NULL, "ignored; see memtable_prefix_bloom_size_ratio"},
    {"memtable_prefix_bloom_probes", NULL, "ignored; see memtable_prefix_bloom_size_ratio"},
    {"memtable_prefix_bloom_huge_page_tlb_size", NULL, "ignored; see memtable_huge_page_size"},
    {"min_partial_merge_operands", NULL, "ignored"},
    {"snap_refresh_nanos", NULL, "ignored"},
    {"max_write_buffer_number_to_maintain", "0", "see max_write_buffer_size_to_maintain"},
    {PT_TABLE_OPT_PREFIX "hash_index_allow_collision", NULL, "ignored"},
};

const char *options_deprecated(const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof deprecated / sizeof deprecated[0]; i++) {
        const deprecated_opt *o = &deprecated[i];
        if (strcmp(o->name, name) == 0)
            return o->inert && strcmp(o->inert, value) == 0 ? NULL : o->hint;
    }
    return NULL;
}

static int lint_list(const pt_optlist *l, pt_diag *d)
{
    int n = 0;

    for (size_t i = 0; i < l->n; i++) {
        const pt_opt *o = &l->v[i];
        const char *hint = options_deprecated(o->name, o->value);
        if (!opt_in_layer(o, PT_LAYER_USER))
            continue;
        if (hint) {
            diag_warn(d, o->file, o->line, o->col,
                      "%s is deprecated in RocksDB 7 (%s)", o->name, hint);
            n++;
        }
    }
    return n;
}

/* The entry RocksDB ends up using for name: the user's YAML, options_file,
 * then a built-in default. */
static const pt_opt *effective_db(const pt_config *c, const char *name)
{
    const pt_opt *o = optlist_find(&c->db_options, name);

    if (o && opt_in_layer(o, PT_LAYER_USER))
        return o;
    return optlist_find(&c->ini_db_options, name) ? optlist_find(&c->ini_db_options, name)
                                                  : o;
}

/* RocksDB sizes its pools from max_background_jobs only while both legacy
 * limits are -1; set either and it silently uses the legacy pair instead
 * (DBImpl::GetBGJobLimits). */
static int lint_background(const pt_config *c, pt_diag *d)
{
    static const char *const legacy[] = {"max_background_compactions",
                                         "max_background_flushes"};
    const pt_opt *jobs = effective_db(c, "max_background_jobs");
    char where[300];
    int n = 0;

    if (jobs && jobs->line)
        snprintf(where, sizeof where, "%s:%u", jobs->file, jobs->line);
    else if (jobs)
        snprintf(where, sizeof where, "%s", jobs->file);
    for (size_t i = 0; i < 2; i++) {
        const pt_opt *o = effective_db(c, legacy[i]);
        if (!o || strcmp(o->value, "-1") == 0)
            continue;
        if (jobs)
            diag_warn(d, o->file, o->line, o->col,
                      "%s = %s contradicts max_background_jobs = %s (%s): "
                      "RocksDB then ignores max_background_jobs; both legacy "
                      "limits are deprecated, set only max_background_jobs",
                      o->name, o->value, jobs->value, where);
        else
            diag_warn(d, o->file, o->line, o->col,
                      "%s is deprecated in RocksDB 7 (use max_background_jobs)",
                      o->name);
        n++;
    }
    return n;
}

int options_lint(const pt_config *c, pt_diag *d)
{
    int n = lint_list(&c->ini_db_options, d) + lint_list(&c->db_options, d) +
            lint_list(&c->ini_cf_options, d) + lint_list(&c->cf_options, d);

    for (size_t i = 0; i < c->nrelations; i++)
        n += lint_list(&c->relations[i].ini_cf_options, d) +
             lint_list(&c->relations[i].cf_options, d);
    return n + lint_background(c, d);
}

int options_value_framing_ok(const char *v)
{
    int depth = 0;

    for (; *v; v++) {
        if (*v == '{')
            depth++;
        else if (*v == '}' && --depth < 0)
            return 0;
        else if (*v == ';' && depth == 0)
            return 0;
    }
    return depth == 0;
}

int options_value_printable(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 0;
    return 1;
}

/* ---- the INI file -------------------------------------------------------------- */

#ifdef PT_HAVE_INI

int options_ini_available(void)
{
    return 1;
}

enum section { SEC_NONE, SEC_VERSION, SEC_DB, SEC_CF, SEC_TABLE, SEC_IGNORED };

typedef struct ini_ctx {
    pt_config *c;
    const char *file;
    pt_diag *d;
    const char *p, *end;  /* text not yet handed to inih */
    unsigned line, col;   /* of the line inih is working on */
    int sec;              /* enum section */
    pt_optlist *target;   /* where this section's options go */
    char *held;           /* a value too long for inih's buffer */
    int rc;               /* -ENOMEM stops the parse */
} ini_ctx;

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
}

/* Length of s[0..n) without an inline comment (" #" or " ;") and without
 * trailing blanks. */
static size_t cut_comment(const char *s, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if ((s[i] == '#' || s[i] == ';') && is_blank(s[i - 1])) {
            n = i;
            break;
        }
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    return n;
}

/* The scope named in a section header: the base list, a relation's list,
 * or NULL after a warning (the section's options are then skipped). */
static pt_optlist *scope_list(ini_ctx *x, const char *name)
{
    const pt_relation *rel;
    char q[80];

    if (strcmp(name, "default") == 0)
        return &x->c->ini_cf_options;
    rel = config_relation(x->c, name);
    if (rel)
        return (pt_optlist *)&rel->ini_cf_options;
    key_snippet(q, sizeof q, name);
    diag_warn(x->d, x->file, x->line, x->col,
              "no relation named %s: this section is ignored", q);
    return NULL;
}

/* Nothing but blanks and perhaps a comment in s[0..n). */
static int only_comment(const char *s, size_t n)
{
    while (n > 0 && is_blank(*s)) {
        s++;
        n--;
    }
    return n == 0 || *s == '#' || *s == ';';
}

/* [Kind] or [Kind "name"]: sets the section state, or reports the header. */
static void parse_section(ini_ctx *x, const char *s, size_t n)
{
    const char *close = memchr(s, ']', n), *q1, *q2;
    char kind[64], name[PT_RELATION_NAME_MAX * 4 + 1];
    size_t kn;

    x->sec = SEC_IGNORED;
    x->target = NULL;
    if (!close || !only_comment(close + 1, (size_t)(s + n - close - 1))) {
        diag_error(x->d, x->file, x->line, x->col,
                   "bad section header (expected [Name] or [Name \"scope\"])");
        return;
    }
    for (kn = 1; s + kn < close && !is_blank(s[kn]) && s[kn] != '"'; kn++)
        ;
    snprintf(kind, sizeof kind, "%.*s", (int)(kn - 1), s + 1);
    q1 = memchr(s, '"', (size_t)(close - s));
    q2 = q1 ? memchr(q1 + 1, '"', (size_t)(close - q1 - 1)) : NULL;
    if (q1 && (!q2 || q2 - q1 - 1 >= (ptrdiff_t)sizeof name)) {
        diag_error(x->d, x->file, x->line, x->col, "bad section name in [%s ...]", kind);
        return;
    }
    snprintf(name, sizeof name, "%.*s", q1 ? (int)(q2 - q1 - 1) : 0, q1 ? q1 + 1 : "");
    if (strcmp(kind, "Version") == 0 && !q1) {
        x->sec = SEC_VERSION;
    } else if (strcmp(kind, "DBOptions") == 0 && !q1) {
        x->sec = SEC_DB;
        x->target = &x->c->ini_db_options;
    } else if (strcmp(kind, "CFOptions") == 0 && q1) {
        x->sec = SEC_CF;
        x->target = scope_list(x, name);
    } else if (strcmp(kind, "TableOptions/BlockBasedTable") == 0 && q1) {
        x->sec = SEC_TABLE;
        x->target = scope_list(x, name);
    } else if (strncmp(kind, "TableOptions/", 13) == 0) {
        diag_error(x->d, x->file, x->line, x->col,
                   "[%s] is not supported: only BlockBasedTable table options", kind);
    } else {
        diag_error(x->d, x->file, x->line, x->col,
                   "unknown section [%.*s] (expected Version, DBOptions, "
                   "CFOptions \"name\" or TableOptions/BlockBasedTable \"name\")",
                   (int)(close - s - 1 < 80 ? close - s - 1 : 80), s + 1);
    }
}

/* A key line: checks the name, cuts the comment; returns the length of
 * what inih may see, 0 after reporting the line. */
static size_t key_line(ini_ctx *x, const char *s, size_t n, size_t room)
{
    size_t sep = 0, k, v;

    while (sep < n && s[sep] != '=' && s[sep] != ':')
        sep++; /* inih splits at the first of these too */
    k = sep;
    if (sep >= n) {
        diag_error(x->d, x->file, x->line, x->col,
                   "expected name = value, a [section] or a comment");
        return 0;
    }
    while (k > 0 && is_blank(s[k - 1]))
        k--;
    for (size_t i = 0; i < k; i++)
        if (!name_char(s[i]))
            k = 0;
    if (k == 0 || k > INI_NAME_MAX) {
        diag_error(x->d, x->file, x->line, x->col,
                   "bad option name (1..%d characters of A-Z a-z 0-9 _ .)", INI_NAME_MAX);
        return 0;
    }
    n = sep + 1 + cut_comment(s + sep + 1, n - sep - 1);
    if (n < room)
        return n;
    for (v = sep + 1; v < n && is_blank(s[v]); v++)
        ;
    x->held = malloc(n - v + 1);
    if (!x->held) {
        x->rc = -ENOMEM;
        return 0;
    }
    memcpy(x->held, s + v, n - v);
    x->held[n - v] = '\0';
    return sep + 1;
}

/* inih's fgets: one physical line, checked and trimmed (see the top). */
static char *read_line(char *buf, int num, void *stream)
{
    ini_ctx *x = stream;
    const char *s = x->p, *nl, *e;
    size_t len, n = 0, room = num > 2 ? (size_t)num - 2 : 0;

    if (x->p >= x->end || x->rc)
        return NULL;
    nl = memchr(s, '\n', (size_t)(x->end - s));
    e = nl ? nl : x->end;
    x->p = nl ? nl + 1 : x->end;
    x->line++;
    x->col = 1;
    free(x->held);
    x->held = NULL;
    if (e > s && e[-1] == '\r')
        e--;
    if (x->line == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* a UTF-8 byte order mark */
    for (; s < e && is_blank(*s); s++)
        x->col++;
    len = e > s ? (size_t)(e - s) : 0;
    if (memchr(s, '\0', len))
        diag_error(x->d, x->file, x->line, x->col, "contains a NUL byte");
    else if (len && *s == '[')
        parse_section(x, s, n = len);
    else if (len && *s != ';' && *s != '#')
        n = key_line(x, s, len, room);
    if (n >= room)
        n = 0; /* a section header that long is already reported */
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

#if INI_HANDLER_LINENO
#define ON_OPTION_LINENO , int lineno
#define IGNORE_LINENO (void)lineno /* the reader's count is the line */
#else
#define ON_OPTION_LINENO
#define IGNORE_LINENO
#endif

static int on_option(void *user, const char *section, const char *name,
                     const char *value ON_OPTION_LINENO)
{
    ini_ctx *x = user;
    char full[sizeof PT_TABLE_OPT_PREFIX + INI_NAME_MAX], q[80];
    const pt_opt *prev;

    (void)section; /* the reader tracked it, with its line */
    IGNORE_LINENO;
    if (x->rc || x->sec == SEC_VERSION || x->sec == SEC_IGNORED)
        return 1;
    if (x->held)
        value = x->held;
    if (x->sec == SEC_NONE) {
        diag_error(x->d, x->file, x->line, x->col,
                   "option %s is outside any section", name);
        return 1;
    }
    if (!x->target)
        return 1;
    snprintf(full, sizeof full, "%s%s", x->sec == SEC_TABLE ? PT_TABLE_OPT_PREFIX : "",
             name);
    if (!options_value_printable(value)) {
        key_snippet(q, sizeof q, value);
        diag_error(x->d, x->file, x->line, x->col,
                   "%s: value %s contains a control character", name, q);
        return 1;
    }
    if (!options_value_framing_ok(value)) {
        key_snippet(q, sizeof q, value);
        diag_error(x->d, x->file, x->line, x->col,
                   "%s: value %s has unbalanced braces or a ';' outside braces",
                   name, q);
        return 1;
    }
    prev = optlist_find(x->target, full);
    if (prev)
        diag_warn(x->d, x->file, x->line, x->col,
                  "%s set again (first at line %u); the later value wins", name,
                  prev->line);
    if (optlist_set(x->target, full, value, x->file, x->line, x->col) < 0)
        x->rc = -ENOMEM;
    return 1;
}

int options_ini_parse(pt_config *c, const char *name, const char *text,
                      size_t len, pt_diag *d)
{
    ini_ctx x;
    int before = d->errors, r;

    memset(&x, 0, sizeof x);
    x.c = c;
    x.file = name ? name : "<options>";
    x.d = d;
    x.p = text ? text : "";
    x.end = x.p + (text ? len : 0);
    r = ini_parse_stream(read_line, &x, on_option, &x);
    free(x.held);
    if (x.rc)
        return x.rc;
    if (r == -2)
        return -ENOMEM;
    /* The reader hands inih only lines it accepts; this is a safety net. */
    if (r > 0 && d->errors == before)
        diag_error(d, x.file, (unsigned)r, 0, "cannot parse this line");
    return d->errors > before ? -EINVAL : 0;
}

#else /* !PT_HAVE_INI */

int options_ini_available(void)
{
    return 0;
}

int options_ini_parse(pt_config *c, const char *name, const char *text,
                      size_t len, pt_diag *d)
{
    (void)c;
    (void)text;
    (void)len;
    diag_error(d, name, 0, 0, "this ptingestd was built without INI import "
                              "(meson -Dini=disabled)");
    return -ENOTSUP;
}

#endif /* PT_HAVE_INI */

/* ---- loading the file ------------------------------------------------------------ */

/* path as given when absolute or when `from` has no directory part, else
 * relative to from's directory. malloc'd. */
static char *resolve(const char *from, const char *path)
{
    const char *slash = NULL;
    size_t dir;
    char *out;

    for (const char *p = from; *p; p++)
        if (pt_is_path_sep(*p))
            slash = p;
    if (pt_is_absolute_path(path) || !slash)
        return config_strdup(path);
    dir = (size_t)(slash - from) + 1;
    out = malloc(dir + strlen(path) + 1);
    if (out) {
        memcpy(out, from, dir);
        strcpy(out + dir, path);
    }
    return out;
}

int options_ini_load(pt_config *c, const char *from, unsigned line,
                     unsigned col, pt_diag *d)
{
    char err[512];
    char *path;
    pt_buf b;
    int r;

    if (!c->options_file)
        return 0;
    if (!options_ini_available()) {
        diag_error(d, from, line, col,
                   "rocksdb.options_file: this ptingestd was built without INI "
                   "import (meson -Dini=disabled); use rocksdb.db_options and "
                   "rocksdb.cf_options");
        return -EINVAL;
    }
    /* The name heads every diagnostic about the file: a line break in it
     * (a folded multi-line YAML scalar) would split each of them. */
    if (!options_value_printable(c->options_file)) {
        key_snippet(err, sizeof err, c->options_file);
        diag_error(d, from, line, col,
                   "rocksdb.options_file: the file name %s contains a control character",
                   err);
        return -EINVAL;
    }
    path = resolve(from, c->options_file);
    if (!path)
        return -ENOMEM;
    pt_buf_init(&b);
    /* only a regular file: a FIFO would hang the thread that loads */
    r = pt_read_regular_file(path, path, INI_MAX_FILE_BYTES, &b, err, sizeof err);
    if (r < 0 && r != -ENOMEM) {
        diag_error(d, from, line, col, "rocksdb.options_file: %s", err);
        r = -EINVAL;
    }
    if (r == 0)
        r = options_ini_parse(c, path, b.data, b.len, d);
    pt_buf_free(&b);
    free(path);
    return r;
}
