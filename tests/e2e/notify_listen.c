/* notify_listen - stand in for systemd's end of NOTIFY_SOCKET.
 *
 *   notify_listen PATH [SECONDS]
 *
 * Binds a datagram socket at PATH and prints every line of every
 * datagram as "MS LINE", MS being milliseconds since start, flushed at
 * once, until SIGTERM or SECONDS (default 120) pass. The end-to-end tests
 * read the order and timing of READY=1, STATUS=, WATCHDOG=1 ... from it.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    char buf[4096];
    long long t0 = now_ms(), limit;
    int fd;

    if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: notify_listen PATH [SECONDS]\n");
        return 2;
    }
    limit = (argc > 2 ? atoll(argv[2]) : 120) * 1000;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror(argv[1]);
        return 1;
    }
    signal(SIGTERM, SIG_DFL);
    while (now_ms() - t0 < limit) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (poll(&p, 1, 200) <= 0)
            continue;
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
            continue;
        buf[n] = '\0';
        for (char *line = buf, *nl; line && *line; line = nl) {
            nl = strchr(line, '\n');
            if (nl)
                *nl++ = '\0';
            printf("%lld %s\n", now_ms() - t0, line);
        }
        fflush(stdout);
    }
    unlink(argv[1]);
    return 0;
}
