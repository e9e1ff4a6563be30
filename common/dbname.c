/* dbname.c - database names and their directories (see dbname.h). Pure
 * functions, no locale: the character classes are spelled out. */
#include "dbname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }

static int name_char(unsigned char c)
{
    return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}

int pt_dbname_check(const char *name, size_t len, char *err, size_t errlen)
{
    if (len == 0 || !name) {
        if (errlen)
            snprintf(err, errlen, "a database name has 1 to %d characters; this one is empty",
                     PT_DBNAME_MAX);
        return -EINVAL;
    }
    if (len > PT_DBNAME_MAX) {
        if (errlen)
            snprintf(err, errlen, "a database name has 1 to %d characters; this one has %zu",
                     PT_DBNAME_MAX, len);
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (name_char(c))
            continue;
        if (errlen) {
            if (c > 0x20 && c < 0x7f)
                snprintf(err, errlen, "a database name has only the characters A-Z a-z 0-9 "
                         "- _ . ('%c' at position %zu is not one)", c, i + 1);
            else
                snprintf(err, errlen, "a database name has only the characters A-Z a-z 0-9 "
                         "- _ . (byte 0x%02x at position %zu is not one)", c, i + 1);
        }
        return -EINVAL;
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        if (errlen)
            snprintf(err, errlen, "\".\" and \"..\" are not database names");
        return -EINVAL;
    }
    return 0;
}

int pt_dbname_dir(const char *name, char *out, size_t outlen)
{
    size_t len = name ? strlen(name) : 0, need = 3 + len + 2 + 1, o = 3;

    if (pt_dbname_check(name, len, NULL, 0) < 0)
        return -EINVAL;
    for (size_t i = 0; i < len; i++)
        need += is_upper((unsigned char)name[i]);
    if (outlen < need)
        return -ERANGE;
    memcpy(out, "db-", 3);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (is_upper(c)) {
            out[o++] = '^';
            c = (unsigned char)(c - 'A' + 'a');
        }
        out[o++] = (char)c;
    }
    memcpy(out + o, ".d", 3);
    return 0;
}

int pt_dbname_from_dir(const char *dir, char *out, size_t outlen)
{
    size_t len = dir ? strlen(dir) : 0, n = 0;
    char name[PT_DBNAME_MAX + 1];

    if (len < 3 + 1 + 2 || memcmp(dir, "db-", 3) != 0 || memcmp(dir + len - 2, ".d", 2) != 0)
        return -EINVAL;
    for (size_t i = 3; i < len - 2; i++) {
        unsigned char c = (unsigned char)dir[i];
        if (n == PT_DBNAME_MAX)
            return -EINVAL; /* more characters than a name has */
        if (c == '^') {
            /* an escape: exactly one lowercase letter follows, inside
             * the part before the suffix */
            if (i + 1 >= len - 2 || !is_lower((unsigned char)dir[i + 1]))
                return -EINVAL;
            name[n++] = (char)(dir[++i] - 'a' + 'A');
        } else if (is_upper(c) || !name_char(c)) {
            return -EINVAL; /* no name's directory holds it raw */
        } else {
            name[n++] = (char)c;
        }
    }
    name[n] = '\0';
    if (pt_dbname_check(name, n, NULL, 0) < 0)
        return -EINVAL;
    if (outlen < n + 1)
        return -ERANGE;
    memcpy(out, name, n + 1);
    return 0;
}

/* One byte as pt_dbname_quote writes it: its length, and into one[5]. */
static size_t quote_byte(unsigned char c, char *one)
{
    if (c == '"' || c == '\\')
        return (size_t)snprintf(one, 5, "\\%c", c);
    if (c >= 0x20 && c < 0x7f)
        return (size_t)snprintf(one, 5, "%c", c);
    return (size_t)snprintf(one, 5, "\\x%02x", c);
}

void pt_dbname_quote(const char *name, size_t len, char *out, size_t outlen)
{
    size_t o = 0, all = 0, room;
    char one[5];

    if (!outlen)
        return;
    for (size_t i = 0; i < len; i++)
        all += quote_byte((unsigned char)name[i], one);
    /* all of it, or as much as leaves room for "..." */
    room = all + 1 <= outlen ? outlen - 1 : outlen >= 4 ? outlen - 4 : 0;
    for (size_t i = 0; i < len; i++) {
        size_t k = quote_byte((unsigned char)name[i], one);
        if (o + k > room)
            break;
        memcpy(out + o, one, k);
        o += k;
    }
    if (all + 1 > outlen && outlen >= 4) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}
