/* config.c - defaults, copying, checking, comparing and printing a
 * pt_config. The YAML reader is in yaml.c.
 *
 * A pt_config is plain data: the loop thread owns the live one, a reload
 * builds a fresh one and swaps it in. Nothing here keeps state.
 */
#include "config.h"
#include "../common/paths.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

#define BUILTIN PT_BUILTIN

static const char *const default_relations[] = {
    "CodeGraph", "DependencyEdges", "TestEntitiesExcluded",
    "FileWordCoverage", "IgnoredFiles",
};

/* Measured starting points; see docs. Kept as RocksDB option text so the
 * YAML (same name) simply replaces them. */
static const char *const default_db_options[][2] = {
    {"max_background_jobs", "6"},
    {"bytes_per_sync", "1048576"},
    /* RocksDB keeps a WAL file until every column family with rows in it
     * has flushed; the small ones (ptingestd:jobs, the small relations)
     * seldom fill a memtable, and its own default (four times all the
     * write buffers, 3.5 GB here) let re-ingests pile up WAL files to
     * 4 GB. Past this much WAL RocksDB flushes the families that hold the
     * oldest one. One write buffer: the big relation flushes about then
     * anyway, so the small ones go with it; re-ingests then keep the data
     * dir within twice its SST files (bench/walgrowth.sh). */
    {"max_total_wal_size", "33554432"},
};
static const char *const default_cf_options[][2] = {
    {"write_buffer_size", "33554432"},
    {"max_write_buffer_number", "4"},
    {"min_write_buffer_number_to_merge", "1"},
    {"level0_file_num_compaction_trigger", "4"},
    {"level0_slowdown_writes_trigger", "20"},
    {"level0_stop_writes_trigger", "36"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void optlist_free(pt_optlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
        free(l->v[i].file);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int opt_in_layer(const pt_opt *o, int layer)
{
    return (strcmp(o->file, BUILTIN) == 0) == (layer == PT_LAYER_BUILTIN);
}

const pt_opt *optlist_find(const pt_optlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

/* Same name replaces in place so that the list keeps the order in which
 * options were first declared (and printed). */
int optlist_set(pt_optlist *l, const char *name, const char *value,
                const char *file, unsigned line, unsigned col)
{
    pt_opt o = {NULL, NULL, NULL, line, col}, *slot, *v;

    o.name = config_strdup(name);
    o.value = config_strdup(value);
    o.file = config_strdup(file ? file : BUILTIN);
    if (!o.name || !o.value || !o.file)
        goto nomem;
    slot = (pt_opt *)optlist_find(l, name);
    if (slot) {
        free(slot->name);
        free(slot->value);
        free(slot->file);
        *slot = o;
        return 0;
    }
    v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v)
        goto nomem;
    l->v = v;
    l->v[l->n++] = o;
    return 0;
nomem:
    free(o.name);
    free(o.value);
    free(o.file);
    return -ENOMEM;
}

static int optlist_copy(pt_optlist *dst, const pt_optlist *src)
{
    int r = 0;

    dst->v = NULL;
    dst->n = 0;
    for (size_t i = 0; i < src->n && r == 0; i++) {
        const pt_opt *o = &src->v[i];
        r = optlist_set(dst, o->name, o->value, o->file, o->line, o->col);
    }
    if (r < 0)
        optlist_free(dst);
    return r;
}

/* Same set of name=value pairs; order and origin do not matter. */
static int optlist_equal(const pt_optlist *a, const pt_optlist *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const pt_opt *o = optlist_find(b, a->v[i].name);
        if (!o || strcmp(o->value, a->v[i].value) != 0)
            return 0;
    }
    return 1;
}

const pt_relation *config_relation(const pt_config *c, const char *name)
{
    for (size_t i = 0; i < c->nrelations; i++)
        if (strcmp(c->relations[i].name, name) == 0)
            return &c->relations[i];
    return NULL;
}

static int relations_equal(const pt_config *a, const pt_config *b)
{
    if (a->nrelations != b->nrelations)
        return 0;
    for (size_t i = 0; i < a->nrelations; i++) {
        const pt_relation *r = config_relation(b, a->relations[i].name);
        if (!r || !optlist_equal(&r->cf_options, &a->relations[i].cf_options) ||
            !optlist_equal(&r->ini_cf_options, &a->relations[i].ini_cf_options))
            return 0;
    }
    return 1;
}

int config_set_string(char **member, const char *value)
{
    char *s = NULL;

    if (value && !(s = config_strdup(value)))
        return -ENOMEM;
    free(*member);
    *member = s;
    return 0;
}

void config_free(pt_config *c)
{
    for (size_t i = 0; i < pt_nkeys; i++)
        if (pt_keys[i].type == PT_KT_STRING)
            free(*(char **)((char *)c + pt_keys[i].offset));
    for (size_t i = 0; i < c->nrelations; i++) {
        free(c->relations[i].name);
        optlist_free(&c->relations[i].cf_options);
        optlist_free(&c->relations[i].ini_cf_options);
    }
    free(c->relations);
    optlist_free(&c->db_options);
    optlist_free(&c->cf_options);
    optlist_free(&c->ini_db_options);
    optlist_free(&c->ini_cf_options);
    free(c->path);
    memset(c, 0, sizeof(*c));
}

int config_init_defaults(pt_config *c)
{
    char err[160];
    size_t i;
    int r = 0;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < pt_nkeys && r == 0; i++)
        r = key_set(c, &pt_keys[i], pt_keys[i].def, 0, err, sizeof err);
    c->relations = calloc(NELEM(default_relations), sizeof(*c->relations));
    if (!c->relations)
        r = -ENOMEM;
    for (i = 0; r == 0 && i < NELEM(default_relations); i++) {
        c->relations[i].name = config_strdup(default_relations[i]);
        c->nrelations = i + 1;
        if (!c->relations[i].name)
            r = -ENOMEM;
    }
    for (i = 0; r == 0 && i < NELEM(default_db_options); i++)
        r = optlist_set(&c->db_options, default_db_options[i][0],
                        default_db_options[i][1], BUILTIN, 0, 0);
    for (i = 0; r == 0 && i < NELEM(default_cf_options); i++)
        r = optlist_set(&c->cf_options, default_cf_options[i][0],
                        default_cf_options[i][1], BUILTIN, 0, 0);
    if (r < 0)
        config_free(c);
    return r;
}

int config_clone(pt_config *dst, const pt_config *src)
{
    int r = 0;

    memcpy(dst, src, sizeof(*dst));
    /* Detach every pointer first so a failure frees only our copies. */
    for (size_t i = 0; i < pt_nkeys; i++)
        if (pt_keys[i].type == PT_KT_STRING)
            *(char **)((char *)dst + pt_keys[i].offset) = NULL;
    dst->path = NULL;
    dst->relations = NULL;
    dst->nrelations = 0;
    dst->db_options.v = NULL;
    dst->db_options.n = 0;
    dst->cf_options.v = NULL;
    dst->cf_options.n = 0;
    dst->ini_db_options.v = NULL;
    dst->ini_db_options.n = 0;
    dst->ini_cf_options.v = NULL;
    dst->ini_cf_options.n = 0;

    for (size_t i = 0; i < pt_nkeys && r == 0; i++) {
        size_t off = pt_keys[i].offset;
        if (pt_keys[i].type == PT_KT_STRING)
            r = config_set_string((char **)((char *)dst + off),
                                  *(char *const *)((const char *)src + off));
    }
    if (r == 0)
        r = config_set_string(&dst->path, src->path);
    if (r == 0 && src->nrelations &&
        !(dst->relations = calloc(src->nrelations, sizeof(pt_relation))))
        r = -ENOMEM;
    for (size_t i = 0; r == 0 && i < src->nrelations; i++) {
        dst->nrelations = i + 1;
        r = config_set_string(&dst->relations[i].name, src->relations[i].name);
        if (r == 0)
            r = optlist_copy(&dst->relations[i].cf_options,
                             &src->relations[i].cf_options);
        if (r == 0)
            r = optlist_copy(&dst->relations[i].ini_cf_options,
                             &src->relations[i].ini_cf_options);
    }
    if (r == 0)
        r = optlist_copy(&dst->db_options, &src->db_options);
    if (r == 0)
        r = optlist_copy(&dst->cf_options, &src->cf_options);
    if (r == 0)
        r = optlist_copy(&dst->ini_db_options, &src->ini_db_options);
    if (r == 0)
        r = optlist_copy(&dst->ini_cf_options, &src->ini_cf_options);
    if (r < 0)
        config_free(dst);
    return r;
}

int config_equal(const pt_config *a, const pt_config *b)
{
    for (size_t i = 0; i < pt_nkeys; i++)
        if (!key_equal(a, b, &pt_keys[i]))
            return 0;
    return relations_equal(a, b) && optlist_equal(&a->db_options, &b->db_options) &&
           optlist_equal(&a->cf_options, &b->cf_options) &&
           optlist_equal(&a->ini_db_options, &b->ini_db_options) &&
           optlist_equal(&a->ini_cf_options, &b->ini_cf_options);
}

static pt_keypos at(const pt_keypos *pos, size_t i)
{
    pt_keypos none = {0, 0};
    return pos ? pos[i] : none;
}

/* Cross-key rules, each reported against the key the user set (if any),
 * since that is the line to edit. */
static void check_cross(const pt_config *c, const char *file,
                        const pt_keypos *pos, pt_diag *d)
{
    const pt_key *cmb = keys_find("ingest.chunk_max_bytes");
    const pt_key *qmb = keys_find("ingest.queue_max_bytes");
    const pt_key *mfb = keys_find("ingest.max_frame_bytes");
    pt_keypos p;
    uint64_t need;

    if (c->chunk_max_bytes > c->queue_max_bytes) {
        p = at(pos, (size_t)(cmb - pt_keys));
        if (!p.line)
            p = at(pos, (size_t)(qmb - pt_keys));
        diag_error(d, file, p.line, p.col,
                   "ingest.chunk_max_bytes (%llu) must not exceed "
                   "ingest.queue_max_bytes (%llu)",
                   (unsigned long long)c->chunk_max_bytes,
                   (unsigned long long)c->queue_max_bytes);
    }
    /* Bounded by the table's maxima, so the sum cannot overflow. */
    need = c->max_key_bytes + c->max_value_bytes + 1024;
    if (c->max_frame_bytes < need) {
        p = at(pos, (size_t)(mfb - pt_keys));
        diag_error(d, file, p.line, p.col,
                   "ingest.max_frame_bytes (%llu) must be at least "
                   "ingest.max_key_bytes + ingest.max_value_bytes + 1024 "
                   "(%llu)",
                   (unsigned long long)c->max_frame_bytes,
                   (unsigned long long)need);
    }
    if (c->nrelations == 0) {
        p = at(pos, PT_KEYPOS_RELATIONS);
        diag_error(d, file, p.line, p.col,
                   "relations: every relation is disabled; at least one is required");
    }
}

int config_check(const pt_config *c, const char *file, const pt_keypos *pos,
                 pt_diag *d)
{
    int before = d->errors;
    char err[160];

    /* Values set by code (command-line flags) skip the loader's checks. */
    for (size_t i = 0; i < pt_nkeys; i++)
        if (key_check(c, &pt_keys[i], err, sizeof err) < 0)
            diag_error(d, file, 0, 0, "%s: %s", pt_keys[i].name, err);
    if (c->nrelations > PT_MAX_RELATIONS)
        diag_error(d, file, 0, 0, "relations: more than %d relations",
                   PT_MAX_RELATIONS);
    /* Cross-key rules on out-of-range values would only add noise. */
    if (d->errors == before)
        check_cross(c, file, pos, d);
    return d->errors > before ? -EINVAL : 0;
}

int config_validate(const pt_config *c, pt_diag *d)
{
    return config_check(c, c->path ? c->path : "<config>", NULL, d);
}

void config_default_socket(char *out, size_t outlen)
{
    pt_default_socket(out, outlen); /* shared with the client library */
}

/* Same relation names, whatever their options: a column family is
 * created or dropped only at open. */
static int relation_names_equal(const pt_config *a, const pt_config *b)
{
    if (a->nrelations != b->nrelations)
        return 0;
    for (size_t i = 0; i < a->nrelations; i++)
        if (!config_relation(b, a->relations[i].name))
            return 0;
    return 1;
}

static int restart_item(pt_diag *d, const char *file, const char *name,
                        const char **names, size_t max, int n)
{
    diag_warn(d, file, 0, 0, "%s changed: needs restart", name);
    if (names && (size_t)n < max)
        names[n] = name;
    return n + 1;
}

/* Bytes of a key's member, for swapping it whatever its type. */
static size_t key_size(const pt_key *k)
{
    switch (k->type) {
    case PT_KT_U64:
        return sizeof(uint64_t);
    case PT_KT_STRING:
        return sizeof(char *);
    case PT_KT_MODE:
        return sizeof(unsigned);
    case PT_KT_SYNC:
    case PT_KT_LOGLEVEL:
        return sizeof(int);
    }
    return 0;
}

void config_keep_restart_keys(pt_config *next, pt_config *old)
{
    unsigned char tmp[sizeof(uint64_t) > sizeof(char *) ? sizeof(uint64_t) : sizeof(char *)];

    for (size_t i = 0; i < pt_nkeys; i++) {
        const pt_key *k = &pt_keys[i];
        size_t n = key_size(k);
        if (k->flags & PT_KEY_RELOADABLE)
            continue;
        memcpy(tmp, (char *)next + k->offset, n);
        memcpy((char *)next + k->offset, (char *)old + k->offset, n);
        memcpy((char *)old + k->offset, tmp, n);
    }
    if (!relation_names_equal(old, next)) {
        pt_relation *r = next->relations;
        size_t n = next->nrelations;
        next->relations = old->relations;
        next->nrelations = old->nrelations;
        old->relations = r;
        old->nrelations = n;
    }
}

int config_diff_needs_restart(const pt_config *old, const pt_config *neu,
                              pt_diag *d, const char **names, size_t max)
{
    const char *file = neu->path ? neu->path : "<config>";
    int n = 0;

    for (size_t i = 0; i < pt_nkeys; i++) {
        const pt_key *k = &pt_keys[i];
        if (!(k->flags & PT_KEY_RELOADABLE) && !key_equal(old, neu, k))
            n = restart_item(d, file, k->name, names, max, n);
    }
    if (!relation_names_equal(old, neu))
        n = restart_item(d, file, "relations", names, max, n);
    return n;
}

int optlist_append(pt_optlist *l, const pt_opt *o)
{
    pt_opt n = {NULL, NULL, NULL, o->line, o->col}, *v;

    n.name = config_strdup(o->name);
    n.value = config_strdup(o->value);
    n.file = config_strdup(o->file);
    v = n.name && n.value && n.file ? realloc(l->v, (l->n + 1) * sizeof(*v)) : NULL;
    if (!v) {
        free(n.name);
        free(n.value);
        free(n.file);
        return -ENOMEM;
    }
    l->v = v;
    l->v[l->n++] = n;
    return 0;
}

static void optlist_remove_all(pt_optlist *l, const char *name)
{
    size_t o = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i].name, name) == 0) {
            free(l->v[i].name);
            free(l->v[i].value);
            free(l->v[i].file);
        } else {
            l->v[o++] = l->v[i];
        }
    }
    l->n = o;
}

/* The entries of l in layer (-1: all of them), folded into out. */
static int fold_layer(pt_optlist *out, const pt_optlist *l, int layer)
{
    int r = 0;

    for (size_t i = 0; r == 0 && i < l->n; i++) {
        const pt_opt *o = &l->v[i];
        if (layer >= 0 && !opt_in_layer(o, layer))
            continue;
        /* RocksDB merges "{...}" into the struct already there; anything
         * else replaces what the name held. */
        if (o->value[0] != '{')
            optlist_remove_all(out, o->name);
        r = optlist_append(out, o);
    }
    return r;
}

/* What the daemon needs to open a database (config.h, the database scope). */
static const pt_opt open_db_options[] = {
    {"create_if_missing", "true", BUILTIN, 0, 0},
    {"create_missing_column_families", "true", BUILTIN, 0, 0},
};

static int fold_db(const pt_config *c, pt_optlist *out)
{
    const pt_optlist opening = {(pt_opt *)open_db_options, NELEM(open_db_options)};
    int r = fold_layer(out, &c->db_options, PT_LAYER_BUILTIN);

    if (r == 0)
        r = fold_layer(out, &c->ini_db_options, -1);
    if (r == 0)
        r = fold_layer(out, &opening, -1);
    if (r == 0)
        r = fold_layer(out, &c->db_options, PT_LAYER_USER);
    return r;
}

/* rel NULL: the shared layers only. */
static int fold_cf(const pt_config *c, const pt_relation *rel, pt_optlist *out)
{
    int r = fold_layer(out, &c->cf_options, PT_LAYER_BUILTIN);

    if (r == 0)
        r = fold_layer(out, &c->ini_cf_options, -1);
    if (r == 0 && rel)
        r = fold_layer(out, &rel->ini_cf_options, -1);
    if (r == 0)
        r = fold_layer(out, &c->cf_options, PT_LAYER_USER);
    if (r == 0 && rel)
        r = fold_layer(out, &rel->cf_options, -1);
    return r;
}

int config_scope_options(const pt_config *c, const pt_relation *rel,
                         pt_optlist *out)
{
    int r;

    out->v = NULL;
    out->n = 0;
    r = rel ? fold_cf(c, rel, out) : fold_db(c, out);
    if (r < 0)
        optlist_free(out);
    return r;
}

int config_cf_base_options(const pt_config *c, pt_optlist *out)
{
    int r;

    out->v = NULL;
    out->n = 0;
    r = fold_cf(c, NULL, out);
    if (r < 0)
        optlist_free(out);
    return r;
}

static int append_all(pt_optlist *out, const pt_optlist *l)
{
    int r = 0;

    for (size_t i = 0; r == 0 && i < l->n; i++)
        r = optlist_append(out, &l->v[i]);
    return r;
}

int config_written_options(const pt_config *c, pt_optlist *out)
{
    int r;

    out->v = NULL;
    out->n = 0;
    r = append_all(out, &c->db_options);
    if (r == 0)
        r = append_all(out, &c->ini_db_options);
    if (r == 0)
        r = append_all(out, &c->cf_options);
    if (r == 0)
        r = append_all(out, &c->ini_cf_options);
    for (size_t i = 0; r == 0 && i < c->nrelations; i++) {
        r = append_all(out, &c->relations[i].ini_cf_options);
        if (r == 0)
            r = append_all(out, &c->relations[i].cf_options);
    }
    if (r < 0)
        optlist_free(out);
    return r;
}

/* Option text that reads back unchanged as a YAML plain scalar; anything
 * else is double-quoted (the loader keeps the text either way). */
static int plain_safe(const char *s)
{
    if (!*s || *s == '-' || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
        strcmp(s, "NULL") == 0)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '+'))
            return 0;
    return 1;
}

static int print_scalar(pt_buf *b, const char *s)
{
    return plain_safe(s) ? pt_buf_append_str(b, s) : yaml_quote(b, s);
}

/* Origin as a comment: where to look when RocksDB rejects the option. */
static int print_origin(pt_buf *b, const pt_opt *o)
{
    int r = pt_buf_append_str(b, "  # ");
    for (const char *p = o->file; r == 0 && *p; p++)
        r = pt_buf_append_byte(b, (unsigned char)*p < 0x20 ? '?' : *p);
    if (r == 0 && o->line)
        r = pt_buf_printf(b, ":%u:%u", o->line, o->col);
    return r;
}

/* below_ini: with an options_file, built-in defaults rank below it, so
 * they are printed as comments: read back, they would become the user's
 * settings and outrank the file (and a load adds them anyway). */
static int print_optlist(pt_buf *b, const char *name, const pt_optlist *l,
                         int indent, const pt_optlist *below_ini)
{
    int r = pt_buf_printf(b, "%*s%s:%s\n", indent, "", name,
                          l->n ? "" : " {}");

    for (size_t i = 0; r == 0 && i < l->n; i++) {
        int comment = below_ini && !opt_in_layer(&l->v[i], PT_LAYER_USER);
        r = pt_buf_printf(b, "%*s%s", indent + 2, "", comment ? "# " : "");
        if (r == 0)
            r = print_scalar(b, l->v[i].name);
        if (r == 0)
            r = pt_buf_append_str(b, ": ");
        if (r == 0)
            r = print_scalar(b, l->v[i].value);
        if (r == 0)
            r = print_origin(b, &l->v[i]);
        if (r == 0 && comment)
            r = pt_buf_append_str(b, optlist_find(below_ini, l->v[i].name)
                                         ? ", replaced by options_file"
                                         : ", below options_file");
        if (r == 0)
            r = pt_buf_append_byte(b, '\n');
    }
    return r;
}

/* Text inside a comment line: control bytes would end the comment. */
static int print_comment_text(pt_buf *b, const char *s)
{
    int r = 0;

    for (; r == 0 && *s; s++)
        r = pt_buf_append_byte(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
    return r;
}

/* The served relations, named in a comment and each with its cf_options,
 * then every default relation that is not served as `{enabled: false}`:
 * read back over the defaults, the map gives the same set. */
static int print_relations(pt_buf *b, const pt_config *c)
{
    int r = pt_buf_append_str(b, "relations:  # restart; served:");

    for (size_t i = 0; r == 0 && i < c->nrelations; i++) {
        r = pt_buf_append_str(b, i ? ", " : " ");
        if (r == 0)
            r = print_comment_text(b, c->relations[i].name);
    }
    if (r == 0)
        r = pt_buf_append_str(b, c->nrelations ? "\n" : " none\n");
    for (size_t i = 0; r == 0 && i < c->nrelations; i++) {
        const pt_relation *rel = &c->relations[i];
        r = pt_buf_append_str(b, "  ");
        if (r == 0)
            r = print_scalar(b, rel->name);
        if (r == 0)
            r = pt_buf_append_str(b, rel->cf_options.n ? ":\n" : ": {}\n");
        if (r == 0 && rel->cf_options.n)
            r = print_optlist(b, "cf_options", &rel->cf_options, 4, NULL);
    }
    for (size_t i = 0; r == 0 && i < NELEM(default_relations); i++)
        if (!config_relation(c, default_relations[i]))
            r = pt_buf_printf(b, "  %s: {enabled: false}  # not served\n",
                              default_relations[i]);
    return r;
}

/* One options_file list as comment lines, each with its origin and, when
 * a YAML map sets the same name, which one wins (built-in defaults rank
 * below the file). */
static int print_ini_list(pt_buf *b, const char *title, const pt_optlist *l,
                          const pt_optlist *over1, const char *over1_name,
                          const pt_optlist *over2, const char *over2_name)
{
    int r = l->n ? pt_buf_printf(b, "  #   %s:\n", title) : 0;

    for (size_t i = 0; r == 0 && i < l->n; i++) {
        const pt_opt *o = &l->v[i], *w = NULL;
        const char *by = NULL;
        if (over2 && (w = optlist_find(over2, o->name)) && w->value[0] != '{' &&
            opt_in_layer(w, PT_LAYER_USER))
            by = over2_name;
        else if (over1 && (w = optlist_find(over1, o->name)) && w->value[0] != '{' &&
                 opt_in_layer(w, PT_LAYER_USER))
            by = over1_name;
        r = pt_buf_append_str(b, "  #     ");
        if (r == 0)
            r = print_comment_text(b, o->name);
        if (r == 0)
            r = pt_buf_append_str(b, ": ");
        if (r == 0)
            r = print_comment_text(b, o->value);
        if (r == 0)
            r = print_origin(b, o);
        if (r == 0 && by)
            r = pt_buf_printf(b, " (overridden by %s)", by);
        if (r == 0)
            r = pt_buf_append_byte(b, '\n');
    }
    return r;
}

/* What rocksdb.options_file contributed, as comments: it is re-read from
 * its file on every load, so printing it as YAML would only duplicate it,
 * but --check-config must show where each option comes from. */
static int print_ini(pt_buf *b, const pt_config *c)
{
    char title[PT_RELATION_NAME_MAX + 32];
    int r;

    if (!c->options_file)
        return 0;
    r = pt_buf_append_str(b, "  # From options_file, applied before the maps above "
                             "(they and relations.<Name>.cf_options win):\n");
    if (r == 0 && !c->ini_db_options.n && !c->ini_cf_options.n)
        r = pt_buf_append_str(b, "  #   (no options)\n");
    if (r == 0)
        r = print_ini_list(b, "db_options", &c->ini_db_options, &c->db_options,
                           "rocksdb.db_options", NULL, NULL);
    if (r == 0)
        r = print_ini_list(b, "cf_options (every relation)", &c->ini_cf_options,
                           &c->cf_options, "rocksdb.cf_options", NULL, NULL);
    for (size_t i = 0; r == 0 && i < c->nrelations; i++) {
        const pt_relation *rel = &c->relations[i];
        snprintf(title, sizeof title, "relations.%s.cf_options", rel->name);
        r = print_ini_list(b, title, &rel->ini_cf_options, &c->cf_options,
                           "rocksdb.cf_options", &rel->cf_options,
                           "relations.<Name>.cf_options");
    }
    return r;
}

/* One scalar line: "  leaf: value  # unit, min..max, reload|restart". */
static int print_key(pt_buf *b, const pt_config *c, const pt_key *k,
                     const char *leaf, int indent)
{
    char sock[256];
    int r = pt_buf_printf(b, "%*s%s: ", indent, "", leaf);

    if (r == 0)
        r = key_format(c, k, b);
    if (r == 0)
        r = pt_buf_printf(b, "  # %s", k->flags & PT_KEY_RELOADABLE
                                            ? "reloadable" : "restart");
    if (r == 0 && *k->unit)
        r = pt_buf_printf(b, ", %s", k->unit);
    if (r == 0 && k->type == PT_KT_U64)
        r = pt_buf_printf(b, ", %llu..%llu", (unsigned long long)k->min,
                          (unsigned long long)k->max);
    if (r == 0 && k->offset == offsetof(pt_config, listen_path) &&
        !c->listen_path) {
        config_default_socket(sock, sizeof sock);
        r = pt_buf_append_str(b, ", default ");
        for (const char *p = sock; r == 0 && *p; p++)
            r = pt_buf_append_byte(b, (unsigned char)*p < 0x20 ? '?' : *p);
    }
    return r ? r : pt_buf_append_byte(b, '\n');
}

/* Walks the table; a section's mapping opens when the part before the dot
 * changes, which is why the table keeps sections contiguous. */
static int print_keys(pt_buf *b, const pt_config *c)
{
    char section[64] = "";
    int r = 0;

    for (size_t i = 0; r == 0 && i <= pt_nkeys; i++) {
        const char *name = i < pt_nkeys ? pt_keys[i].name : "";
        const char *dot = strchr(name, '.');
        size_t slen = dot ? (size_t)(dot - name) : 0;

        if (strlen(section) != slen || strncmp(section, name, slen) != 0) {
            /* Leaving a section: the rocksdb maps belong at its end. */
            if (strcmp(section, "rocksdb") == 0) {
                r = print_optlist(b, "db_options", &c->db_options, 2,
                                  c->options_file ? &c->ini_db_options : NULL);
                if (r == 0)
                    r = print_optlist(b, "cf_options", &c->cf_options, 2,
                                      c->options_file ? &c->ini_cf_options : NULL);
                if (r == 0)
                    r = print_ini(b, c);
            }
            snprintf(section, sizeof section, "%.*s", (int)slen, name);
            if (r == 0 && slen)
                r = pt_buf_printf(b, "%s:\n", section);
        }
        if (r == 0 && i < pt_nkeys)
            r = print_key(b, c, &pt_keys[i], dot ? dot + 1 : name, dot ? 2 : 0);
    }
    return r;
}

int config_print(const pt_config *c, FILE *out)
{
    pt_buf b;
    int r;

    pt_buf_init(&b);
    r = pt_buf_append_str(&b, "# ptingestd effective configuration, from ");
    if (r == 0)
        r = c->path ? yaml_quote(&b, c->path)
                    : pt_buf_append_str(&b, "built-in defaults");
    if (r == 0)
        r = pt_buf_append_byte(&b, '\n');
    if (r == 0)
        r = print_keys(&b, c);
    if (r == 0)
        r = print_relations(&b, c);
    if (r == 0 && (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0))
        r = -EIO;
    pt_buf_free(&b);
    return r;
}
