/* keys_man_tool.c - keeps the key list of docs/ptingestd.yaml.5 equal to
 * the keys table (config/keys.c), so the manual cannot drift from it.
 *
 *   keys_man                  print the list (roff)
 *   keys_man --check PAGE     exit 1, saying how to fix it, when PAGE's
 *                             list differs from the table (unit.man)
 *   keys_man --update PAGE    rewrite PAGE's list (ninja update-man)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

static int read_page(const char *path, pt_buf *b)
{
    char chunk[8192];
    FILE *f = fopen(path, "rb");
    size_t n;
    int r = 0;

    if (!f) {
        perror(path);
        return -1;
    }
    while (r == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        r = pt_buf_append(b, chunk, n);
    if (ferror(f))
        r = -1;
    fclose(f);
    return r;
}

static int write_page(const char *path, const pt_buf *b)
{
    FILE *f = fopen(path, "wb");
    int r = 0;

    if (!f || fwrite(b->data, 1, b->len, f) != b->len)
        r = -1;
    if (f && fclose(f) != 0)
        r = -1;
    if (r < 0)
        perror(path);
    return r;
}

int main(int argc, char **argv)
{
    pt_buf page, fresh;
    int rc = 2;

    pt_buf_init(&page);
    pt_buf_init(&fresh);
    if (argc == 1) {
        rc = keys_man(&fresh) == 0 && fwrite(fresh.data, 1, fresh.len, stdout) == fresh.len
                 ? 0 : 1;
    } else if (argc == 3 && (strcmp(argv[1], "--check") == 0 ||
                             strcmp(argv[1], "--update") == 0)) {
        if (read_page(argv[2], &page) < 0 ||
            keys_man_splice(page.data ? page.data : "", page.len, &fresh) < 0) {
            fprintf(stderr, "%s: cannot read the key list (markers missing?)\n", argv[2]);
            rc = 1;
        } else if (argv[1][2] == 'u') {
            rc = write_page(argv[2], &fresh) < 0;
        } else if (fresh.len == page.len && memcmp(fresh.data, page.data, page.len) == 0) {
            rc = 0;
        } else {
            fprintf(stderr, "%s: the key list differs from config/keys.c; "
                            "run `ninja -C build update-man` and commit the page\n",
                    argv[2]);
            rc = 1;
        }
    } else {
        fprintf(stderr, "usage: keys_man [--check|--update PAGE]\n");
    }
    pt_buf_free(&page);
    pt_buf_free(&fresh);
    return rc;
}
