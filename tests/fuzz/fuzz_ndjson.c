/* fuzz_ndjson.c - libFuzzer target: the CLI's NDJSON row parser
 * (client/ndjson.cpp), one line per input.
 *
 * The line sits in a buffer with exactly NDJSON_PADDING bytes after it,
 * as the CLI's reader guarantees, so ASan catches a read past that. What
 * the parser returns must hold what README.md ("The client") promises:
 * 0 with a row whose value (for a put) is one compact JSON text the
 * daemon's own check accepts (common/rowcheck.c) and whose relation is
 * valid UTF-8, a delete without a value; -ENODATA only for a blank line;
 * -EINVAL with a one-line message. Anything else aborts.
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

static void broken(const char *what, const uint8_t *line, size_t n)
{
    fprintf(stderr, "fuzz_ndjson: %s; line (%zu bytes): %.*s\n", what, n,
            (int)(n < 400 ? n : 400), (const char *)line);
    abort();
}

static int blank(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    const char *why;
    ndjson_row row;
    size_t at;
    uint8_t *line;
    int r;

    if (!parser && ndjson_parser_new(&parser) != 0)
        abort();
    line = malloc(size + NDJSON_PADDING);
    if (!line)
        abort();
    memcpy(line, data, size);
    memset(line + size, 'x', NDJSON_PADDING); /* garbage the parser must not read as the line */
    memset(err, 0, sizeof err);
    r = ndjson_parse_line(parser, (const char *)line, size, &row, err, sizeof err);
    if (r == 0) {
        if (row.op == NDJSON_PUT) {
            if (!row.value || pt_json_check_compact(row.value, row.value_len, &at, &why) != 0)
                broken("a put's value is not compact JSON by the daemon's rule", line, size);
        } else if (row.op == NDJSON_DEL) {
            if (row.value || row.value_len)
                broken("a delete carries a value", line, size);
        } else {
            broken("unknown op", line, size);
        }
        if (pt_utf8_check(row.key, row.key_len, &at) != 0)
            broken("a key that is not UTF-8", line, size);
        if (pt_utf8_check(row.rel, row.rel_len, &at) != 0)
            broken("a relation name that is not UTF-8", line, size);
    } else if (r == -ENODATA) {
        if (!blank(data, size))
            broken("-ENODATA for a line that is not blank", line, size);
    } else if (r == -EINVAL) {
        if (!err[0] || strchr(err, '\n'))
            broken("-EINVAL without a one-line message", line, size);
    } else if (r != -ENOMEM) {
        broken("an unexpected return code", line, size);
    }
    free(line);
    return 0;
}
