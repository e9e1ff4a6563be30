/* ndjson.h - one NDJSON input row -> (op, rel, key, value), fast.
 *
 * Backed by simdjson (C++, see ndjson.cpp): the CLI must parse faster than
 * RocksDB writes (about 80 MB/s here), and jansson manages 57 MB/s on this
 * data while simdjson's DOM parser manages 400+ MB/s.
 *
 * The line is fully validated (JSON grammar and UTF-8). The value is
 * returned as its JSON text with whitespace outside strings removed;
 * string contents and escapes are kept byte for byte (README.md, "The client"). The
 * key is returned unescaped (raw bytes, may contain NUL).
 *
 * Numbers outside simdjson's native range (integers beyond 64 bits, 1e400)
 * are accepted and kept as written. Nesting deeper than 1024 levels is
 * rejected (simdjson's default depth limit). The parser keeps buffers sized
 * for the longest line seen until freed: about 15-25 bytes of address space
 * per byte of that line (simdjson's tape), so bound the line length before
 * parsing if huge lines are possible; a failed allocation gives -ENOMEM.
 *
 * Not thread-safe: one parser per thread.
 */
#ifndef PT_NDJSON_H
#define PT_NDJSON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes after the end of a line that must be readable (not necessarily
 * part of the line) when calling ndjson_parse_line. */
#define NDJSON_PADDING 64

enum ndjson_op { NDJSON_PUT = 0, NDJSON_DEL = 1 };

typedef struct ndjson_row {
    int op;                /* enum ndjson_op */
    const char *rel;       /* relation name (unescaped) */
    size_t rel_len;
    const char *key;       /* key bytes (unescaped) */
    size_t key_len;
    const char *value;     /* compact JSON text; NULL/0 for a delete */
    size_t value_len;
} ndjson_row;

typedef struct ndjson_parser ndjson_parser;

int ndjson_parser_new(ndjson_parser **out);
void ndjson_parser_free(ndjson_parser *p);

/* Parse one line (no trailing newline; a trailing '\r' is tolerated, and
 * JSON whitespace around the object is allowed).
 * `line` must have NDJSON_PADDING readable bytes after line[len] (their
 * content does not matter).
 * Returns:
 *   0        *row filled; its pointers are valid until the next call,
 *            ndjson_parser_free, or until `line` changes (rel and key
 *            point into the parser; value into the parser or into
 *            `line`, where it was written compact).
 *   -ENODATA the line is empty or only whitespace: the caller skips it
 *            (err says "empty line").
 *   -EINVAL  the line is not an acceptable row; err gets a one-line
 *            message (no FILE:LINE prefix: the caller adds it), e.g.
 *            "not valid JSON: <simdjson's message>",
 *            "line is not a JSON object", "missing member \"key\"",
 *            "member \"rel\" must be a string", "unknown member \"x\"",
 *            "duplicate member \"key\"", "\"op\" must be \"put\" or \"del\"",
 *            "member \"value\" must be absent when \"op\" is \"del\"".
 *   -ENOMEM  out of memory.
 * Rows: members "rel" (string), "key" (string), "value" (any JSON value;
 * required for a put, absent for a delete) and optional "op" ("put", the
 * default, or "del"), in any order; nothing else. err may be NULL. */
int ndjson_parse_line(ndjson_parser *p, const char *line, size_t len,
                      ndjson_row *row, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
