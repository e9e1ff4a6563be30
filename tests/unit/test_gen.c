/* test_gen.c - client/gen: the NDJSON `ptingest gen` writes.
 *
 * The output is read back with a strict validator of our own (compact
 * JSON only, members rel/key/value in that order), so these tests do not
 * depend on the parser they are meant to feed.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* fdopen, pipe */
#endif

#include "../../client/gen.h"
#include "../../common/buf.h"
#include "../../common/jsonesc.h"
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <signal.h>
#include <unistd.h>
#endif

/* ------------------------------------------------------------ helpers -- */

typedef struct out {
    char *data;
    size_t len;
    int rc;
    char err[256];
} out;

/* Run gen_write into a temporary file and read it all back. */
static out gen_mem(uint64_t entities, uint64_t seed)
{
    gen_params p = { entities, seed };
    out o = { NULL, 0, 0, { 0 } };
    FILE *f = tmpfile();
    long n;

    if (!f)
        abort();
    o.rc = gen_write(&p, f, o.err, sizeof o.err);
    n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        abort();
    o.len = (size_t)n;
    o.data = malloc(o.len + 1);
    if (!o.data || fread(o.data, 1, o.len, f) != o.len)
        abort();
    o.data[o.len] = '\0';
    fclose(f);
    return o;
}

/* ---------------------------------------------- strict JSON validator -- */

typedef struct jp {
    const char *p, *e;
    int ok;
} jp;

typedef struct span {
    const char *p;
    size_t n;
} span;

static int jv_value(jp *j, int depth);

static int fail(jp *j)
{
    j->ok = 0;
    return 0;
}

static int lit(jp *j, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(j->e - j->p) < n || memcmp(j->p, s, n) != 0)
        return fail(j);
    j->p += n;
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(pt_buf *b, unsigned cp)
{
    char s[4];
    size_t n;

    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xc0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 63));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xe0 | cp >> 12);
        s[1] = (char)(0x80 | (cp >> 6 & 63));
        s[2] = (char)(0x80 | (cp & 63));
        n = 3;
    } else {
        s[0] = (char)(0xf0 | cp >> 18);
        s[1] = (char)(0x80 | (cp >> 12 & 63));
        s[2] = (char)(0x80 | (cp >> 6 & 63));
        s[3] = (char)(0x80 | (cp & 63));
        n = 4;
    }
    if (pt_buf_append(b, s, n) < 0)
        abort();
}

/* A string; its unescaped bytes into `u` when given, its raw JSON text
 * (without quotes) into `raw` when given. */
static int jv_string(jp *j, pt_buf *u, span *raw)
{
    if (!lit(j, "\""))
        return 0;
    const char *start = j->p;
    if (u)
        pt_buf_reset(u);
    while (j->p < j->e && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return fail(j);
        if (c != '\\') {
            if (u && pt_buf_append(u, j->p, 1) < 0)
                abort();
            j->p++;
            continue;
        }
        if (j->e - j->p < 2)
            return fail(j);
        char k = j->p[1];
        const char *simple = strchr("\"\\/bfnrt", k);
        if (k && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            if (u && pt_buf_append(u, &map[simple - "\"\\/bfnrt"], 1) < 0)
                abort();
            j->p += 2;
            continue;
        }
        if (k != 'u' || j->e - j->p < 6)
            return fail(j);
        unsigned cp = 0;
        for (int i = 2; i < 6; i++) {
            int h = hexval(j->p[i]);
            if (h < 0)
                return fail(j);
            cp = cp << 4 | (unsigned)h;
        }
        j->p += 6;
        if (cp >= 0xd800 && cp <= 0xdfff)
            return fail(j); /* gen never needs surrogates */
        if (u)
            put_utf8(u, cp);
    }
    if (raw) {
        raw->p = start;
        raw->n = (size_t)(j->p - start);
    }
    return lit(j, "\"");
}

static int jv_number(jp *j)
{
    const char *s = j->p;

    if (j->p < j->e && *j->p == '-')
        j->p++;
    if (j->p >= j->e || *j->p < '0' || *j->p > '9')
        return fail(j);
    if (*j->p == '0')
        j->p++;
    else
        while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
            j->p++;
    if (j->p < j->e && *j->p == '.') {
        j->p++;
        if (j->p >= j->e || *j->p < '0' || *j->p > '9')
            return fail(j);
        while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->e && (*j->p == 'e' || *j->p == 'E'))
        return fail(j); /* gen writes plain numbers only */
    return j->p > s;
}

/* An object; when names/vals are given, its member names (raw) and value
 * spans, at most max of them, and their count in *count. */
static int jv_object(jp *j, int depth, span *names, span *vals, size_t max,
                     size_t *count)
{
    size_t n = 0;

    if (!lit(j, "{"))
        return 0;
    if (j->p < j->e && *j->p == '}') {
        j->p++;
        goto done;
    }
    for (;;) {
        span name;
        if (!jv_string(j, NULL, &name) || !lit(j, ":"))
            return 0;
        const char *v = j->p;
        if (!jv_value(j, depth + 1))
            return 0;
        if (names && n < max) {
            names[n] = name;
            vals[n].p = v;
            vals[n].n = (size_t)(j->p - v);
        }
        n++;
        if (j->p < j->e && *j->p == ',') {
            j->p++;
            continue;
        }
        if (!lit(j, "}"))
            return 0;
        break;
    }
done:
    if (count)
        *count = n;
    return 1;
}

static int jv_array(jp *j, int depth)
{
    if (!lit(j, "["))
        return 0;
    if (j->p < j->e && *j->p == ']') {
        j->p++;
        return 1;
    }
    for (;;) {
        if (!jv_value(j, depth + 1))
            return 0;
        if (j->p < j->e && *j->p == ',') {
            j->p++;
            continue;
        }
        return lit(j, "]");
    }
}

static int jv_value(jp *j, int depth)
{
    if (depth > 32 || j->p >= j->e)
        return fail(j);
    switch (*j->p) {
    case '{': return jv_object(j, depth, NULL, NULL, 0, NULL);
    case '[': return jv_array(j, depth);
    case '"': return jv_string(j, NULL, NULL);
    case 't': return lit(j, "true");
    case 'f': return lit(j, "false");
    case 'n': return lit(j, "null");
    default: return jv_number(j);
    }
}

/* ------------------------------------------------------- row analysis -- */

static const char *const RELS[5] = {
    "CodeGraph", "DependencyEdges", "TestEntitiesExcluded",
    "FileWordCoverage", "IgnoredFiles",
};

static const char *const CG_MEMBERS[18] = {
    "Current_Code", "Future_Code", "interface_signature",
    "TDD_Classification", "lsp_meta_data", "current_ind", "future_ind",
    "Future_Action", "file_path", "language", "last_modified", "entity_type",
    "entity_class", "birth_timestamp", "content_hash", "semantic_path",
    "root_subfolder_L1", "root_subfolder_L2",
};

typedef struct keys {
    char **k;
    size_t n, cap;
} keys;

typedef struct stats {
    uint64_t rows[5], bytes[5];
    keys keys[5];
    uint64_t bad_lines, bad_members, transitions;
    /* what Current_Code texts contain, summed over rows */
    uint64_t code_quote, code_backslash, code_nl, code_tab, code_nonascii;
} stats;

static void keys_add(keys *k, const pt_buf *b)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 1024;
        k->k = realloc(k->k, k->cap * sizeof *k->k);
        if (!k->k)
            abort();
    }
    char *s = malloc(b->len + 1);
    if (!s)
        abort();
    memcpy(s, b->data, b->len);
    s[b->len] = '\0'; /* gen keys hold no NUL */
    k->k[k->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keys_sort(keys *k)
{
    if (k->n)
        qsort(k->k, k->n, sizeof *k->k, cmp_str);
}

static size_t keys_dups(const keys *k)
{
    size_t d = 0;
    for (size_t i = 1; i < k->n; i++)
        d += strcmp(k->k[i - 1], k->k[i]) == 0;
    return d;
}

static int keys_has(const keys *k, const char *s)
{
    return k->n && bsearch(&s, k->k, k->n, sizeof *k->k, cmp_str) != NULL;
}

static void keys_free(keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->k[i]);
    free(k->k);
}

/* Split a gen key at unescaped '|', removing the '\\' escapes. Returns the
 * number of parts (at most max), or -1 for a dangling escape. */
static int split_key(const char *s, char parts[][512], int max)
{
    int n = 0;
    size_t len = 0;

    for (;; s++) {
        if (*s == '\\') {
            s++;
            if (*s != '\\' && *s != '|')
                return -1;
        } else if (*s == '|' || *s == '\0') {
            if (n < max)
                parts[n][len] = '\0';
            n++;
            len = 0;
            if (!*s)
                return n;
            continue;
        }
        if (n < max && len < 511)
            parts[n][len++] = *s;
    }
}

static void scan_code(stats *st, span v)
{
    if (v.n == 4 && !memcmp(v.p, "null", 4))
        return;
    for (size_t i = 1; i + 1 < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c >= 0x80) {
            st->code_nonascii++;
        } else if (c == '\\') {
            char k = v.p[i + 1];
            st->code_quote += k == '"';
            st->code_backslash += k == '\\';
            st->code_nl += k == 'n';
            st->code_tab += k == 't';
            i++;
        }
    }
}

static void check_cg_value(stats *st, const char *v, const char *e)
{
    span names[20], vals[20];
    size_t n = 0;
    jp j = { v, e, 1 };

    if (!jv_object(&j, 0, names, vals, 20, &n) || j.p != e || n != 18) {
        st->bad_members++;
        return;
    }
    for (size_t i = 0; i < 18; i++)
        if (names[i].n != strlen(CG_MEMBERS[i]) ||
            memcmp(names[i].p, CG_MEMBERS[i], names[i].n) != 0) {
            st->bad_members++;
            return;
        }
    scan_code(st, vals[0]);
}

/* One line (without '\n'): {"rel":S,"key":S,"value":V}, nothing else. */
static int check_line(stats *st, const char *l, const char *e, int *relp,
                      pt_buf *rel, pt_buf *key)
{
    jp j = { l, e, 1 };
    int r;

    if (!lit(&j, "{\"rel\":") || !jv_string(&j, rel, NULL) ||
        !lit(&j, ",\"key\":") || !jv_string(&j, key, NULL) ||
        !lit(&j, ",\"value\":"))
        return 0;
    const char *v = j.p;
    if (!jv_value(&j, 1) || !lit(&j, "}") || j.p != e)
        return 0;
    for (r = 0; r < 5; r++)
        if (rel->len == strlen(RELS[r]) && !memcmp(rel->data, RELS[r], rel->len))
            break;
    if (r == 5)
        return 0;
    if (r == 0)
        check_cg_value(st, v, j.p - 1);
    *relp = r;
    return 1;
}

static void analyse(const out *o, stats *st)
{
    pt_buf rel, key;
    const char *p = o->data, *end = o->data + o->len;
    int prev = -1;

    memset(st, 0, sizeof *st);
    pt_buf_init(&rel);
    pt_buf_init(&key);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        int r = -1;
        if (!nl || !check_line(st, p, nl, &r, &rel, &key)) {
            st->bad_lines++;
            if (!nl)
                break;
            p = nl + 1;
            continue;
        }
        st->rows[r]++;
        st->bytes[r] += (uint64_t)(nl - p + 1);
        st->transitions += prev != -1 && prev != r;
        prev = r;
        keys_add(&st->keys[r], &key);
        p = nl + 1;
    }
    pt_buf_free(&rel);
    pt_buf_free(&key);
    for (int r = 0; r < 5; r++)
        keys_sort(&st->keys[r]);
}

static void stats_free(stats *st)
{
    for (int r = 0; r < 5; r++)
        keys_free(&st->keys[r]);
}

/* ---------------------------------------------------------------- tests -- */

TEST(zero_entities_writes_nothing)
{
    gen_params p = { 0, 1 };
    gen_counts c;
    out o = gen_mem(0, 1);

    gen_plan(&p, &c);
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.len, 0);
    CHECK_EQ_INT(c.code_graph + c.dependency_edges + c.test_entities_excluded +
                     c.file_word_coverage + c.ignored_files,
                 0);
    free(o.data);
}

TEST(same_seed_same_bytes_other_seed_other_bytes)
{
    out a = gen_mem(300, 42), b = gen_mem(300, 42), c = gen_mem(300, 43);

    CHECK_EQ_INT(a.rc, 0);
    CHECK(a.len > 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    CHECK(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
    free(a.data);
    free(b.data);
    free(c.data);
}

TEST(plan_proportions)
{
    gen_params p = { 200000, 1 };
    gen_counts c;

    gen_plan(&p, &c);
    CHECK_EQ_INT(c.code_graph, 200000);
    CHECK_EQ_INT(c.dependency_edges, 600000);
    CHECK_EQ_INT(c.test_entities_excluded, 20000);
    CHECK_EQ_INT(c.file_word_coverage, 25000);
    CHECK_EQ_INT(c.ignored_files, 6250);
    p.entities = 1;
    gen_plan(&p, &c);
    CHECK_EQ_INT(c.code_graph, 1);
    CHECK_EQ_INT(c.dependency_edges, 3);
    CHECK_EQ_INT(c.test_entities_excluded, 1);
    CHECK_EQ_INT(c.file_word_coverage, 1);
    CHECK_EQ_INT(c.ignored_files, 1);
}

/* Small inputs are the dense corner of edge picking and file splitting. */
TEST(small_inputs_match_plan)
{
    static const uint64_t ns[] = { 1, 2, 7, 8, 9, 17, 33 };

    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        gen_params p = { ns[i], 9 };
        gen_counts c;
        stats st;
        out o = gen_mem(ns[i], 9);

        gen_plan(&p, &c);
        analyse(&o, &st);
        CHECK_EQ_INT(o.rc, 0);
        CHECK_EQ_INT(st.bad_lines, 0);
        CHECK_EQ_INT(st.rows[0], c.code_graph);
        CHECK_EQ_INT(st.rows[1], c.dependency_edges);
        CHECK_EQ_INT(st.rows[2], c.test_entities_excluded);
        CHECK_EQ_INT(st.rows[3], c.file_word_coverage);
        CHECK_EQ_INT(st.rows[4], c.ignored_files);
        for (int r = 0; r < 5; r++)
            CHECK_EQ_INT(keys_dups(&st.keys[r]), 0);
        stats_free(&st);
        free(o.data);
    }
}

TEST(rows_are_valid_and_as_planned)
{
    gen_params p = { 2000, 7 };
    gen_counts c;
    stats st;
    out o = gen_mem(2000, 7);
    uint64_t want[5];

    gen_plan(&p, &c);
    want[0] = c.code_graph;
    want[1] = c.dependency_edges;
    want[2] = c.test_entities_excluded;
    want[3] = c.file_word_coverage;
    want[4] = c.ignored_files;
    CHECK_EQ_INT(o.rc, 0);
    CHECK(o.len > 0 && o.data[o.len - 1] == '\n');
    CHECK(utf8_valid(o.data, o.len));
    analyse(&o, &st);
    CHECK_EQ_INT(st.bad_lines, 0);
    CHECK_EQ_INT(st.bad_members, 0);
    for (int r = 0; r < 5; r++) {
        CHECK_EQ_INT(st.rows[r], want[r]);
        CHECK_EQ_INT(keys_dups(&st.keys[r]), 0);
    }
    /* edges outnumber entities; a file's rows come together, so the
     * relation changes at least three times per file */
    CHECK(st.rows[1] > st.rows[0]);
    CHECK(st.transitions >= 3 * st.rows[3]);

    uint64_t avg = st.rows[0] ? st.bytes[0] / st.rows[0] : 0;
    CHECK(avg >= 4096 && avg <= 10240);

    CHECK(st.code_quote > 0);
    CHECK(st.code_backslash > 0);
    CHECK(st.code_nl > 0);
    CHECK(st.code_tab > 0);
    CHECK(st.code_nonascii > 0);
    stats_free(&st);
    free(o.data);
}

/* Edge keys name existing entities; multi-column keys split back into
 * exactly their columns, including file names holding '|' or '\'. */
TEST(keys_split_into_columns)
{
    static char parts[4][512];
    stats st;
    out o = gen_mem(2000, 11);
    size_t bad_edges = 0, bad_split = 0, escaped = 0;

    analyse(&o, &st);
    CHECK_EQ_INT(st.bad_lines, 0);
    for (size_t i = 0; i < st.keys[1].n; i++) {
        int n = split_key(st.keys[1].k[i], parts, 4);
        if (n != 3 || !keys_has(&st.keys[0], parts[0]) ||
            !keys_has(&st.keys[0], parts[1]) ||
            (strcmp(parts[2], "Calls") && strcmp(parts[2], "Uses") &&
             strcmp(parts[2], "Implements")))
            bad_edges++;
    }
    for (size_t i = 0; i < st.keys[2].n; i++)
        bad_split += split_key(st.keys[2].k[i], parts, 4) != 3;
    for (int r = 3; r < 5; r++)
        for (size_t i = 0; i < st.keys[r].n; i++) {
            int n = split_key(st.keys[r].k[i], parts, 4);
            bad_split += n != 2;
            if (n == 2 && strpbrk(parts[1], "|\\"))
                escaped++;
        }
    for (size_t i = 0; i < st.keys[0].n; i++)
        bad_split += strpbrk(st.keys[0].k[i], "|\\") != NULL;
    CHECK_EQ_INT(bad_edges, 0);
    CHECK_EQ_INT(bad_split, 0);
    CHECK(escaped > 0);
    stats_free(&st);
    free(o.data);
}

TEST(key_join_escapes_separator_and_backslash)
{
    const char *parts[] = { "src/a|b", "c\\d", "", "e" };
    size_t lens[] = { 7, 3, 0, 1 };
    char split[5][512];
    pt_buf b;

    pt_buf_init(&b);
    CHECK_EQ_INT(gen_key_join(&b, parts, lens, 4), 0);
    CHECK_STREQ(b.data, "src/a\\|b|c\\\\d||e");
    CHECK_EQ_INT(split_key(b.data, split, 5), 4);
    CHECK_STREQ(split[0], "src/a|b");
    CHECK_STREQ(split[1], "c\\d");
    CHECK_STREQ(split[2], "");
    CHECK_STREQ(split[3], "e");
    /* ("a|", "b") and ("a", "|b") must not meet */
    const char *x[] = { "a|", "b" }, *y[] = { "a", "|b" };
    size_t xl[] = { 2, 1 }, yl[] = { 1, 2 };
    pt_buf_reset(&b);
    CHECK_EQ_INT(gen_key_join(&b, x, xl, 2), 0);
    char *kx = pt_buf_steal(&b);
    CHECK_EQ_INT(gen_key_join(&b, y, yl, 2), 0);
    CHECK(kx && b.data && strcmp(kx, b.data) != 0);
    free(kx);
    pt_buf_free(&b);
}

TEST(write_errors_are_returned)
{
#ifndef _WIN32
    gen_params p = { 50, 1 };
    char err[256];
    FILE *ro = fopen("/dev/null", "r");
    int fds[2];

    CHECK(ro != NULL);
    if (ro) {
        err[0] = '\0';
        CHECK_EQ_INT(gen_write(&p, ro, err, sizeof err), -EIO);
        CHECK(err[0] != '\0');
        fclose(ro);
    }
    signal(SIGPIPE, SIG_IGN);
    CHECK_EQ_INT(pipe(fds), 0);
    close(fds[0]);
    FILE *w = fdopen(fds[1], "w");
    CHECK(w != NULL);
    if (w) {
        err[0] = '\0';
        CHECK_EQ_INT(gen_write(&p, w, err, sizeof err), -EPIPE);
        CHECK(strstr(err, "write") != NULL);
        fclose(w);
    }
#endif
}

TEST(describe_mentions_every_relation)
{
    const char *d = gen_describe();

    CHECK(d != NULL);
    for (int r = 0; d && r < 5; r++)
        CHECK(strstr(d, RELS[r]) != NULL);
}

int main(void)
{
    RUN(zero_entities_writes_nothing);
    RUN(same_seed_same_bytes_other_seed_other_bytes);
    RUN(plan_proportions);
    RUN(small_inputs_match_plan);
    RUN(rows_are_valid_and_as_planned);
    RUN(keys_split_into_columns);
    RUN(key_join_escapes_separator_and_backslash);
    RUN(write_errors_are_returned);
    RUN(describe_mentions_every_relation);
    return CHECK_DONE();
}
