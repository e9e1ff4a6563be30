/* listen_unix.c - the listening endpoint on Unix: a socket file we bind,
 * or one the supervisor hands us already listening (socket activation,
 * ptingestd.socket), so clients can connect before we start. Loop thread.
 *
 * A socket file outlives a daemon that dies, and nobody else removes it:
 * one that nobody accepts on is taken to be stale and replaced.
 *
 * Who may talk to us: the socket file's mode lets a peer connect at all,
 * then listen.allow (allow.h) is checked against the credentials the
 * kernel recorded when the peer connected, before the callee sees it.
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "allow.h"

#define BACKLOG 128
#define LISTEN_FDS_START 3
/* Supplementary groups read at once; more take a second call. */
#define PEER_GROUPS 64

struct listener {
    uv_pipe_t pipe;
    listen_cb cb;
    void *ud;
    int bound;      /* we made the socket file: ours to remove */
    allow_list *allow; /* listen.allow; NULL = the socket's mode decides */
    char path[1024];
};

/* A socket file whose owner no longer accepts is stale and may be
 * replaced; one that accepts belongs to a live daemon. The length is
 * checked first, whether or not the file exists: libuv 1.44's bind cuts
 * a long path short without a word and would make a file by another name. */
static int check_stale(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    struct stat st;
    int fd, r;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: socket path too long (max %zu bytes)", path,
                 sizeof(sa.sun_path) - 1);
        return -ENAMETOOLONG;
    }
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s: exists and is not a socket; refusing to replace it", path);
        return -EEXIST;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
        r = -errno;
        snprintf(err, errlen, "%s: cannot remove stale socket: %s", path, strerror(-r));
        return r;
    }
    return 0;
}

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

/* The peer's supplementary groups: those the kernel recorded at connect
 * (SO_PEERGROUPS), else, on a kernel without it, the user's groups as
 * the group database has them now. *groups is malloc'd. */
static size_t peer_groups(int fd, uid_t uid, gid_t gid, gid_t **groups)
{
    socklen_t len = PEER_GROUPS * sizeof(gid_t);
    struct passwd pw, *res = NULL;
    char buf[4096];
    int n = PEER_GROUPS;
    gid_t *g;

    if (!(*groups = malloc(len)))
        return 0;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, *groups, &len) == 0)
        return len / sizeof(gid_t);
    if (errno == ERANGE) { /* len says how much it needs */
        if (!(g = realloc(*groups, len)))
            return 0;
        *groups = g;
        return getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0
                   ? len / sizeof(gid_t) : 0;
    }
    if (errno != ENOPROTOOPT || getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
        return 0;
    /* more than PEER_GROUPS: none, and the primary group still counts */
    return getgrouplist(res->pw_name, gid, *groups, &n) < 0 ? 0 : (size_t)n;
}

/* Who connected and whether listen.allow admits them. libuv has
 * accepted the connection already and holds its fd for uv_accept in the
 * stream's accepted_fd, a field of its public Unix header (as listen_win.c
 * reads pipe.serv), so the check needs nothing from the callee. */
static void read_peer(listener *l, const uv_stream_t *server, listen_peer *p)
{
    int fd = server->accepted_fd;
    struct ucred uc;
    socklen_t len = sizeof(uc);
    allow_peer ap;
    gid_t *groups = NULL;

    memset(p, 0, sizeof(*p));
    if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
        /* without a list nothing depends on who it is */
        p->allowed = !l->allow;
        snprintf(p->why, sizeof(p->why), "the peer's credentials cannot be read: %s",
                 fd < 0 ? "no connection" : strerror(errno));
        return;
    }
    p->known = 1;
    p->operator = uc.uid == 0 || uc.uid == geteuid();
    p->uid = uc.uid;
    p->gid = uc.gid;
    p->pid = uc.pid;
    ap = (allow_peer){uc.uid, uc.gid, uc.pid, NULL, 0};
    if (l->allow) {
        ap.ngroups = peer_groups(fd, uc.uid, uc.gid, &groups);
        ap.groups = groups;
    }
    p->allowed = allow_match(l->allow, &ap, geteuid(), p->why, sizeof(p->why));
    free(groups);
}

static void on_connection(uv_stream_t *server, int status)
{
    listener *l = server->data;
    listen_peer peer;

    if (status < 0) {
        log_warn("accept failed: %s", uv_strerror(status));
        return;
    }
    read_peer(l, server, &peer);
    l->cb(l->ud, server, &peer);
}

/* Bind the path ourselves. */
static int listen_path(listener *l, uv_loop_t *loop, const listen_opts *o, char *err,
                       size_t errlen)
{
    const char *what = "cannot listen";
    int r;

    if (o->path && *o->path) {
        snprintf(l->path, sizeof(l->path), "%s", o->path);
    } else {
        pt_default_socket(l->path, sizeof(l->path));
        if ((r = pt_default_socket_dir(err, errlen)) < 0)
            return r;
    }
    if ((r = check_stale(l->path, err, errlen)) < 0) {
        if (!*err)
            snprintf(err, errlen, "%s: %s", l->path, strerror(-r));
        return r;
    }
    if ((r = uv_pipe_init(loop, &l->pipe, 0)) < 0)
        goto fail;
    l->pipe.data = l;
    if ((r = uv_pipe_bind(&l->pipe, l->path)) < 0)
        goto fail;
    l->bound = 1;
    /* chmod before listen: no client can connect while the mode is wrong. */
    if (chmod(l->path, o->mode) < 0) {
        r = -errno;
        what = "cannot set the socket's mode";
        snprintf(err, errlen, "%s: %s: %s", l->path, what, strerror(-r));
        return r;
    }
    if ((r = uv_listen((uv_stream_t *)&l->pipe, BACKLOG, on_connection)) < 0)
        goto fail;
    log_info("listening on %s", l->path);
    return 0;
fail:
    snprintf(err, errlen, "%s: %s: %s", l->path, what, uv_strerror(r));
    return r;
}

/* Serve the socket the supervisor made: its path, mode and owner are the
 * socket unit's business, and so is removing it. */
static int listen_activated(listener *l, uv_loop_t *loop, const listen_opts *o, int fd,
                            char *err, size_t errlen)
{
    int r;

    if (o->path && *o->path && strcmp(o->path, l->path) != 0)
        log_warn("socket activation: serving %s, not listen.path %s; clients must use %s",
                 l->path, o->path, l->path);
    if ((r = uv_pipe_init(loop, &l->pipe, 0)) < 0)
        goto fail;
    l->pipe.data = l;
    if ((r = uv_pipe_open(&l->pipe, fd)) < 0)
        goto fail;
    if ((r = uv_listen((uv_stream_t *)&l->pipe, BACKLOG, on_connection)) < 0)
        goto fail;
    log_info("listening on %s (socket activation)", l->path);
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot listen on the activated socket: %s", l->path,
             uv_strerror(r));
    return r;
}

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

int listener_open(listener **out, uv_loop_t *loop, const listen_opts *o, listen_cb cb,
                  void *ud, char *err, size_t errlen)
{
    listener *l;
    int fd, r;

    *out = NULL;
    if (errlen)
        err[0] = '\0';
    if (!(l = calloc(1, sizeof(*l)))) {
        snprintf(err, errlen, "cannot listen: out of memory");
        return -ENOMEM;
    }
    l->cb = cb;
    l->ud = ud;
    /* before the socket exists: a list naming nobody we know is refused
     * without a client ever having been served under it */
    if ((r = allow_parse(&l->allow, o->allow, err, errlen)) < 0)
        goto fail;
    fd = activated_fd(l->path, sizeof(l->path), err, errlen);
    if (fd < 0) {
        r = fd;
        goto fail;
    }
    r = fd > 0 ? listen_activated(l, loop, o, fd, err, errlen)
               : listen_path(l, loop, o, err, errlen);
    if (r < 0)
        goto fail;
    *out = l;
    return 0;
fail:
    listener_close(l);
    return r;
}

const char *listener_path(const listener *l)
{
    return l->path;
}

int listen_check_allow(const char *allow, char *err, size_t errlen)
{
    allow_list *a = NULL;
    int r = allow_parse(&a, allow, err, errlen);

    allow_free(a);
    return r;
}

void listener_close(listener *l)
{
    if (!l)
        return;
    if (l->bound)
        unlink(l->path);
    l->bound = 0;
    allow_free(l->allow);
    l->allow = NULL;
    /* a handle never initialised has no loop and no close callback */
    if (!l->pipe.loop) {
        free(l);
        return;
    }
    l->pipe.data = l;
    if (!uv_is_closing((uv_handle_t *)&l->pipe))
        uv_close((uv_handle_t *)&l->pipe, on_closed);
}
