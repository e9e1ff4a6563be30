/* diag.c - collected "FILE:LINE:COL: message" diagnostics.
 *
 * Owned by the caller; no thread-safety of its own. Running out of memory
 * while recording a line loses the text but still counts the error, so a
 * broken config is never mistaken for a valid one.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void diag_init(pt_diag *d)
{
    pt_buf_init(&d->text);
    d->errors = 0;
    d->warnings = 0;
}

void diag_free(pt_diag *d)
{
    pt_buf_free(&d->text);
    d->errors = 0;
    d->warnings = 0;
}

/* One diagnostic line, "\n" included, appended to b; nothing on failure. */
static int diag_format(pt_buf *b, const char *file, unsigned line, unsigned col,
                       const char *kind, const char *fmt, va_list ap)
{
    size_t start = b->len;
    char msg[1024];
    int r;

    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!file)
        file = "<config>";
    if (line == 0)
        r = pt_buf_printf(b, "%s: %s%s\n", file, kind, msg);
    else if (col == 0)
        r = pt_buf_printf(b, "%s:%u: %s%s\n", file, line, kind, msg);
    else
        r = pt_buf_printf(b, "%s:%u:%u: %s%s\n", file, line, col, kind, msg);
    if (r < 0)
        b->len = start; /* never leave half a line */
    return r;
}

void diag_error(pt_diag *d, const char *file, unsigned line, unsigned col,
                const char *fmt, ...)
{
    va_list ap;

    d->errors++;
    va_start(ap, fmt);
    diag_format(&d->text, file, line, col, "", fmt, ap);
    va_end(ap);
}

/* Whether text holds line (which ends in its '\n') as one of its lines. */
static int has_line(const pt_buf *text, const char *line, size_t len)
{
    for (size_t at = 0; at + len <= text->len;) {
        const char *nl = memchr(text->data + at, '\n', text->len - at);
        size_t end = nl ? (size_t)(nl - text->data) + 1 : text->len;
        if (end - at == len && memcmp(text->data + at, line, len) == 0)
            return 1;
        at = end;
    }
    return 0;
}

void diag_error_once(pt_diag *d, const char *file, unsigned line, unsigned col,
                     const char *fmt, ...)
{
    pt_buf b;
    va_list ap;
    int r;

    pt_buf_init(&b);
    va_start(ap, fmt);
    r = diag_format(&b, file, line, col, "", fmt, ap);
    va_end(ap);
    if (r == 0 && has_line(&d->text, b.data, b.len)) {
        pt_buf_free(&b);
        return;
    }
    d->errors++;
    if (r == 0) /* out of memory loses the text; the count stands */
        (void)pt_buf_append(&d->text, b.data, b.len);
    pt_buf_free(&b);
}

void diag_warn(pt_diag *d, const char *file, unsigned line, unsigned col,
               const char *fmt, ...)
{
    va_list ap;

    d->warnings++;
    va_start(ap, fmt);
    diag_format(&d->text, file, line, col, "warning: ", fmt, ap);
    va_end(ap);
}

const char *diag_text(const pt_diag *d)
{
    return d->text.data ? d->text.data : "";
}
