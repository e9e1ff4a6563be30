/* paths_win.c - paths.h on Windows. */
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <windows.h>

void pt_default_socket(char *out, size_t outlen)
{
    snprintf(out, outlen, "\\\\.\\pipe\\ptingestd");
}

int pt_default_socket_dir(char *err, size_t errlen)
{
    /* a pipe name has no directory; the pipe's access list guards it */
    (void)err;
    (void)errlen;
    return 0;
}

void pt_binary_stdio(void)
{
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
}

int pt_disk_free(const char *path, uint64_t *bytes)
{
    ULARGE_INTEGER avail;

    if (!GetDiskFreeSpaceExA(path, &avail, NULL, NULL))
        return -EIO;
    *bytes = avail.QuadPart;
    return 0;
}

int pt_is_absolute_path(const char *path)
{
    return pt_is_path_sep(path[0]) || (path[0] && path[1] == ':');
}

int pt_is_path_sep(char c)
{
    return c == '/' || c == '\\';
}
