/* buf.h - growable byte buffer.
 *
 * Owned by whoever embeds it; no thread-safety of its own. Allocation
 * failure is reported by returning -ENOMEM, never by aborting.
 */
#ifndef PT_BUF_H
#define PT_BUF_H

#include "compat.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pt_buf {
    char *data;
    size_t len;
    size_t cap;
} pt_buf;

void pt_buf_init(pt_buf *b);
void pt_buf_free(pt_buf *b);
static inline void pt_buf_reset(pt_buf *b) { b->len = 0; }
/* Make room for at least `extra` more bytes. */
int pt_buf_reserve(pt_buf *b, size_t extra);
int pt_buf_append(pt_buf *b, const void *p, size_t n);
int pt_buf_append_str(pt_buf *b, const char *s);
int pt_buf_append_byte(pt_buf *b, char c);
int pt_buf_printf(pt_buf *b, const char *fmt, ...)
    PT_PRINTF(2, 3)
    ;
/* Drop the first n bytes (consumed input). */
void pt_buf_consume(pt_buf *b, size_t n);
/* Hand the bytes over as a NUL-terminated malloc'd string; b is emptied. */
char *pt_buf_steal(pt_buf *b);

#endif
