/* yaml.c - the YAML config reader (libyaml).
 *
 * Runs on whichever thread loads a config (start-up, or libuv's thread
 * pool on SIGHUP) and touches only the pt_config it is given.
 *
 * Two passes over the text. The first streams events, which libyaml
 * produces without recursion, and rejects what the second must never
 * see: syntax errors, aliases (a cycle or an exponential expansion would
 * hang the walker) and nesting deep enough to exhaust libyaml's recursive
 * document loader. The second builds the document, whose nodes carry the
 * line and column every message needs, and walks it against the keys
 * table. Every problem is reported, not only the first.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../common/readfile.h"
#include "keys.h"
#include "options_ini.h"

/* Deeper than any sane config; far below what libyaml's recursive loader
 * would need to overflow a stack. */
#define MAX_DEPTH 32
/* Nested RocksDB option maps ("{a={b=1}}") need only a few levels. */
#define MAX_OPT_DEPTH 8
#define MAX_FILE_BYTES (16u << 20)
#define NAME_MAX_LEN 512

typedef struct yctx {
    yaml_document_t *doc;
    const char *file;
    pt_diag *d;
    pt_config *c;
    pt_keypos *pos; /* pt_nkeys + 1 slots, see keys.h */
    int rc;         /* -ENOMEM once memory ran out; the walk then stops */
} yctx;

/* ---- pass 1: events ---------------------------------------------------- */

static void report_parser_error(const yaml_parser_t *p, const char *file,
                                const char *text, size_t len, pt_diag *d)
{
    const char *problem = p->problem ? p->problem : "syntax error";
    unsigned line = 1, col = 1;

    if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a mark. */
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        for (size_t i = 0; i < off; i++, col++)
            if (text[i] == '\n') {
                line++;
                col = 0;
            }
        if (p->problem_value != -1)
            diag_error(d, file, line, col, "%s (byte 0x%02x)", problem,
                       (unsigned)p->problem_value & 0xffu);
        else
            diag_error(d, file, line, col, "%s", problem);
        return;
    }
    line = (unsigned)p->problem_mark.line + 1;
    col = (unsigned)p->problem_mark.column + 1;
    if (p->context)
        diag_error(d, file, line, col, "%s (%s at line %u)", problem,
                   p->context, (unsigned)p->context_mark.line + 1);
    else
        diag_error(d, file, line, col, "%s", problem);
}

/* Returns 1, prescan's "reported" result. */
static int error_at(pt_diag *d, const char *file, yaml_mark_t m,
                    const char *msg)
{
    diag_error(d, file, (unsigned)m.line + 1, (unsigned)m.column + 1, "%s",
               msg);
    return 1;
}

/* U+FEFF in UTF-8. Editors on Windows start a file with it (a byte order
 * mark), which is skipped; anywhere else it is an invisible character
 * that libyaml reads as part of a key or a value ("unknown key" with
 * nothing visibly wrong, or a confusing syntax error), so it is named. */
#define BOM "\xEF\xBB\xBF"

/* 1 after reporting a byte order mark past the start; else 0. */
static int misplaced_bom(const char *file, const char *text, size_t len, pt_diag *d)
{
    unsigned line = 1, col = 1;
    int found = 0;

    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (len - i >= 3 && memcmp(text + i, BOM, 3) == 0) {
            diag_error(d, file, line, col,
                       "a byte order mark (U+FEFF) here: it is allowed only as "
                       "the first character of the file");
            found = 1;
            i += 2;
            col++;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            col++; /* columns count characters, as libyaml's do */
        }
    }
    return found;
}

/* 0 when the text may be loaded; 1 after reporting why not; -ENOMEM. */
static int prescan(const char *file, const char *text, size_t len, pt_diag *d)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int depth = 0, docs = 0, r = 0, done = 0;

    if (!yaml_parser_initialize(&p))
        return -ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && r == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            r = 1;
            if (p.error == YAML_MEMORY_ERROR)
                r = -ENOMEM;
            else
                report_parser_error(&p, file, text, len, d);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                r = error_at(d, file, ev.start_mark,
                             "only one YAML document is allowed");
            break;
        case YAML_ALIAS_EVENT:
            r = error_at(d, file, ev.start_mark, "aliases are not supported");
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > MAX_DEPTH)
                r = error_at(d, file, ev.start_mark, "nested too deeply");
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return r;
}

/* ---- pass 2: helpers ---------------------------------------------------- */

static unsigned mline(const yaml_node_t *n)
{
    return (unsigned)n->start_mark.line + 1;
}

static unsigned mcol(const yaml_node_t *n)
{
    return (unsigned)n->start_mark.column + 1;
}

static const char *kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    default:
        return "a scalar";
    }
}

static const char *text_of(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* YAML's spellings of null, which only count when unquoted. */
static int is_null(const yaml_node_t *n)
{
    const char *s;

    if (n->type != YAML_SCALAR_NODE ||
        n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    s = text_of(n);
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* A "\0" escape puts a NUL inside a scalar; C strings would silently cut
 * it, so it is refused instead. */
static int has_nul(yctx *x, const yaml_node_t *n, const char *what)
{
    if (strlen(text_of(n)) == n->data.scalar.length)
        return 0;
    diag_error(x->d, x->file, mline(n), mcol(n), "%s: contains a NUL byte",
               what);
    return 1;
}

static yaml_node_t *node(yctx *x, int i)
{
    return yaml_document_get_node(x->doc, i);
}

static int same_key(const yaml_node_t *a, const yaml_node_t *b)
{
    return a->type == YAML_SCALAR_NODE && b->type == YAML_SCALAR_NODE &&
           a->data.scalar.length == b->data.scalar.length &&
           memcmp(a->data.scalar.value, b->data.scalar.value,
                  a->data.scalar.length) == 0;
}

/* The dotted name of pair p of map into out, or NULL after reporting why
 * the key is unusable (not a scalar, NUL, too long, a duplicate). */
static const char *pair_name(yctx *x, const yaml_node_t *map,
                             const yaml_node_pair_t *p, const char *prefix,
                             char *out, size_t outlen)
{
    const yaml_node_t *k = node(x, p->key);
    char q[80];
    int n;

    if (k->type != YAML_SCALAR_NODE) {
        diag_error(x->d, x->file, mline(k), mcol(k),
                   "%s%skeys must be scalars, got %s", prefix,
                   *prefix ? ": " : "", kind(k));
        return NULL;
    }
    if (has_nul(x, k, *prefix ? prefix : "key"))
        return NULL;
    n = snprintf(out, outlen, "%s%s%s", prefix, *prefix ? "." : "", text_of(k));
    if (n < 0 || (size_t)n >= outlen) {
        key_snippet(q, sizeof q, text_of(k));
        diag_error(x->d, x->file, mline(k), mcol(k), "key too long: %s", q);
        return NULL;
    }
    for (const yaml_node_pair_t *e = map->data.mapping.pairs.start; e < p; e++)
        if (same_key(node(x, e->key), k)) {
            key_snippet(q, sizeof q, out);
            diag_error(x->d, x->file, mline(k), mcol(k),
                       "duplicate key %s (first at line %u)", q,
                       mline(node(x, e->key)));
            return NULL;
        }
    return out;
}

static int nomem(yctx *x, int r)
{
    if (r == -ENOMEM)
        x->rc = r;
    return r;
}

/* ---- RocksDB option maps -------------------------------------------------- */

static int opt_name_ok(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '.'))
            return 0;
    return n > 0 && n <= 128;
}

static int opt_value(yctx *x, const yaml_node_t *n, const char *path,
                     int depth, pt_buf *out);

/* A nested map in RocksDB's own option-string form, "{a=1;b=2}", which is
 * how RocksDB spells e.g. block_based_table_factory. */
static int opt_map(yctx *x, const yaml_node_t *n, const char *path, int depth,
                   pt_buf *out)
{
    char name[NAME_MAX_LEN], q[80];
    int bad = 0, r = pt_buf_append_byte(out, '{');

    if (depth >= MAX_OPT_DEPTH) {
        diag_error(x->d, x->file, mline(n), mcol(n), "%s: nested too deeply",
                   path);
        return 1;
    }
    for (const yaml_node_pair_t *p = n->data.mapping.pairs.start;
         r == 0 && p < n->data.mapping.pairs.top; p++) {
        const char *full = pair_name(x, n, p, path, name, sizeof name);
        const yaml_node_t *k = node(x, p->key);
        if (!full) {
            bad = 1;
            continue;
        }
        if (!opt_name_ok(text_of(k))) {
            key_snippet(q, sizeof q, text_of(k));
            diag_error(x->d, x->file, mline(k), mcol(k),
                       "%s: bad RocksDB option name %s", path, q);
            bad = 1;
            continue;
        }
        if (p != n->data.mapping.pairs.start)
            r = pt_buf_append_byte(out, ';');
        if (r == 0)
            r = pt_buf_printf(out, "%s=", text_of(k));
        if (r == 0)
            r = opt_value(x, node(x, p->value), full, depth + 1, out);
        if (r == 1) {
            bad = 1;
            r = 0;
        }
    }
    if (r == 0)
        r = pt_buf_append_byte(out, '}');
    return r < 0 ? r : bad;
}

/* The value's RocksDB text appended to out: 0, 1 after reporting an
 * error, or -ENOMEM. */
static int opt_value(yctx *x, const yaml_node_t *n, const char *path,
                     int depth, pt_buf *out)
{
    const char *s;

    if (n->type == YAML_SEQUENCE_NODE) {
        diag_error(x->d, x->file, mline(n), mcol(n),
                   "%s: a sequence is not a RocksDB option value "
                   "(use a scalar or a mapping)", path);
        return 1;
    }
    if (n->type == YAML_MAPPING_NODE)
        return opt_map(x, n, path, depth, out);
    if (is_null(n)) {
        diag_error(x->d, x->file, mline(n), mcol(n),
                   "%s: missing value (quote \"\" for an empty string)", path);
        return 1;
    }
    if (has_nul(x, n, path))
        return 1;
    s = text_of(n);
    /* These would break the "{a=1;b=2}" framing RocksDB parses. */
    if (depth > 1 && strpbrk(s, ";{}=")) {
        diag_error(x->d, x->file, mline(n), mcol(n),
                   "%s: a nested value cannot contain ';', '{', '}' or '='",
                   path);
        return 1;
    }
    if (!options_value_printable(s)) {
        char q[80];

        key_snippet(q, sizeof q, s);
        diag_error(x->d, x->file, mline(n), mcol(n),
                   "%s: value %s contains a control character (a line break?)", path, q);
        return 1;
    }
    /* RocksDB parses "name=value" as an option string: a ';' in a plain
     * value would end it and smuggle in options nobody sees here. */
    if (depth == 1 && !options_value_framing_ok(s)) {
        char q[80];

        key_snippet(q, sizeof q, s);
        diag_error(x->d, x->file, mline(n), mcol(n),
                   "%s: value %s has a ';' outside braces or unbalanced braces "
                   "(RocksDB would read the rest as more options; write each "
                   "option as a key of its own)", path, q);
        return 1;
    }
    return pt_buf_append_str(out, s);
}

/* name: { option: value, ... } merged over what l already holds. */
static void load_opts(yctx *x, const char *path, const yaml_node_t *n,
                      pt_optlist *l)
{
    char name[NAME_MAX_LEN], q[80];
    pt_buf val;
    int r;

    if (is_null(n))
        return;
    if (n->type != YAML_MAPPING_NODE) {
        diag_error(x->d, x->file, mline(n), mcol(n),
                   "%s: expected a mapping of RocksDB options, got %s", path,
                   kind(n));
        return;
    }
    pt_buf_init(&val);
    for (const yaml_node_pair_t *p = n->data.mapping.pairs.start;
         x->rc == 0 && p < n->data.mapping.pairs.top; p++) {
        const char *full = pair_name(x, n, p, path, name, sizeof name);
        const yaml_node_t *k = node(x, p->key), *v = node(x, p->value);
        if (!full)
            continue;
        if (!opt_name_ok(text_of(k))) {
            key_snippet(q, sizeof q, text_of(k));
            diag_error(x->d, x->file, mline(k), mcol(k),
                       "%s: bad RocksDB option name %s", path, q);
            continue;
        }
        pt_buf_reset(&val);
        r = opt_value(x, v, full, 1, &val);
        if (r == 0)
            r = optlist_set(l, text_of(k), val.data ? val.data : "", x->file,
                            mline(v), mcol(v));
        nomem(x, r);
    }
    pt_buf_free(&val);
}

/* ---- relations ------------------------------------------------------------ */

static int relation_name_ok(yctx *x, const yaml_node_t *k)
{
    const char *s = text_of(k);
    char q[80];
    size_t n = 0;

    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
            break;
    key_snippet(q, sizeof q, s);
    if (s[n] || n == 0 || n > PT_RELATION_NAME_MAX) {
        diag_error(x->d, x->file, mline(k), mcol(k),
                   "relations: bad relation name %s (1..%d characters of "
                   "A-Z, a-z, 0-9, _)", q, PT_RELATION_NAME_MAX);
        return 0;
    }
    if (strcmp(s, "default") == 0) {
        diag_error(x->d, x->file, mline(k), mcol(k),
                   "relations: %s is reserved (RocksDB's default column "
                   "family)", q);
        return 0;
    }
    return 1;
}

/* relations.<Name>.enabled: 1 or 0; -1 after reporting a bad value. Only
 * YAML's plain true/false: a quoted "false" is a string, and taking it as
 * true would serve a relation the user meant to remove. */
static int load_enabled(yctx *x, const char *path, const yaml_node_t *v)
{
    char q[80];
    int plain;

    if (v->type != YAML_SCALAR_NODE) {
        diag_error(x->d, x->file, mline(v), mcol(v),
                   "%s: expected true or false, got %s", path, kind(v));
        return -1;
    }
    if (has_nul(x, v, path))
        return -1;
    plain = v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (plain && strcmp(text_of(v), "true") == 0)
        return 1;
    if (plain && strcmp(text_of(v), "false") == 0)
        return 0;
    key_snippet(q, sizeof q, text_of(v));
    diag_error(x->d, x->file, mline(v), mcol(v), "%s: expected true or false, got %s%s",
               path, plain ? "" : "the quoted string ", q);
    return -1;
}

/* One entry of the relations map, as written, before it is applied to
 * the configured set. */
typedef struct relentry {
    pt_relation rel;          /* name, cf_options */
    int enabled;
    const yaml_node_t *key;   /* for messages */
} relentry;

/* relations.<Name>: null, {}, or a mapping of cf_options and enabled. */
static void load_relation(yctx *x, const char *path, const yaml_node_t *v,
                          relentry *e)
{
    char name[NAME_MAX_LEN], q[80];
    int on;

    e->enabled = 1;
    if (is_null(v))
        return;
    if (v->type != YAML_MAPPING_NODE) {
        diag_error(x->d, x->file, mline(v), mcol(v),
                   "%s: expected a mapping, got %s", path, kind(v));
        return;
    }
    for (const yaml_node_pair_t *p = v->data.mapping.pairs.start;
         x->rc == 0 && p < v->data.mapping.pairs.top; p++) {
        const char *full = pair_name(x, v, p, path, name, sizeof name);
        const yaml_node_t *k = node(x, p->key);
        if (!full)
            continue;
        if (strcmp(text_of(k), "cf_options") == 0) {
            load_opts(x, full, node(x, p->value), &e->rel.cf_options);
        } else if (strcmp(text_of(k), "enabled") == 0) {
            if ((on = load_enabled(x, full, node(x, p->value))) >= 0)
                e->enabled = on;
        } else {
            key_snippet(q, sizeof q, full);
            diag_error(x->d, x->file, mline(k), mcol(k), "unknown key %s", q);
        }
    }
}

static int relation_index(const pt_config *c, const char *name)
{
    for (size_t i = 0; i < c->nrelations; i++)
        if (strcmp(c->relations[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* How many relations the entries leave, and when that is over the limit,
 * the added entry that goes over it (the set keeps its order and the
 * added ones follow, in the file's order). */
static size_t relations_after(yctx *x, const relentry *e, size_t n,
                              const relentry **over)
{
    size_t count = x->c->nrelations;

    for (size_t i = 0; i < n; i++)
        if (!e[i].enabled && relation_index(x->c, e[i].rel.name) >= 0)
            count--;
    *over = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].enabled || relation_index(x->c, e[i].rel.name) >= 0)
            continue;
        if (++count == PT_MAX_RELATIONS + 1)
            *over = &e[i];
    }
    return count;
}

static void relation_remove(pt_config *c, size_t i)
{
    free(c->relations[i].name);
    optlist_free(&c->relations[i].cf_options);
    optlist_free(&c->relations[i].ini_cf_options);
    memmove(&c->relations[i], &c->relations[i + 1],
            (c->nrelations - i - 1) * sizeof(*c->relations));
    c->nrelations--;
}

/* Entry e onto c's set: removed, tuned (cf_options merged over what the
 * relation holds) or added (moved out of e). 0 or -ENOMEM. */
static int relation_apply(yctx *x, relentry *e)
{
    const pt_optlist *l = &e->rel.cf_options;
    int i = relation_index(x->c, e->rel.name), r = 0;
    pt_relation *v;

    if (!e->enabled) {
        if (i >= 0)
            relation_remove(x->c, (size_t)i);
        else
            diag_warn(x->d, x->file, mline(e->key), mcol(e->key),
                      "relations.%s: disabled, but no such relation is configured",
                      e->rel.name);
        return 0;
    }
    if (i >= 0) {
        v = &x->c->relations[i];
        for (size_t j = 0; r == 0 && j < l->n; j++)
            r = optlist_set(&v->cf_options, l->v[j].name, l->v[j].value,
                            l->v[j].file, l->v[j].line, l->v[j].col);
        return r;
    }
    v = realloc(x->c->relations, (x->c->nrelations + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    x->c->relations = v;
    v[x->c->nrelations++] = e->rel;
    memset(&e->rel, 0, sizeof e->rel);
    return 0;
}

static void relentries_free(relentry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].rel.name);
        optlist_free(&e[i].rel.cf_options);
    }
    free(e);
}

/* The relations map changes the configured set (the defaults) entry by
 * entry: a name in the set is tuned, a new name is added, and
 * `enabled: false` removes one, so that tuning one relation never drops
 * the others. The entries are read first and applied only when all of
 * them are valid: after a bad one the set stays, since the load fails
 * anyway and a half-applied set would add misleading errors. */
static void load_relations(yctx *x, const yaml_node_t *key,
                           const yaml_node_t *v)
{
    char name[NAME_MAX_LEN];
    relentry *e = NULL;
    const relentry *over;
    size_t n = 0;
    int errors_before = x->d->errors;

    x->pos[PT_KEYPOS_RELATIONS].line = mline(key);
    x->pos[PT_KEYPOS_RELATIONS].col = mcol(key);
    if (is_null(v))
        return;
    if (v->type != YAML_MAPPING_NODE) {
        diag_error(x->d, x->file, mline(v), mcol(v),
                   "relations: expected a mapping of relation names, got %s "
                   "(each entry is Name: {}, Name: {cf_options: {...}} or "
                   "Name: {enabled: false})", kind(v));
        return;
    }
    e = calloc((size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start) + 1,
               sizeof(*e));
    if (!e) {
        x->rc = -ENOMEM;
        return;
    }
    for (const yaml_node_pair_t *p = v->data.mapping.pairs.start;
         x->rc == 0 && p < v->data.mapping.pairs.top; p++) {
        const char *full = pair_name(x, v, p, "relations", name, sizeof name);
        const yaml_node_t *k = node(x, p->key);
        if (!full || !relation_name_ok(x, k))
            continue;
        e[n].key = k;
        if (nomem(x, config_set_string(&e[n].rel.name, text_of(k))) == 0)
            load_relation(x, full, node(x, p->value), &e[n]);
        n++;
    }
    if (x->rc == 0 && x->d->errors == errors_before &&
        relations_after(x, e, n, &over) > PT_MAX_RELATIONS) {
        const yaml_node_t *at = over ? over->key : key;
        diag_error(x->d, x->file, mline(at), mcol(at),
                   "relations: more than %d relations", PT_MAX_RELATIONS);
    }
    for (size_t i = 0; x->rc == 0 && x->d->errors == errors_before && i < n; i++)
        nomem(x, relation_apply(x, &e[i]));
    relentries_free(e, n);
}

/* ---- scalars and sections ---------------------------------------------------- */

static void load_scalar(yctx *x, const pt_key *k, const yaml_node_t *v)
{
    char err[256];
    int quoted, r;

    if (v->type != YAML_SCALAR_NODE) {
        diag_error(x->d, x->file, mline(v), mcol(v),
                   "%s: expected a single value, got %s", k->name, kind(v));
        return;
    }
    if (has_nul(x, v, k->name))
        return;
    quoted = v->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
             v->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    r = key_set(x->c, k, is_null(v) ? NULL : text_of(v), quoted, err,
                sizeof err);
    if (r == -EINVAL) {
        diag_error(x->d, x->file, mline(v), mcol(v), "%s: %s", k->name, err);
    } else if (nomem(x, r) == 0) {
        x->pos[k - pt_keys].line = mline(v);
        x->pos[k - pt_keys].col = mcol(v);
    }
}

/* A prefix of some table key ("listen", "ingest", ...) is a section. */
static int is_section(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < pt_nkeys; i++)
        if (strncmp(pt_keys[i].name, name, n) == 0 && pt_keys[i].name[n] == '.')
            return 1;
    return 0;
}

static void load_map(yctx *x, const yaml_node_t *map, const char *prefix)
{
    char name[NAME_MAX_LEN], q[80];
    const pt_key *k;

    for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
         x->rc == 0 && p < map->data.mapping.pairs.top; p++) {
        const char *full = pair_name(x, map, p, prefix, name, sizeof name);
        const yaml_node_t *kn = node(x, p->key), *v = node(x, p->value);
        if (!full)
            continue;
        /* "ingest.sync: job" would dodge the duplicate check against
         * "ingest: {sync: none}"; one spelling only. */
        if (strchr(text_of(kn), '.')) {
            key_snippet(q, sizeof q, full);
            diag_error(x->d, x->file, mline(kn), mcol(kn), "unknown key %s", q);
        } else if (strcmp(full, "relations") == 0) {
            load_relations(x, kn, v);
        } else if (strcmp(full, "rocksdb.db_options") == 0) {
            load_opts(x, full, v, &x->c->db_options);
        } else if (strcmp(full, "rocksdb.cf_options") == 0) {
            load_opts(x, full, v, &x->c->cf_options);
        } else if ((k = keys_find(full)) != NULL) {
            load_scalar(x, k, v);
        } else if (is_section(full)) {
            if (v->type == YAML_MAPPING_NODE)
                load_map(x, v, full);
            else if (!is_null(v))
                diag_error(x->d, x->file, mline(v), mcol(v),
                           "%s: expected a mapping, got %s", full, kind(v));
        } else {
            key_snippet(q, sizeof q, full);
            diag_error(x->d, x->file, mline(kn), mcol(kn), "unknown key %s", q);
        }
    }
}

/* ---- entry points ------------------------------------------------------------ */

static int load_document(yctx *x, const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_node_t *root;

    if (!yaml_parser_initialize(&p))
        return -ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        /* The prescan accepted this text, so only memory can fail here. */
        if (p.error == YAML_MEMORY_ERROR)
            x->rc = -ENOMEM;
        else
            report_parser_error(&p, x->file, text, len, x->d);
        yaml_parser_delete(&p);
        return x->rc;
    }
    x->doc = &doc;
    root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE)
        load_map(x, root, "");
    else if (root && !is_null(root))
        diag_error(x->d, x->file, mline(root), mcol(root),
                   "the top level must be a mapping (key: value), got %s",
                   kind(root));
    x->doc = NULL;
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return x->rc;
}

int config_load_string(pt_config *c, const char *name, const char *text,
                       size_t len, pt_diag *d)
{
    yctx x;
    int before = d->errors, r;

    memset(&x, 0, sizeof x);
    x.file = name ? name : "<string>";
    x.d = d;
    x.c = c;
    x.pos = calloc(pt_nkeys + 1, sizeof(*x.pos));
    if (!x.pos)
        return -ENOMEM;
    if (!text) {
        text = "";
        len = 0;
    }
    if (len >= 3 && memcmp(text, BOM, 3) == 0) {
        text += 3;
        len -= 3;
    }
    r = misplaced_bom(x.file, text, len, d);
    if (r == 0)
        r = prescan(x.file, text, len, d);
    if (r == 0)
        r = load_document(&x, text, len);
    /* The INI needs the final relation list, hence after the YAML; it is
     * not read when the YAML is already wrong. */
    if (r == 0 && d->errors == before && c->options_file) {
        const pt_keypos *p = &x.pos[keys_find("rocksdb.options_file") - pt_keys];
        r = options_ini_load(c, x.file, p->line, p->col, d);
        if (r == -EINVAL)
            r = 0; /* reported in d */
    }
    if (r >= 0)
        config_check(c, x.file, x.pos, d);
    if (r == 0 && d->errors == before)
        options_lint(c, d);
    free(x.pos);
    if (r < 0)
        return r;
    return d->errors > before ? -EINVAL : 0;
}

/* The whole file in memory: libyaml then reports marks we can map back
 * to bytes, and a config is small. Only a regular file (readfile.h: a
 * FIFO would hang --check-config and a reload). */
static int read_all(const char *path, pt_buf *b, pt_diag *d)
{
    char why[512];
    int r = pt_read_regular_file(path, NULL, MAX_FILE_BYTES, b, why, sizeof why);

    if (r < 0 && r != -ENOMEM)
        diag_error(d, path, 0, 0, "%s", why);
    return r;
}

int config_load_file(pt_config *c, const char *path, pt_diag *d)
{
    pt_buf b;
    int r;

    pt_buf_init(&b);
    r = read_all(path, &b, d);
    if (r == 0)
        r = config_set_string(&c->path, path);
    if (r == 0)
        r = config_load_string(c, path, b.data, b.len, d);
    pt_buf_free(&b);
    return r;
}
