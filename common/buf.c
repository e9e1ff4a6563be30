#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pt_buf_init(pt_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void pt_buf_free(pt_buf *b)
{
    free(b->data);
    pt_buf_init(b);
}

int pt_buf_reserve(pt_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return -ENOMEM;
    need = b->len + extra + 1; /* room for a terminating NUL */
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (!p)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int pt_buf_append(pt_buf *b, const void *p, size_t n)
{
    int r = pt_buf_reserve(b, n);
    if (r < 0)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int pt_buf_append_str(pt_buf *b, const char *s)
{
    return pt_buf_append(b, s, strlen(s));
}

int pt_buf_append_byte(pt_buf *b, char c)
{
    return pt_buf_append(b, &c, 1);
}

int pt_buf_printf(pt_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, r;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    r = pt_buf_reserve(b, (size_t)n);
    if (r < 0)
        return r;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void pt_buf_consume(pt_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

char *pt_buf_steal(pt_buf *b)
{
    char *s;

    if (pt_buf_reserve(b, 0) < 0)
        return NULL;
    b->data[b->len] = '\0';
    s = b->data;
    pt_buf_init(b);
    return s;
}
