#include "paths.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef _WIN32
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
