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

#ifndef _WIN32
#include <unistd.h>
#endif

#include "keys.h"

#define BUILTIN "<built-in>"

static const char *const default_relations[] = {
    "CodeGraph", "DependencyEdges", "TestEntitiesExcluded",
    "FileWordCoverage", "IgnoredFiles",
};

/* Measured starting points; see docs. Kept as RocksDB option text so the
 * YAML (same name) simply replaces them. */
static const char *const default_db_options[][2] = {
    {"max_background_jobs", "6"},
    {"bytes_per_sync", "1048576"},
};
static const char *const default_cf_options[][2] = {
    {"write_buffer_size", "16777216"},
    {"max_write_buffer_number", "4"},
    {"min_write_buffer_number_to_merge", "2"},
    {"level0_file_num_compaction_trigger", "4"},
    {"level0_slowdown_writes_trigger", "20"},
    {"level0_stop_writes_trigger", "36"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void optlist_free(pt_optlist *l)
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

static const pt_relation *relation_find(const pt_config *c, const char *name)
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
        const pt_relation *r = relation_find(b, a->relations[i].name);
        if (!r || !optlist_equal(&r->cf_options, &a->relations[i].cf_options))
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
    }
    free(c->relations);
    optlist_free(&c->db_options);
    optlist_free(&c->cf_options);
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
    }
    if (r == 0)
        r = optlist_copy(&dst->db_options, &src->db_options);
    if (r == 0)
        r = optlist_copy(&dst->cf_options, &src->cf_options);
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
           optlist_equal(&a->cf_options, &b->cf_options);
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
                   "relations: at least one relation is required");
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

const char *config_sync_name(int sync)
{
    static const char *const names[] = {"none", "chunk", "job"};
    return sync >= PT_SYNC_NONE && sync <= PT_SYNC_JOB ? names[sync] : "?";
}

int config_diff_needs_restart(const pt_config *old, const pt_config *neu,
                              pt_diag *d)
{
    const char *file = neu->path ? neu->path : "<config>";
    int n = 0;

    for (size_t i = 0; i < pt_nkeys; i++) {
        const pt_key *k = &pt_keys[i];
        if (!(k->flags & PT_KEY_RELOADABLE) && !key_equal(old, neu, k)) {
            diag_warn(d, file, 0, 0, "%s changed: needs restart", k->name);
            n++;
        }
    }
    /* Column families and DB options are fixed when RocksDB is opened. */
    if (!relations_equal(old, neu)) {
        diag_warn(d, file, 0, 0, "relations changed: needs restart");
        n++;
    }
    if (!optlist_equal(&old->db_options, &neu->db_options)) {
        diag_warn(d, file, 0, 0, "rocksdb.db_options changed: needs restart");
        n++;
    }
    if (!optlist_equal(&old->cf_options, &neu->cf_options)) {
        diag_warn(d, file, 0, 0, "rocksdb.cf_options changed: needs restart");
        n++;
    }
    return n;
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

static int print_optlist(pt_buf *b, const char *name, const pt_optlist *l,
                         int indent)
{
    int r = pt_buf_printf(b, "%*s%s:%s\n", indent, "", name,
                          l->n ? "" : " {}");

    for (size_t i = 0; r == 0 && i < l->n; i++) {
        r = pt_buf_printf(b, "%*s", indent + 2, "");
        if (r == 0)
            r = print_scalar(b, l->v[i].name);
        if (r == 0)
            r = pt_buf_append_str(b, ": ");
        if (r == 0)
            r = print_scalar(b, l->v[i].value);
        if (r == 0)
            r = print_origin(b, &l->v[i]);
        if (r == 0)
            r = pt_buf_append_byte(b, '\n');
    }
    return r;
}

static int print_relations(pt_buf *b, const pt_config *c)
{
    int r = pt_buf_printf(b, "relations:%s\n", c->nrelations ? "" : " {}");

    for (size_t i = 0; r == 0 && i < c->nrelations; i++) {
        const pt_relation *rel = &c->relations[i];
        r = pt_buf_append_str(b, "  ");
        if (r == 0)
            r = print_scalar(b, rel->name);
        if (r == 0)
            r = pt_buf_append_str(b, rel->cf_options.n ? ":\n" : ": {}\n");
        if (r == 0 && rel->cf_options.n)
            r = print_optlist(b, "cf_options", &rel->cf_options, 4);
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
                r = print_optlist(b, "db_options", &c->db_options, 2);
                if (r == 0)
                    r = print_optlist(b, "cf_options", &c->cf_options, 2);
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
