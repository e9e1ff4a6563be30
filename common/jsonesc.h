/* jsonesc.h - the one JSON string escaper of the project.
 *
 * README.md ("The client") fixes the escaping: \" \\ \b \f \n \r \t, other control
 * characters as \u00xx (lowercase hex), everything else raw bytes. Export,
 * `ptingest gen` and the status document all go through here, so that what
 * gen writes is exactly what export gives back.
 */
#ifndef PT_JSONESC_H
#define PT_JSONESC_H

#include <stddef.h>
#include "buf.h"

/* Append s[0..n) as a quoted JSON string. */
int json_append_string(pt_buf *b, const char *s, size_t n);
static inline int json_append_cstr(pt_buf *b, const char *s);
/* Check that s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);
/* The reverse of the escaping above, for keys a person types: the inside
 * of a JSON string (no quotes) unescaped as a JSON parser reads an NDJSON
 * key (\" \\ \/ \b \f \n \r \t, \uXXXX with surrogate pairs), appended
 * to b. Every key export prints reads back as the stored bytes. 0; -EINVAL
 * with a message naming the byte (not valid UTF-8, a bad escape, a raw
 * control character or '"', a lone surrogate) in err; -ENOMEM. */
int json_unescape(pt_buf *b, const char *s, size_t n, char *err, size_t errlen);

#include <string.h>
static inline int json_append_cstr(pt_buf *b, const char *s)
{
    return json_append_string(b, s, strlen(s));
}

#endif
