/* keyfile.c - see keyfile.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "keyfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buf.h"
#include "../common/jsonesc.h"

int bench_keys_load(bench_keys *k, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    pt_buf b;
    size_t cap = 0, *off = NULL, lineno = 0;
    char *line = NULL, msg[128];
    ssize_t n;
    int r = 0;

    memset(k, 0, sizeof(*k));
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    pt_buf_init(&b);
    while (r == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n < 2 || line[0] != '"' || line[n - 1] != '"') {
            snprintf(err, errlen, "%s:%zu: not a JSON string", path, lineno);
            r = -1;
            break;
        }
        if (k->n % 1024 == 0) {
            size_t *o = realloc(off, (k->n + 1024) * sizeof(*o));
            size_t *l = o ? realloc(k->len, (k->n + 1024) * sizeof(*l)) : NULL;
            if (o)
                off = o;
            if (!o || !l) {
                snprintf(err, errlen, "out of memory");
                r = -1;
                break;
            }
            k->len = l;
        }
        off[k->n] = b.len;
        if (json_unescape(&b, line + 1, (size_t)n - 2, msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "%s:%zu: %s", path, lineno, msg);
            r = -1;
            break;
        }
        k->len[k->n] = b.len - off[k->n];
        k->n++;
    }
    free(line);
    fclose(f);
    if (r == 0 && !(k->key = malloc((k->n ? k->n : 1) * sizeof(*k->key)))) {
        snprintf(err, errlen, "out of memory");
        r = -1;
    }
    for (size_t i = 0; r == 0 && i < k->n; i++)
        k->key[i] = b.data + off[i];
    free(off);
    k->bytes = b.data; /* the pointers stay valid: the buffer no longer grows */
    if (r < 0)
        bench_keys_free(k);
    return r;
}

void bench_keys_free(bench_keys *k)
{
    free(k->key);
    free(k->len);
    free(k->bytes);
    memset(k, 0, sizeof(*k));
}
