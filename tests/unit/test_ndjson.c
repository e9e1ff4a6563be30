/* test_ndjson.c - client/ndjson: the row rules of README.md ("The client"). */
#include "../../client/ndjson.h"
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static ndjson_parser *P;
static ndjson_row R;
static char E[256];

/* The line last parsed: a compact value points into it (ndjson.h). */
static char *L;
static size_t LN;

/* Parse s[0..n) from a malloc'd copy with exactly NDJSON_PADDING bytes of
 * (garbage) padding, so ASan catches any read beyond it. The copy lives
 * until the next parse, as the contract asks of the caller. */
static int parse_n(const char *s, size_t n)
{
    free(L);
    L = malloc(n + NDJSON_PADDING);
    if (!L)
        abort();
    LN = n;
    memcpy(L, s, n);
    memset(L + n, '"', NDJSON_PADDING);
    memset(E, 'X', sizeof E);
    return ndjson_parse_line(P, L, n, &R, E, sizeof E);
}

static int in_line(const char *p)
{
    return p && L && p >= L && p < L + LN;
}

/* No whitespace outside strings: a byte-at-a-time state machine, not the
 * parser's scan, so the two can be checked against each other. */
static int compact(const char *p, size_t n)
{
    int in_str = 0, esc = 0;

    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (esc)
            esc = 0;
        else if (in_str && c == '\\')
            esc = 1;
        else if (c == '"')
            in_str = !in_str;
        else if (!in_str && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
            return 0;
    }
    return 1;
}

static int parse(const char *s) { return parse_n(s, strlen(s)); }

static int mem_is(const char *p, size_t n, const char *want, size_t wn)
{
    return p && n == wn && memcmp(p, want, n) == 0;
}
#define VALUE_IS(w) mem_is(R.value, R.value_len, (w), strlen(w))
#define KEY_IS(w) mem_is(R.key, R.key_len, (w), strlen(w))
#define REL_IS(w) mem_is(R.rel, R.rel_len, (w), strlen(w))
#define ERR_HAS(w) (strstr(E, (w)) != NULL)

/* Expect `line` to be rejected with -EINVAL and a message containing w. */
#define CHECK_BAD(line, w)                                                   \
    do {                                                                     \
        int r_ = parse(line);                                                \
        CHECK_EQ_INT(r_, -EINVAL);                                           \
        if (!ERR_HAS(w))                                                     \
            fprintf(stderr, "  line %s: got message \"%s\", want \"%s\"\n",  \
                    (line), E, (w));                                         \
        CHECK(ERR_HAS(w));                                                   \
        CHECK(strchr(E, '\n') == NULL);                                      \
    } while (0)

/* Expect a put of rel "r", key "k" whose value's text is `want`. */
#define CHECK_VALUE(line, want)                                              \
    do {                                                                     \
        int r_ = parse(line);                                                \
        CHECK_EQ_INT(r_, 0);                                                 \
        if (r_ != 0)                                                         \
            fprintf(stderr, "  line %s: %s\n", (line), E);                   \
        CHECK_EQ_INT(R.op, NDJSON_PUT);                                      \
        CHECK(REL_IS("r"));                                                  \
        CHECK(KEY_IS("k"));                                                  \
        CHECK(r_ != 0 || compact(R.value, R.value_len));                    \
        if (r_ == 0 && !VALUE_IS(want))                                      \
            fprintf(stderr, "  line %s: value \"%.*s\", want \"%s\"\n",      \
                    (line), (int)R.value_len, R.value ? R.value : "",        \
                    (want));                                                 \
        CHECK(VALUE_IS(want));                                               \
    } while (0)

TEST(values_of_every_kind)
{
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":{\"a\":1}}", "{\"a\":1}");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1,2,3]}", "[1,2,3]");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"str\"}", "\"str\"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":-12.5e+3}", "-12.5e+3");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":0}", "0");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":true}", "true");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":false}", "false");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":null}", "null");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":{}}", "{}");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[]}", "[]");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"\"}", "\"\"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":"
                "{\"a\":[1,{\"b\":[[],{}]},\"x\"],\"c\":{\"d\":null}}}",
                "{\"a\":[1,{\"b\":[[],{}]},\"x\"],\"c\":{\"d\":null}}");
    CHECK_EQ_INT(R.op, NDJSON_PUT);
}

TEST(whitespace_removed_outside_strings_only)
{
    CHECK_VALUE(" \t{ \"rel\" : \"r\" ,\t\"key\":\"k\" , \"value\" :\r\n"
                " { \"a b\" : [ 1 , \"  x  \" , { } , [ ] ] ,\n\"c\"\t:\ttrue }"
                " \t} \t ",
                "{\"a b\":[1,\"  x  \",{},[]],\"c\":true}");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":  \"  a\\tb  \"  }",
                "\"  a\\tb  \"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":  42  }", "42");
    /* each whitespace byte alone, between tokens */
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1,\t2]}", "[1,2]");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":{\"a\":\r1}}", "{\"a\":1}");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[true\n]}", "[true]");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":null\t}", "null");
}

TEST(escapes_in_values_kept_verbatim)
{
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"caf\\u00e9\"}",
                "\"caf\\u00e9\"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"a\\/b\"}", "\"a\\/b\"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"say \\\"hi\\\"\"}",
                "\"say \\\"hi\\\"\"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"c:\\\\dir\\\\\"}",
                "\"c:\\\\dir\\\\\"");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":"
                "{\"s\\u0074r\": [\"\\ud83d\\ude00\", \"\\u00E9\", \"\\b\\f\\n\\r\\t\"]}}",
                "{\"s\\u0074r\":[\"\\ud83d\\ude00\",\"\\u00E9\",\"\\b\\f\\n\\r\\t\"]}");
    /* Raw UTF-8 stays raw. */
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
                "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    /* Braces, brackets, quotes and backslash runs inside strings. */
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":"
                "[\"}\", \"]\" , \"{[\\\\\", \"\\\\\\\"}\"]}",
                "[\"}\",\"]\",\"{[\\\\\",\"\\\\\\\"}\"]");
}

TEST(key_and_rel_unescaped)
{
    CHECK_EQ_INT(parse("{\"rel\":\"Code\\u0047raph\",\"key\":\"a\\nb\",\"value\":1}"), 0);
    CHECK(REL_IS("CodeGraph"));
    CHECK(mem_is(R.key, R.key_len, "a\nb", 3));

    CHECK_EQ_INT(parse("{\"rel\":\"r\",\"key\":\"\\u0000x\\u0000\",\"value\":1}"), 0);
    CHECK_EQ_INT(R.key_len, 3);
    CHECK(mem_is(R.key, R.key_len, "\0x\0", 3));

    CHECK_EQ_INT(parse("{\"rel\":\"r\",\"key\":\"caf\\u00e9 \\ud83d\\ude00 \xc3\xa9\",\"value\":1}"), 0);
    CHECK(KEY_IS("caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9"));

    CHECK_EQ_INT(parse("{\"rel\":\"r\",\"key\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"value\":1}"), 0);
    CHECK(KEY_IS("\"\\/\b\f\n\r\t"));

    CHECK_EQ_INT(parse("{\"rel\":\"r\",\"key\":\"\",\"value\":1}"), 0);
    CHECK_EQ_INT(R.key_len, 0);
    CHECK(R.key != NULL);
}

TEST(op_put_and_del)
{
    CHECK_EQ_INT(parse("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"del\"}"), 0);
    CHECK_EQ_INT(R.op, NDJSON_DEL);
    CHECK(REL_IS("r"));
    CHECK(KEY_IS("k"));
    CHECK(R.value == NULL);
    CHECK_EQ_INT(R.value_len, 0);

    CHECK_EQ_INT(parse("{\"op\":\"del\",\"key\":\"k\",\"rel\":\"r\"}"), 0);
    CHECK_EQ_INT(R.op, NDJSON_DEL);

    CHECK_EQ_INT(parse("{\"op\":\"d\\u0065l\",\"key\":\"k\",\"rel\":\"r\"}"), 0);
    CHECK_EQ_INT(R.op, NDJSON_DEL);

    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"put\",\"value\":[1]}", "[1]");
    CHECK_VALUE("{\"op\":\"put\",\"rel\":\"r\",\"key\":\"k\",\"value\":[1]}", "[1]");

    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"del\",\"value\":1}",
              "member \"value\" must be absent when \"op\" is \"del\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":null,\"op\":\"del\"}",
              "member \"value\" must be absent when \"op\" is \"del\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"put\"}", "missing member \"value\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\"}", "missing member \"value\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"delete\"}", "\"op\" must be \"put\" or \"del\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"PUT\",\"value\":1}", "\"op\" must be \"put\" or \"del\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":\"\",\"value\":1}", "\"op\" must be \"put\" or \"del\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":1,\"value\":1}", "member \"op\" must be a string");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"op\":null}", "member \"op\" must be a string");
}

TEST(structure_errors)
{
    CHECK_BAD("[1,2]", "line is not a JSON object");
    CHECK_BAD("\"rel\"", "line is not a JSON object");
    CHECK_BAD("42", "line is not a JSON object");
    CHECK_BAD("null", "line is not a JSON object");

    CHECK_BAD("{\"key\":\"k\",\"value\":1}", "missing member \"rel\"");
    CHECK_BAD("{\"rel\":\"r\",\"value\":1}", "missing member \"key\"");
    CHECK_BAD("{}", "missing member \"rel\"");

    CHECK_BAD("{\"rel\":1,\"key\":\"k\",\"value\":1}", "member \"rel\" must be a string");
    CHECK_BAD("{\"rel\":\"r\",\"key\":5,\"value\":1}", "member \"key\" must be a string");
    CHECK_BAD("{\"rel\":\"r\",\"key\":[\"k\"],\"value\":1}", "member \"key\" must be a string");
    CHECK_BAD("{\"rel\":\"r\",\"key\":null,\"value\":1}", "member \"key\" must be a string");
    CHECK_BAD("{\"rel\":{},\"key\":\"k\",\"value\":1}", "member \"rel\" must be a string");

    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"x\":2}", "unknown member \"x\"");
    CHECK_BAD("{\"Rel\":\"r\",\"key\":\"k\",\"value\":1}", "unknown member \"Rel\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"values\":1}", "unknown member \"values\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"\\u0076alux\":1}", "unknown member \"valux\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"a\\nb\\\"\":1}",
              "unknown member \"a\\u000ab\\\"\"");

    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"key\":\"k\",\"value\":1}", "duplicate member \"key\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"value\":2}", "duplicate member \"value\"");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"\\u0076alue\":2}", "duplicate member \"value\"");
    CHECK_BAD("{\"rel\":\"r\",\"rel\":\"r\",\"key\":\"k\",\"value\":1}", "duplicate member \"rel\"");
    CHECK_BAD("{\"op\":\"put\",\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"op\":\"put\"}",
              "duplicate member \"op\"");
}

TEST(long_unknown_member_name_is_cut)
{
    char line[1024];
    char name[600];
    memset(name, 'n', 500);
    name[500] = '\0';
    snprintf(line, sizeof line, "{\"rel\":\"r\",\"key\":\"k\",\"%s\":1}", name);
    CHECK_EQ_INT(parse(line), -EINVAL);
    CHECK(ERR_HAS("unknown member \"nnnnnnnn"));
    CHECK(ERR_HAS("...\""));
    CHECK(strlen(E) < 120);
}

TEST(not_valid_json)
{
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1,}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\" \"key\":\"k\",\"value\":1}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1} x", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1}{}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":01}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1.}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":tru}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":nulll}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":'x'}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"\\x\"}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"\\u12\"}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"a\tb\"}", "not valid JSON: ");
    CHECK_BAD("{rel:\"r\",\"key\":\"k\",\"value\":1}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1 2]}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":NaN}", "not valid JSON: ");
    CHECK_BAD("}", "not valid JSON: ");
    /* A NUL byte in the line. */
    static const char nul1[] = "{\"rel\":\"r\",\"key\":\"k\0\",\"value\":1}";
    static const char nul2[] = "{\"rel\":\"r\",\"key\":\"k\",\"value\":1}\0";
    static const char nul3[] = "{\"rel\":\"r\",\"key\":\"k\",\"value\":1\0}";
    CHECK_EQ_INT(parse_n(nul1, sizeof nul1 - 1), -EINVAL);
    CHECK(ERR_HAS("not valid JSON: "));
    CHECK_EQ_INT(parse_n(nul2, sizeof nul2 - 1), -EINVAL);
    CHECK(ERR_HAS("not valid JSON: "));
    CHECK_EQ_INT(parse_n(nul3, sizeof nul3 - 1), -EINVAL);
    CHECK(ERR_HAS("not valid JSON: "));
}

TEST(invalid_utf8_rejected)
{
    /* simdjson says "The input is not valid UTF-8" for raw bytes and
     * "Problem while parsing a string" for bad escapes. */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\xff\",\"value\":1}", "not valid JSON: The input is not valid UTF-8");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"\xff\"}", "not valid UTF-8");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\xc0\xaf\",\"value\":1}", "not valid UTF-8");       /* overlong / */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\xe0\x80\xaf\",\"value\":1}", "not valid UTF-8");   /* overlong */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\xed\xa0\x80\",\"value\":1}", "not valid UTF-8");   /* encoded surrogate */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\xf4\x90\x80\x80\",\"value\":1}", "not valid UTF-8"); /* > U+10FFFF */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\xc3\",\"value\":1}", "not valid UTF-8");           /* truncated */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"\xff\":1}", "not valid UTF-8");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1}\xff", "not valid UTF-8");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\\ud800\",\"value\":1}", "not valid JSON: Problem while parsing a string");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\\udc00\",\"value\":1}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"\\ud800\\u0041\",\"value\":1}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":\"\\ud800\"}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[\"\\udfff\\ud800\"]}", "not valid JSON: ");
}

TEST(truncated_lines)
{
    const char *full = "{\"rel\":\"r\",\"key\":\"k\\u00e9\",\"value\":{\"a\":[1,\"x\\\"y\",true,null,-2.5e3]}}";
    size_t n = strlen(full);
    for (size_t i = 1; i < n; i++) {
        int r = parse_n(full, i);
        CHECK_EQ_INT(r, -EINVAL);
        if (r != -EINVAL)
            fprintf(stderr, "  prefix %zu accepted\n", i);
    }
    CHECK_EQ_INT(parse_n(full, n), 0);
    CHECK(VALUE_IS("{\"a\":[1,\"x\\\"y\",true,null,-2.5e3]}"));
}

TEST(crlf_and_blank_lines)
{
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1, 2]}\r", "[1,2]");
    CHECK_VALUE("  {\"rel\":\"r\",\"key\":\"k\",\"value\":true}  \r", "true");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":7}\r", "7");

    CHECK_EQ_INT(parse(""), -ENODATA);
    CHECK(ERR_HAS("empty line"));
    CHECK_EQ_INT(parse("   "), -ENODATA);
    CHECK_EQ_INT(parse("\r"), -ENODATA);
    CHECK_EQ_INT(parse(" \t \r"), -ENODATA);
    /* Not JSON whitespace. */
    CHECK_BAD("\v", "not valid JSON: ");
    CHECK_BAD("\f", "not valid JSON: ");

    /* A NULL line of length 0 is an empty line too. */
    memset(E, 'X', sizeof E);
    CHECK_EQ_INT(ndjson_parse_line(P, NULL, 0, &R, E, sizeof E), -ENODATA);
}

TEST(members_in_any_order)
{
    static const char *const m[3] = {
        "\"rel\":\"r\"", "\"key\":\"k\"",
        "\"value\" : { \"x\" : [ \"}\\\"{\" , 1 ] , \"y\":{\"z\":\"]\"} }"};
    static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                   {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    const char *want = "{\"x\":[\"}\\\"{\",1],\"y\":{\"z\":\"]\"}}";
    char line[512];
    for (int i = 0; i < 6; i++) {
        snprintf(line, sizeof line, "{%s,%s,%s}", m[perm[i][0]],
                 m[perm[i][1]], m[perm[i][2]]);
        CHECK_VALUE(line, want);
        /* and with an explicit op in front, in the middle, at the end */
        snprintf(line, sizeof line, "{\"op\":\"put\",%s,%s,%s}",
                 m[perm[i][0]], m[perm[i][1]], m[perm[i][2]]);
        CHECK_VALUE(line, want);
        snprintf(line, sizeof line, "{%s, \"op\" : \"put\" ,%s,%s}",
                 m[perm[i][0]], m[perm[i][1]], m[perm[i][2]]);
        CHECK_VALUE(line, want);
        snprintf(line, sizeof line, "{ %s , %s , %s , \"op\":\"put\" }",
                 m[perm[i][0]], m[perm[i][1]], m[perm[i][2]]);
        CHECK_VALUE(line, want);
    }
    /* Scalar values not in last place (scanner must stop at ',' or ws). */
    CHECK_VALUE("{\"value\":-1.5e-3,\"rel\":\"r\",\"key\":\"k\"}", "-1.5e-3");
    CHECK_VALUE("{\"value\":true ,\"rel\":\"r\",\"key\":\"k\"}", "true");
    CHECK_VALUE("{\"value\":\"a,b}\",\"rel\":\"r\",\"key\":\"k\"}", "\"a,b}\"");
    CHECK_VALUE("{\"rel\":\"r\",\"value\":[[[]]],\"key\":\"k\"}", "[[[]]]");
}

TEST(escaped_value_member_name)
{
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"\\u0076alue\":[1, 2]}", "[1,2]");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"valu\\u0065\" : {\"a\" : 1}}", "{\"a\":1}");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"\\u0076\\u0061\\u006C\\u0075\\u0065\":null}", "null");
    /* Not in last place, after members whose names are escaped too. */
    CHECK_VALUE("{\"\\u0072el\":\"r\",\"\\u0076alue\":[ 3 ],\"k\\u0065y\":\"k\"}", "[3]");
    /* A string value that looks like a member name must not fool the scanner. */
    CHECK_EQ_INT(parse("{\"rel\":\"value\",\"key\":\"value\",\"value\":2}"), 0);
    CHECK(REL_IS("value"));
    CHECK(VALUE_IS("2"));
    CHECK_EQ_INT(parse("{\"key\":\"k\",\"value\":[\"value\",\"\\\"value\"],\"rel\":\"r\"}"), 0);
    CHECK(VALUE_IS("[\"value\",\"\\\"value\"]"));
}

TEST(big_numbers_kept_verbatim)
{
    /* simdjson's DOM parser rejects these itself; they are valid JSON. */
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":123456789012345678901234567890}",
                "123456789012345678901234567890");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1e400, -18446744073709551616, \"12\"]}",
                "[1e400,-18446744073709551616,\"12\"]");
    CHECK_VALUE("{\"value\":{\"n\":-9223372036854775809},\"rel\":\"r\",\"key\":\"k\"}",
                "{\"n\":-9223372036854775809}");
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":18446744073709551615}",
                "18446744073709551615");
    /* Still rejected: bad numbers next to big ones, and other errors. */
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1e400,01]}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1e400,1e]}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1e400,-]}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1e400 2]}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":1e400,}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":\"r\",\"key\":\"k\",\"value\":[1e400,\"\xff\"]}", "not valid JSON: ");
    CHECK_BAD("{\"rel\":1e400,\"key\":\"k\",\"value\":1}", "member \"rel\" must be a string");
    CHECK_BAD("[1e400]", "line is not a JSON object");
}

TEST(nesting_depth)
{
    static char line[8192];
    int depth = 500;
    int n = snprintf(line, sizeof line, "{\"rel\":\"r\",\"key\":\"k\",\"value\":");
    for (int i = 0; i < depth; i++)
        line[n++] = '[';
    for (int i = 0; i < depth; i++)
        line[n++] = ']';
    line[n++] = '}';
    line[n] = '\0';
    CHECK_EQ_INT(parse(line), 0);
    CHECK_EQ_INT(R.value_len, 2 * depth);

    depth = 2000;
    n = snprintf(line, sizeof line, "{\"rel\":\"r\",\"key\":\"k\",\"value\":");
    for (int i = 0; i < depth; i++)
        line[n++] = '[';
    for (int i = 0; i < depth; i++)
        line[n++] = ']';
    line[n++] = '}';
    line[n] = '\0';
    CHECK_BAD(line, "not valid JSON: ");
}

TEST(one_megabyte_string_value)
{
    size_t body = 1 << 20;
    const char *head = "{\"rel\":\"CodeGraph\",\"key\":\"big\",\"value\":";
    size_t hl = strlen(head);
    char *line = malloc(hl + body + 8);
    char *want = malloc(body + 8);
    if (!line || !want)
        abort();
    memcpy(line, head, hl);
    size_t n = hl;
    want[0] = line[n++] = '"';
    size_t w = 1;
    const char *chunk = "int f(void) {\\n\\treturn \\\"x\\\\y\\\"; } \\u00e9 ";
    size_t cl = strlen(chunk);
    while (w + cl + 2 < body) {
        memcpy(line + n, chunk, cl);
        memcpy(want + w, chunk, cl);
        n += cl;
        w += cl;
    }
    want[w++] = line[n++] = '"';
    line[n++] = '}';
    CHECK_EQ_INT(parse_n(line, n), 0);
    CHECK(mem_is(R.value, R.value_len, want, w));
    CHECK(KEY_IS("big"));
    CHECK(REL_IS("CodeGraph"));
    /* The parser still works on small lines after a big one. */
    CHECK_VALUE("{\"rel\":\"r\",\"key\":\"k\",\"value\":[ 1 ]}", "[1]");
    free(line);
    free(want);
}

TEST(where_results_point)
{
    /* rel and key unescaped into the parser; a value written compact is
     * returned where it is, in the line; one with whitespace minified
     * into the parser. */
    CHECK_EQ_INT(parse("{\"rel\":\"rr\",\"key\":\"kk\",\"value\":{\"a b\":\"vv \\\" \"}}"), 0);
    CHECK(REL_IS("rr") && !in_line(R.rel));
    CHECK(KEY_IS("kk") && !in_line(R.key));
    CHECK(VALUE_IS("{\"a b\":\"vv \\\" \"}") && in_line(R.value));
    CHECK_EQ_INT(parse("{\"rel\":\"rr\",\"key\":\"kk\",\"value\":{\"a b\":\"vv \\\" \" }}"), 0);
    CHECK(VALUE_IS("{\"a b\":\"vv \\\" \"}") && !in_line(R.value));
    CHECK_EQ_INT(parse("{\"rel\":\"rr\",\"key\":\"kk\",\"value\":[\"\\\\\", 1]}"), 0);
    CHECK(VALUE_IS("[\"\\\\\",1]") && !in_line(R.value));
}

TEST(error_buffer_handling)
{
    const char *bad = "{\"rel\":\"r\",\"key\":\"k\",\"value\":1,\"xyz\":2}";
    size_t n = strlen(bad);
    char *b = malloc(n + NDJSON_PADDING);
    if (!b)
        abort();
    memcpy(b, bad, n);
    memset(b + n, 0, NDJSON_PADDING);
    char small[8];
    memset(small, 'X', sizeof small);
    CHECK_EQ_INT(ndjson_parse_line(P, b, n, &R, small, sizeof small), -EINVAL);
    CHECK_EQ_INT(strlen(small), 7);
    CHECK_EQ_INT(ndjson_parse_line(P, b, n, &R, NULL, 0), -EINVAL);
    CHECK_EQ_INT(ndjson_parse_line(P, b, n, &R, small, 0), -EINVAL);
    /* A good row clears err. */
    const char *good = "{\"rel\":\"r\",\"key\":\"k\",\"value\":1}";
    n = strlen(good);
    memcpy(b, good, n);
    CHECK_EQ_INT(ndjson_parse_line(P, b, n, &R, small, sizeof small), 0);
    CHECK_EQ_INT(small[0], '\0');
    free(b);
}

TEST(parser_lifecycle)
{
    ndjson_parser *q = NULL;
    CHECK_EQ_INT(ndjson_parser_new(&q), 0);
    CHECK(q != NULL);
    ndjson_parser_free(q);
    ndjson_parser_free(NULL);
    CHECK_EQ_INT(ndjson_parser_new(NULL), -EINVAL);
}

/* ---- fuzz ---------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* Property: an accepted put's value, wrapped in a fresh row, is accepted
 * and comes back unchanged (it is compact and valid). */
static void check_roundtrip(void)
{
    if (R.op != NDJSON_PUT) {
        CHECK(R.value == NULL);
        return;
    }
    CHECK(R.value != NULL && R.value_len > 0);
    if (!R.value || !R.value_len)
        return;
    static const char head[] = "{\"rel\":\"r\",\"key\":\"k\",\"value\":";
    size_t hl = sizeof head - 1;
    size_t vl = R.value_len;
    char *w = malloc(hl + vl + 1 + NDJSON_PADDING);
    char *v = malloc(vl);
    if (!w || !v)
        abort();
    memcpy(v, R.value, vl);
    memcpy(w, head, hl);
    memcpy(w + hl, v, vl);
    w[hl + vl] = '}';
    memset(w + hl + vl + 1, 0, NDJSON_PADDING);
    int r = ndjson_parse_line(P, w, hl + vl + 1, &R, E, sizeof E);
    CHECK_EQ_INT(r, 0);
    if (r == 0)
        CHECK(mem_is(R.value, R.value_len, v, vl));
    free(w);
    free(v);
}

TEST(fuzz_mutated_lines)
{
    static const char *const seeds[] = {
        "{\"rel\":\"CodeGraph\",\"key\":\"rust:fn:main:src/main.rs:1-10\","
        "\"value\":{\"code\":\"fn main() {\\n    println!(\\\"hi \\\\ \\u00e9\\\");\\n}\","
        "\"lines\":[1,10],\"pub\":true,\"doc\":null,\"w\":-0.5e2}}",
        "{ \"value\" : [ \"a\" , { \"b\" : [ ] } , 12 ] , \"key\" : \"k\\u0000\" , \"rel\" : \"r\" }",
        "{\"op\":\"del\",\"rel\":\"DependencyEdges\",\"key\":\"a->b\"}",
        "{\"rel\":\"r\",\"\\u0076alue\":\"x\\/y\",\"key\":\"\xc3\xa9\xf0\x9f\x98\x80\"}",
        "{\"rel\":\"r\",\"key\":\"k\",\"value\":123456789012345678901234567890}",
    };
    static const char interesting[] = "\"\\{}[],: 0e-.u\x01\xff\xc3\xa9\x80";
    char buf[512];
    int accepted = 0, rejected = 0, blank = 0;
    for (int iter = 0; iter < 6000; iter++) {
        const char *seed = seeds[rnd() % (sizeof seeds / sizeof *seeds)];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int muts = 1 + (int)(rnd() % 4);
        for (int m = 0; m < muts; m++) {
            size_t pos = n ? (size_t)(rnd() % n) : 0;
            switch (rnd() % 6) {
            case 0: /* random byte */
                if (n)
                    buf[pos] = (char)(rnd() & 0xff);
                break;
            case 1: /* interesting byte */
                if (n)
                    buf[pos] = interesting[rnd() % (sizeof interesting - 1)];
                break;
            case 2: /* insert */
                if (n + 1 < sizeof buf) {
                    memmove(buf + pos + 1, buf + pos, n - pos);
                    buf[pos] = interesting[rnd() % (sizeof interesting - 1)];
                    n++;
                }
                break;
            case 3: /* delete */
                if (n) {
                    memmove(buf + pos, buf + pos + 1, n - pos - 1);
                    n--;
                }
                break;
            case 4: /* truncate */
                n = pos;
                break;
            default: /* duplicate a span */
                if (n) {
                    size_t len = 1 + rnd() % 16;
                    if (pos + len > n)
                        len = n - pos;
                    if (n + len < sizeof buf) {
                        memmove(buf + pos + len, buf + pos, n - pos);
                        n += len;
                    }
                }
                break;
            }
        }
        int r = parse_n(buf, n);
        CHECK(r == 0 || r == -EINVAL || r == -ENODATA);
        if (r == 0) {
            accepted++;
            CHECK(R.op != NDJSON_PUT || compact(R.value, R.value_len));
            check_roundtrip();
        } else if (r == -EINVAL) {
            rejected++;
            CHECK(E[0] != '\0' && strchr(E, '\n') == NULL);
        } else {
            blank++;
        }
    }
    printf("  fuzz: %d accepted, %d rejected, %d blank\n", accepted, rejected, blank);
    CHECK(accepted > 100);
    CHECK(rejected > 1000);
}

int main(void)
{
    if (ndjson_parser_new(&P) != 0) {
        fprintf(stderr, "ndjson_parser_new failed\n");
        return 1;
    }
    RUN(values_of_every_kind);
    RUN(whitespace_removed_outside_strings_only);
    RUN(escapes_in_values_kept_verbatim);
    RUN(key_and_rel_unescaped);
    RUN(op_put_and_del);
    RUN(structure_errors);
    RUN(long_unknown_member_name_is_cut);
    RUN(not_valid_json);
    RUN(invalid_utf8_rejected);
    RUN(truncated_lines);
    RUN(crlf_and_blank_lines);
    RUN(members_in_any_order);
    RUN(escaped_value_member_name);
    RUN(big_numbers_kept_verbatim);
    RUN(nesting_depth);
    RUN(one_megabyte_string_value);
    RUN(where_results_point);
    RUN(error_buffer_handling);
    RUN(parser_lifecycle);
    RUN(fuzz_mutated_lines);
    ndjson_parser_free(P);
    free(L);
    return CHECK_DONE();
}
