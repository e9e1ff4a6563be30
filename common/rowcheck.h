/* rowcheck.h - what a row's key and value must be before the daemon
 * stores them (README.md, "The client"): a key is valid UTF-8; a value is
 * one compact JSON text (RFC 8259 with no whitespace outside strings,
 * strings valid UTF-8 with valid escapes), so that every exported line is
 * one valid NDJSON row whatever a client sent. Pure functions, any
 * thread; no allocation.
 */
#ifndef PT_ROWCHECK_H
#define PT_ROWCHECK_H

#include <stddef.h>

/* Nesting deeper than this is refused (simdjson's default as well). */
#define PT_JSON_MAX_DEPTH 1024

/* 0, or -EINVAL with *at the offset of the first byte that is not part of
 * a well-formed UTF-8 sequence (overlong forms and surrogates refused). */
int pt_utf8_check(const char *s, size_t n, size_t *at);

/* 0, or -EINVAL with *at the offending byte's offset and *why a short
 * reason ("whitespace outside a string", "bad escape", ...). */
int pt_json_check_compact(const char *s, size_t n, size_t *at, const char **why);

#endif
