/* readfile_posix.c - readfile.h on Linux and other POSIX systems. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *pt_file_kind(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFIFO: return "a FIFO";
    case S_IFDIR: return "a directory";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    default: return "not a regular file";
    }
}

static void say(char *why, size_t whylen, const char *name, const char *what, const char *reason)
{
    if (name)
        snprintf(why, whylen, "%s %s: %s", what, name, reason);
    else
        snprintf(why, whylen, "%s: %s", what, reason);
}

int pt_read_regular_file(const char *path, const char *name, size_t max_bytes, pt_buf *b,
                         char *why, size_t whylen)
{
    char chunk[65536];
    struct stat st;
    size_t total = 0;
    ssize_t n;
    int fd, r = 0;

    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
     * writer; O_NOCTTY: a terminal named here must not become ours. */
    do
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        r = -errno;
        say(why, whylen, name, "cannot open", strerror(-r));
        return r;
    }
    if (fstat(fd, &st) < 0) {
        r = -errno;
        say(why, whylen, name, "cannot read", strerror(-r));
    } else if (!S_ISREG(st.st_mode)) {
        if (name)
            snprintf(why, whylen, "%s is %s, not a regular file", name, pt_file_kind(st.st_mode));
        else
            snprintf(why, whylen, "%s, not a regular file", pt_file_kind(st.st_mode));
        r = -EINVAL;
    }
    while (r == 0) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            say(why, whylen, name, "cannot read", strerror(-r));
        } else if (n == 0) {
            break;
        } else if ((size_t)n > max_bytes - total) {
            if (name)
                snprintf(why, whylen, "%s is larger than %zu bytes", name, max_bytes);
            else
                snprintf(why, whylen, "larger than %zu bytes", max_bytes);
            r = -EFBIG;
        } else if ((r = pt_buf_append(b, chunk, (size_t)n)) == 0) {
            total += (size_t)n;
        }
    }
    close(fd);
    return r;
}
