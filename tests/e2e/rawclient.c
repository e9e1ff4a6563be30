/* rawclient - send raw bytes to ptingestd and print what comes back.
 *
 *   rawclient SOCKET [hello] HEX...
 *
 * "hello" first sends a proper HELLO frame. Then every HEX argument is
 * decoded and sent as is. Every frame received is printed as
 * "TYPE-NAME [code=N] message" until the daemon closes the connection
 * (or 5 s pass). The end-to-end tests use it to speak malformed protocol.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int main(int argc, char **argv)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    pt_buf out, in;
    int fd, i = 2, rc;

    if (argc < 2) {
        fprintf(stderr, "usage: rawclient SOCKET [hello] HEX...\n");
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
        i = 3;
    }
    for (; i < argc; i++)
        for (const char *h = argv[i]; h[0] && h[1]; h += 2)
            pt_buf_append_byte(&out, (char)(hexval(h[0]) * 16 + hexval(h[1])));
    if (out.len && write(fd, out.data, out.len) != (ssize_t)out.len) {
        perror("write");
        return 3;
    }
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char buf[65536];
        ssize_t n;
        int type, r;
        size_t plen;

        if (poll(&p, 1, 5000) <= 0) {
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
