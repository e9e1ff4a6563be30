/* notify.c - systemd's readiness protocol without linking libsystemd:
 * one datagram to $NOTIFY_SOCKET per state change (sd_notify(3) wire
 * format). Abstract-namespace sockets start with '@'. POSIX only.
 *
 * Why not libsystemd's sd_notify: this is the whole of what we use of it,
 * the wire format is a documented stable interface, and the daemon then
 * needs no libsystemd0 at run time (nor a second code path that only some
 * builds test). The same goes for sd_listen_fds (daemon/listen_unix.c) and
 * $JOURNAL_STREAM below. */
#include "service.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Room for a status line (supervisor.c's are at most 255 bytes). */
#define NOTIFY_MAX 512

static void notify(const char *state)
{
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
}

void supervisor_ready(void)
{
    notify("READY=1");
}

void supervisor_reloading(void)
{
    notify("RELOADING=1");
}

void supervisor_stopping(uint64_t grace_ms)
{
    char msg[80];

    /* systemd must not kill the drain it asked for: its stop timeout is
     * pushed past the grace, plus 10 s to close RocksDB (0 = no limit:
     * nothing to ask). */
    if (grace_ms)
        snprintf(msg, sizeof(msg), "STOPPING=1\nEXTEND_TIMEOUT_USEC=%llu",
                 (unsigned long long)(grace_ms + 10000) * 1000);
    else
        snprintf(msg, sizeof(msg), "STOPPING=1");
    notify(msg);
}

void supervisor_status(const char *text)
{
    char msg[NOTIFY_MAX];

    snprintf(msg, sizeof(msg), "STATUS=%s", text);
    notify(msg);
}

void supervisor_watchdog_ping(void)
{
    notify("WATCHDOG=1");
}

int service_stderr_is_journal(void)
{
    /* systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it
     * connected; stderr may since have been redirected elsewhere. */
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    if (!v || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}
