/* fuzz_rowcheck.c - libFuzzer target: the daemon's row checks
 * (common/rowcheck.c), against a plain reference and against the CLI's
 * parser.
 *
 *  - pt_utf8_check must agree, verdict and offset, with the decoder
 *    below, written from the Unicode definition (shortest form, no
 *    surrogates, nothing past U+10FFFF) rather than from a table.
 *  - pt_json_check_compact and the NDJSON parser (client/ndjson.cpp) must
 *    agree on what is one compact JSON text: the input is put in a row's
 *    "value" member; when the daemon's check accepts it, the parser must
 *    accept the row and give back exactly the input as the value; when
 *    the parser accepts the row and its minified value is the input, the
 *    daemon's check must accept it. (The row's object is one level of
 *    nesting that the value alone does not have, so values nested to the
 *    depth limit itself are left out of the first rule.)
 * A disagreement aborts: a client would send rows the daemon refuses, or
 * the daemon would store what the client's rule calls invalid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/ndjson.h"
#include "common/rowcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ndjson_parser *parser;

static void broken(const char *what, const uint8_t *s, size_t n)
{
    fprintf(stderr, "fuzz_rowcheck: %s; input (%zu bytes): %.*s\n", what, n,
            (int)(n < 400 ? n : 400), (const char *)s);
    abort();
}

/* Offset of the first byte that does not start a well-formed UTF-8
 * sequence, or n. */
static size_t utf8_reference(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t c = s[i], cp, min;
        size_t len;

        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return n;
}

/* Deepest nesting of brackets outside strings (for accepted JSON). */
static int depth_of(const uint8_t *s, size_t n)
{
    int d = 0, max = 0, in = 0;

    for (size_t i = 0; i < n; i++) {
        if (in) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in = 0;
        } else if (s[i] == '"') {
            in = 1;
        } else if (s[i] == '{' || s[i] == '[') {
            if (++d > max)
                max = d;
        } else if (s[i] == '}' || s[i] == ']') {
            d--;
        }
    }
    return max;
}

static void utf8(const uint8_t *s, size_t n)
{
    size_t at = (size_t)-1, want = utf8_reference(s, n);
    int r = pt_utf8_check((const char *)s, n, &at);

    if ((r == 0) != (want == n))
        broken(r == 0 ? "pt_utf8_check accepts invalid UTF-8" : "pt_utf8_check refuses valid UTF-8",
               s, n);
    if (r != 0 && at != want)
        broken("pt_utf8_check reports another offset", s, n);
}

static void json(const uint8_t *s, size_t n)
{
    static const char head[] = "{\"rel\":\"r\",\"key\":\"k\",\"value\":";
    size_t hn = sizeof head - 1, at = (size_t)-1, len = hn + n + 1;
    const char *why = NULL;
    char *line = malloc(len + NDJSON_PADDING), err[256];
    ndjson_row row;
    int ok, r;

    if (!line)
        abort();
    ok = pt_json_check_compact((const char *)s, n, &at, &why) == 0;
    if (!ok && (at > n || !why))
        broken("pt_json_check_compact refuses without an offset and a reason", s, n);
    memcpy(line, head, hn);
    memcpy(line + hn, s, n);
    line[hn + n] = '}';
    memset(line + len, 'x', NDJSON_PADDING);
    r = ndjson_parse_line(parser, line, len, &row, err, sizeof err);
    if (ok && depth_of(s, n) < PT_JSON_MAX_DEPTH) {
        if (r != 0) {
            fprintf(stderr, "parser: %s\n", err);
            broken("the daemon's check accepts a value the parser refuses", s, n);
        }
        if (row.op != NDJSON_PUT || row.value_len != n || memcmp(row.value, s, n) != 0)
            broken("the parser changed a compact value", s, n);
    }
    if (r == 0 && row.op == NDJSON_PUT && row.value_len == n &&
        memcmp(row.value, s, n) == 0 && !ok)
        broken("the parser accepts a compact value the daemon's check refuses", s, n);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!parser && ndjson_parser_new(&parser) != 0)
        abort();
    utf8(data, size);
    json(data, size);
    return 0;
}
