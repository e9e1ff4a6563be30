/* The one escaper: exactly the escaping README.md ("The client") fixes. */
#include <errno.h>

#include "check.h"
#include "common/jsonesc.h"

static const char *esc(pt_buf *b, const char *s, size_t n)
{
    pt_buf_reset(b);
    json_append_string(b, s, n);
    return b->data;
}

TEST(minimal_escapes)
{
    pt_buf b;

    pt_buf_init(&b);
    CHECK_STREQ(esc(&b, "plain", 5), "\"plain\"");
    CHECK_STREQ(esc(&b, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    CHECK_STREQ(esc(&b, "\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
    CHECK_STREQ(esc(&b, "\x01\x1f", 2), "\"\\u0001\\u001f\"");
    CHECK_STREQ(esc(&b, "\0x", 2), "\"\\u0000x\"");
    CHECK_STREQ(esc(&b, "/", 1), "\"/\"");         /* solidus stays raw */
    CHECK_STREQ(esc(&b, "\x7f", 1), "\"\x7f\"");   /* DEL is not a control char in JSON */
    CHECK_STREQ(esc(&b, "é→日本", 11), "\"é→日本\""); /* raw UTF-8 */
    CHECK_STREQ(esc(&b, "", 0), "\"\"");
    pt_buf_free(&b);
}

TEST(appends)
{
    pt_buf b;

    pt_buf_init(&b);
    pt_buf_append_str(&b, "{\"k\":");
    json_append_cstr(&b, "v\n");
    CHECK_STREQ(b.data, "{\"k\":\"v\\n\"");
    pt_buf_free(&b);
}

TEST(utf8_validation)
{
    CHECK(utf8_valid("", 0));
    CHECK(utf8_valid("abc", 3));
    CHECK(utf8_valid("é→日本😀", strlen("é→日本😀")));
    CHECK(!utf8_valid("\xff", 1));
    CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate U+D800 */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("\xe6\x97", 2));         /* truncated */
    CHECK(!utf8_valid("a\x80", 2));            /* stray continuation */
}

static int unesc(pt_buf *b, const char *s, char *err)
{
    pt_buf_reset(b);
    return json_unescape(b, s, strlen(s), err, 128);
}

TEST(unescape)
{
    char err[128];
    pt_buf b, e;

    pt_buf_init(&b);
    pt_buf_init(&e);
    CHECK_EQ_INT(unesc(&b, "plain/é", err), 0);
    CHECK_STREQ(b.data, "plain/é");
    CHECK_EQ_INT(unesc(&b, "a\\\"b\\\\c\\/\\b\\f\\n\\r\\t", err), 0);
    CHECK_STREQ(b.data, "a\"b\\c/\b\f\n\r\t");
    CHECK_EQ_INT(unesc(&b, "\\u00e9\\u00E9\\u2192\\ud83d\\ude00", err), 0);
    CHECK_STREQ(b.data, "éé→\xf0\x9f\x98\x80");
    CHECK_EQ_INT(unesc(&b, "a\\u0000b", err), 0);
    CHECK_EQ_INT(b.len, 3);
    CHECK(memcmp(b.data, "a\0b", 3) == 0);
    CHECK_EQ_INT(unesc(&b, "", err), 0);
    CHECK_EQ_INT(b.len, 0);

    /* every byte string, escaped by the one escaper, comes back */
    for (int c = 1; c < 0x80; c++) {
        char in[3] = {'x', (char)c, 'y'};
        pt_buf_reset(&e);
        json_append_string(&e, in, 3);
        pt_buf_reset(&b);
        CHECK_EQ_INT(json_unescape(&b, e.data + 1, e.len - 2, err, sizeof(err)), 0);
        CHECK(b.len == 3 && memcmp(b.data, in, 3) == 0);
    }

    CHECK_EQ_INT(unesc(&b, "ab\\q", err), -EINVAL);
    CHECK_STREQ(err, "bad escape at byte 3");
    CHECK_EQ_INT(unesc(&b, "ab\\", err), -EINVAL);
    CHECK(strstr(err, "at the end") != NULL);
    CHECK_EQ_INT(unesc(&b, "\\u12", err), -EINVAL);
    CHECK(strstr(err, "four hex digits") != NULL);
    CHECK_EQ_INT(unesc(&b, "\\u12g4", err), -EINVAL);
    CHECK_EQ_INT(unesc(&b, "\\ud83d", err), -EINVAL);
    CHECK(strstr(err, "high surrogate") != NULL);
    CHECK_EQ_INT(unesc(&b, "\\ud83d\\u0041", err), -EINVAL);
    CHECK_EQ_INT(unesc(&b, "\\ude00", err), -EINVAL);
    CHECK(strstr(err, "low surrogate") != NULL);
    CHECK_EQ_INT(unesc(&b, "a\"b", err), -EINVAL);
    CHECK_STREQ(err, "'\"' must be escaped as \\\" at byte 2");
    CHECK_EQ_INT(unesc(&b, "a\tb", err), -EINVAL);
    CHECK_STREQ(err, "a control character must be escaped at byte 2");
    CHECK_EQ_INT(unesc(&b, "ab\xff", err), -EINVAL);
    CHECK_STREQ(err, "not valid UTF-8 at byte 3");
    CHECK_EQ_INT(unesc(&b, "é\xc3", err), -EINVAL);
    CHECK_STREQ(err, "not valid UTF-8 at byte 3");
    CHECK_EQ_INT(unesc(&b, "\xff abcdef", err), -EINVAL);
    CHECK_STREQ(err, "not valid UTF-8 at byte 1");
    pt_buf_free(&b);
    pt_buf_free(&e);
}

int main(void)
{
    RUN(minimal_escapes);
    RUN(appends);
    RUN(utf8_validation);
    RUN(unescape);
    return CHECK_DONE();
}
