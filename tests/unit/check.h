/* check.h - the unit tests' whole framework.
 *
 * TEST(name) defines a test function; main() lists them with RUN(name).
 * CHECK() records a failure and carries on so one run shows every broken
 * expectation. The executable exits 1 if anything failed, which is what
 * meson reads.
 */
#ifndef PT_CHECK_H
#define PT_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_current_failed;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            check_current_failed = 1;                                        \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long va_ = (long long)(a), vb_ = (long long)(b);                \
        if (va_ != vb_) {                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, va_, vb_);                   \
            check_current_failed = 1;                                        \
        }                                                                    \
    } while (0)

#define CHECK_STREQ(a, b)                                                    \
    do {                                                                     \
        const char *sa_ = (a), *sb_ = (b);                                   \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
                    __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",        \
                    sb_ ? sb_ : "(null)");                                   \
            check_current_failed = 1;                                        \
        }                                                                    \
    } while (0)

#define RUN(name)                                                            \
    do {                                                                     \
        check_current_failed = 0;                                            \
        name();                                                              \
        printf("%s %s\n", check_current_failed ? "FAIL" : "ok  ", #name);    \
        check_failures += check_current_failed;                              \
    } while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
