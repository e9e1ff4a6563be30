/* transport_posix.c - Unix socket transport for libptingest. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ptt_connect(ptt *t, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    int fd, r;

    t->fd = -1;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: socket path too long (max %zu bytes)", path,
                 sizeof(sa.sun_path) - 1);
        return -ENAMETOOLONG;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        r = -errno;
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return r;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot reach ptingestd at %s: %s", path, strerror(errno));
        close(fd);
        return r;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    t->fd = fd;
    return 0;
}

void ptt_close(ptt *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

ssize_t ptt_read(ptt *t, void *buf, size_t len)
{
    ssize_t n;

    do
        n = read(t->fd, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

ssize_t ptt_write(ptt *t, const void *buf, size_t len)
{
    ssize_t n;

    do
        n = send(t->fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return n;
}

int ptt_wait(ptt *t, int want_write, int timeout_ms)
{
    struct pollfd p = {.fd = t->fd, .events = POLLIN | (want_write ? POLLOUT : 0)};
    int r, mask = 0;

    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (p.revents & (POLLIN | POLLHUP | POLLERR))
        mask |= PTT_READABLE;
    if (p.revents & POLLOUT)
        mask |= PTT_WRITABLE;
    return mask;
}
