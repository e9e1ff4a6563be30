/* compat.h - names the C library of one of our targets lacks (mingw-w64's
 * CRT on Windows), defined where missing so the code can use one name
 * everywhere. Feature tests, not platform tests: a library that has the
 * name keeps its own. */
#ifndef PT_COMPAT_H
#define PT_COMPAT_H

#include <errno.h>
#include <fcntl.h>

/* Linux errno values we use as return codes. They never leave the
 * process and are always turned into words by our own code, so any value
 * outside the CRT's range does (mingw's end at 140). */
#ifndef EREMOTEIO
#define EREMOTEIO 200
#endif
#ifndef ESHUTDOWN
#define ESHUTDOWN 201
#endif

/* Windows' CRT never hands descriptors to programs we start (we start
 * none), so there is nothing to close on exec. */
#ifdef PT_NEED_STRNDUP /* set by meson.build when the CRT lacks it */
#include <stdlib.h>
#include <string.h>
static inline char *pt_strndup(const char *s, size_t n)
{
    size_t len = 0;
    char *p;

    while (len < n && s[len])
        len++;
    if ((p = malloc(len + 1))) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}
#define strndup pt_strndup
#endif

/* printf-style checking of our own formatting functions: they end in
 * vsnprintf, which is C99's (mingw's own with __USE_MINGW_ANSI_STDIO,
 * which knows %zu and %llu); plain "printf" would check mingw builds
 * against msvcrt's older rules. */
#if defined(__MINGW32__)
#define PT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define PT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PT_PRINTF(f, a)
#endif

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#endif
