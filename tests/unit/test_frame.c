/* Frame codec: round trips, bounds, and what a hostile peer can send. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/frame.h"

TEST(round_trip_all_field_kinds)
{
    pt_buf b;
    pt_wr w;
    pt_rd r;
    int type;
    size_t plen, n;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_ROWS);
    pt_wr_u8(&w, 0xab);
    pt_wr_u16(&w, 0xbeef);
    pt_wr_u32(&w, 0xdeadbeefu);
    pt_wr_u64(&w, 0x0123456789abcdefull);
    pt_wr_str(&w, "k\0y", 3);
    pt_wr_cstr(&w, NULL);
    CHECK_EQ_INT(pt_wr_end(&w), 0);
    CHECK_EQ_INT(pt_frame_peek(b.data, b.len, 1 << 20, &type, &plen), 1);
    CHECK_EQ_INT(type, PT_MSG_ROWS);
    CHECK_EQ_INT(plen, b.len - PT_FRAME_HEADER);
    pt_rd_init(&r, b.data + PT_FRAME_HEADER, plen);
    CHECK_EQ_INT(pt_rd_u8(&r), 0xab);
    CHECK_EQ_INT(pt_rd_u16(&r), 0xbeef);
    CHECK(pt_rd_u32(&r) == 0xdeadbeefu);
    CHECK(pt_rd_u64(&r) == 0x0123456789abcdefull);
    const char *s = pt_rd_str(&r, &n);
    CHECK_EQ_INT(n, 3);
    CHECK(memcmp(s, "k\0y", 3) == 0);
    pt_rd_str(&r, &n);
    CHECK_EQ_INT(n, 0);
    CHECK(pt_rd_done(&r));
    pt_buf_free(&b);
}

TEST(little_endian_on_the_wire)
{
    pt_buf b;
    pt_wr w;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, 7);
    pt_wr_u32(&w, 0x01020304);
    pt_wr_end(&w);
    const unsigned char want[] = {4, 0, 0, 0, 7, 0, 0, 0, 4, 3, 2, 1};
    CHECK_EQ_INT(b.len, sizeof(want));
    CHECK(memcmp(b.data, want, sizeof(want)) == 0);
    pt_buf_free(&b);
}

TEST(peek_needs_whole_frame)
{
    pt_buf b;
    pt_wr w;
    int type;
    size_t plen;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_STATUS);
    pt_wr_cstr(&w, "hello");
    pt_wr_end(&w);
    for (size_t cut = 0; cut < b.len; cut++)
        CHECK_EQ_INT(pt_frame_peek(b.data, cut, 1 << 20, &type, &plen), 0);
    CHECK_EQ_INT(pt_frame_peek(b.data, b.len, 1 << 20, &type, &plen), 1);
    pt_buf_free(&b);
}

TEST(oversized_and_reserved_bits_rejected)
{
    unsigned char h[8] = {0x00, 0x00, 0x10, 0x00, PT_MSG_ROWS, 0, 0, 0}; /* 1 MiB */
    int type;
    size_t plen;

    CHECK_EQ_INT(pt_frame_peek(h, 8, 1 << 20, &type, &plen), 0);
    CHECK_EQ_INT(pt_frame_peek(h, 8, (1 << 20) - 1, &type, &plen), -EMSGSIZE);
    h[5] = 1;
    CHECK_EQ_INT(pt_frame_peek(h, 8, 1 << 20, &type, &plen), -EBADMSG);
    h[5] = 0;
    h[7] = 0x80;
    CHECK_EQ_INT(pt_frame_peek(h, 8, 1 << 20, &type, &plen), -EBADMSG);
}

TEST(reader_is_bounds_checked_and_sticky)
{
    const unsigned char p[] = {5, 0, 0, 0, 'a', 'b'}; /* string claims 5, has 2 */
    pt_rd r;
    size_t n;

    pt_rd_init(&r, p, sizeof(p));
    pt_rd_str(&r, &n);
    CHECK_EQ_INT(r.err, -EBADMSG);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(pt_rd_u64(&r), 0); /* stays failed */
    CHECK(!pt_rd_done(&r));

    pt_rd_init(&r, p, 3);
    pt_rd_u32(&r);
    CHECK_EQ_INT(r.err, -EBADMSG);

    pt_rd_init(&r, p, sizeof(p));
    pt_rd_u8(&r);
    CHECK(!pt_rd_done(&r)); /* trailing bytes are not "done" */
}

TEST(patch_count_after_items)
{
    pt_buf b;
    pt_wr w;
    pt_rd r;
    size_t at;

    pt_buf_init(&b);
    pt_wr_begin(&w, &b, PT_MSG_EXPORT_ROWS);
    at = b.len;
    pt_wr_u32(&w, 0);
    pt_wr_u16(&w, 1);
    pt_wr_patch_u32(&w, at, 42);
    pt_wr_end(&w);
    pt_rd_init(&r, b.data + PT_FRAME_HEADER, b.len - PT_FRAME_HEADER);
    CHECK_EQ_INT(pt_rd_u32(&r), 42);
    pt_buf_free(&b);
}

TEST(random_bytes_never_crash_the_reader)
{
    unsigned char buf[64];
    uint64_t x = 88172645463325252ull;

    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(x % sizeof(buf));
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            buf[i] = (unsigned char)x;
        }
        pt_rd r;
        size_t n;
        int type;
        pt_frame_peek(buf, len, 1 << 16, &type, &n);
        pt_rd_init(&r, buf, len);
        for (int k = 0; k < 8 && !r.err; k++) {
            pt_rd_str(&r, &n);
            pt_rd_u16(&r);
        }
        CHECK(r.err == 0 || r.err == -EBADMSG);
    }
}

TEST(names)
{
    CHECK_STREQ(pt_msg_name(PT_MSG_HELLO), "HELLO");
    CHECK_STREQ(pt_msg_name(250), "UNKNOWN");
    CHECK_STREQ(pt_err_name(PT_ERR_TOO_LARGE), "too-large");
}

int main(void)
{
    RUN(round_trip_all_field_kinds);
    RUN(little_endian_on_the_wire);
    RUN(peek_needs_whole_frame);
    RUN(oversized_and_reserved_bits_rejected);
    RUN(reader_is_bounds_checked_and_sticky);
    RUN(patch_count_after_items);
    RUN(random_bytes_never_crash_the_reader);
    RUN(names);
    return CHECK_DONE();
}
