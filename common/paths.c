#include "paths.h"

#include <stdio.h>
#include <stdlib.h>

#include <errno.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <sys/statvfs.h>
#include <unistd.h>
#endif

void pt_default_socket(char *out, size_t outlen)
{
#ifdef _WIN32
    snprintf(out, outlen, "\\\\.\\pipe\\ptingestd");
#else
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (xdg && *xdg)
        snprintf(out, outlen, "%s/ptingestd.sock", xdg);
    else
        snprintf(out, outlen, "/tmp/ptingestd-%u.sock", (unsigned)getuid());
#endif
}

void pt_binary_stdio(void)
{
#ifdef _WIN32
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
#endif
}

int pt_disk_free(const char *path, uint64_t *bytes)
{
#ifdef _WIN32
    ULARGE_INTEGER avail;

    if (!GetDiskFreeSpaceExA(path, &avail, NULL, NULL))
        return -EIO;
    *bytes = avail.QuadPart;
#else
    struct statvfs st;

    if (statvfs(path, &st) < 0)
        return -errno;
    *bytes = (uint64_t)st.f_bavail * st.f_frsize;
#endif
    return 0;
}

int pt_is_path_sep(char c)
{
#ifdef _WIN32
    return c == '/' || c == '\\';
#else
    return c == '/';
#endif
}
