/* notify.c - systemd's readiness protocol without linking libsystemd:
 * one datagram to $NOTIFY_SOCKET per state change (sd_notify(3) wire
 * format). Abstract-namespace sockets start with '@'.
 *
 * Why not libsystemd's sd_notify: this is the whole of what we use of it,
 * the wire format is a documented stable interface, and the daemon then
 * needs no libsystemd0 at run time (nor a second code path that only some
 * builds test). The same goes for sd_listen_fds (daemon/transport.c) and
 * $JOURNAL_STREAM below. */
#include "service.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

void supervisor_notify(const char *state)
{
#ifndef _WIN32
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    size_t n;
    socklen_t salen;
    int fd;

    if (!path || !*path)
        return;
    n = strlen(path);
    if (n >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    (void)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    close(fd);
#else
    (void)state;
#endif
}

int service_stderr_is_journal(void)
{
#ifndef _WIN32
    /* systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it
     * connected; stderr may since have been redirected elsewhere. */
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (!v || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
#else
    return 0;
#endif
}
