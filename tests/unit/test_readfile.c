/* test_readfile.c - common/readfile: a config file is read whole only when
 * it is a regular file, and a FIFO is refused at once instead of waiting
 * for a writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/readfile.h"
#include "check.h"

static char dir[] = "/tmp/pt-readfile.XXXXXX";

static int read_path(const char *name, const char *label, size_t max, pt_buf *b, char *why)
{
    char path[256];

    snprintf(path, sizeof path, "%s/%s", dir, name);
    pt_buf_reset(b);
    return pt_read_regular_file(path, label, max, b, why, 256);
}

TEST(regular_file)
{
    char path[256], why[256];
    pt_buf b;
    FILE *f;

    snprintf(path, sizeof path, "%s/plain", dir);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("ingest: {sync: none}\n", f);
        fclose(f);
    }
    pt_buf_init(&b);
    CHECK_EQ_INT(read_path("plain", "plain", 1024, &b, why), 0);
    CHECK_EQ_INT(b.len, 21);
    CHECK(b.data && memcmp(b.data, "ingest: {sync: none}\n", 21) == 0);
    /* one byte over the limit */
    CHECK_EQ_INT(read_path("plain", "plain", 20, &b, why), -EFBIG);
    CHECK_STREQ(why, "plain is larger than 20 bytes");
    CHECK_EQ_INT(read_path("plain", NULL, 20, &b, why), -EFBIG);
    CHECK_STREQ(why, "larger than 20 bytes");
    pt_buf_free(&b);
}

TEST(not_regular)
{
    char path[256], why[256];
    pt_buf b;

    pt_buf_init(&b);
    snprintf(path, sizeof path, "%s/fifo", dir);
    CHECK_EQ_INT(mkfifo(path, 0600), 0);
    /* returns at once: opened without blocking, refused by fstat */
    CHECK_EQ_INT(read_path("fifo", "F", 1024, &b, why), -EINVAL);
    CHECK_STREQ(why, "F is a FIFO, not a regular file");
    CHECK_EQ_INT(read_path("fifo", NULL, 1024, &b, why), -EINVAL);
    CHECK_STREQ(why, "a FIFO, not a regular file");
    CHECK_EQ_INT(read_path(".", "D", 1024, &b, why), -EINVAL);
    CHECK_STREQ(why, "D is a directory, not a regular file");
    CHECK_EQ_INT(pt_read_regular_file("/dev/null", "N", 1024, &b, why, sizeof why), -EINVAL);
    CHECK_STREQ(why, "N is a character device, not a regular file");
    CHECK_EQ_INT(read_path("missing", "M", 1024, &b, why), -ENOENT);
    CHECK_STREQ(why, "cannot open M: No such file or directory");
    CHECK_EQ_INT(read_path("missing", NULL, 1024, &b, why), -ENOENT);
    CHECK_STREQ(why, "cannot open: No such file or directory");
    CHECK_EQ_INT(b.len, 0);
    unlink(path);
    pt_buf_free(&b);
}

int main(void)
{
    char path[256];

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(regular_file);
    RUN(not_regular);
    snprintf(path, sizeof path, "%s/plain", dir);
    unlink(path);
    rmdir(dir);
    return CHECK_DONE();
}
