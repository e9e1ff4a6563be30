/* parse_bench.c - how fast does client/ndjson parse an NDJSON file?
 *
 *   parse_bench FILE
 *
 * Reads FILE in big blocks into a buffer with NDJSON_PADDING spare bytes,
 * splits it into lines and parses every line as ptingest's CLI would
 * (blank lines are skipped). Prints one line
 *   parsed N rows, B bytes in S s: X MB/s, Y rows/s
 * (MB = 10^6 bytes; the time covers reading, splitting and parsing), or
 * "FILE:LINE: message" on stderr and exit status 2 at the first bad line.
 * Exit status 1 for usage and I/O errors. Run it on a file in the page
 * cache to measure the parser rather than the disk.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "../client/ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (16u << 20)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.ndjson\n", argv[0]);
        return 1;
    }
    const char *path = argv[1];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    ndjson_parser *p;
    if (ndjson_parser_new(&p) != 0) {
        fprintf(stderr, "out of memory\n");
        close(fd);
        return 1;
    }
    size_t cap = BLOCK;
    char *buf = malloc(cap + NDJSON_PADDING);
    if (!buf) {
        fprintf(stderr, "out of memory\n");
        ndjson_parser_free(p);
        close(fd);
        return 1;
    }

    size_t have = 0;                /* bytes in buf */
    unsigned long long bytes = 0, rows = 0, lineno = 0;
    int eof = 0;
    ndjson_row row;
    char err[512];
    int status = 0;
    double secs;
    double t0 = now();

    while (!eof || have > 0) {
        if (!eof) {
            if (have == cap) {      /* a line longer than the buffer */
                size_t ncap = cap * 2;
                char *nb = realloc(buf, ncap + NDJSON_PADDING);
                if (!nb) {
                    fprintf(stderr, "out of memory\n");
                    status = 1;
                    goto out;
                }
                buf = nb;
                cap = ncap;
            }
            ssize_t r = read(fd, buf + have, cap - have);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                status = 1;
                goto out;
            }
            if (r == 0)
                eof = 1;
            have += (size_t)r;
            bytes += (unsigned long long)r;
        }
        /* Keep the padding readable (its content does not matter). */
        memset(buf + have, 0, NDJSON_PADDING);

        size_t pos = 0;
        for (;;) {
            char *nl = memchr(buf + pos, '\n', have - pos);
            size_t len;
            if (nl) {
                len = (size_t)(nl - (buf + pos));
            } else if (eof && pos < have) {
                len = have - pos;   /* last line without a newline */
            } else {
                break;
            }
            lineno++;
            int r = ndjson_parse_line(p, buf + pos, len, &row, err, sizeof err);
            if (r == 0) {
                rows++;
            } else if (r != -ENODATA) {
                fprintf(stderr, "%s:%llu: %s\n", path, lineno, err);
                status = 2;
                goto out;
            }
            pos += len + (nl ? 1 : 0);
            if (!nl)
                break;
        }
        memmove(buf, buf + pos, have - pos);
        have -= pos;
        if (eof && have > 0)        /* cannot happen: the tail was parsed */
            have = 0;
    }
    secs = now() - t0;
    if (secs <= 0)
        secs = 1e-9;
    printf("parsed %llu rows, %llu bytes in %.3f s: %.1f MB/s, %.0f rows/s\n",
           rows, bytes, secs, (double)bytes / secs / 1e6, (double)rows / secs);
out:
    close(fd);
    free(buf);
    ndjson_parser_free(p);
    return status;
}
