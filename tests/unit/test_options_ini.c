/* test_options_ini.c - rocksdb.options_file: the INI reader (comments,
 * indentation, line numbers, sections, long lines), its mapping onto the
 * config, the deprecation and contradiction warnings, the precedence fold
 * used by reloads, the printer, and a fuzz-style loop over truncated and
 * mutated files (run under ASan/UBSan by tests/run.sh).
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "../../config/config.h"
#include "../../config/keys.h"
#include "../../config/options_ini.h"
#include "check.h"
#include "fuzz_config.h"
#include "print_config.h"

/* Parse text as "o.ini" over fresh defaults; d is left for the caller. */
static int parse(pt_config *c, pt_diag *d, const char *text)
{
    CHECK_EQ_INT(config_init_defaults(c), 0);
    diag_init(d);
    return options_ini_parse(c, "o.ini", text, strlen(text), d);
}

static const pt_opt *find(const pt_optlist *l, const char *name)
{
    return optlist_find(l, name);
}

/* name = value from file:line:col. */
static void expect_opt(const pt_optlist *l, const char *name, const char *value,
                       unsigned line, unsigned col)
{
    const pt_opt *o = find(l, name);

    CHECK(o != NULL);
    if (!o) {
        fprintf(stderr, "  missing %s\n", name);
        return;
    }
    CHECK_STREQ(o->value, value);
    CHECK_STREQ(o->file, "o.ini");
    CHECK_EQ_INT(o->line, line);
    CHECK_EQ_INT(o->col, col);
}

static void expect_diag(const pt_diag *d, const char *needle)
{
    if (!strstr(diag_text(d), needle))
        fprintf(stderr, "  wanted: %s\n  got: %s", needle, diag_text(d));
    CHECK(strstr(diag_text(d), needle) != NULL);
}

static const pt_relation *rel(const pt_config *c, const char *name)
{
    return config_relation(c, name);
}

/* ---- the reader ----------------------------------------------------------------- */

/* A file as RocksDB writes it: indented keys, [Version], every section kind. */
TEST(rocksdb_layout)
{
    pt_config c;
    pt_diag d;

    CHECK_EQ_INT(parse(&c, &d,
                       "# This is a RocksDB option file.\n"             /* 1 */
                       "#\n"                                            /* 2 */
                       "[Version]\n"                                    /* 3 */
                       "  rocksdb_version=7.8.3\n"                      /* 4 */
                       "  options_file_version=1.1\n"                   /* 5 */
                       "\n"                                             /* 6 */
                       "[DBOptions]\n"                                  /* 7 */
                       "  max_background_jobs=4\n"                      /* 8 */
                       "  bytes_per_sync=1048576\n"                     /* 9 */
                       "  wal_dir=\n"                                   /* 10 */
                       "  \n"                                           /* 11 */
                       "[CFOptions \"default\"]\n"                      /* 12 */
                       "  write_buffer_size=67108864\n"                 /* 13 */
                       "  compaction_options_fifo={allow_compaction=false;max_table_files_size=1;}\n"
                       "[TableOptions/BlockBasedTable \"default\"]\n"   /* 15 */
                       "  block_size=16384\n"                           /* 16 */
                       "  filter_policy=bloomfilter:10:false\n"         /* 17 */
                       "[CFOptions \"CodeGraph\"]\n"                    /* 18 */
                       "\twrite_buffer_size=33554432\n"                 /* 19 */
                       "[TableOptions/BlockBasedTable \"CodeGraph\"]\n" /* 20 */
                       "  cache_index_and_filter_blocks=true\n"),       /* 21 */
                 0);
    CHECK_STREQ(diag_text(&d), "");
    /* Indented keys are keys, not continuations of the first one. */
    CHECK_EQ_INT(c.ini_db_options.n, 3);
    expect_opt(&c.ini_db_options, "max_background_jobs", "4", 8, 3);
    expect_opt(&c.ini_db_options, "bytes_per_sync", "1048576", 9, 3);
    expect_opt(&c.ini_db_options, "wal_dir", "", 10, 3);
    CHECK_EQ_INT(c.ini_cf_options.n, 4);
    expect_opt(&c.ini_cf_options, "write_buffer_size", "67108864", 13, 3);
    expect_opt(&c.ini_cf_options, "compaction_options_fifo",
               "{allow_compaction=false;max_table_files_size=1;}", 14, 3);
    expect_opt(&c.ini_cf_options, "block_based_table_factory.block_size", "16384", 16, 3);
    expect_opt(&c.ini_cf_options, "block_based_table_factory.filter_policy",
               "bloomfilter:10:false", 17, 3);
    CHECK_EQ_INT(rel(&c, "CodeGraph")->ini_cf_options.n, 2);
    expect_opt(&rel(&c, "CodeGraph")->ini_cf_options, "write_buffer_size", "33554432", 19, 2);
    expect_opt(&rel(&c, "CodeGraph")->ini_cf_options,
               "block_based_table_factory.cache_index_and_filter_blocks", "true", 21, 3);
    CHECK_EQ_INT(rel(&c, "IgnoredFiles")->ini_cf_options.n, 0);
    /* The YAML maps are untouched: the three built-in db options. */
    CHECK_EQ_INT(c.db_options.n, 3);
    config_free(&c);
    diag_free(&d);
}

TEST(comments)
{
    pt_config c;
    pt_diag d;

    CHECK_EQ_INT(parse(&c, &d,
                       "; semicolon comment\n"
                       "# hash comment\n"
                       "  # indented comment\n"
                       "[DBOptions]   # trailing comment on a header\n"
                       "max_background_jobs = 8   # eight\n"
                       "bytes_per_sync=2097152 ; two MB\n"
                       "delayed_write_rate=1#not a comment\n"
                       "db_log_dir = /var/log/x # y ; z\n"
                       "wal_dir = # nothing\n"
                       "max_open_files :  100\n"
                       "[CFOptions \"default\"];comment\n"
                       "compression=kLZ4Compression\t# tab before\n"),
                 0);
    CHECK_STREQ(diag_text(&d), "");
    expect_opt(&c.ini_db_options, "max_background_jobs", "8", 5, 1);
    expect_opt(&c.ini_db_options, "bytes_per_sync", "2097152", 6, 1);
    expect_opt(&c.ini_db_options, "delayed_write_rate", "1#not a comment", 7, 1);
    expect_opt(&c.ini_db_options, "db_log_dir", "/var/log/x", 8, 1);
    expect_opt(&c.ini_db_options, "wal_dir", "", 9, 1);
    expect_opt(&c.ini_db_options, "max_open_files", "100", 10, 1);
    expect_opt(&c.ini_cf_options, "compression", "kLZ4Compression", 12, 1);
    config_free(&c);
    diag_free(&d);
}

/* CRLF line ends and a UTF-8 byte order mark, as Windows editors write. */
TEST(crlf_bom)
{
    pt_config c;
    pt_diag d;

    CHECK_EQ_INT(parse(&c, &d, "\xEF\xBB\xBF[DBOptions]\r\n  max_background_jobs=3\r\n"
                               "\r\n[CFOptions \"default\"]\r\n  num_levels=5 # x\r\n"),
                 0);
    CHECK_STREQ(diag_text(&d), "");
    expect_opt(&c.ini_db_options, "max_background_jobs", "3", 2, 3);
    expect_opt(&c.ini_cf_options, "num_levels", "5", 5, 3);
    config_free(&c);
    diag_free(&d);
}

/* Longer than inih's 200-byte line buffer: RocksDB writes such lines. */
TEST(long_lines)
{
    pt_config c;
    pt_diag d;
    char text[2048], value[700];

    memset(value, 0, sizeof value);
    strcpy(value, "{incremental=false;compression_size_percent=-1;allow_trivial_move=false;"
                  "max_size_amplification_percent=200;max_merge_width=4294967295;"
                  "stop_style=kCompactionStopStyleTotalSize;min_merge_width=2;size_ratio=1;}");
    CHECK(strlen(value) > 200);
    snprintf(text, sizeof text,
             "[CFOptions \"default\"]\n  compaction_options_universal=%s\n"
             "  x_after=1\n  y_long=%0600d ; comment\n  z=2\n",
             value, 7);
    CHECK_EQ_INT(parse(&c, &d, text), 0);
    CHECK_STREQ(diag_text(&d), "");
    expect_opt(&c.ini_cf_options, "compaction_options_universal", value, 2, 3);
    expect_opt(&c.ini_cf_options, "x_after", "1", 3, 3);
    CHECK(find(&c.ini_cf_options, "y_long") && strlen(find(&c.ini_cf_options, "y_long")->value) == 600);
    expect_opt(&c.ini_cf_options, "z", "2", 5, 3);
    config_free(&c);
    diag_free(&d);
}

TEST(sections)
{
    pt_config c;
    pt_diag d;

    /* A relation that is not configured: a warning, its keys skipped. */
    CHECK_EQ_INT(parse(&c, &d, "[CFOptions \"Nope\"]\n  write_buffer_size=1\n"
                               "[TableOptions/BlockBasedTable \"Nope\"]\n  block_size=1\n"
                               "[CFOptions \"IgnoredFiles\"]\n  write_buffer_size=2\n"),
                 0);
    CHECK_STREQ(diag_text(&d),
                "o.ini:1:1: warning: no relation named \"Nope\": this section is ignored\n"
                "o.ini:3:1: warning: no relation named \"Nope\": this section is ignored\n");
    CHECK_EQ_INT(d.warnings, 2);
    CHECK_EQ_INT(c.ini_cf_options.n, 0);
    expect_opt(&rel(&c, "IgnoredFiles")->ini_cf_options, "write_buffer_size", "2", 6, 3);
    config_free(&c);
    diag_free(&d);

    /* A key set twice: the later one wins, with a warning. */
    CHECK_EQ_INT(parse(&c, &d, "[DBOptions]\nmax_open_files=1\n[DBOptions]\nmax_open_files=2\n"),
                 0);
    CHECK_STREQ(diag_text(&d), "o.ini:4:1: warning: max_open_files set again (first at line 2);"
                               " the later value wins\n");
    expect_opt(&c.ini_db_options, "max_open_files", "2", 4, 1);
    config_free(&c);
    diag_free(&d);
}

/* Every bad line is reported, each at its own line; inih alone would
 * report only the first. */
TEST(errors)
{
    pt_config c;
    pt_diag d;
    static const char text[] =
        "max_open_files=1\n"                         /* 1: outside a section */
        "[DBOptions\n"                               /* 2: no ] */
        "[DBOptions]\n"                              /* 3 */
        "just words\n"                               /* 4: no = */
        "bad-name=1\n"                               /* 5: bad name */
        "=1\n"                                       /* 6: empty name */
        "ok_one=1\n"                                 /* 7 */
        "two=1;three=2\n"                            /* 8: ; outside braces */
        "nested={a=1\n"                              /* 9: unbalanced */
        "[Unknown]\n"                                /* 10 */
        "[TableOptions/PlainTable \"default\"]\n"    /* 11 */
        "[CFOptions default]\n"                      /* 12: no quotes */
        "[CFOptions \"default\"] junk\n"             /* 13: junk after ] */
        "[CFOptions \"default\"]\n"                  /* 14 */
        "ok_two=2\n";                                /* 15 */

    CHECK_EQ_INT(parse(&c, &d, text), -EINVAL);
    CHECK_STREQ(diag_text(&d),
                "o.ini:1:1: option max_open_files is outside any section\n"
                "o.ini:2:1: bad section header (expected [Name] or [Name \"scope\"])\n"
                "o.ini:4:1: expected name = value, a [section] or a comment\n"
                "o.ini:5:1: bad option name (1..128 characters of A-Z a-z 0-9 _ .)\n"
                "o.ini:6:1: bad option name (1..128 characters of A-Z a-z 0-9 _ .)\n"
                "o.ini:8:1: two: value \"1;three=2\" has unbalanced braces or a ';' "
                "outside braces\n"
                "o.ini:9:1: nested: value \"{a=1\" has unbalanced braces or a ';' "
                "outside braces\n"
                "o.ini:10:1: unknown section [Unknown] (expected Version, DBOptions, "
                "CFOptions \"name\" or TableOptions/BlockBasedTable \"name\")\n"
                "o.ini:11:1: [TableOptions/PlainTable] is not supported: only "
                "BlockBasedTable table options\n"
                "o.ini:12:1: unknown section [CFOptions default] (expected Version, "
                "DBOptions, CFOptions \"name\" or TableOptions/BlockBasedTable \"name\")\n"
                "o.ini:13:1: bad section header (expected [Name] or [Name \"scope\"])\n");
    CHECK_EQ_INT(d.errors, 11);
    /* The good lines still landed where they belong. */
    expect_opt(&c.ini_db_options, "ok_one", "1", 7, 1);
    expect_opt(&c.ini_cf_options, "ok_two", "2", 15, 1);
    config_free(&c);
    diag_free(&d);

    CHECK_EQ_INT(parse(&c, &d, "[DBOptions]\nx=1\ny=\0\n"), 0); /* strlen stops at NUL */
    config_free(&c);
    diag_free(&d);
    CHECK_EQ_INT(config_init_defaults(&c), 0);
    diag_init(&d);
    CHECK_EQ_INT(options_ini_parse(&c, "o.ini", "[DBOptions]\nx=\0y\nz=1\n", 20, &d), -EINVAL);
    CHECK_STREQ(diag_text(&d), "o.ini:2:1: contains a NUL byte\n");
    expect_opt(&c.ini_db_options, "z", "1", 3, 1);
    config_free(&c);
    diag_free(&d);
}

/* ---- lint ---------------------------------------------------------------------- */

TEST(deprecated)
{
    pt_config c;
    pt_diag d;

    CHECK_EQ_INT(parse(&c, &d, "[DBOptions]\n"
                               "  base_background_compactions=2\n"
                               "  max_background_compactions=-1\n"
                               "  max_background_flushes=-1\n"
                               "[CFOptions \"default\"]\n"
                               "  soft_rate_limit=0.5\n"
                               "  max_write_buffer_number_to_maintain=0\n"
                               "  max_write_buffer_number_to_maintain=2\n"
                               "[TableOptions/BlockBasedTable \"CodeGraph\"]\n"
                               "  hash_index_allow_collision=true\n"),
                 0);
    diag_free(&d);
    diag_init(&d);
    CHECK_EQ_INT(options_lint(&c, &d), 4);
    CHECK_STREQ(diag_text(&d),
                "o.ini:2:3: warning: base_background_compactions is deprecated in RocksDB 7 "
                "(ignored; max_background_jobs sizes the pools)\n"
                "o.ini:6:3: warning: soft_rate_limit is deprecated in RocksDB 7 "
                "(ignored; see soft_pending_compaction_bytes_limit)\n"
                "o.ini:8:3: warning: max_write_buffer_number_to_maintain is deprecated in "
                "RocksDB 7 (see max_write_buffer_size_to_maintain)\n"
                "o.ini:10:3: warning: block_based_table_factory.hash_index_allow_collision is "
                "deprecated in RocksDB 7 (ignored)\n");
    CHECK(options_deprecated("soft_rate_limit", "1") != NULL);
    CHECK(options_deprecated("max_write_buffer_number_to_maintain", "0") == NULL);
    CHECK(options_deprecated("write_buffer_size", "1") == NULL);
    config_free(&c);
    diag_free(&d);

    /* Built-in defaults never warn. */
    CHECK_EQ_INT(config_init_defaults(&c), 0);
    diag_init(&d);
    CHECK_EQ_INT(options_lint(&c, &d), 0);
    config_free(&c);
    diag_free(&d);
}

TEST(contradictions)
{
    pt_config c;
    pt_diag d;

    /* With only the built-in max_background_jobs. */
    CHECK_EQ_INT(parse(&c, &d, "[DBOptions]\n  max_background_compactions=4\n"), 0);
    diag_free(&d);
    diag_init(&d);
    CHECK_EQ_INT(options_lint(&c, &d), 1);
    CHECK_STREQ(diag_text(&d),
                "o.ini:2:3: warning: max_background_compactions = 4 contradicts "
                "max_background_jobs = 6 (<built-in>): RocksDB then ignores "
                "max_background_jobs; both legacy limits are deprecated, set only "
                "max_background_jobs\n");
    config_free(&c);
    diag_free(&d);

    /* Both in the file: the warning says where max_background_jobs is. */
    CHECK_EQ_INT(parse(&c, &d, "[DBOptions]\n  max_background_jobs=8\n"
                               "  max_background_flushes=2\n  max_background_compactions=-1\n"),
                 0);
    diag_free(&d);
    diag_init(&d);
    CHECK_EQ_INT(options_lint(&c, &d), 1);
    expect_diag(&d, "o.ini:3:3: warning: max_background_flushes = 2 contradicts "
                    "max_background_jobs = 8 (o.ini:2)");
    /* The YAML setting the legacy limit back to -1 ends the contradiction. */
    CHECK_EQ_INT(optlist_set(&c.db_options, "max_background_flushes", "-1", "t.yaml", 4, 5), 0);
    diag_free(&d);
    diag_init(&d);
    CHECK_EQ_INT(options_lint(&c, &d), 0);
    config_free(&c);
    diag_free(&d);
}

/* ---- with the YAML -------------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

static int load_yaml(pt_config *c, pt_diag *d, const char *yaml)
{
    char path[256];

    write_file("p.yaml", yaml);
    snprintf(path, sizeof path, "%s/p.yaml", tmpdir);
    CHECK_EQ_INT(config_init_defaults(c), 0);
    diag_init(d);
    return config_load_file(c, path, d);
}

TEST(from_yaml)
{
    pt_config c;
    pt_diag d;
    char want[512];

    /* Relative to the YAML's directory; read after the relations. */
    write_file("o.ini", "[DBOptions]\n  max_background_jobs=3\n"
                        "[CFOptions \"Mine\"]\n  write_buffer_size=1048576\n"
                        "[CFOptions \"default\"]\n  soft_rate_limit=2\n");
    CHECK_EQ_INT(load_yaml(&c, &d, "relations: {Mine: {}}\nrocksdb:\n  options_file: o.ini\n"
                                   "  db_options: {max_background_flushes: 1}\n"),
                 0);
    snprintf(want, sizeof want,
             "%s/o.ini:6:3: warning: soft_rate_limit is deprecated in RocksDB 7 (ignored; see "
             "soft_pending_compaction_bytes_limit)\n"
             "%s/p.yaml:4:40: warning: max_background_flushes = 1 contradicts "
             "max_background_jobs = 3 (%s/o.ini:2): RocksDB then ignores max_background_jobs;"
             " both legacy limits are deprecated, set only max_background_jobs\n",
             tmpdir, tmpdir, tmpdir);
    CHECK_STREQ(diag_text(&d), want);
    CHECK_EQ_INT(d.errors, 0);
    CHECK(find(&c.ini_db_options, "max_background_jobs") != NULL);
    CHECK(find(&rel(&c, "Mine")->ini_cf_options, "write_buffer_size") != NULL);
    config_free(&c);
    diag_free(&d);

    /* A missing file is reported where the YAML names it. */
    CHECK_EQ_INT(load_yaml(&c, &d, "rocksdb:\n  options_file: missing.ini\n"), -EINVAL);
    snprintf(want, sizeof want,
             "%s/p.yaml:2:17: rocksdb.options_file: cannot open %s/missing.ini: "
             "No such file or directory\n", tmpdir, tmpdir);
    CHECK_STREQ(diag_text(&d), want);
    config_free(&c);
    diag_free(&d);

    /* Errors in the INI fail the load, at the INI's lines. */
    write_file("bad.ini", "[DBOptions]\n  what\n");
    CHECK_EQ_INT(load_yaml(&c, &d, "rocksdb: {options_file: bad.ini}\n"), -EINVAL);
    snprintf(want, sizeof want,
             "%s/bad.ini:2:3: expected name = value, a [section] or a comment\n", tmpdir);
    CHECK_STREQ(diag_text(&d), want);
    config_free(&c);
    diag_free(&d);

    /* Not read when the YAML is already wrong. */
    CHECK_EQ_INT(load_yaml(&c, &d, "rocksdb: {options_file: bad.ini}\nbogus: 1\n"), -EINVAL);
    CHECK_EQ_INT(d.errors, 1);
    config_free(&c);
    diag_free(&d);
}

/* Built-in defaults < options_file < rocksdb.*_options < relations.<Name>. */
TEST(precedence_fold)
{
    pt_config c;
    pt_diag d;
    pt_optlist l;
    const pt_opt *o;

    write_file("f.ini", "[DBOptions]\n  max_background_jobs=3\n  max_open_files=50\n"
                        "[CFOptions \"default\"]\n  write_buffer_size=1000\n  num_levels=5\n"
                        "  level0_stop_writes_trigger=30\n"
                        "[TableOptions/BlockBasedTable \"default\"]\n  block_size=8192\n"
                        "[CFOptions \"A\"]\n  num_levels=6\n  max_write_buffer_number=9\n");
    CHECK_EQ_INT(load_yaml(&c, &d, "relations: {A: {cf_options: {max_write_buffer_number: 3, "
                                   "block_based_table_factory: {block_size: 4096}}}, B: {}}\n"
                                   "rocksdb:\n  options_file: f.ini\n"
                                   "  db_options: {max_open_files: 70}\n"
                                   "  cf_options: {num_levels: 4}\n"),
                 0);
    CHECK_EQ_INT(config_scope_options(&c, NULL, &l), 0);
    CHECK_STREQ(find(&l, "max_background_jobs")->value, "3"); /* file over built-in 6 */
    CHECK_STREQ(find(&l, "max_open_files")->value, "70");     /* YAML over file */
    CHECK_STREQ(find(&l, "bytes_per_sync")->value, "1048576"); /* built-in */
    optlist_free(&l);

    CHECK_EQ_INT(config_scope_options(&c, rel(&c, "A"), &l), 0);
    CHECK_STREQ(find(&l, "write_buffer_size")->value, "1000");  /* file over built-in */
    CHECK_STREQ(find(&l, "num_levels")->value, "4");            /* rocksdb.cf_options wins */
    CHECK_STREQ(find(&l, "max_write_buffer_number")->value, "3"); /* relations.A wins */
    CHECK_STREQ(find(&l, "level0_stop_writes_trigger")->value, "30");
    o = find(&l, "block_based_table_factory.block_size");
    CHECK(o && strcmp(o->value, "8192") == 0);
    /* The nested YAML value comes after, as RocksDB merges it last. */
    o = find(&l, "block_based_table_factory");
    CHECK(o && strcmp(o->value, "{block_size=4096}") == 0 && o > find(&l, "num_levels"));
    optlist_free(&l);

    CHECK_EQ_INT(config_scope_options(&c, rel(&c, "B"), &l), 0);
    CHECK_STREQ(find(&l, "max_write_buffer_number")->value, "4"); /* built-in */
    CHECK(find(&l, "block_based_table_factory") == NULL);
    optlist_free(&l);
    config_free(&c);
    diag_free(&d);

    /* Nested values from two layers are both kept, in order. */
    CHECK_EQ_INT(config_init_defaults(&c), 0);
    CHECK_EQ_INT(optlist_set(&c.cf_options, "compaction_options_universal", "{size_ratio=2}",
                             "y", 1, 1), 0);
    CHECK_EQ_INT(optlist_set(&c.relations[0].cf_options, "compaction_options_universal",
                             "{min_merge_width=3}", "y", 2, 1), 0);
    CHECK_EQ_INT(config_scope_options(&c, &c.relations[0], &l), 0);
    {
        size_t n = 0, first = 0, second = 0;
        for (size_t i = 0; i < l.n; i++)
            if (strcmp(l.v[i].name, "compaction_options_universal") == 0) {
                n++;
                if (strcmp(l.v[i].value, "{size_ratio=2}") == 0)
                    first = i;
                else
                    second = i;
            }
        CHECK_EQ_INT(n, 2);
        CHECK(first < second);
    }
    optlist_free(&l);
    config_free(&c);
}


/* The value config_scope_options gives name in relation A's scope. */
static const char *value_in_a(const char *yaml, const char *name)
{
    static char got[64];
    pt_config c;
    pt_diag d;
    pt_optlist l;
    const pt_opt *o;

    got[0] = '\0';
    CHECK_EQ_INT(load_yaml(&c, &d, yaml), 0);
    CHECK_EQ_INT(config_scope_options(&c, rel(&c, "A"), &l), 0);
    o = find(&l, name);
    if (o)
        snprintf(got, sizeof got, "%s", o->value);
    optlist_free(&l);
    config_free(&c);
    diag_free(&d);
    return got;
}

/* One option set in every layer: each layer wins over the ones below it,
 * which is the order the store opens with. */
TEST(precedence_order)
{
    static const char rel_a[] = "relations: {A: {cf_options: {max_write_buffer_number: 8}}}\n";
    static const char rel_a_plain[] = "relations: {A: {}}\n";
    static const char yaml_cf[] = "rocksdb:\n  options_file: order.ini\n"
                                  "  cf_options: {max_write_buffer_number: 7}\n";
    static const char no_yaml_cf[] = "rocksdb:\n  options_file: order.ini\n";
    char yaml[512];
    pt_config c;
    pt_diag d;
    pt_optlist l;
    const pt_opt *o;

    /* built-in 4 < [CFOptions "default"] 5 < [CFOptions "A"] 6
     *   < rocksdb.cf_options 7 < relations.A.cf_options 8 */
    write_file("order.ini", "[CFOptions \"default\"]\n  max_write_buffer_number=5\n"
                            "[CFOptions \"A\"]\n  max_write_buffer_number=6\n");
    snprintf(yaml, sizeof yaml, "%s%s", rel_a, yaml_cf);
    CHECK_STREQ(value_in_a(yaml, "max_write_buffer_number"), "8");
    snprintf(yaml, sizeof yaml, "%s%s", rel_a_plain, yaml_cf);
    CHECK_STREQ(value_in_a(yaml, "max_write_buffer_number"), "7");
    snprintf(yaml, sizeof yaml, "%s%s", rel_a_plain, no_yaml_cf);
    CHECK_STREQ(value_in_a(yaml, "max_write_buffer_number"), "6");
    write_file("order.ini", "[CFOptions \"default\"]\n  max_write_buffer_number=5\n");
    CHECK_STREQ(value_in_a(yaml, "max_write_buffer_number"), "5");
    CHECK_STREQ(value_in_a(rel_a_plain, "max_write_buffer_number"), "4");

    /* The winner appears once, with the origin of its layer. */
    write_file("order.ini", "[CFOptions \"default\"]\n  max_write_buffer_number=5\n"
                            "[CFOptions \"A\"]\n  max_write_buffer_number=6\n");
    snprintf(yaml, sizeof yaml, "%s%s", rel_a, yaml_cf);
    CHECK_EQ_INT(load_yaml(&c, &d, yaml), 0);
    CHECK_EQ_INT(config_scope_options(&c, rel(&c, "A"), &l), 0);
    {
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++)
            n += strcmp(l.v[i].name, "max_write_buffer_number") == 0;
        CHECK_EQ_INT(n, 1);
    }
    o = find(&l, "max_write_buffer_number");
    CHECK(o && o->line == 1 && strstr(o->file, "p.yaml") != NULL);
    optlist_free(&l);
    /* A column family that is no relation gets the shared layers only. */
    CHECK_EQ_INT(config_cf_base_options(&c, &l), 0);
    CHECK_STREQ(find(&l, "max_write_buffer_number")->value, "7");
    optlist_free(&l);
    /* Every value written, the overridden ones too, for checking (the
     * built-in one is replaced in its map by the YAML's). */
    CHECK_EQ_INT(config_written_options(&c, &l), 0);
    {
        size_t n = 0;
        for (size_t i = 0; i < l.n; i++)
            n += strcmp(l.v[i].name, "max_write_buffer_number") == 0;
        CHECK_EQ_INT(n, 4);
    }
    optlist_free(&l);
    config_free(&c);
    diag_free(&d);

    /* The database: what the daemon needs to open outranks the file
     * (RocksDB writes create_missing_column_families=false into its own
     * OPTIONS files), the user's YAML outranks both. */
    write_file("open.ini", "[DBOptions]\n  create_missing_column_families=false\n"
                           "  create_if_missing=false\n");
    CHECK_EQ_INT(load_yaml(&c, &d, "rocksdb: {options_file: open.ini}\n"), 0);
    CHECK_EQ_INT(config_scope_options(&c, NULL, &l), 0);
    CHECK_STREQ(find(&l, "create_missing_column_families")->value, "true");
    CHECK_STREQ(find(&l, "create_if_missing")->value, "true");
    optlist_free(&l);
    config_free(&c);
    diag_free(&d);
    CHECK_EQ_INT(load_yaml(&c, &d, "rocksdb:\n  options_file: open.ini\n"
                                   "  db_options: {create_if_missing: false}\n"), 0);
    CHECK_EQ_INT(config_scope_options(&c, NULL, &l), 0);
    CHECK_STREQ(find(&l, "create_if_missing")->value, "false");
    optlist_free(&l);
    config_free(&c);
    diag_free(&d);
}

/* --check-config's output shows what the file set, with its origin, and
 * loads back to the same configuration. */
TEST(printer)
{
    pt_config c, back;
    pt_diag d;
    char want[512], path[256], *text;

    write_file("pr.ini", "[DBOptions]\n  max_background_jobs=3\n"
                         "[CFOptions \"default\"]\n  num_levels=5\n"
                         "[CFOptions \"CodeGraph\"]\n  write_buffer_size=9\n");
    CHECK_EQ_INT(load_yaml(&c, &d, "rocksdb:\n  options_file: pr.ini\n"
                                   "  cf_options: {num_levels: 6}\n"),
                 0);
    text = print_to_string(&c);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(strstr(text, "\n    # max_background_jobs: 6  # <built-in>, replaced by options_file\n"));
    CHECK(strstr(text, "\n    # bytes_per_sync: 1048576  # <built-in>, below options_file\n"));
    CHECK(strstr(text, "\n    num_levels: 6  # "));
    snprintf(want, sizeof want, "\n  #     max_background_jobs: 3  # %s/pr.ini:2:3\n", tmpdir);
    CHECK(strstr(text, want));
    snprintf(want, sizeof want,
             "\n  #     num_levels: 5  # %s/pr.ini:4:3 (overridden by rocksdb.cf_options)\n",
             tmpdir);
    CHECK(strstr(text, want));
    CHECK(strstr(text, "\n  #   relations.CodeGraph.cf_options:\n  #     write_buffer_size: 9"));
    /* Read back from the same directory, it is the same configuration. */
    write_file("printed.yaml", text);
    snprintf(path, sizeof path, "%s/printed.yaml", tmpdir);
    CHECK_EQ_INT(config_init_defaults(&back), 0);
    diag_free(&d);
    diag_init(&d);
    CHECK_EQ_INT(config_load_file(&back, path, &d), 0);
    if (!config_equal(&c, &back))
        fprintf(stderr, "  printed:\n%s", text);
    CHECK(config_equal(&c, &back));
    free(text);
    config_free(&back);
    config_free(&c);
    diag_free(&d);
}

/* ---- fuzz-style ------------------------------------------------------------------ */

static const char fuzz_seed[] =
    "# RocksDB option file\n"
    "[Version]\n  rocksdb_version=7.8.3\n  options_file_version=1.1\n\n"
    "[DBOptions]\n  max_background_jobs=4 # four\n  bytes_per_sync=1048576 ; one MB\n"
    "  max_background_compactions=-1\n  wal_dir=\n\n"
    "[CFOptions \"default\"]\n  write_buffer_size=67108864\n"
    "  compaction_options_universal={incremental=false;compression_size_percent=-1;"
    "allow_trivial_move=false;max_size_amplification_percent=200;max_merge_width=4294967295;"
    "stop_style=kCompactionStopStyleTotalSize;min_merge_width=2;size_ratio=1;}\n"
    "  soft_rate_limit=0.0\n"
    "[TableOptions/BlockBasedTable \"default\"]\n  block_size=16384\n"
    "  metadata_cache_options={unpartitioned_pinning=kFallback;partition_pinning=kFallback;}\n"
    "[CFOptions \"CodeGraph\"]\n\twrite_buffer_size=33554432\n"
    "[TableOptions/BlockBasedTable \"CodeGraph\"]\n  filter_policy=bloomfilter:10:false\n"
    "[CFOptions \"Nope\"]\n  x=1\n";

/* 1 when the parse ended as it should: ok, or errors reported. */
TEST(fuzz)
{
    static const char punct[] = "[]\"=:;# \t\n\r{}\\.\0";
    fuzz_plan p = {options_ini_parse, options_lint, fuzz_seed, sizeof fuzz_seed - 1,
                   punct, sizeof punct - 1, 6000, 400, 8192, 0x2545f4914f6cdd1du};

    CHECK_EQ_INT(fuzz_run(&p), 0);
}

static void rm_tmpdir(void)
{
#ifndef _WIN32
    static const char *const names[] = {"o.ini", "bad.ini", "f.ini", "pr.ini",
                                        "p.yaml", "printed.yaml"};
    char path[256];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
#endif
}

int main(void)
{
    const char *t = getenv("TMPDIR");

    snprintf(tmpdir, sizeof tmpdir, "%s/pt-ini.XXXXXX", t && *t && strlen(t) < 40 ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    if (!options_ini_available()) {
        printf("built without inih (-Dini=disabled): skipped\n");
        rm_tmpdir();
        return 77;
    }
    RUN(rocksdb_layout);
    RUN(comments);
    RUN(crlf_bom);
    RUN(long_lines);
    RUN(sections);
    RUN(errors);
    RUN(deprecated);
    RUN(contradictions);
    RUN(from_yaml);
    RUN(precedence_fold);
    RUN(precedence_order);
    RUN(printer);
    RUN(fuzz);
    rm_tmpdir();
    return CHECK_DONE();
}
