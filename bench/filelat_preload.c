/* filelat_preload.c - an LD_PRELOAD shim that makes new files slow, as a
 * real-time antivirus scanner does on Windows: every file created under
 * $FILELAT_DIR (RocksDB's SSTs, WAL, MANIFEST, OPTIONS; a bulk job's stage
 * and SST files) waits $FILELAT_MS milliseconds (default 300) when it is
 * created and again when it is closed. For bench/filelat.sh only: built as
 * a module of bench/, never linked into the daemon nor installed.
 *
 *   LD_PRELOAD=build/bench/libfilelat.so FILELAT_DIR=/data FILELAT_MS=300 cmd
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 65536

static atomic_uchar slow_fd[MAX_FD]; /* fds of files created under the dir */

static unsigned delay_ms(void)
{
    const char *v = getenv("FILELAT_MS");

    return v ? (unsigned)strtoul(v, NULL, 10) : 300;
}

static int watched(const char *path, int dirfd)
{
    const char *dir = getenv("FILELAT_DIR");
    char cwd[4096];

    if (!dir || !*dir || !path)
        return 0;
    if (path[0] == '/')
        return strncmp(path, dir, strlen(dir)) == 0;
    /* relative: RocksDB opens absolute paths; a relative one is checked
     * against the working directory when it is not relative to a dirfd */
    if (dirfd != AT_FDCWD || !getcwd(cwd, sizeof(cwd)))
        return 0;
    return strncmp(cwd, dir, strlen(dir)) == 0;
}

static void pause_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Only a file that did not exist is new: RocksDB also reopens existing
 * files with O_CREAT (an ingested file, to sync it), which a scanner that
 * checks new files does not hold. */
static int is_new(const char *path, int dirfd, int flags)
{
    return (flags & O_CREAT) && faccessat(dirfd, path, F_OK, 0) != 0;
}

static int after_open(int fd, const char *path, int dirfd, int created)
{
    if (fd >= 0 && fd < MAX_FD && created && watched(path, dirfd)) {
        pause_ms(delay_ms());
        atomic_store(&slow_fd[fd], 1);
    }
    return fd;
}

typedef int (*openat_fn)(int, const char *, int, ...);

/* Every open goes through the real openat of its kind: open(path, ...) is
 * openat(AT_FDCWD, path, ...), as glibc implements it. */
static int slow_open(const char *sym, int dirfd, const char *path, int flags, mode_t mode)
{
    static openat_fn real[2];
    int k = strcmp(sym, "openat64") == 0, created = is_new(path, dirfd, flags);

    if (!real[k])
        real[k] = (openat_fn)dlsym(RTLD_NEXT, sym);
    return after_open(real[k](dirfd, path, flags, mode), path, dirfd, created);
}

/* The mode argument is there only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, mode)                                                           \
    do {                                                                                 \
        if ((flags) & (O_CREAT | O_TMPFILE)) {                                           \
            va_list ap;                                                                  \
            va_start(ap, flags);                                                         \
            (mode) = va_arg(ap, mode_t);                                                 \
            va_end(ap);                                                                  \
        }                                                                                \
    } while (0)

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    return slow_open("openat", AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    return slow_open("openat64", AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    return slow_open("openat", dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    return slow_open("openat64", dirfd, path, flags, mode);
}

int close(int fd)
{
    static int (*real)(int);
    int r, slow = fd >= 0 && fd < MAX_FD && atomic_exchange(&slow_fd[fd], 0);

    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "close");
    r = real(fd);
    if (slow) /* the scanner reads the file on close and holds it meanwhile */
        pause_ms(delay_ms());
    return r;
}
