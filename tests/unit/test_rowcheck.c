/* Row checks: keys are UTF-8, values one compact JSON text. Each accepted
 * and refused form, with the offset and reason a client is told. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "common/rowcheck.h"

static int json_ok(const char *s)
{
    size_t at = 0;
    const char *why = NULL;
    return pt_json_check_compact(s, strlen(s), &at, &why) == 0;
}

/* Refused, at byte `want_at`, with a reason containing `want_why`. */
static void json_bad(const char *s, size_t want_at, const char *want_why)
{
    size_t at = 99999;
    const char *why = NULL;

    if (pt_json_check_compact(s, strlen(s), &at, &why) != -EINVAL) {
        fprintf(stderr, "accepted: %s\n", s);
        CHECK(0);
        return;
    }
    if (at != want_at || !why || !strstr(why, want_why)) {
        fprintf(stderr, "%s: at %zu (%s), want %zu (%s)\n", s, at, why ? why : "-", want_at,
                want_why);
        CHECK(0);
    }
}

TEST(accepts_compact_json)
{
    const char *ok[] = {
        "0", "-0", "1.5", "-12e+3", "3E-2", "1e5", "true", "false", "null", "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"\\u00e9\\uD83D\\uDE00\"", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
        "[]", "{}", "[1,2,[3,{}]]", "{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e f\"}}",
        "[\"  spaces inside strings are data  \"]",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!json_ok(ok[i])) {
            fprintf(stderr, "refused: %s\n", ok[i]);
            CHECK(0);
        }
}

TEST(refuses_what_is_not_one_compact_text)
{
    json_bad("", 0, "missing");
    json_bad("not json", 1, "bad literal"); /* "n" could start null */
    json_bad("not json\n{\"rel\":\"CodeGraph\",\"key\":\"INJECTED\",\"value\":1}", 1,
             "bad literal");
    json_bad("{\"a\":1}\n{\"b\":2}", 7, "more than one");
    json_bad("{\"a\": 1}", 5, "whitespace");
    json_bad("[1, 2]", 3, "whitespace");
    json_bad(" 1", 0, "whitespace");
    json_bad("[1,]", 3, "not a JSON value");
    json_bad("{\"a\":1,}", 7, "member name");
    json_bad("{\"a\"1}", 4, "':'");
    json_bad("[1 2]", 2, "whitespace");
    json_bad("[1", 2, "unterminated");
    json_bad("\"abc", 4, "unterminated string");
    json_bad("\"a\tb\"", 2, "control character");
    json_bad("\"\\x\"", 2, "bad escape");
    json_bad("\"\\u12g4\"", 5, "\\u escape");
    json_bad("\"\\uDE00\"", 7, "lone low surrogate");
    json_bad("\"\\uD83Dx\"", 7, "without its pair");
    json_bad("\"\xc3\x28\"", 1, "UTF-8");
    json_bad("\"\xed\xa0\x80\"", 1, "UTF-8"); /* an encoded surrogate */
    json_bad("01", 1, "more than one");
    json_bad("-", 1, "bad number");
    json_bad("1.", 2, "bad number");
    json_bad("1e", 2, "bad number");
    json_bad("tru", 0, "bad literal");
}

TEST(depth_is_bounded)
{
    size_t n = PT_JSON_MAX_DEPTH + 1;
    char *s = malloc(2 * n + 1);
    size_t at;
    const char *why;

    for (size_t i = 0; i < n; i++) {
        s[i] = '[';
        s[2 * n - 1 - i] = ']';
    }
    s[2 * n] = '\0';
    CHECK_EQ_INT(pt_json_check_compact(s, 2 * n, &at, &why), -EINVAL);
    CHECK(strstr(why, "deeply") != NULL);
    CHECK_EQ_INT(pt_json_check_compact(s + 1, 2 * n - 2, &at, &why), 0);
    free(s);
}

TEST(utf8_keys)
{
    size_t at = 0;

    CHECK_EQ_INT(pt_utf8_check("plain/key.rs", 12, &at), 0);
    CHECK_EQ_INT(pt_utf8_check("caf\xc3\xa9\xf0\x9f\x98\x80", 9, &at), 0);
    CHECK_EQ_INT(pt_utf8_check("a\0b", 3, &at), 0); /* NUL is UTF-8 */
    CHECK_EQ_INT(pt_utf8_check("ab\xff", 3, &at), -EINVAL);
    CHECK_EQ_INT(at, 2);
    CHECK_EQ_INT(pt_utf8_check("\xc0\xaf", 2, &at), -EINVAL);   /* overlong */
    CHECK_EQ_INT(pt_utf8_check("x\xe2\x82", 3, &at), -EINVAL);  /* cut short */
    CHECK_EQ_INT(at, 1);
    CHECK_EQ_INT(pt_utf8_check("\xf4\x90\x80\x80", 4, &at), -EINVAL); /* > U+10FFFF */
}

/* Every byte value at every position of a long string is judged by the
 * rule (only printable ASCII but '"' and '\\' stands as it is; a lone byte
 * of 0x80 and up is not UTF-8), and a control character is reported
 * where it is: what any faster scan of strings must keep. */
TEST(every_byte_at_every_position)
{
    char s[40];

    for (int c = 0; c < 256; c++)
        for (size_t i = 1; i <= 20; i++) {
            int plain = c >= 0x20 && c <= 0x7f && c != '"' && c != '\\';
            size_t at = 99999;
            const char *why = NULL;
            int r;
            memset(s, 'a', sizeof(s));
            s[0] = '"';
            s[i] = (char)c;
            s[sizeof(s) - 1] = '"';
            r = pt_json_check_compact(s, sizeof(s), &at, &why);
            if ((r == 0) != plain || (c < 0x20 && at != i)) {
                fprintf(stderr, "byte 0x%02x at %zu: %d at %zu (%s)\n", c, i, r, at,
                        why ? why : "-");
                CHECK(0);
            }
        }
}

int main(void)
{
    RUN(accepts_compact_json);
    RUN(refuses_what_is_not_one_compact_text);
    RUN(depth_is_bounded);
    RUN(utf8_keys);
    RUN(every_byte_at_every_position);
    return CHECK_DONE();
}
