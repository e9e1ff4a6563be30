/* keyfile.h - the keys a read benchmark asks for: a file of one JSON
 * string a line (as `ptingest get --keys` reads), unescaped, so that the
 * direct program and the libptingest one ask for exactly the same bytes.
 */
#ifndef PT_BENCH_KEYFILE_H
#define PT_BENCH_KEYFILE_H

#include <stddef.h>

typedef struct bench_keys {
    size_t n;
    const char **key;
    size_t *len;
    char *bytes;   /* private */
} bench_keys;

/* 0, or -1 with a message in err. */
int bench_keys_load(bench_keys *k, const char *path, char *err, size_t errlen);
void bench_keys_free(bench_keys *k);

#endif
