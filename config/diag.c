/* diag.c - collected "FILE:LINE:COL: message" diagnostics.
 *
 * Owned by the caller; no thread-safety of its own. Running out of memory
 * while recording a line loses the text but still counts the error, so a
 * broken config is never mistaken for a valid one.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

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

static void diag_vadd(pt_diag *d, const char *file, unsigned line,
                      unsigned col, const char *kind, const char *fmt,
                      va_list ap)
{
    pt_buf *b = &d->text;
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
}

void diag_error(pt_diag *d, const char *file, unsigned line, unsigned col,
                const char *fmt, ...)
{
    va_list ap;

    d->errors++;
    va_start(ap, fmt);
    diag_vadd(d, file, line, col, "", fmt, ap);
    va_end(ap);
}

void diag_warn(pt_diag *d, const char *file, unsigned line, unsigned col,
               const char *fmt, ...)
{
    va_list ap;

    d->warnings++;
    va_start(ap, fmt);
    diag_vadd(d, file, line, col, "warning: ", fmt, ap);
    va_end(ap);
}

const char *diag_text(const pt_diag *d)
{
    return d->text.data ? d->text.data : "";
}
