/* paths_posix.c - paths.h on Linux and other POSIX systems. */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

void pt_default_socket(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (xdg && *xdg)
        snprintf(out, outlen, "%s/ptingestd.sock", xdg);
    else
        snprintf(out, outlen, "/tmp/ptingestd-%u.sock", (unsigned)getuid());
}

void pt_binary_stdio(void)
{
    /* POSIX stdio never translates line ends */
}

int pt_disk_free(const char *path, uint64_t *bytes)
{
    struct statvfs st;

    if (statvfs(path, &st) < 0)
        return -errno;
    *bytes = (uint64_t)st.f_bavail * st.f_frsize;
    return 0;
}

int pt_is_absolute_path(const char *path)
{
    return path[0] == '/';
}

int pt_is_path_sep(char c)
{
    return c == '/';
}
