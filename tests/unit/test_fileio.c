/* RocksDB's file creates and closes are timed (daemon/store_fileio.cpp):
 * a real database, with close() of SST files made slow by this test the
 * way a real-time scanner makes it slow, must show the delay in the close
 * histogram, and creates must be counted.
 *
 * The slow close: this executable defines close(); the dynamic linker
 * binds librocksdb's calls to it (an executable's symbols come first),
 * and it hands every call on to the C library's. */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "daemon/store.h"

#define SLOW_MS 40

static atomic_int slow_ms;
static atomic_int slowed;

int close(int fd)
{
    static int (*real_close)(int);
    int ms = atomic_load(&slow_ms);

    if (!real_close)
        real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    if (ms > 0) {
        char link[64], path[512];
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof(path) - 1);
        if (n > 4 && memcmp(path + n - 4, ".sst", 4) == 0) {
            usleep((useconds_t)ms * 1000);
            atomic_fetch_add(&slowed, 1);
        }
    }
    return real_close(fd);
}

static char dir[64];

static store *open_small(pt_config *cfg)
{
    pt_diag d;
    store *s = NULL;

    snprintf(dir, sizeof(dir), "/tmp/pt-fileio-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    CHECK_EQ_INT(config_init_defaults(cfg), 0);
    CHECK_EQ_INT(config_set_string(&cfg->data_dir, dir), 0);
    /* small memtables: a few hundred kilobytes make several SST files */
    CHECK_EQ_INT(optlist_set(&cfg->cf_options, "write_buffer_size", "65536", NULL, 0, 0), 0);
    diag_init(&d);
    if (store_open(&s, cfg, &d) < 0)
        fprintf(stderr, "store_open: %s\n", diag_text(&d));
    diag_free(&d);
    return s;
}

static void fill(store *s, int rows)
{
    char key[32], val[512], err[200];

    memset(val, 'v', sizeof(val));
    for (int i = 0; i < rows; i += 50) {
        store_batch *b = store_batch_new();

        for (int j = i; j < i + 50; j++) {
            int n = snprintf(key, sizeof(key), "key-%08d", j);
            store_batch_put(s, b, 0, key, (size_t)n, val, sizeof(val));
        }
        CHECK_EQ_INT(store_write(s, b, 0, err, sizeof(err)), 0);
        store_batch_free(b);
    }
}

TEST(slow_sst_closes_show_in_the_close_histogram)
{
    pt_config cfg;
    store *s = open_small(&cfg);
    lathist_snap fc, fx;
    char cmd[128];

    CHECK(s != NULL);
    if (!s)
        return;
    store_file_latency(s, &fc, &fx);
    CHECK(fc.count >= 1); /* opening made the WAL, MANIFEST and OPTIONS */
    CHECK(fx.max_us < SLOW_MS * 1000);
    atomic_store(&slow_ms, SLOW_MS);
    fill(s, 3000); /* ~1.6 MB: flushes write SST files in the background */
    /* wait (bounded) until flushes have closed some SST files */
    for (int i = 0; i < 300 && atomic_load(&slowed) < 2; i++)
        usleep(100 * 1000);
    CHECK(atomic_load(&slowed) >= 2);
    store_file_latency(s, &fc, &fx);
    CHECK(fx.count >= (uint64_t)atomic_load(&slowed));
    CHECK(fx.max_us >= SLOW_MS * 1000);
    CHECK(lathist_quantile_us(&fx, 1.0) >= SLOW_MS * 1000);
    /* every SST file was created before it was closed */
    CHECK(fc.count >= (uint64_t)atomic_load(&slowed));
    store_close(s);
    atomic_store(&slow_ms, 0);
    config_free(&cfg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    RUN(slow_sst_closes_show_in_the_close_histogram);
    return CHECK_DONE();
}
