/* The one escaper: exactly the escaping README.md ("The client") fixes. */
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

int main(void)
{
    RUN(minimal_escapes);
    RUN(appends);
    RUN(utf8_validation);
    return CHECK_DONE();
}
