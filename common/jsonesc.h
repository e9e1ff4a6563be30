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

#include <string.h>
static inline int json_append_cstr(pt_buf *b, const char *s)
{
    return json_append_string(b, s, strlen(s));
}

#endif
