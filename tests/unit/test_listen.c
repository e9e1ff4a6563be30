/* The Unix listener (daemon/listen_unix.c) on a temporary path: the
 * socket file gets listen.mode, a client is handed to the callback with
 * its credentials as the kernel recorded them (our own uid and pid), a
 * second daemon on the same path is refused with the path in the error,
 * a stale socket file is replaced and anything else is not, and closing
 * removes the file and leaves the loop empty. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "daemon/listen.h"

static char dir[256], path[300];

typedef struct served {
    int accepted;
    listen_peer peer;      /* the last client's, as the listener read it */
    uv_pipe_t conn;
} served;

static void on_conn_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_client(void *ud, uv_stream_t *server, const listen_peer *peer)
{
    served *s = ud;

    s->peer = *peer;
    uv_pipe_init(server->loop, &s->conn, 0);
    if (uv_accept(server, (uv_stream_t *)&s->conn) == 0)
        s->accepted++;
    uv_close((uv_handle_t *)&s->conn, on_conn_closed);
}

static int sock_at(const char *p, struct sockaddr_un *sa)
{
    size_t n = strlen(p);

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (n >= sizeof(sa->sun_path))
        return -1;
    memcpy(sa->sun_path, p, n);
    return socket(AF_UNIX, SOCK_STREAM, 0);
}

/* A plain blocking connect: the kernel completes it from the backlog. */
static int connect_to(const char *p)
{
    struct sockaddr_un sa;
    int fd = sock_at(p, &sa);

    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int exists(const char *p)
{
    struct stat st;

    return lstat(p, &st) == 0;
}

/* Run the loop until *flag is set or about a second has passed. */
static void run_until(uv_loop_t *loop, const int *flag)
{
    for (int i = 0; i < 100 && !*flag; i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        if (!*flag)
            usleep(10000);
    }
}

TEST(listens_with_mode_and_serves)
{
    uv_loop_t loop;
    listen_opts o = {.path = path, .mode = 0640};
    listener *l = NULL;
    served s = {0};
    char err[512] = "";
    struct stat st;
    int fd;

    uv_loop_init(&loop);
    CHECK_EQ_INT(listener_open(&l, &loop, &o, on_client, &s, err, sizeof(err)), 0);
    CHECK(l != NULL);
    CHECK_STREQ(listener_path(l), path);
    CHECK(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK_EQ_INT(st.st_mode & 0777, 0640);
    fd = connect_to(path);
    CHECK(fd >= 0);
    run_until(&loop, &s.accepted);
    CHECK_EQ_INT(s.accepted, 1);
    /* the kernel's record of who connected: this process, no list */
    CHECK_EQ_INT(s.peer.known, 1);
    CHECK_EQ_INT(s.peer.allowed, 1);
    CHECK_EQ_INT(s.peer.uid, getuid());
    CHECK_EQ_INT(s.peer.pid, getpid());
    CHECK_EQ_INT(s.peer.operator, 1); /* we are the daemon's own user */
    if (fd >= 0)
        close(fd);
    listener_close(l);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(!exists(path));
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST(second_daemon_refused)
{
    uv_loop_t loop;
    listen_opts o = {.path = path, .mode = 0600};
    listener *l = NULL, *l2 = NULL;
    served s = {0};
    char err[512] = "";
    int r;

    uv_loop_init(&loop);
    CHECK_EQ_INT(listener_open(&l, &loop, &o, on_client, &s, err, sizeof(err)), 0);
    r = listener_open(&l2, &loop, &o, on_client, &s, err, sizeof(err));
    CHECK_EQ_INT(r, -EADDRINUSE);
    CHECK(l2 == NULL);
    CHECK(strstr(err, path) != NULL);
    fprintf(stderr, "(expected) %s\n", err);
    /* the first daemon's socket is untouched and still serves */
    CHECK(exists(path));
    listener_close(l);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(!exists(path));
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST(stale_socket_replaced)
{
    uv_loop_t loop;
    listen_opts o = {.path = path, .mode = 0600};
    struct sockaddr_un sa;
    listener *l = NULL;
    served s = {0};
    char err[512] = "";
    int fd = sock_at(path, &sa);

    /* bound and closed without listening: the file of a daemon that died */
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    close(fd);
    CHECK(exists(path));
    uv_loop_init(&loop);
    CHECK_EQ_INT(listener_open(&l, &loop, &o, on_client, &s, err, sizeof(err)), 0);
    fd = connect_to(path);
    CHECK(fd >= 0);
    run_until(&loop, &s.accepted);
    CHECK_EQ_INT(s.accepted, 1);
    if (fd >= 0)
        close(fd);
    listener_close(l);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(!exists(path));
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST(other_files_refused)
{
    uv_loop_t loop;
    listen_opts o = {.path = path, .mode = 0600};
    listener *l = NULL;
    char err[512] = "", longp[200];
    FILE *f = fopen(path, "w");

    CHECK(f != NULL);
    if (f)
        fclose(f);
    uv_loop_init(&loop);
    CHECK_EQ_INT(listener_open(&l, &loop, &o, on_client, NULL, err, sizeof(err)), -EEXIST);
    CHECK(l == NULL);
    CHECK(strstr(err, path) != NULL && strstr(err, "not a socket") != NULL);
    CHECK(exists(path)); /* not ours to remove */
    unlink(path);

    /* longer than sun_path: said so, with the path */
    memset(longp, 'x', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    memcpy(longp, dir, strlen(dir));
    longp[strlen(dir)] = '/';
    o.path = longp;
    CHECK_EQ_INT(listener_open(&l, &loop, &o, on_client, NULL, err, sizeof(err)),
                 -ENAMETOOLONG);
    CHECK(l == NULL);
    CHECK(strstr(err, longp) != NULL && strstr(err, "too long") != NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");

    /* a socket handed to the test's parent is not ours */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    snprintf(dir, sizeof(dir), "%s/pt-listen-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/d.sock", dir);
    RUN(listens_with_mode_and_serves);
    RUN(second_daemon_refused);
    RUN(stale_socket_replaced);
    RUN(other_files_refused);
    unlink(path);
    rmdir(dir);
    return CHECK_DONE();
}
