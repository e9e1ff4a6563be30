/* store_fixture.h - a real RocksDB in a fresh temporary directory, for the
 * unit tests of the modules that sit on the store. */
#ifndef PT_STORE_FIXTURE_H
#define PT_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "daemon/store.h"

/* Opens the five default relations in a new directory (dir is filled,
 * at least 64 bytes). NULL when it cannot. */
static inline store *fixture_store(char *dir, size_t dirlen)
{
    store *s = NULL;
    pt_config c;
    pt_diag d;

    snprintf(dir, dirlen, "/tmp/pt-unit-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    config_init_defaults(&c);
    config_set_string(&c.data_dir, dir);
    diag_init(&d);
    if (store_open(&s, &c, &d) < 0)
        fprintf(stderr, "%s", diag_text(&d));
    diag_free(&d);
    config_free(&c);
    return s;
}

/* Close and remove the directory. */
static inline void fixture_close(store *s, const char *dir)
{
    char cmd[256];

    store_close(s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* Put one row of relation rel and write it. */
static inline void fixture_put(store *s, size_t rel, const char *key, const char *val)
{
    store_batch *b = store_batch_new();
    char err[256];

    store_batch_put(s, b, rel, key, strlen(key), val, strlen(val));
    CHECK_EQ_INT(store_write(s, b, 0, err, sizeof(err)), 0);
    store_batch_free(b);
}

#endif
