/* readfile_win.c - readfile.h on Windows. Opening a file never waits
 * there, and a named pipe or a device opened as a file is not _S_IFREG. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *pt_file_kind(unsigned mode)
{
    switch (mode & _S_IFMT) {
    case _S_IFIFO: return "a pipe";
    case _S_IFDIR: return "a directory";
    case _S_IFCHR: return "a character device";
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
    struct _stat64 st;
    size_t total = 0;
    int fd, n, r = 0;

    fd = _open(path, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    if (fd < 0) {
        r = -errno;
        say(why, whylen, name, "cannot open", strerror(-r));
        return r;
    }
    if (_fstat64(fd, &st) < 0) {
        r = -errno;
        say(why, whylen, name, "cannot read", strerror(-r));
    } else if ((st.st_mode & _S_IFMT) != _S_IFREG) {
        if (name)
            snprintf(why, whylen, "%s is %s, not a regular file", name, pt_file_kind(st.st_mode));
        else
            snprintf(why, whylen, "%s, not a regular file", pt_file_kind(st.st_mode));
        r = -EINVAL;
    }
    while (r == 0) {
        n = _read(fd, chunk, sizeof chunk);
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
    _close(fd);
    return r;
}
