/* fuzz_config.h - the config tests' fuzz driver, shared by test_config.c
 * (YAML) and test_options_ini.c (OPTIONS INI).
 *
 * A loader fed the seed, every truncation of it, random mutations (bytes
 * replaced, half of them with the format's own punctuation, or pieces cut
 * out) and random text must end in 0 or -EINVAL, with its status and its
 * diagnostics agreeing. Anything else, or a sanitizer report, fails. */
#ifndef PT_TEST_FUZZ_CONFIG_H
#define PT_TEST_FUZZ_CONFIG_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/diag.h"

typedef int (*fuzz_loader)(pt_config *c, const char *name, const char *text, size_t len,
                           pt_diag *d);

typedef struct fuzz_plan {
    fuzz_loader load;
    int (*lint)(const pt_config *c, pt_diag *d); /* after a good load, or NULL */
    const char *seed;
    size_t seed_len;
    const char *punct;   /* the format's own punctuation */
    size_t npunct;
    int mutations;
    int randoms;
    size_t random_max;
    uint64_t rng;
} fuzz_plan;

static uint64_t fuzz_next(fuzz_plan *p)
{
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

/* 1 when text loads to 0 or -EINVAL and status and diagnostics agree. */
static int fuzz_one(const fuzz_plan *p, const char *text, size_t len)
{
    pt_config c;
    pt_diag d;
    int r;

    if (config_init_defaults(&c) != 0)
        return 0;
    diag_init(&d);
    r = p->load(&c, "fuzz", text, len, &d);
    if ((r == 0) != (d.errors == 0))
        r = -12345; /* status and diagnostics disagree */
    if (r == 0 && p->lint)
        p->lint(&c, &d);
    config_free(&c);
    diag_free(&d);
    return r == 0 || r == -EINVAL;
}

/* How many inputs broke the rule; -1 when the seed itself fails. */
static int fuzz_run(fuzz_plan *p)
{
    size_t len = p->seed_len, cap = len > p->random_max ? len : p->random_max;
    char *buf = malloc(cap + 1);
    int bad = 0;

    if (!buf || !fuzz_one(p, p->seed, len)) {
        free(buf);
        return -1;
    }
    for (size_t n = 0; n <= len; n++) {
        memcpy(buf, p->seed, n);
        bad += !fuzz_one(p, buf, n);
    }
    for (int i = 0; i < p->mutations; i++) {
        size_t at = (size_t)(fuzz_next(p) % len), n = len;
        uint64_t v = fuzz_next(p);

        memcpy(buf, p->seed, len);
        if ((v & 3) == 3 && at + 1 < len) {
            size_t cut = (size_t)((v >> 8) % (len - at));
            memmove(buf + at, buf + at + cut, len - at - cut);
            n = len - cut;
        } else {
            buf[at] = (v & 1) ? (char)(v >> 8) : p->punct[(v >> 8) % p->npunct];
        }
        bad += !fuzz_one(p, buf, n);
    }
    /* random bytes, and random text made of the punctuation */
    for (int i = 0; i < p->randoms; i++) {
        size_t n = (size_t)(fuzz_next(p) % p->random_max);

        for (size_t j = 0; j < n; j++) {
            uint64_t v = fuzz_next(p);
            buf[j] = (i & 1) ? (char)v : p->punct[v % p->npunct];
        }
        bad += !fuzz_one(p, buf, n);
    }
    free(buf);
    return bad;
}

#endif
