/* transport.c - the listening endpoint: a Unix socket, or on Windows a
 * named pipe; libuv's uv_pipe_t serves both. Loop thread.
 *
 * Besides service/, this is the only file with platform #ifdefs: Unix
 * sockets leave a file behind that a dead daemon never removes.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#include "../common/log.h"

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

static void on_connection(uv_stream_t *server, int status)
{
    pt_daemon *d = server->data;

    if (status < 0) {
        log_warn("accept failed: %s", uv_strerror(status));
        return;
    }
    conn_accept(d);
}

int transport_listen(pt_daemon *d, char *err, size_t errlen)
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
#endif
    if ((r = uv_listen((uv_stream_t *)&d->listener, 128, on_connection)) < 0)
        goto fail;
    log_info("listening on %s", d->listen_path);
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot listen: %s", d->listen_path, uv_strerror(r));
    return r;
}

void transport_close(pt_daemon *d)
{
    if (!d->listening)
        return;
    d->listening = 0;
    if (!uv_is_closing((uv_handle_t *)&d->listener))
        uv_close((uv_handle_t *)&d->listener, NULL);
#ifndef _WIN32
    unlink(d->listen_path);
#endif
}
