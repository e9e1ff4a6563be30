/* transport_posix.c - Unix socket transport for libptingest.
 *
 * Whoever listens on a socket path gets what is sent to it. In a
 * directory others can write to (/tmp), another local user can be first
 * and act as the daemon; so before anything is sent the server's
 * credentials, which the kernel recorded when it began listening, are
 * checked (ptt_connect in transport.h).
 */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The packages' system user (packaging/systemd/ptingestd.sysusers). */
#define DEFAULT_DAEMON_USER "ptingestd"

static const char *user_name(uid_t uid, char *buf, size_t len)
{
    struct passwd pw, *res = NULL;

    if (getpwuid_r(uid, &pw, buf, len, &res) || !res)
        return "no such user";
    return res->pw_name;
}

/* The daemon's user as a uid: 1, or 0 when the default does not exist
 * here (then only we and root qualify), or -ENOENT (err set) when a
 * user that was asked for does not. */
static int daemon_uid(const char *name, uid_t *uid, char *err, size_t errlen)
{
    struct passwd pw, *res = NULL;
    char buf[1024], *end;
    int dflt = !name || !*name;
    unsigned long id;

    if (dflt)
        name = DEFAULT_DAEMON_USER;
    id = strtoul(name, &end, 10);
    if (*name >= '0' && *name <= '9' && !*end) {
        *uid = (uid_t)id;
        return 1;
    }
    if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res) {
        *uid = res->pw_uid;
        return 1;
    }
    if (dflt)
        return 0;
    snprintf(err, errlen, "the daemon's user \"%s\" (--daemon-user or PTINGEST_DAEMON_USER) "
                          "does not exist", name);
    return -ENOENT;
}

static int check_server(int fd, const char *path, const char *daemon_user, char *err,
                        size_t errlen)
{
    struct ucred uc;
    socklen_t len = sizeof(uc);
    char buf[1024];
    uid_t du = 0;
    int r;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: cannot read the server's credentials: %s", path,
                 strerror(-r));
        return r;
    }
    if (uc.uid == 0 || uc.uid == getuid() || uc.uid == geteuid())
        return 0;
    if ((r = daemon_uid(daemon_user, &du, err, errlen)) < 0)
        return r;
    if (r && uc.uid == du)
        return 0;
    snprintf(err, errlen,
             "refusing the server at %s: it runs as uid %lu (%s, pid %ld), not as you, root "
             "or the daemon's user %s; nothing was sent (a daemon of another user: "
             "--daemon-user or PTINGEST_DAEMON_USER)",
             path, (unsigned long)uc.uid, user_name(uc.uid, buf, sizeof(buf)), (long)uc.pid,
             daemon_user && *daemon_user ? daemon_user : DEFAULT_DAEMON_USER);
    return -EPERM;
}

int ptt_connect(ptt *t, const char *path, const char *daemon_user, char *err, size_t errlen)
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
    if ((r = check_server(fd, path, daemon_user, err, errlen)) < 0) {
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
