/* rawclient - send raw bytes to ptingestd and print what comes back.
 *
 *   rawclient [OPTIONS] SOCKET [hello] HEX...
 *
 * "hello" first sends a proper HELLO frame. Then every HEX argument is
 * decoded and sent as is. Every frame received is printed as
 * "TYPE-NAME [code=N] message" until the daemon closes the connection
 * (or the wait is over). The end-to-end tests use it to speak malformed
 * protocol, and to be the clients a daemon must survive:
 *   --repeat N     send the last HEX argument N times (pipelining)
 *   --drip MS      send one byte every MS milliseconds after HELLO (a slow client)
 *   --no-read S    read nothing for S seconds after sending
 *   --shutdown     shut down the sending side once everything is sent
 *   --wait S       give up reading after S quiet seconds (default 5)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/frame.h"
#include "common/protocol.h"

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static void print_frame(int type, const char *p, size_t len)
{
    pt_error_msg e;

    if (type == PT_MSG_ERROR && pt_dec_error(p, len, &e) == 0) {
        printf("ERROR code=%u %.*s\n", e.code, (int)e.message.n, e.message.p);
    } else {
        printf("%s\n", pt_msg_name(type));
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void append_hex(pt_buf *out, const char *h)
{
    for (; h[0] && h[1]; h += 2)
        pt_buf_append_byte(out, (char)(hexval(h[0]) * 16 + hexval(h[1])));
}

/* All of out, at once or (after the first `whole` bytes) a byte every
 * drip_ms. */
static int send_all(int fd, const pt_buf *out, size_t whole, long drip_ms)
{
    size_t off = 0;

    while (off < out->len) {
        size_t n = drip_ms && off >= whole ? 1 : (off < whole ? whole : out->len) - off;
        ssize_t w = write(fd, out->data + off, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
        if (drip_ms && off > whole)
            sleep_ms(drip_ms);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    long repeat = 1, drip_ms = 0, no_read_s = 0, wait_s = 5;
    int shut = 0;
    pt_buf out, in;
    size_t hello_len = 0;
    int fd, i, rc;

    signal(SIGPIPE, SIG_IGN); /* a closed connection is a result here */
    for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argc--, argv++) {
        if (strcmp(argv[1], "--shutdown") == 0) {
            shut = 1;
            continue;
        }
        if (argc < 3) {
            fprintf(stderr, "rawclient: %s needs a number\n", argv[1]);
            return 2;
        }
        long v = atol(argv[2]);
        if (strcmp(argv[1], "--repeat") == 0)
            repeat = v;
        else if (strcmp(argv[1], "--drip") == 0)
            drip_ms = v;
        else if (strcmp(argv[1], "--no-read") == 0)
            no_read_s = v;
        else if (strcmp(argv[1], "--wait") == 0)
            wait_s = v;
        else {
            fprintf(stderr, "rawclient: unknown option %s\n", argv[1]);
            return 2;
        }
        argc--, argv++;
    }
    i = 2;
    if (argc < 2) {
        fprintf(stderr, "usage: rawclient [OPTIONS] SOCKET [hello] HEX...\n");
        return 2;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("connect");
        return 3;
    }
    pt_buf_init(&out);
    pt_buf_init(&in);
    if (argc > 2 && strcmp(argv[2], "hello") == 0) {
        pt_hello h = {PT_PROTO_VERSION, {"rawclient", 9}};
        pt_enc_hello(&out, &h);
        hello_len = out.len; /* --drip slows what follows HELLO */
        i = 3;
    }
    for (; i < argc; i++)
        for (long k = 0; k < (i == argc - 1 ? repeat : 1); k++)
            append_hex(&out, argv[i]);
    /* A client that does not read may block in write: send from a
     * child, so that not reading is all the parent does. */
    if (out.len && no_read_s) {
        pid_t pid = fork();
        if (pid == 0) {
            send_all(fd, &out, hello_len, drip_ms);
            _exit(0);
        }
        sleep((unsigned)no_read_s);
        printf("SLEPT\n");
    } else if (out.len && send_all(fd, &out, hello_len, drip_ms) < 0) {
        printf("WRITE FAILED\n"); /* the daemon closed: read what it said */
    }
    if (shut)
        shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char buf[65536];
        ssize_t n;
        int type, r;
        size_t plen;

        if (poll(&p, 1, (int)(wait_s * 1000)) <= 0) {
            printf("TIMEOUT\n");
            rc = 1;
            break;
        }
        n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            printf("CLOSED\n");
            rc = 0;
            break;
        }
        pt_buf_append(&in, buf, (size_t)n);
        while ((r = pt_frame_peek(in.data, in.len, 1u << 30, &type, &plen)) == 1) {
            print_frame(type, in.data + PT_FRAME_HEADER, plen);
            fflush(stdout);
            pt_buf_consume(&in, PT_FRAME_HEADER + plen);
        }
    }
    fflush(stdout);
    close(fd);
    pt_buf_free(&in);
    pt_buf_free(&out);
    return rc;
}
