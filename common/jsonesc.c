#include "jsonesc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

static const char hex[] = "0123456789abcdef";

int json_append_string(pt_buf *b, const char *s, size_t n)
{
    size_t i;
    int r;

    /* Worst case every byte becomes \u00xx: reserve once. */
    if (n > (SIZE_MAX - 2) / 6)
        return -12;
    r = pt_buf_reserve(b, n * 6 + 2);
    if (r < 0)
        return r;
    char *o = b->data + b->len;
    *o++ = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;

    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t need;
        unsigned cp, min;
        if ((c & 0xe0) == 0xc0) {
            need = 1; cp = c & 0x1f; min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2; cp = c & 0x0f; min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3; cp = c & 0x07; min = 0x10000;
        } else {
            return 0;
        }
        if ((size_t)(e - p) <= need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((p[k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += need + 1;
    }
    return 1;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(char **o, unsigned cp)
{
    char *p = *o;

    if (cp < 0x80) {
        *p++ = (char)cp;
    } else if (cp < 0x800) {
        *p++ = (char)(0xc0 | (cp >> 6));
        *p++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *p++ = (char)(0xe0 | (cp >> 12));
        *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *p++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *p++ = (char)(0xf0 | (cp >> 18));
        *p++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *p++ = (char)(0x80 | (cp & 0x3f));
    }
    *o = p;
}

static int bad(char *err, size_t errlen, const char *what, size_t at)
{
    if (errlen)
        snprintf(err, errlen, "%s at byte %zu", what, at + 1);
    return -EINVAL;
}

int json_unescape(pt_buf *b, const char *s, size_t n, char *err, size_t errlen)
{
    char *o;
    size_t i;
    int r;

    /* Escapes are ASCII, so the raw bytes are valid UTF-8 exactly when
     * the whole text is; find the first bad byte for the message. */
    if (!utf8_valid(s, n)) {
        size_t len = 1;
        for (i = 0; i < n; i += len) {
            for (len = 1; len <= 4 && i + len <= n && !utf8_valid(s + i, len); len++)
                ;
            if (len > 4 || i + len > n)
                break;
        }
        return bad(err, errlen, "not valid UTF-8", i);
    }
    /* Unescaping never lengthens the text. */
    if ((r = pt_buf_reserve(b, n + 1)) < 0)
        return r;
    o = b->data + b->len;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp, lo;

        if (c == '"')
            return bad(err, errlen, "'\"' must be escaped as \\\"", i);
        if (c < 0x20)
            return bad(err, errlen, "a control character must be escaped", i);
        if (c != '\\') {
            *o++ = (char)c;
            continue;
        }
        if (i + 1 >= n)
            return bad(err, errlen, "'\\' at the end (escape it as \\\\)", i);
        switch (s[++i]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (n - i - 1 < 4 || hex4(s + i + 1, &cp) < 0)
                return bad(err, errlen, "\\u needs four hex digits", i - 1);
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return bad(err, errlen, "a low surrogate without a high one", i - 1);
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (n - i - 5 < 6 || s[i + 5] != '\\' || s[i + 6] != 'u' ||
                    hex4(s + i + 7, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                    return bad(err, errlen, "a high surrogate without a low one", i - 1);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            i += 4;
            put_utf8(&o, cp);
            break;
        default:
            return bad(err, errlen, "bad escape", i - 1);
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}
