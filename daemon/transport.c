/* transport.c - the listening endpoint: a Unix socket, or on Windows a
 * named pipe; libuv's uv_pipe_t serves both. Loop thread.
 *
 * Besides service/, this is the only file with platform #ifdefs: Unix
 * sockets leave a file behind that a dead daemon never removes, and under
 * systemd the socket may be handed to us already listening (socket
 * activation, ptingestd.socket), so clients can connect before we start.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#include "../common/log.h"

#ifdef _WIN32
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#endif

#ifndef _WIN32
/* A socket file whose owner no longer accepts is stale and may be
 * replaced; one that accepts belongs to a live daemon. */
static int check_stale(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd, r;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s: exists and is not a socket; refusing to replace it", path);
        return -EEXIST;
    }
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: socket path too long (max %zu bytes)", path,
                 sizeof(sa.sun_path) - 1);
        return -ENAMETOOLONG;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -errno;
    r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    close(fd);
    if (r == 0) {
        snprintf(err, errlen, "%s: another ptingestd is listening on this socket", path);
        return -EADDRINUSE;
    }
    log_info("%s: removing a stale socket left by a daemon that is gone", path);
    if (unlink(path) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot remove stale socket: %s", path, strerror(errno));
        return -errno;
    }
    return 0;
}
#endif

#ifdef _WIN32
/* A named pipe gets a default DACL that lets Everyone read (FACTS.md), and
 * libuv creates its instances that way; uv_pipe_chmod can only widen it.
 * So the DACL is built here and set on the instances' handles: protected
 * (nothing inherited), full access for SYSTEM, Administrators and our own
 * account (which must keep creating instances), read/write for each name
 * in listen.allow. */
static int append_sid(char **sddl, size_t *len, const char *ace, PSID sid)
{
    char *str = NULL, *p;
    size_t n;

    if (!ConvertSidToStringSidA(sid, &str))
        return -EINVAL;
    n = *len + strlen(ace) + strlen(str) + 4;
    if (!(p = realloc(*sddl, n))) {
        LocalFree(str);
        return -ENOMEM;
    }
    *len += (size_t)sprintf(p + *len, "(%s%s)", ace, str);
    *sddl = p;
    LocalFree(str);
    return 0;
}

static int build_sd(pt_daemon *d, char *err, size_t errlen)
{
    char *sddl = strdup("D:P(A;;GA;;;SY)(A;;GA;;;BA)"), *list = NULL, *name, *save = NULL;
    size_t len = sddl ? strlen(sddl) : 0;
    union { TOKEN_USER tu; char buf[256]; } me;
    HANDLE tok;
    DWORD n;
    int r = -ENOMEM;

    if (!sddl)
        goto out;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        r = -EACCES;
        snprintf(err, errlen, "pipe security: cannot read our own account (%lu)",
                 (unsigned long)GetLastError());
        goto out;
    }
    r = GetTokenInformation(tok, TokenUser, &me, sizeof(me), &n) ? 0 : -EIO;
    CloseHandle(tok);
    if (r < 0 || (r = append_sid(&sddl, &len, "A;;GA;;;", me.tu.User.Sid)) < 0) {
        snprintf(err, errlen, "pipe security: cannot read our own account");
        goto out;
    }
    if (d->cfg.listen_allow && !(list = strdup(d->cfg.listen_allow))) {
        r = -ENOMEM;
        goto out;
    }
    for (name = list ? strtok_r(list, ",", &save) : NULL; name;
         name = strtok_r(NULL, ",", &save)) {
        union { SID sid; char buf[SECURITY_MAX_SID_SIZE]; } sid;
        char dom[256];
        DWORD sidlen = sizeof(sid), domlen = sizeof(dom);
        SID_NAME_USE use;

        while (*name == ' ')
            name++;
        if (!*name)
            continue;
        if (!LookupAccountNameA(NULL, name, &sid, &sidlen, dom, &domlen, &use)) {
            r = -ENOENT;
            snprintf(err, errlen, "listen.allow: no account or group \"%s\" (%lu)", name,
                     (unsigned long)GetLastError());
            goto out;
        }
        if ((r = append_sid(&sddl, &len, "A;;GRGW;;;", &sid)) < 0)
            goto out;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1,
                                                              &d->listen_sd, NULL)) {
        r = -EINVAL;
        snprintf(err, errlen, "pipe security: bad descriptor %s (%lu)", sddl,
                 (unsigned long)GetLastError());
        goto out;
    }
    log_debug("pipe security descriptor: %s", sddl);
    r = 0;
out:
    free(sddl);
    free(list);
    return r;
}

/* Set our DACL on every instance libuv has waiting for a client. All
 * instances of one pipe share one descriptor, so this is a check as much
 * as a change; it runs again after each accept, when libuv has made a new
 * instance, so no instance ever serves with the default DACL. */
static int secure_instances(pt_daemon *d)
{
    PACL dacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    int i;

    if (!GetSecurityDescriptorDacl(d->listen_sd, &present, &dacl, &defaulted) || !present)
        return -EINVAL;
    for (i = 0; i < d->listener.pipe.serv.pending_instances; i++) {
        HANDLE h = d->listener.pipe.serv.accept_reqs[i].pipeHandle;
        DWORD e;

        if (h == INVALID_HANDLE_VALUE || !h)
            continue;
        e = SetSecurityInfo(h, SE_KERNEL_OBJECT,
                            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                            NULL, NULL, dacl, NULL);
        if (e != ERROR_SUCCESS) {
            log_error("%s: cannot set the pipe's access list (error %lu)", d->listen_path,
                      (unsigned long)e);
            return -EACCES;
        }
    }
    return 0;
}
#endif

static void on_connection(uv_stream_t *server, int status)
{
    pt_daemon *d = server->data;

    if (status < 0) {
        log_warn("accept failed: %s", uv_strerror(status));
        return;
    }
    conn_accept(d);
#ifdef _WIN32
    /* an instance we cannot secure must not serve: stop listening */
    if (secure_instances(d) < 0) {
        log_error("%s: closing the pipe rather than serving it unprotected", d->listen_path);
        uv_close((uv_handle_t *)&d->listener, NULL);
        d->listening = 0;
    }
#endif
}

/* Bind listen.path ourselves. */
static int listen_path(pt_daemon *d, char *err, size_t errlen)
{
    int r;

    if (d->cfg.listen_path && *d->cfg.listen_path)
        snprintf(d->listen_path, sizeof(d->listen_path), "%s", d->cfg.listen_path);
    else
        config_default_socket(d->listen_path, sizeof(d->listen_path));
#ifndef _WIN32
    if ((r = check_stale(d->listen_path, err, errlen)) < 0) {
        if (!*err)
            snprintf(err, errlen, "%s: %s", d->listen_path, strerror(-r));
        return r;
    }
#endif
    if ((r = uv_pipe_init(d->loop, &d->listener, 0)) < 0)
        goto fail;
    d->listener.data = d;
    d->listening = 1;
    if ((r = uv_pipe_bind(&d->listener, d->listen_path)) < 0)
        goto fail;
#ifndef _WIN32
    /* chmod before listen: no client can connect while the mode is wrong. */
    if (chmod(d->listen_path, d->cfg.listen_mode) < 0) {
        r = -errno;
        goto fail;
    }
#else
    /* Before listen, as with chmod: no client connects while unprotected. */
    if ((r = build_sd(d, err, errlen)) < 0)
        return r;
    if ((r = secure_instances(d)) < 0) {
        snprintf(err, errlen, "%s: cannot restrict the pipe's access list", d->listen_path);
        return r;
    }
#endif
    if ((r = uv_listen((uv_stream_t *)&d->listener, 128, on_connection)) < 0)
        goto fail;
    log_info("listening on %s", d->listen_path);
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot listen: %s", d->listen_path, uv_strerror(r));
    return r;
}

#ifndef _WIN32
#define LISTEN_FDS_START 3

/* sd_listen_fds(3)'s protocol, without libsystemd: $LISTEN_PID is us and
 * $LISTEN_FDS sockets start at fd 3. Returns the fd, 0 when nothing was
 * passed to us, <0 (err set) when what was passed is not usable. The
 * variables are left set: unsetenv is not safe once the writer thread
 * runs, and we never start another program that could inherit them. */
static int activated_fd(char *path, size_t pathlen, char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    struct sockaddr_un sa;
    socklen_t salen = sizeof(sa), optlen = sizeof(int);
    int type = 0, acc = 0;
    char *end;
    long n;

    if (!pid || !fds || strtol(pid, &end, 10) != (long)getpid() || *end)
        return 0;
    n = strtol(fds, &end, 10);
    if (*end || n < 0) {
        snprintf(err, errlen, "socket activation: bad LISTEN_FDS \"%s\"", fds);
        return -EINVAL;
    }
    if (n == 0)
        return 0;
    if (n != 1) {
        snprintf(err, errlen, "socket activation passed %ld sockets; ptingestd listens on "
                              "exactly one (one ListenStream= in ptingestd.socket)", n);
        return -EINVAL;
    }
    memset(&sa, 0, sizeof(sa));
    if (getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0 ||
        getsockopt(LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &acc, &optlen) < 0 ||
        getsockname(LISTEN_FDS_START, (struct sockaddr *)&sa, &salen) < 0 ||
        sa.sun_family != AF_UNIX || type != SOCK_STREAM || !acc) {
        snprintf(err, errlen, "socket activation: fd %d is not a listening Unix stream "
                              "socket (ListenStream=/path in ptingestd.socket)", LISTEN_FDS_START);
        return -EINVAL;
    }
    /* an abstract or unnamed socket has no file: name it by its fd */
    if (salen <= offsetof(struct sockaddr_un, sun_path) || !sa.sun_path[0])
        snprintf(path, pathlen, "(fd %d)", LISTEN_FDS_START);
    else
        snprintf(path, pathlen, "%.*s", (int)(salen - offsetof(struct sockaddr_un, sun_path)),
                 sa.sun_path);
    (void)fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
    return LISTEN_FDS_START;
}

/* Serve the socket the supervisor made: its path, mode and owner are the
 * socket unit's business, and so is removing it. */
static int listen_activated(pt_daemon *d, int fd, const char *path, char *err, size_t errlen)
{
    int r;

    if (d->cfg.listen_path && *d->cfg.listen_path && strcmp(d->cfg.listen_path, path) != 0)
        log_warn("socket activation: serving %s, not listen.path %s; clients must use %s",
                 path, d->cfg.listen_path, path);
    snprintf(d->listen_path, sizeof(d->listen_path), "%s", path);
    if ((r = uv_pipe_init(d->loop, &d->listener, 0)) < 0)
        goto fail;
    d->listener.data = d;
    d->listening = 1;
    d->listen_activated = 1;
    if ((r = uv_pipe_open(&d->listener, fd)) < 0)
        goto fail;
    if ((r = uv_listen((uv_stream_t *)&d->listener, 128, on_connection)) < 0)
        goto fail;
    log_info("listening on %s (socket activation)", d->listen_path);
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot listen on the activated socket: %s", path, uv_strerror(r));
    return r;
}
#endif

int transport_listen(pt_daemon *d, char *err, size_t errlen)
{
#ifndef _WIN32
    char path[sizeof(d->listen_path)];
    int fd = activated_fd(path, sizeof(path), err, errlen);

    if (fd < 0)
        return fd;
    if (fd > 0)
        return listen_activated(d, fd, path, err, errlen);
#endif
    return listen_path(d, err, errlen);
}

void transport_close(pt_daemon *d)
{
    if (!d->listening)
        return;
    d->listening = 0;
    if (!uv_is_closing((uv_handle_t *)&d->listener))
        uv_close((uv_handle_t *)&d->listener, NULL);
#ifndef _WIN32
    if (!d->listen_activated)
        unlink(d->listen_path);
#else
    if (d->listen_sd)
        LocalFree(d->listen_sd);
    d->listen_sd = NULL;
#endif
}
