/* The supervisor's decisions, against a datagram socket standing in for
 * systemd: pings at half of WATCHDOG_USEC only while healthy, STATUS=
 * only when the line changes, a watchdog meant for another pid ignored,
 * nothing at all without NOTIFY_SOCKET; and the typed calls' words on
 * the wire. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "service/service.h"

typedef struct fake {
    int healthy;
    int checks;
    uint64_t last_max;
    const char *line;
} fake;

static int fake_healthy(void *arg, uint64_t max_stuck_ns)
{
    fake *f = arg;
    f->checks++;
    f->last_max = max_stuck_ns;
    return f->healthy;
}

static void fake_status(void *arg, char *buf, size_t len)
{
    snprintf(buf, len, "%s", ((fake *)arg)->line);
}

static int listen_dgram(char *path, size_t len)
{
    struct sockaddr_un sa;
    int fd;

    snprintf(path, len, "%s/pt-sup-%d.sock", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    unlink(path);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

/* Count datagrams equal to `what` (or starting with it when prefix). */
static int drain(int fd, const char *what, int prefix, char *last, size_t lastlen)
{
    char buf[512];
    ssize_t n;
    int count = 0;

    while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
        buf[n] = '\0';
        if (prefix ? strncmp(buf, what, strlen(what)) == 0 : strcmp(buf, what) == 0) {
            count++;
            if (last)
                snprintf(last, lastlen, "%s", buf);
        }
    }
    return count;
}

static void on_timeout(uv_timer_t *t)
{
    (void)t; /* a one-shot timer: the loop ends once it has fired */
}

static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uv_timer_t t;

    uv_timer_init(loop, &t);
    uv_timer_start(&t, on_timeout, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT); /* the supervisor's timers are unref'd */
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
}

static char sock[108];
static int sfd;

TEST(pings_only_while_healthy)
{
    uv_loop_t loop;
    fake f = {.healthy = 1, .line = "idle"};
    supervisor s;
    int pings;

    memset(&s, 0, sizeof(s));
    setenv("NOTIFY_SOCKET", sock, 1);
    setenv("WATCHDOG_USEC", "40000", 1); /* ping every 20 ms */
    unsetenv("WATCHDOG_PID");
    uv_loop_init(&loop);
    s.healthy = fake_healthy;
    s.status = fake_status;
    s.arg = &f;
    CHECK_EQ_INT(supervisor_start(&s, &loop), 0);
    CHECK_EQ_INT(s.watchdog_usec, 40000);
    run_for(&loop, 210);
    pings = drain(sfd, "WATCHDOG=1", 0, NULL, 0);
    CHECK(pings >= 3 && pings <= 12); /* ~10; timers run late on a busy machine */
    CHECK_EQ_INT(f.last_max, 40000000ull); /* one whole period may pass */
    f.healthy = 0;
    run_for(&loop, 150);
    CHECK_EQ_INT(drain(sfd, "WATCHDOG=1", 0, NULL, 0), 0);
    CHECK(s.sick);
    f.healthy = 1;
    run_for(&loop, 100);
    CHECK(drain(sfd, "WATCHDOG=1", 0, NULL, 0) >= 2);
    CHECK(!s.sick);
    supervisor_stop(&s);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST(status_only_on_change)
{
    uv_loop_t loop;
    fake f = {.healthy = 1, .line = "idle"};
    supervisor s;
    char last[512] = "";

    memset(&s, 0, sizeof(s));
    setenv("NOTIFY_SOCKET", sock, 1);
    unsetenv("WATCHDOG_USEC");
    uv_loop_init(&loop);
    s.healthy = fake_healthy;
    s.status = fake_status;
    s.arg = &f;
    s.status_interval_ms = 10;
    CHECK_EQ_INT(supervisor_start(&s, &loop), 0);
    run_for(&loop, 100);
    CHECK_EQ_INT(drain(sfd, "STATUS=", 1, last, sizeof(last)), 1);
    CHECK_STREQ(last, "STATUS=idle");
    f.line = "ingesting job a: 5 rows, 10 rows/s";
    run_for(&loop, 100);
    CHECK_EQ_INT(drain(sfd, "STATUS=", 1, last, sizeof(last)), 1);
    CHECK_STREQ(last, "STATUS=ingesting job a: 5 rows, 10 rows/s");
    CHECK_EQ_INT(f.checks, 0); /* no WATCHDOG_USEC: no watchdog */
    CHECK_EQ_INT(drain(sfd, "WATCHDOG=1", 0, NULL, 0), 0);
    supervisor_stop(&s);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

TEST(watchdog_for_another_pid)
{
    char pid[32];

    setenv("WATCHDOG_USEC", "1000000", 1);
    snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    CHECK_EQ_INT(supervisor_watchdog_usec(), 0);
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    CHECK_EQ_INT(supervisor_watchdog_usec(), 1000000);
    setenv("WATCHDOG_USEC", "12x", 1);
    CHECK_EQ_INT(supervisor_watchdog_usec(), 0);
    unsetenv("WATCHDOG_PID");
}

TEST(nothing_without_notify_socket)
{
    uv_loop_t loop;
    fake f = {.healthy = 1, .line = "idle"};
    supervisor s;

    memset(&s, 0, sizeof(s));
    unsetenv("NOTIFY_SOCKET");
    setenv("WATCHDOG_USEC", "20000", 1);
    uv_loop_init(&loop);
    s.healthy = fake_healthy;
    s.status = fake_status;
    s.arg = &f;
    CHECK_EQ_INT(supervisor_start(&s, &loop), 0);
    CHECK(!s.started);
    run_for(&loop, 50);
    CHECK_EQ_INT(f.checks, 0);
    supervisor_stop(&s);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

/* The one datagram waiting, or "" */
static void next_msg(char *buf, size_t len)
{
    ssize_t n = recv(sfd, buf, len - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
}

TEST(typed_calls)
{
    char msg[512];

    setenv("NOTIFY_SOCKET", sock, 1);
    drain(sfd, "", 1, NULL, 0);
    supervisor_ready();
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "READY=1");
    supervisor_reloading();
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "RELOADING=1");
    supervisor_status("ingesting job a");
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "STATUS=ingesting job a");
    supervisor_watchdog_ping();
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "WATCHDOG=1");
    /* the drain's grace plus 10 s, in microseconds */
    supervisor_stopping(30000);
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "STOPPING=1\nEXTEND_TIMEOUT_USEC=40000000");
    /* no grace limit: no timeout to extend */
    supervisor_stopping(0);
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "STOPPING=1");
    unsetenv("NOTIFY_SOCKET");
    supervisor_ready();
    supervisor_stopping(1000);
    next_msg(msg, sizeof(msg));
    CHECK_STREQ(msg, "");
}

int main(void)
{
    sfd = listen_dgram(sock, sizeof(sock));
    RUN(pings_only_while_healthy);
    RUN(status_only_on_change);
    RUN(watchdog_for_another_pid);
    RUN(nothing_without_notify_socket);
    RUN(typed_calls);
    close(sfd);
    unlink(sock);
    return CHECK_DONE();
}
