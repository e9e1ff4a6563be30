/* keys_man.c - the KEYS section of ptingestd.yaml(5), written from the keys
 * table so that the manual cannot drift from what the loader accepts.
 *
 * docs/ptingestd.yaml.5 holds the generated text between two marker
 * lines; the keys_man tool rewrites it there (ninja update-man) and the
 * unit.man test fails when the committed page differs from the table.
 * Plain functions, no state.
 */
#include "keys.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* Text as roff: backslashes escaped, a leading '.' or '\'' defused. */
static int roff_text(pt_buf *b, const char *s)
{
    int r = 0;

    if (*s == '.' || *s == '\'')
        r = pt_buf_append_str(b, "\\&");
    for (; r == 0 && *s; s++)
        r = *s == '\\' ? pt_buf_append_str(b, "\\e")
            : *s == '-' ? pt_buf_append_str(b, "\\-")
                        : pt_buf_append_byte(b, *s);
    return r;
}

static const char *type_name(const pt_key *k)
{
    switch (k->type) {
    case PT_KT_U64:
        return "integer";
    case PT_KT_STRING:
        return "string";
    case PT_KT_MODE:
        return "octal mode (string)";
    case PT_KT_SYNC:
        return "none | chunk | job";
    case PT_KT_LOGLEVEL:
        return "error | warn | info | debug";
    }
    return "?";
}

static int key_entry(pt_buf *b, const pt_key *k)
{
    int r = pt_buf_append_str(b, ".TP\n.B ");

    if (r == 0)
        r = roff_text(b, k->name);
    if (r == 0)
        r = pt_buf_printf(b, "\n\\fI%s\\fR", type_name(k));
    if (r == 0 && *k->unit && k->type != PT_KT_MODE)
        r = pt_buf_printf(b, ", %s", k->unit);
    if (r == 0)
        r = pt_buf_append_str(b, "; default \\fB");
    if (r == 0)
        r = roff_text(b, k->def ? k->def : "null");
    if (r == 0)
        r = pt_buf_append_str(b, "\\fR");
    if (r == 0 && k->type == PT_KT_U64)
        r = pt_buf_printf(b, "; %" PRIu64 "..%" PRIu64, k->min, k->max);
    if (r == 0 && k->type == PT_KT_MODE)
        r = pt_buf_printf(b, "; 0..0%" PRIo64, k->max);
    if (r == 0)
        r = pt_buf_printf(b, "; %s\n.br\n",
                          k->flags & PT_KEY_RELOADABLE ? "reloadable" : "restart");
    if (r == 0)
        r = roff_text(b, k->doc);
    if (r == 0)
        r = pt_buf_append_str(b, ".\n");
    return r;
}

/* `.BR "name: value"` lines for a map's built-in entries, the last ending
 * in ';'. */
static int map_defaults(pt_buf *b, const pt_optlist *l)
{
    int r = pt_buf_append_str(b, l->n ? "default\n" : "default empty;\n");

    for (size_t i = 0; r == 0 && i < l->n; i++) {
        r = pt_buf_append_str(b, ".BR \"");
        if (r == 0)
            r = roff_text(b, l->v[i].name);
        if (r == 0)
            r = pt_buf_append_str(b, ": ");
        if (r == 0)
            r = roff_text(b, l->v[i].value);
        if (r == 0)
            r = pt_buf_printf(b, "\" %c\n", i + 1 < l->n ? ',' : ';');
    }
    return r;
}

/* The option maps are not table rows; their defaults come from the same
 * place the loader takes them (config_init_defaults). */
static int maps_man(pt_buf *b, const pt_config *c)
{
    static const char live[] = "reloadable as far as RocksDB allows (see\n.BR RELOAD ).\n.br\n";
    int r = pt_buf_append_str(b, ".TP\n.B relations\n.IR mapping ;\ndefault\n");

    for (size_t i = 0; r == 0 && i < c->nrelations; i++) {
        r = pt_buf_append_str(b, i + 1 < c->nrelations ? ".BR " : ".B ");
        if (r == 0)
            r = roff_text(b, c->relations[i].name);
        if (r == 0)
            r = pt_buf_append_str(b, i + 1 < c->nrelations ? " ,\n" : "\n");
    }
    if (r == 0)
        r = pt_buf_append_str(b,
            "each\n.BR {} ;\nrestart.\n.br\n"
            "One RocksDB column family per relation.\n"
            "Each entry changes the default set (see\n.BR RELATIONS ):\n"
            "it tunes a relation of the set or adds one, and the others stay.\n"
            "Names are 1 to 64 characters of A\\-Z, a\\-z, 0\\-9 and _, not\n"
            ".BR default ;\nat most 64 relations.\n"
            "Adding or removing a relation needs a restart.\n"
            ".TP\n.BI relations. Name .enabled\n.IR boolean ;\ndefault\n.BR true ;\n"
            "restart.\n.br\n.B false\nremoves the relation from the set; at least one "
            "must remain.\n"
            ".TP\n.BI relations. Name .cf_options\n.IR mapping ;\ndefault empty;\n");
    if (r == 0)
        r = pt_buf_printf(b, "%sColumnFamilyOptions for this relation only, by RocksDB name.\n"
                             ".TP\n.B rocksdb.db_options\n.IR mapping ;\n", live);
    if (r == 0)
        r = map_defaults(b, &c->db_options);
    if (r == 0)
        r = pt_buf_printf(b, "%sDBOptions by RocksDB name.\n"
                             ".TP\n.B rocksdb.cf_options\n.IR mapping ;\n", live);
    if (r == 0)
        r = map_defaults(b, &c->cf_options);
    if (r == 0)
        r = pt_buf_printf(b, "%sColumnFamilyOptions for every relation.\n", live);
    return r;
}

int keys_man(pt_buf *out)
{
    pt_config c;
    int r = config_init_defaults(&c);

    if (r < 0)
        return r;
    r = pt_buf_append_str(out, KEYS_MAN_BEGIN "\n");
    for (size_t i = 0; r == 0 && i < pt_nkeys; i++)
        r = key_entry(out, &pt_keys[i]);
    if (r == 0)
        r = pt_buf_append_str(out, ".PP\nThe RocksDB option maps:\n");
    if (r == 0)
        r = maps_man(out, &c);
    config_free(&c);
    return r ? r : pt_buf_append_str(out, KEYS_MAN_END "\n");
}

/* Start of the line that begins with marker, or NULL. */
static const char *find_line(const char *s, size_t len, const char *marker)
{
    size_t m = strlen(marker);

    for (size_t i = 0; i + m <= len; i++)
        if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, marker, m) == 0)
            return s + i;
    return NULL;
}

int keys_man_splice(const char *page, size_t len, pt_buf *out)
{
    const char *begin = find_line(page, len, KEYS_MAN_BEGIN), *end, *after;
    int r;

    if (!begin)
        return -EINVAL;
    end = find_line(begin, len - (size_t)(begin - page), KEYS_MAN_END);
    if (!end)
        return -EINVAL;
    after = memchr(end, '\n', len - (size_t)(end - page));
    after = after ? after + 1 : page + len;
    r = pt_buf_append(out, page, (size_t)(begin - page));
    if (r == 0)
        r = keys_man(out);
    if (r == 0)
        r = pt_buf_append(out, after, len - (size_t)(after - page));
    return r;
}
