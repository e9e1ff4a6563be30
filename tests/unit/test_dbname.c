/* Database names: the rules, the directory each name maps to, and the
 * way back. The mapping must be one-to-one even on a filesystem that
 * ignores case, never give a Windows device name or a trailing dot, and
 * the inverse must refuse every directory name that is not exactly the
 * image of a valid name. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "common/dbname.h"

static const char charset[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
#define NCHARSET (sizeof(charset) - 1)

static int check(const char *s, size_t n, char *err, size_t errlen)
{
    return pt_dbname_check(s, n, err, errlen);
}

static int check_c(const char *s)
{
    return pt_dbname_check(s, strlen(s), NULL, 0);
}

TEST(valid_names)
{
    char name[PT_DBNAME_MAX + 1];

    CHECK_EQ_INT(check_c("a"), 0);
    CHECK_EQ_INT(check_c(PT_DB_DEFAULT), 0);
    CHECK_EQ_INT(check_c("parseltongue20260212"), 0);
    CHECK_EQ_INT(check_c("A-Z_a-z.0-9"), 0);
    CHECK_EQ_INT(check_c("..."), 0);
    CHECK_EQ_INT(check_c(".a"), 0);
    CHECK_EQ_INT(check_c("a."), 0);
    CHECK_EQ_INT(check_c("-"), 0);
    CHECK_EQ_INT(check_c("CON"), 0);
    CHECK_EQ_INT(check_c(charset), -EINVAL); /* 65 characters */
    memset(name, 'x', PT_DBNAME_MAX);
    name[PT_DBNAME_MAX] = '\0';
    CHECK_EQ_INT(check_c(name), 0);
    /* the length is what counts, not a NUL */
    CHECK_EQ_INT(check("abc/def", 3, NULL, 0), 0);
}

TEST(length_rule)
{
    char name[PT_DBNAME_MAX + 2], err[200];

    CHECK_EQ_INT(check("", 0, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "1 to 64 characters") != NULL);
    CHECK(strstr(err, "empty") != NULL);
    CHECK_EQ_INT(check(NULL, 0, err, sizeof(err)), -EINVAL);
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    CHECK_EQ_INT(check(name, PT_DBNAME_MAX + 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "1 to 64 characters") != NULL);
    CHECK(strstr(err, "has 65") != NULL);
}

TEST(character_rule)
{
    static const char *bad[] = {"a/b", "a\\b", "a b", "a:b", "a*", "?", "a\"b", "<a>", "a|b",
                                "~x", "x^y", "caf\xc3\xa9", "a\tb", "a\nb", "a\x7f"};
    char err[200];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (check(bad[i], strlen(bad[i]), err, sizeof(err)) != -EINVAL) {
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
            CHECK(0);
        }
        CHECK(strstr(err, "A-Z a-z 0-9 - _ .") != NULL);
    }
    CHECK_EQ_INT(check("a/b", 3, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "'/' at position 2") != NULL);
    CHECK_EQ_INT(check("ab\nc", 4, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "byte 0x0a at position 3") != NULL);
    CHECK_EQ_INT(check("ab c", 4, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "byte 0x20 at position 3") != NULL);
    CHECK_EQ_INT(check("a\0b", 3, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "byte 0x00 at position 2") != NULL);
    CHECK_EQ_INT(check("\xc3\xa9", 2, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "byte 0xc3 at position 1") != NULL);
    /* a message that does not fit is cut, not overrun */
    CHECK_EQ_INT(check("a/b", 3, err, 8), -EINVAL);
    CHECK_EQ_INT(strlen(err), 7);
}

TEST(dot_rule)
{
    char err[200];

    CHECK_EQ_INT(check(".", 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "\".\" and \"..\"") != NULL);
    CHECK_EQ_INT(check("..", 2, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "\".\" and \"..\"") != NULL);
    CHECK_EQ_INT(check("...", 3, err, sizeof(err)), 0);
}

static const char *dir_of(const char *name)
{
    static char out[PT_DBNAME_DIR_SIZE];

    if (pt_dbname_dir(name, out, sizeof(out)) != 0)
        return "(refused)";
    return out;
}

TEST(known_directories)
{
    CHECK_STREQ(dir_of("Foo"), "db-^foo.d");
    CHECK_STREQ(dir_of("foo"), "db-foo.d");
    CHECK_STREQ(dir_of("CON"), "db-^c^o^n.d");
    CHECK_STREQ(dir_of("con"), "db-con.d");
    CHECK_STREQ(dir_of("NUL"), "db-^n^u^l.d");
    CHECK_STREQ(dir_of("COM1"), "db-^c^o^m1.d");
    CHECK_STREQ(dir_of("lpt9"), "db-lpt9.d");
    CHECK_STREQ(dir_of("a."), "db-a..d");
    CHECK_STREQ(dir_of("..."), "db-....d");
    CHECK_STREQ(dir_of("default"), "db-default.d");
    CHECK_STREQ(dir_of("-"), "db--.d");
    CHECK_STREQ(dir_of("a.d"), "db-a.d.d");
    CHECK_STREQ(dir_of("Z9_x-Y.q"), "db-^z9_x-^y.q.d");
    CHECK_STREQ(dir_of(""), "(refused)");
    CHECK_STREQ(dir_of("."), "(refused)");
    CHECK_STREQ(dir_of(".."), "(refused)");
    CHECK_STREQ(dir_of("a/b"), "(refused)");
    CHECK_STREQ(dir_of("../x"), "(refused)");
    CHECK_STREQ(dir_of("x^y"), "(refused)");
}

TEST(buffer_sizes)
{
    char name[PT_DBNAME_MAX + 1], out[PT_DBNAME_DIR_SIZE], back[PT_DBNAME_MAX + 1];

    /* the longest directory: every character escaped */
    memset(name, 'Q', PT_DBNAME_MAX);
    name[PT_DBNAME_MAX] = '\0';
    CHECK_EQ_INT(pt_dbname_dir(name, out, sizeof(out)), 0);
    CHECK_EQ_INT(strlen(out) + 1, PT_DBNAME_DIR_SIZE);
    CHECK_EQ_INT(pt_dbname_dir(name, out, sizeof(out) - 1), -ERANGE);
    CHECK_EQ_INT(pt_dbname_from_dir(out, back, sizeof(back)), 0);
    CHECK_STREQ(back, name);
    CHECK_EQ_INT(pt_dbname_from_dir(out, back, PT_DBNAME_MAX), -ERANGE);
    /* exactly enough, and one byte short */
    CHECK_EQ_INT(pt_dbname_dir("Ab", out, 9), 0);
    CHECK_STREQ(out, "db-^ab.d");
    CHECK_EQ_INT(pt_dbname_dir("Ab", out, 8), -ERANGE);
    CHECK_EQ_INT(pt_dbname_from_dir("db-^ab.d", back, 3), 0);
    CHECK_STREQ(back, "Ab");
    CHECK_EQ_INT(pt_dbname_from_dir("db-^ab.d", back, 2), -ERANGE);
    /* a refused name is refused before the size matters */
    CHECK_EQ_INT(pt_dbname_dir("..", out, 1), -EINVAL);
}

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

static int ci_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;

    for (;; x++, y++) {
        int d = ascii_lower((unsigned char)*x) - ascii_lower((unsigned char)*y);
        if (d || !*x)
            return d;
    }
}

/* What Windows refuses or changes in a directory name. */
static void check_windows_safe(const char *dir)
{
    static const char *reserved[] = {"con", "prn", "aux", "nul", "com1", "com2", "com3",
                                     "com4", "com5", "com6", "com7", "com8", "com9", "lpt1",
                                     "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8",
                                     "lpt9", "com0", "lpt0"};
    size_t len = strlen(dir), base = strcspn(dir, ".");

    CHECK(len > 5 && strncmp(dir, "db-", 3) == 0 && strcmp(dir + len - 2, ".d") == 0);
    CHECK(dir[len - 1] != '.' && dir[len - 1] != ' ');
    for (size_t i = 0; i < len; i++)
        if ((dir[i] >= 'A' && dir[i] <= 'Z') || strchr("<>:\"/\\|?* ", dir[i])) {
            fprintf(stderr, "%s: '%c' at %zu\n", dir, dir[i], i);
            CHECK(0);
            break;
        }
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (base == strlen(reserved[i]) && strncmp(dir, reserved[i], base) == 0) {
            fprintf(stderr, "%s: a device name\n", dir);
            CHECK(0);
        }
}

/* Every name of 1 to 3 characters: each maps to a Windows-safe directory
 * that maps back to it, and no two directories are equal when case is
 * ignored (so "Foo" and "foo", "CON" and "con" stay apart). */
TEST(all_short_names)
{
    size_t max = NCHARSET + NCHARSET * NCHARSET + NCHARSET * NCHARSET * NCHARSET, n = 0;
    char **dirs = calloc(max, sizeof(char *));
    char name[4], back[PT_DBNAME_MAX + 1], out[PT_DBNAME_DIR_SIZE];
    int bad = 0, dups = 0;

    CHECK(dirs != NULL);
    if (!dirs)
        return;
    for (size_t len = 1; len <= 3; len++) {
        size_t total = len == 1 ? NCHARSET : len == 2 ? NCHARSET * NCHARSET
                                                      : NCHARSET * NCHARSET * NCHARSET;
        for (size_t k = 0; k < total; k++) {
            size_t v = k;
            for (size_t i = 0; i < len; i++, v /= NCHARSET)
                name[i] = charset[v % NCHARSET];
            name[len] = '\0';
            if (!strcmp(name, ".") || !strcmp(name, "..")) {
                bad += pt_dbname_dir(name, out, sizeof(out)) != -EINVAL;
                continue;
            }
            if (pt_dbname_dir(name, out, sizeof(out)) != 0 ||
                pt_dbname_from_dir(out, back, sizeof(back)) != 0 || strcmp(back, name) != 0) {
                if (bad++ < 5)
                    fprintf(stderr, "\"%s\" -> \"%s\" -> \"%s\"\n", name, out, back);
                continue;
            }
            if (len == 3 && k % 97 != 0) { /* a sample of the long ones, for speed */
                dirs[n++] = strdup(out);
                continue;
            }
            check_windows_safe(out);
            dirs[n++] = strdup(out);
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(n, max - 2);
    qsort(dirs, n, sizeof(char *), ci_cmp);
    for (size_t i = 1; i < n; i++)
        if (ci_cmp(&dirs[i - 1], &dirs[i]) == 0 && dups++ < 5)
            fprintf(stderr, "\"%s\" and \"%s\" meet\n", dirs[i - 1], dirs[i]);
    CHECK_EQ_INT(dups, 0);
    for (size_t i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
}

/* Long names, drawn at random: round trips, and a flipped letter's case
 * gives another directory even ignoring case. */
TEST(random_long_names)
{
    unsigned long long x = 88172645463325252ull;
    char name[PT_DBNAME_MAX + 1], other[PT_DBNAME_MAX + 1];
    char d1[PT_DBNAME_DIR_SIZE], d2[PT_DBNAME_DIR_SIZE], back[PT_DBNAME_MAX + 1];

    for (int t = 0; t < 20000; t++) {
        size_t len, flip = 0;
        int letter = -1;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        len = 4 + (size_t)(x % (PT_DBNAME_MAX - 3));
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            name[i] = charset[x % NCHARSET];
            if (name[i] >= 'A' && name[i] <= 'z' && (name[i] <= 'Z' || name[i] >= 'a'))
                letter = (int)(flip = i);
        }
        name[len] = '\0';
        CHECK_EQ_INT(pt_dbname_dir(name, d1, sizeof(d1)), 0);
        CHECK_EQ_INT(pt_dbname_from_dir(d1, back, sizeof(back)), 0);
        CHECK_STREQ(back, name);
        check_windows_safe(d1);
        if (letter < 0)
            continue;
        memcpy(other, name, len + 1);
        other[flip] = (char)(other[flip] ^ 0x20); /* the same letter, the other case */
        CHECK_EQ_INT(pt_dbname_dir(other, d2, sizeof(d2)), 0);
        {
            const char *a = d1, *b = d2;
            CHECK(ci_cmp(&a, &b) != 0);
        }
    }
}

TEST(from_dir_refuses)
{
    static const char *bad[] = {
        "",          "db-",        "db-.d",        "db-d",          "db-a",
        "db-a.",     "db-a.D",     "db-a.dx",      "Db-a.d",        "DB-a.d",
        "db_a.d",    "xdb-a.d",    " db-a.d",      "db-a.d ",       "db-X.d",
        "db-fOo.d",  "db-CON.d",   "db-^.d",       "db-^A.d",       "db-a^.d",
        "db-^1.d",   "db-^^a.d",   "db-^-.d",      "db-^.a.d",      "db-..d",
        "db-...d",   "db-a/b.d",   "db-a\\b.d",    "db-a b.d",      "db-a:b.d",
        "db-caf\xc3\xa9.d",        "db-a\x01.d",   "default",       "db-^default.D",
        ".", "..",
    };
    char back[PT_DBNAME_MAX + 1], dir[PT_DBNAME_DIR_SIZE + 8];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pt_dbname_from_dir(bad[i], back, sizeof(back)) != -EINVAL) {
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
            CHECK(0);
        }
    CHECK_EQ_INT(pt_dbname_from_dir(NULL, back, sizeof(back)), -EINVAL);
    /* 64 characters are a name, 65 are not, escaped or not */
    memcpy(dir, "db-", 3);
    memset(dir + 3, 'k', 64);
    memcpy(dir + 67, ".d", 3);
    CHECK_EQ_INT(pt_dbname_from_dir(dir, back, sizeof(back)), 0);
    CHECK_EQ_INT(strlen(back), 64);
    memset(dir + 3, 'k', 65);
    memcpy(dir + 68, ".d", 3);
    CHECK_EQ_INT(pt_dbname_from_dir(dir, back, sizeof(back)), -EINVAL);
    for (int i = 0; i < 64; i++)
        memcpy(dir + 3 + 2 * i, "^k", 2);
    memcpy(dir + 3 + 128, ".d", 3);
    CHECK_EQ_INT(pt_dbname_from_dir(dir, back, sizeof(back)), 0);
    CHECK_EQ_INT(strlen(back), 64);
    CHECK(back[0] == 'K' && back[63] == 'K');
    memcpy(dir + 3 + 128, "^k.d", 5);
    CHECK_EQ_INT(pt_dbname_from_dir(dir, back, sizeof(back)), -EINVAL);
}

TEST(from_dir_accepts)
{
    char back[PT_DBNAME_MAX + 1];

    CHECK_EQ_INT(pt_dbname_from_dir("db-a.d.d", back, sizeof(back)), 0);
    CHECK_STREQ(back, "a.d");
    CHECK_EQ_INT(pt_dbname_from_dir("db-a..d", back, sizeof(back)), 0);
    CHECK_STREQ(back, "a.");
    CHECK_EQ_INT(pt_dbname_from_dir("db-....d", back, sizeof(back)), 0);
    CHECK_STREQ(back, "...");
    CHECK_EQ_INT(pt_dbname_from_dir("db-^c^o^n.d", back, sizeof(back)), 0);
    CHECK_STREQ(back, "CON");
    CHECK_EQ_INT(pt_dbname_from_dir("db-^foo.d", back, sizeof(back)), 0);
    CHECK_STREQ(back, "Foo");
    CHECK_EQ_INT(pt_dbname_from_dir("db-default.d", back, sizeof(back)), 0);
    CHECK_STREQ(back, PT_DB_DEFAULT);
}

TEST(quote)
{
    char out[32];

    pt_dbname_quote("plain-name", 10, out, sizeof(out));
    CHECK_STREQ(out, "plain-name");
    pt_dbname_quote("a\"b\\c\nd\0e", 9, out, sizeof(out));
    CHECK_STREQ(out, "a\\\"b\\\\c\\x0ad\\x00e");
    pt_dbname_quote("abcdefghij", 10, out, 8);
    CHECK_STREQ(out, "abcd...");
    pt_dbname_quote("abcdefg", 7, out, 8);
    CHECK_STREQ(out, "abcdefg");
    pt_dbname_quote("\n\n\n", 3, out, 6);
    CHECK_STREQ(out, "...");
    pt_dbname_quote("", 0, out, sizeof(out));
    CHECK_STREQ(out, "");
}

int main(void)
{
    RUN(valid_names);
    RUN(length_rule);
    RUN(character_rule);
    RUN(dot_rule);
    RUN(known_directories);
    RUN(buffer_sizes);
    RUN(all_short_names);
    RUN(random_long_names);
    RUN(from_dir_refuses);
    RUN(from_dir_accepts);
    RUN(quote);
    return CHECK_DONE();
}
