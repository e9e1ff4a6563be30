/* rowcheck.c - key and value checks (see rowcheck.h). */
#include "rowcheck.h"

#include <errno.h>
#include <stdint.h>

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return end - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return end - p >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return end - p >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? 4 : 0;
    }
    return 0;
}

int pt_utf8_check(const char *s, size_t n, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;

    while (p < end) {
        size_t k;
        if (*p < 0x80) {
            p++;
            continue;
        }
        if (!(k = utf8_seq(p, end))) {
            *at = (size_t)(p - (const unsigned char *)s);
            return -EINVAL;
        }
        p += k;
    }
    return 0;
}

typedef struct scan {
    const unsigned char *p, *end, *start;
    const char *why;
} scan;

static int fail(scan *sc, const char *why)
{
    sc->why = why;
    return -EINVAL;
}

static int hex4(scan *sc, unsigned *v)
{
    *v = 0;
    if (sc->end - sc->p < 4)
        return fail(sc, "bad \\u escape");
    for (int i = 0; i < 4; i++) {
        unsigned c = *sc->p, d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return fail(sc, "bad \\u escape");
        *v = *v * 16 + d;
        sc->p++;
    }
    return 0;
}

/* Bytes a string may hold as they are: printable ASCII but '"' and '\\'.
 * Most of a code-graph value is such text; one table look-up a byte. */
static const unsigned char plain[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
    R16(0), R16(0),                             /* 0x00-0x1f: control */
    1, 1, 0, 1, R4(1), R4(1), R4(1),            /* 0x20-0x2f: not '"' */
    R16(1), R16(1),                             /* 0x30-0x4f */
    R4(1), R4(1), R4(1),                        /* 0x50-0x5b */
    0, 1, 1, 1,                                 /* 0x5c backslash, 0x5d-0x5f */
    R16(1), R16(1),                             /* 0x60-0x7f */
#undef R16
#undef R4
};

/* At the opening quote; leaves p after the closing one. */
static int string(scan *sc)
{
    sc->p++;
    for (;;) {
        unsigned c;
        size_t k;
        while (sc->p < sc->end && plain[*sc->p])
            sc->p++;
        if (sc->p >= sc->end)
            return fail(sc, "unterminated string");
        c = *sc->p;
        if (c == '"') {
            sc->p++;
            return 0;
        }
        if (c < 0x20)
            return fail(sc, "control character in a string");
        if (c == '\\') {
            unsigned u, lo;
            if (++sc->p >= sc->end)
                return fail(sc, "bad escape");
            c = *sc->p++;
            if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                c == 'r' || c == 't')
                continue;
            if (c != 'u')
                return (sc->p--, fail(sc, "bad escape"));
            if (hex4(sc, &u) < 0)
                return -EINVAL;
            if (u >= 0xDC00 && u <= 0xDFFF)
                return fail(sc, "lone low surrogate escape");
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (sc->end - sc->p < 2 || sc->p[0] != '\\' || sc->p[1] != 'u')
                    return fail(sc, "high surrogate escape without its pair");
                sc->p += 2;
                if (hex4(sc, &lo) < 0)
                    return -EINVAL;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(sc, "high surrogate escape without its pair");
            }
            continue;
        }
        if (c < 0x80) {
            sc->p++;
            continue;
        }
        if (!(k = utf8_seq(sc->p, sc->end)))
            return fail(sc, "invalid UTF-8 in a string");
        sc->p += k;
    }
}

static int digits(scan *sc)
{
    const unsigned char *from = sc->p;

    while (sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9')
        sc->p++;
    return sc->p > from ? 0 : fail(sc, "bad number");
}

static int number(scan *sc)
{
    if (*sc->p == '-')
        sc->p++;
    if (sc->p < sc->end && *sc->p == '0')
        sc->p++;
    else if (digits(sc) < 0)
        return -EINVAL;
    if (sc->p < sc->end && *sc->p == '.') {
        sc->p++;
        if (digits(sc) < 0)
            return -EINVAL;
    }
    if (sc->p < sc->end && (*sc->p == 'e' || *sc->p == 'E')) {
        sc->p++;
        if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-'))
            sc->p++;
        if (digits(sc) < 0)
            return -EINVAL;
    }
    return 0;
}

static int literal(scan *sc, const char *word, size_t n)
{
    if ((size_t)(sc->end - sc->p) < n)
        return fail(sc, "bad literal");
    for (size_t i = 0; i < n; i++)
        if (sc->p[i] != (unsigned char)word[i]) {
            sc->p += i;
            return fail(sc, "bad literal");
        }
    sc->p += n;
    return 0;
}

/* A scalar or the opening of a container (pushed on stack). */
static int value_start(scan *sc, char *stack, int *depth)
{
    if (sc->p >= sc->end)
        return fail(sc, "a value is missing");
    switch (*sc->p) {
    case '"': return string(sc);
    case 't': return literal(sc, "true", 4);
    case 'f': return literal(sc, "false", 5);
    case 'n': return literal(sc, "null", 4);
    case '{':
    case '[':
        if (*depth >= PT_JSON_MAX_DEPTH)
            return fail(sc, "nested too deeply");
        stack[(*depth)++] = (char)*sc->p++;
        return 0;
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        return fail(sc, "whitespace outside a string (values are compact JSON)");
    default:
        if (*sc->p == '-' || (*sc->p >= '0' && *sc->p <= '9'))
            return number(sc);
        return fail(sc, "not a JSON value");
    }
}

int pt_json_check_compact(const char *s, size_t n, size_t *at, const char **why)
{
    char stack[PT_JSON_MAX_DEPTH];
    int depth = 0, r;
    scan sc = {(const unsigned char *)s, (const unsigned char *)s + n,
               (const unsigned char *)s, NULL};

    r = value_start(&sc, stack, &depth);
    /* After a value (or an opening bracket): close, separate, or start
     * the first member. */
    while (r == 0 && depth > 0) {
        char open = stack[depth - 1];
        int first = sc.p > sc.start && sc.p[-1] == (unsigned char)open;
        unsigned c = sc.p < sc.end ? *sc.p : 0;

        if (sc.p >= sc.end) {
            r = fail(&sc, "unterminated object or array");
        } else if (c == (open == '{' ? '}' : ']') && (first || sc.p[-1] != ',')) {
            sc.p++;
            depth--;
        } else if (!first && c == ',') {
            sc.p++;
            goto member;
        } else if (first) {
            goto member;
        } else {
            r = fail(&sc, c == ' ' || c == '\n' || c == '\r' || c == '\t'
                              ? "whitespace outside a string (values are compact JSON)"
                              : "expected ',' or a closing bracket");
        }
        continue;
member:
        if (open == '{') {
            if (sc.p >= sc.end || *sc.p != '"') {
                r = fail(&sc, "expected a member name");
                continue;
            }
            if ((r = string(&sc)) < 0)
                continue;
            if (sc.p >= sc.end || *sc.p != ':') {
                r = fail(&sc, "expected ':'");
                continue;
            }
            sc.p++;
        }
        r = value_start(&sc, stack, &depth);
    }
    if (r == 0 && sc.p != sc.end)
        r = fail(&sc, "more than one JSON value");
    if (r < 0) {
        *at = (size_t)(sc.p - sc.start);
        *why = sc.why;
    }
    return r;
}
