/* test_config.c - the config module: keys table, defaults, YAML loader,
 * printer, diff, and a fuzz-style loop over broken inputs.
 *
 * Usage: test_config PATH/TO/config/ptingestd.yaml
 * (the example config; its test is skipped with a note when absent).
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L /* setenv, getuid */
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "../../common/log.h"
#include "../../config/config.h"
#include "../../config/keys.h"
#include "check.h"
#include "fuzz_config.h"
#include "print_config.h"

static const char *example_path;

/* Load text over fresh defaults as "t.yaml". */
static int load(pt_config *c, pt_diag *d, const char *text)
{
    CHECK_EQ_INT(config_init_defaults(c), 0);
    diag_init(d);
    return config_load_string(c, "t.yaml", text, strlen(text), d);
}

/* Expect exactly one error line, verbatim. */
static void expect_error(const char *text, const char *line)
{
    pt_config c;
    pt_diag d;
    int r = load(&c, &d, text);

    CHECK_EQ_INT(r, -EINVAL);
    CHECK_EQ_INT(d.errors, 1);
    CHECK_STREQ(diag_text(&d), line);
    config_free(&c);
    diag_free(&d);
}

/* Expect failure with `needle` somewhere in the diagnostics. */
static void expect_fail(const char *text, const char *needle)
{
    pt_config c;
    pt_diag d;
    int r = load(&c, &d, text);

    CHECK_EQ_INT(r, -EINVAL);
    CHECK(d.errors >= 1);
    if (!strstr(diag_text(&d), needle))
        fprintf(stderr, "  input: %s  wanted: %s\n  got: %s", text, needle,
                diag_text(&d));
    CHECK(strstr(diag_text(&d), needle) != NULL);
    config_free(&c);
    diag_free(&d);
}

static void expect_ok(const char *text, pt_config *out)
{
    pt_diag d;
    int r = load(out, &d, text);

    CHECK_EQ_INT(r, 0);
    CHECK_EQ_INT(d.errors, 0);
    if (r != 0)
        fprintf(stderr, "  input: %s  got: %s", text, diag_text(&d));
    diag_free(&d);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    pt_buf b;
    char chunk[4096];
    size_t n;

    if (!f)
        return NULL;
    pt_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pt_buf_append(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return pt_buf_steal(&b);
}

/* ---- table and defaults --------------------------------------------------- */

TEST(keys_table)
{
    pt_config c;
    char err[160];
    size_t i, j;

    CHECK_EQ_INT(config_init_defaults(&c), 0);
    CHECK_EQ_INT(pt_nkeys, 47);
    for (i = 0; i < pt_nkeys; i++) {
        const pt_key *k = &pt_keys[i];
        const char *dot = strchr(k->name, '.');
        CHECK(keys_find(k->name) == k);
        CHECK(k->doc && *k->doc);
        CHECK(k->unit != NULL);
        CHECK_EQ_INT(key_check(&c, k, err, sizeof err), 0);
        for (j = 0; j < i; j++)
            CHECK(strcmp(pt_keys[j].name, k->name) != 0);
        /* Sections contiguous: the printer depends on it. */
        if (dot && i > 0) {
            size_t n = (size_t)(dot - k->name) + 1;
            int seen_before = 0, adjacent = strncmp(pt_keys[i - 1].name,
                                                    k->name, n) == 0;
            for (j = 0; j + 1 < i; j++)
                if (strncmp(pt_keys[j].name, k->name, n) == 0)
                    seen_before = 1;
            CHECK(!seen_before || adjacent);
        }
    }
    CHECK(keys_find("ingest.chunk_max_rowz") == NULL);
    CHECK(keys_find("ingest") == NULL);
    CHECK(keys_find("ingest.sync")->flags & PT_KEY_RELOADABLE);
    CHECK(!(keys_find("data_dir")->flags & PT_KEY_RELOADABLE));
    CHECK(!(keys_find("ingest.max_frame_bytes")->flags & PT_KEY_RELOADABLE));
    config_free(&c);
}

TEST(defaults)
{
    pt_config c;
    pt_diag d;
    static const char *const rels[] = {"CodeGraph", "DependencyEdges",
                                       "TestEntitiesExcluded",
                                       "FileWordCoverage", "IgnoredFiles"};

    CHECK_EQ_INT(config_init_defaults(&c), 0);
    CHECK(c.path == NULL);
    CHECK_STREQ(c.data_dir, "./ptingestd-data");
    CHECK(c.listen_path == NULL);
    CHECK_EQ_INT(c.listen_mode, 0660);
    CHECK_EQ_INT(c.max_clients, 256);
    CHECK_EQ_INT(c.chunk_max_rows, 8192);
    CHECK_EQ_INT(c.chunk_max_bytes, 1048576);
    CHECK_EQ_INT(c.chunk_linger_ms, 20);
    CHECK_EQ_INT(c.queue_max_bytes, 67108864);
    CHECK_EQ_INT(c.max_frame_bytes, 16777216);
    CHECK_EQ_INT(c.max_key_bytes, 16384);
    CHECK_EQ_INT(c.max_value_bytes, 8388608);
    CHECK_EQ_INT(c.sync, PT_SYNC_CHUNK);
    CHECK_EQ_INT(c.progress_interval_ms, 500);
    CHECK_EQ_INT(c.shutdown_grace_ms, 30000);
    CHECK(c.options_file == NULL);
    CHECK_EQ_INT(c.rate_limit_bytes_per_sec, 0);
    CHECK_EQ_INT(c.stall_sample_ms, 100);
    CHECK_EQ_INT(c.log_level, PT_LOG_INFO);
    CHECK_EQ_INT(c.nrelations, 5);
    for (size_t i = 0; i < 5 && i < c.nrelations; i++) {
        CHECK_STREQ(c.relations[i].name, rels[i]);
        CHECK_EQ_INT(c.relations[i].cf_options.n, 0);
    }
    CHECK_EQ_INT(c.db_options.n, 3);
    CHECK_STREQ(optlist_find(&c.db_options, "max_background_jobs")->value, "6");
    CHECK_STREQ(optlist_find(&c.db_options, "bytes_per_sync")->value, "1048576");
    /* WAL files bounded (config.c): one write buffer */
    CHECK_STREQ(optlist_find(&c.db_options, "max_total_wal_size")->value, "33554432");
    CHECK_STREQ(c.db_options.v[0].file, "<built-in>");
    CHECK_EQ_INT(c.db_options.v[0].line, 0);
    CHECK_EQ_INT(c.cf_options.n, 6);
    CHECK_STREQ(c.cf_options.v[0].name, "write_buffer_size");
    CHECK_STREQ(c.cf_options.v[0].value, "33554432");
    CHECK_STREQ(optlist_find(&c.cf_options, "max_write_buffer_number")->value, "4");
    CHECK_STREQ(optlist_find(&c.cf_options, "min_write_buffer_number_to_merge")->value, "1");
    CHECK_STREQ(optlist_find(&c.cf_options, "level0_file_num_compaction_trigger")->value, "4");
    CHECK_STREQ(optlist_find(&c.cf_options, "level0_slowdown_writes_trigger")->value, "20");
    CHECK_STREQ(optlist_find(&c.cf_options, "level0_stop_writes_trigger")->value, "36");
    CHECK_STREQ(c.cf_options.v[5].file, "<built-in>");
    CHECK(optlist_find(&c.cf_options, "nope") == NULL);
    diag_init(&d);
    CHECK_EQ_INT(config_validate(&c, &d), 0);
    CHECK_EQ_INT(d.errors, 0);
    CHECK_STREQ(config_sync_name(PT_SYNC_NONE), "none");
    CHECK_STREQ(config_sync_name(PT_SYNC_JOB), "job");
    CHECK_STREQ(config_sync_name(7), "?");
    diag_free(&d);
    config_free(&c);
}

TEST(empty_inputs)
{
    static const char *const texts[] = {
        "", "# only a comment\n", "---\n", "---\n...\n", "\n\n", "~\n",
        "ingest:\n", "ingest: {}\n", "rocksdb:\n  db_options:\n",
    };
    pt_config c, def;

    CHECK_EQ_INT(config_init_defaults(&def), 0);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        expect_ok(texts[i], &c);
        CHECK(config_equal(&c, &def));
        config_free(&c);
    }
    config_free(&def);
}

TEST(example_file)
{
    pt_config c, want;
    pt_diag d;
    const pt_relation *cg;
    const pt_opt *o;
    char *text, leaf[80];
    size_t len;

    if (!example_path) {
        printf("  (no example path given: skipped)\n");
        return;
    }
    CHECK_EQ_INT(config_init_defaults(&c), 0);
    diag_init(&d);
    CHECK_EQ_INT(config_load_file(&c, example_path, &d), 0);
    CHECK_EQ_INT(d.errors, 0);
    CHECK_EQ_INT(d.warnings, 0);
    CHECK_STREQ(diag_text(&d), "");
    CHECK_STREQ(c.path, example_path);
    CHECK_EQ_INT(c.nrelations, 5);
    cg = &c.relations[0];
    CHECK_STREQ(cg->name, "CodeGraph");
    CHECK_EQ_INT(cg->cf_options.n, 1);
    o = optlist_find(&cg->cf_options, "write_buffer_size");
    CHECK(o != NULL);
    if (o) {
        CHECK_STREQ(o->value, "33554432");
        CHECK_STREQ(o->file, example_path);
        CHECK(o->line > 0 && o->col > 0);
    }

    /* Everything else is the built-in default, as its header promises. */
    CHECK_EQ_INT(config_init_defaults(&want), 0);
    CHECK_EQ_INT(optlist_set(&want.relations[0].cf_options, "write_buffer_size",
                             "33554432", NULL, 0, 0), 0);
    CHECK(config_equal(&c, &want));

    /* It documents every key of the table. */
    text = slurp(example_path, &len);
    CHECK(text != NULL);
    for (size_t i = 0; text && i < pt_nkeys; i++) {
        const char *dot = strrchr(pt_keys[i].name, '.');
        snprintf(leaf, sizeof leaf, "%s:", dot ? dot + 1 : pt_keys[i].name);
        if (!strstr(text, leaf))
            fprintf(stderr, "  example lacks %s\n", pt_keys[i].name);
        CHECK(strstr(text, leaf) != NULL);
    }
    free(text);
    config_free(&want);
    config_free(&c);
    diag_free(&d);
}

/* ---- values ------------------------------------------------------------------ */

TEST(values)
{
    pt_config c;

    expect_ok("data_dir: /var/lib/pt\n"
              "listen:\n  path: '/run/pt.sock'\n  mode: 0750\n"
              "  max_clients: 65536\n"
              "ingest:\n  chunk_max_rows: 1\n  sync: job\n"
              "  queue_max_bytes: 17179869184\n"
              "rocksdb:\n  options_file: null\n"
              "  rate_limit_bytes_per_sec: 1000000000000\n"
              "log:\n  level: debug\n", &c);
    CHECK_STREQ(c.data_dir, "/var/lib/pt");
    CHECK_STREQ(c.listen_path, "/run/pt.sock");
    CHECK_EQ_INT(c.listen_mode, 0750);
    CHECK_EQ_INT(c.max_clients, 65536);
    CHECK_EQ_INT(c.chunk_max_rows, 1);
    CHECK_EQ_INT(c.sync, PT_SYNC_JOB);
    CHECK(c.queue_max_bytes == UINT64_C(17179869184));
    CHECK(c.options_file == NULL); /* read: test_options_ini.c */
    CHECK(c.rate_limit_bytes_per_sec == UINT64_C(1000000000000));
    CHECK_EQ_INT(c.log_level, PT_LOG_DEBUG);
    config_free(&c);

    expect_ok("listen: {mode: \"0600\", path: null}\ningest: {sync: none}\n"
              "log: {level: warning}\n", &c);
    CHECK_EQ_INT(c.listen_mode, 0600);
    CHECK(c.listen_path == NULL);
    CHECK_EQ_INT(c.sync, PT_SYNC_NONE);
    CHECK_EQ_INT(c.log_level, PT_LOG_WARN);
    config_free(&c);

    expect_ok("listen:\n  mode: 0\n", &c);
    CHECK_EQ_INT(c.listen_mode, 0);
    config_free(&c);
    expect_ok("listen:\n  mode: '777'\n", &c);
    CHECK_EQ_INT(c.listen_mode, 0777);
    config_free(&c);
}

TEST(error_lines)
{
    expect_error("ingest:\n  chunk_linger_ms: 20\n  chunk_max_rows: 0\n",
                 "t.yaml:3:19: ingest.chunk_max_rows: 0 is out of range "
                 "1..1000000\n");
    expect_error("ingest:\n  chunk_max_rowz: 5\n",
                 "t.yaml:2:3: unknown key \"ingest.chunk_max_rowz\"\n");
    expect_error("foo: 1\n", "t.yaml:1:1: unknown key \"foo\"\n");
    expect_error("ingest:\n  chunk_max_rows: \"500\"\n",
                 "t.yaml:2:19: ingest.chunk_max_rows: expected an unsigned "
                 "integer, got the quoted string \"500\" (remove the quotes)\n");
    expect_error("ingest:\n  chunk_max_rows: {a: 1}\n",
                 "t.yaml:2:19: ingest.chunk_max_rows: expected a single value, "
                 "got a mapping\n");
    expect_error("ingest:\n  sync: none\n  sync: job\n",
                 "t.yaml:3:3: duplicate key \"ingest.sync\" (first at line 2)\n");
    expect_error("ingest:\n  chunk_max_rows: 5\n bad: [\n",
                 "t.yaml:3:2: did not find expected key (while parsing a "
                 "block mapping at line 1)\n");
    expect_error("relations:\n  bad-name: {}\n",
                 "t.yaml:2:3: relations: bad relation name \"bad-name\" "
                 "(1..64 characters of A-Z, a-z, 0-9, _)\n");
    expect_error("rocksdb:\n  cf_options:\n    compression_per_level: [a, b]\n",
                 "t.yaml:3:28: rocksdb.cf_options.compression_per_level: a "
                 "sequence is not a RocksDB option value (use a scalar or a "
                 "mapping)\n");
    expect_error("ingest:\n  chunk_max_bytes: 1048576\n  queue_max_bytes: 65536\n",
                 "t.yaml:2:20: ingest.chunk_max_bytes (1048576) must not "
                 "exceed ingest.queue_max_bytes (65536)\n");
    expect_error("ingest:\n  queue_max_bytes: 65536\n",
                 "t.yaml:2:20: ingest.chunk_max_bytes (1048576) must not "
                 "exceed ingest.queue_max_bytes (65536)\n");
    expect_error("ingest: {max_frame_bytes: 65536}\n",
                 "t.yaml:1:27: ingest.max_frame_bytes (65536) must be at least "
                 "ingest.max_key_bytes + ingest.max_value_bytes + 1024 "
                 "(8406016)\n");
    expect_error("log: {level: info}\n"
                 "relations: {CodeGraph: {enabled: false}, DependencyEdges: {enabled: false}, "
                 "TestEntitiesExcluded: {enabled: false}, FileWordCoverage: {enabled: false}, "
                 "IgnoredFiles: {enabled: false}}\n",
                 "t.yaml:2:1: relations: every relation is disabled; at least one is required\n");
    expect_error("- a\n- b\n",
                 "t.yaml:1:1: the top level must be a mapping (key: value), "
                 "got a sequence\n");
    expect_error("a: &x 1\nb: *x\n", "t.yaml:2:4: aliases are not supported\n");
    expect_error("log: {level: 1}\n---\nlog: {level: 2}\n",
                 "t.yaml:2:1: only one YAML document is allowed\n");
}

TEST(type_errors)
{
    expect_fail("ingest:\n  chunk_max_rows: abc\n",
                "ingest.chunk_max_rows: expected an unsigned decimal integer, "
                "got \"abc\"");
    expect_fail("ingest:\n  chunk_max_rows: 1.5\n", "got \"1.5\"");
    expect_fail("ingest:\n  chunk_max_rows: 0x10\n", "got \"0x10\"");
    expect_fail("ingest:\n  chunk_max_rows: 1e3\n", "got \"1e3\"");
    expect_fail("ingest:\n  chunk_max_rows: +5\n", "got \"+5\"");
    expect_fail("ingest:\n  chunk_max_rows: 1_000\n", "got \"1_000\"");
    expect_fail("ingest:\n  chunk_max_rows: 0100\n", "got \"0100\"");
    expect_fail("ingest:\n  chunk_max_rows: -5\n",
                "t.yaml:2:19: ingest.chunk_max_rows: \"-5\" is negative");
    expect_fail("ingest:\n  chunk_max_rows: '500'\n", "the quoted string \"500\"");
    expect_fail("ingest:\n  chunk_max_rows:\n", "ingest.chunk_max_rows: missing value");
    expect_fail("ingest:\n  chunk_max_rows: [1]\n", "got a sequence");
    expect_fail("ingest:\n  queue_max_bytes: 99999999999999999999999\n",
                "99999999999999999999999 is out of range 65536..17179869184");
    expect_fail("ingest:\n  queue_max_bytes: 18446744073709551616\n",
                "is out of range");
    expect_fail("listen:\n  max_clients: 65537\n", "65537 is out of range 1..65536");
    expect_fail("listen:\n  mode: \"0888\"\n",
                "listen.mode: expected an octal mode such as \"0660\", got \"0888\"");
    expect_fail("listen:\n  mode: 01000\n", "listen.mode: 01000 is out of range 0..0777");
    expect_fail("listen:\n  mode: rw\n", "got \"rw\"");
    expect_fail("ingest:\n  sync: fast\n",
                "ingest.sync: expected one of none|chunk|job, got \"fast\"");
    expect_fail("log:\n  level: loud\n",
                "log.level: expected one of error|warn|info|debug, got \"loud\"");
    expect_fail("data_dir: \"\"\n", "t.yaml:1:11: data_dir: must not be empty");
    expect_fail("data_dir:\n", "data_dir: must not be empty");
    expect_fail("listen:\n  path: ''\n", "listen.path: must not be empty");
    expect_fail("data_dir: {a: 1}\n", "data_dir: expected a single value");
    expect_fail("ingest: 5\n", "t.yaml:1:9: ingest: expected a mapping, got a scalar");
    expect_fail("ingest: [1]\n", "ingest: expected a mapping, got a sequence");
    expect_fail("data_dir: \"a\\0b\"\n", "data_dir: contains a NUL byte");
    expect_fail("[a]: 1\n", "keys must be scalars, got a sequence");
    expect_fail("ingest:\n  ingest:\n    sync: job\n",
                "unknown key \"ingest.ingest\"");
    expect_fail("ingest.sync: job\n", "t.yaml:1:1: unknown key \"ingest.sync\"");
    expect_fail("listen: {}\nlisten: {}\n", "t.yaml:2:1: duplicate key \"listen\"");
    expect_fail("x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
                "nested too deeply");
    expect_fail("a: \"\xff\"\n", "t.yaml:1:5: invalid leading UTF-8 octet");
    expect_fail("a: 'unterminated\n", "t.yaml:2:1: found unexpected end of stream");
}

TEST(relation_errors)
{
    pt_buf b;
    char name[80];

    expect_fail("relations:\n  default: {}\n",
                "t.yaml:2:3: relations: \"default\" is reserved");
    expect_fail("relations:\n  \"\": {}\n", "bad relation name \"\"");
    memset(name, 'a', 65);
    name[65] = '\0';
    pt_buf_init(&b);
    pt_buf_printf(&b, "relations:\n  %s: {}\n", name);
    expect_fail(b.data, "bad relation name");
    pt_buf_reset(&b);
    name[64] = '\0'; /* exactly 64 is fine */
    pt_buf_printf(&b, "relations:\n  %s: {}\n", name);
    {
        pt_config c;
        expect_ok(b.data, &c);
        CHECK_EQ_INT(c.nrelations, 6);
        config_free(&c);
    }
    /* 64 in all: the five defaults and 59 more; the 60th added is one too
     * many, reported at its line. */
    pt_buf_reset(&b);
    pt_buf_append_str(&b, "relations:\n");
    for (int i = 0; i < PT_MAX_RELATIONS + 2; i++)
        pt_buf_printf(&b, "  R%d: {}\n", i);
    expect_error(b.data, "t.yaml:61:3: relations: more than 64 relations\n");
    pt_buf_free(&b);

    expect_fail("relations:\n  A: {}\n  A: {}\n",
                "t.yaml:3:3: duplicate key \"relations.A\"");
    expect_fail("relations:\n  A: {cf_option: {}}\n",
                "t.yaml:2:7: unknown key \"relations.A.cf_option\"");
    expect_fail("relations:\n  A: 5\n", "relations.A: expected a mapping, got a scalar");
    expect_fail("relations: [A, B]\n", "relations: expected a mapping of relation names, "
                "got a sequence (each entry is Name: {}, Name: {cf_options: {...}} or "
                "Name: {enabled: false})");
    expect_fail("relations:\n  A:\n    cf_options: [1]\n",
                "relations.A.cf_options: expected a mapping of RocksDB options");
    expect_fail("rocksdb:\n  db_options:\n    \"bad name\": 1\n",
                "rocksdb.db_options: bad RocksDB option name \"bad name\"");
    expect_fail("rocksdb:\n  db_options:\n    max_open_files:\n",
                "rocksdb.db_options.max_open_files: missing value");
    expect_fail("rocksdb:\n  cf_options:\n    t: {a: 'x;y'}\n",
                "rocksdb.cf_options.t.a: a nested value cannot contain");
    expect_fail("rocksdb:\n  cf_options:\n    a: 1\n    a: 2\n",
                "duplicate key \"rocksdb.cf_options.a\"");
    expect_fail("rocksdb:\n  cf_options:\n    t: {a: 1, a: 2}\n",
                "duplicate key \"rocksdb.cf_options.t.a\"");
    expect_fail("rocksdb:\n  cf_options:\n    t: {a: {b: {c: {d: {e: {f: {g: {h: {i: 1}}}}}}}}}\n",
                "nested too deeply");
}

/* The relations map changes the default set: tuning one keeps the
 * others, a new name adds one, `enabled: false` removes one. */
TEST(relation_set)
{
    static const char *const five[] = {"CodeGraph", "DependencyEdges",
                                       "TestEntitiesExcluded", "FileWordCoverage",
                                       "IgnoredFiles"};
    pt_config c, back;
    pt_diag d;
    const pt_opt *o;
    char *text;
    pt_buf b;

    expect_ok("relations: {CodeGraph: {cf_options: {write_buffer_size: 33554432}}}\n", &c);
    CHECK_EQ_INT(c.nrelations, 5);
    for (size_t i = 0; i < 5 && i < c.nrelations; i++)
        CHECK_STREQ(c.relations[i].name, five[i]);
    o = optlist_find(&c.relations[0].cf_options, "write_buffer_size");
    CHECK(o && strcmp(o->value, "33554432") == 0 && o->line == 1 && o->col == 57);
    CHECK_EQ_INT(c.relations[1].cf_options.n, 0);
    config_free(&c);

    expect_ok("relations:\n  Extra: {cf_options: {num_levels: 4}}\n  CodeGraph: {}\n", &c);
    CHECK_EQ_INT(c.nrelations, 6);
    CHECK_STREQ(c.relations[5].name, "Extra");
    CHECK(optlist_find(&c.relations[5].cf_options, "num_levels") != NULL);
    config_free(&c);
    expect_ok("relations: {Extra: {enabled: true}}\n", &c);
    CHECK_EQ_INT(c.nrelations, 6);
    config_free(&c);

    expect_ok("relations:\n  IgnoredFiles: {enabled: false}\n", &c);
    CHECK_EQ_INT(c.nrelations, 4);
    CHECK(config_relation(&c, "IgnoredFiles") == NULL);
    CHECK(config_relation(&c, "FileWordCoverage") != NULL);
    /* Printed: which relations are served, and the disabled one such
     * that the text reads back to the same set. */
    text = print_to_string(&c);
    CHECK(text && strstr(text, "\nrelations:  # restart; served: CodeGraph, DependencyEdges, "
                               "TestEntitiesExcluded, FileWordCoverage\n"));
    CHECK(text && strstr(text, "\n  IgnoredFiles: {enabled: false}  # not served\n"));
    CHECK_EQ_INT(config_init_defaults(&back), 0);
    diag_init(&d);
    CHECK_EQ_INT(config_load_string(&back, "printed", text, text ? strlen(text) : 0, &d), 0);
    CHECK(config_equal(&c, &back));
    diag_free(&d);
    config_free(&back);
    free(text);
    config_free(&c);

    /* An explicit smaller set: disable what is not wanted. Options of a
     * disabled relation go with it. */
    expect_ok("relations:\n"
              "  DependencyEdges: {enabled: false}\n"
              "  TestEntitiesExcluded: {enabled: false, cf_options: {num_levels: 3}}\n"
              "  FileWordCoverage: {enabled: false}\n"
              "  IgnoredFiles: {enabled: false}\n"
              "  Mine: {}\n", &c);
    CHECK_EQ_INT(c.nrelations, 2);
    CHECK_STREQ(c.relations[0].name, "CodeGraph");
    CHECK_STREQ(c.relations[1].name, "Mine");
    config_free(&c);

    /* Disabling a relation that is not there is only a warning. */
    CHECK_EQ_INT(load(&c, &d, "relations:\n  IgnoredFile: {enabled: false}\n"), 0);
    CHECK_STREQ(diag_text(&d), "t.yaml:2:3: warning: relations.IgnoredFile: disabled, but "
                               "no such relation is configured\n");
    CHECK_EQ_INT(c.nrelations, 5);
    config_free(&c);
    diag_free(&d);

    /* All disabled: an error at the relations key. */
    expect_error("data_dir: /x\n"
                 "relations:\n"
                 "  CodeGraph: {enabled: false}\n"
                 "  DependencyEdges: {enabled: false}\n"
                 "  TestEntitiesExcluded: {enabled: false}\n"
                 "  FileWordCoverage: {enabled: false}\n"
                 "  IgnoredFiles: {enabled: false}\n",
                 "t.yaml:2:1: relations: every relation is disabled; at least one is required\n");

    /* A bad `enabled` names the field; the set is left as it was. */
    expect_error("relations:\n  IgnoredFiles: {enabled: no}\n",
                 "t.yaml:2:27: relations.IgnoredFiles.enabled: expected true or false, "
                 "got \"no\"\n");
    expect_error("relations:\n  IgnoredFiles: {enabled: \"false\"}\n",
                 "t.yaml:2:27: relations.IgnoredFiles.enabled: expected true or false, "
                 "got the quoted string \"false\"\n");
    expect_error("relations:\n  IgnoredFiles:\n    enabled: {a: 1}\n",
                 "t.yaml:3:14: relations.IgnoredFiles.enabled: expected true or false, "
                 "got a mapping\n");
    expect_fail("relations:\n  IgnoredFiles: {enabled: }\n",
                "relations.IgnoredFiles.enabled: expected true or false, got \"\"");

    /* `relations: {}` and `relations:` keep the defaults. */
    expect_ok("relations: {}\n", &c);
    CHECK_EQ_INT(c.nrelations, 5);
    config_free(&c);
    expect_ok("relations:\n", &c);
    CHECK_EQ_INT(c.nrelations, 5);
    config_free(&c);

    /* The limit counts the set that results: five removed make room. */
    pt_buf_init(&b);
    pt_buf_append_str(&b, "relations:\n");
    for (size_t i = 0; i < 5; i++)
        pt_buf_printf(&b, "  %s: {enabled: false}\n", five[i]);
    for (int i = 0; i < PT_MAX_RELATIONS; i++)
        pt_buf_printf(&b, "  R%d: {}\n", i);
    expect_ok(b.data, &c);
    CHECK_EQ_INT(c.nrelations, PT_MAX_RELATIONS);
    config_free(&c);
    pt_buf_free(&b);
}

TEST(all_errors_reported)
{
    pt_config c;
    pt_diag d;
    int r = load(&c, &d,
                 "ingest:\n"
                 "  chunk_max_rows: 0\n"
                 "  bogus: 1\n"
                 "  sync: sometimes\n"
                 "relations:\n"
                 "  ok_one: {}\n"
                 "  bad.one: {}\n"
                 "rocksdb:\n"
                 "  cf_options: {x: [1]}\n"
                 "log: {level: loud}\n");

    CHECK_EQ_INT(r, -EINVAL);
    CHECK_EQ_INT(d.errors, 6);
    CHECK_STREQ(diag_text(&d),
                "t.yaml:2:19: ingest.chunk_max_rows: 0 is out of range 1..1000000\n"
                "t.yaml:3:3: unknown key \"ingest.bogus\"\n"
                "t.yaml:4:9: ingest.sync: expected one of none|chunk|job, got \"sometimes\"\n"
                "t.yaml:7:3: relations: bad relation name \"bad.one\" (1..64 characters of A-Z, a-z, 0-9, _)\n"
                "t.yaml:9:19: rocksdb.cf_options.x: a sequence is not a RocksDB option value (use a scalar or a mapping)\n"
                "t.yaml:10:14: log.level: expected one of error|warn|info|debug, got \"loud\"\n");
    config_free(&c);
    diag_free(&d);
}

TEST(missing_file)
{
    pt_config c;
    pt_diag d;

    CHECK_EQ_INT(config_init_defaults(&c), 0);
    diag_init(&d);
    CHECK_EQ_INT(config_load_file(&c, "/nonexistent/pt.yaml", &d), -ENOENT);
    CHECK_STREQ(diag_text(&d),
                "/nonexistent/pt.yaml: cannot open: No such file or directory\n");
    CHECK_EQ_INT(d.errors, 1);
    config_free(&c);
    diag_free(&d);
}

/* ---- option maps ------------------------------------------------------------- */

TEST(nested_options)
{
    pt_config c;
    const pt_opt *o;

    expect_ok("rocksdb:\n"
              "  cf_options:\n"
              "    block_based_table_factory: {block_size: 16384, "
              "cache_index_and_filter_blocks: true}\n"
              "    deep:\n"
              "      a:\n"
              "        b: 1\n"
              "        c: kSnappyCompression\n"
              "      d: {}\n"
              "    compression: kLZ4Compression\n"
              "    wal_dir: \"\"\n", &c);
    o = optlist_find(&c.cf_options, "block_based_table_factory");
    CHECK(o != NULL);
    if (o) {
        CHECK_STREQ(o->value, "{block_size=16384;cache_index_and_filter_blocks=true}");
        CHECK_STREQ(o->file, "t.yaml");
        CHECK_EQ_INT(o->line, 3);
        CHECK_EQ_INT(o->col, 32);
    }
    o = optlist_find(&c.cf_options, "deep");
    CHECK(o && strcmp(o->value, "{a={b=1;c=kSnappyCompression};d={}}") == 0);
    o = optlist_find(&c.cf_options, "compression");
    CHECK(o && strcmp(o->value, "kLZ4Compression") == 0 && o->line == 9 &&
          o->col == 18);
    o = optlist_find(&c.cf_options, "wal_dir");
    CHECK(o && strcmp(o->value, "") == 0);
    config_free(&c);
}

TEST(merge_precedence)
{
    pt_config c;
    const pt_opt *o;

    expect_ok("rocksdb:\n"
              "  db_options: {max_background_jobs: 2}\n"
              "  cf_options:\n"
              "    level0_stop_writes_trigger: 48\n"
              "    write_buffer_size: 67108864\n"
              "    compression: kZSTD\n"
              "relations:\n"
              "  Only:\n"
              "    cf_options: {write_buffer_size: 1048576}\n", &c);
    /* the user's one replaces the built-in one; the other two built-in stay */
    CHECK_EQ_INT(c.db_options.n, 3);
    CHECK_STREQ(c.db_options.v[0].name, "max_background_jobs");
    CHECK_STREQ(c.db_options.v[0].value, "2");
    CHECK_STREQ(c.db_options.v[0].file, "t.yaml");
    CHECK_EQ_INT(c.db_options.v[0].line, 2);
    CHECK_STREQ(c.db_options.v[1].file, "<built-in>");
    /* Overrides stay in place; new names are appended. */
    CHECK_EQ_INT(c.cf_options.n, 7);
    CHECK_STREQ(c.cf_options.v[0].name, "write_buffer_size");
    CHECK_STREQ(c.cf_options.v[0].value, "67108864");
    CHECK_EQ_INT(c.cf_options.v[0].line, 5);
    CHECK_STREQ(c.cf_options.v[5].name, "level0_stop_writes_trigger");
    CHECK_STREQ(c.cf_options.v[5].value, "48");
    CHECK_STREQ(c.cf_options.v[6].name, "compression");
    CHECK_STREQ(c.cf_options.v[1].file, "<built-in>");
    /* A new relation joins the default five. */
    CHECK_EQ_INT(c.nrelations, 6);
    CHECK_STREQ(c.relations[5].name, "Only");
    o = optlist_find(&c.relations[5].cf_options, "write_buffer_size");
    CHECK(o && strcmp(o->value, "1048576") == 0);
    config_free(&c);
}

TEST(optlist)
{
    pt_optlist l = {NULL, 0};
    pt_config c;

    CHECK_EQ_INT(optlist_set(&l, "a", "1", "f", 1, 2), 0);
    CHECK_EQ_INT(optlist_set(&l, "b", "2", NULL, 0, 0), 0);
    CHECK_EQ_INT(optlist_set(&l, "a", "3", "g", 4, 5), 0);
    CHECK_EQ_INT(l.n, 2);
    CHECK_STREQ(l.v[0].name, "a");
    CHECK_STREQ(l.v[0].value, "3");
    CHECK_STREQ(l.v[0].file, "g");
    CHECK_EQ_INT(l.v[0].line, 4);
    CHECK_STREQ(l.v[1].file, "<built-in>");
    /* Freed through a config that owns it. */
    CHECK_EQ_INT(config_init_defaults(&c), 0);
    for (size_t i = 0; i < c.db_options.n; i++) {
        free(c.db_options.v[i].name);
        free(c.db_options.v[i].value);
        free(c.db_options.v[i].file);
    }
    free(c.db_options.v);
    c.db_options = l;
    config_free(&c);
}

/* ---- printer, clone, diff ------------------------------------------------------ */


static void round_trip(const pt_config *c)
{
    char *text = print_to_string(c);
    pt_config back;
    pt_diag d;

    CHECK(text != NULL);
    if (!text)
        return;
    CHECK_EQ_INT(config_init_defaults(&back), 0);
    diag_init(&d);
    CHECK_EQ_INT(config_load_string(&back, "printed", text, strlen(text), &d), 0);
    CHECK_STREQ(diag_text(&d), "");
    if (!config_equal(c, &back))
        fprintf(stderr, "  printed:\n%s", text);
    CHECK(config_equal(c, &back));
    config_free(&back);
    diag_free(&d);
    free(text);
}

TEST(print_round_trip)
{
    pt_config c;
    pt_diag d;
    char *text;

    CHECK_EQ_INT(config_init_defaults(&c), 0);
    text = print_to_string(&c);
    CHECK(text && strstr(text, "\ningest:\n  chunk_max_rows: 8192  # reloadable, rows, 1..1000000\n"));
    CHECK(text && strstr(text, "\ndata_dir: \"./ptingestd-data\"  # restart\n"));
    CHECK(text && strstr(text, "\n  mode: \"0660\"  # restart, octal\n"));
    CHECK(text && strstr(text, "\n  path: null  # restart, default "));
    CHECK(text && strstr(text, "\n  sync: chunk  # reloadable\n"));
    CHECK(text && strstr(text, "\nrelations:  # restart; served: CodeGraph, DependencyEdges, "
                               "TestEntitiesExcluded, FileWordCoverage, IgnoredFiles\n"
                               "  CodeGraph: {}\n"));
    CHECK(text && strstr(text, "\n  db_options:\n    max_background_jobs: 6  # <built-in>\n"));
    CHECK(text && strstr(text, "\nlog:\n  level: info  # reloadable\n"));
    free(text);
    round_trip(&c);
    config_free(&c);

    if (example_path) {
        CHECK_EQ_INT(config_init_defaults(&c), 0);
        diag_init(&d);
        CHECK_EQ_INT(config_load_file(&c, example_path, &d), 0);
        round_trip(&c);
        config_free(&c);
        diag_free(&d);
    }

    /* Awkward text in every place that prints a string. */
    expect_ok("data_dir: \"we \\\"quote\\\" \\\\ tab\\t nl\\n bell\\a é € 😀 \\u0080 \\uFEFF: #x\"\n"
              "listen:\n  path: '- -: ? [x] {y} & * ! | > % @ `'\n  mode: 0\n"
              "ingest: {sync: none, chunk_max_rows: 1000000}\n"
              "rocksdb:\n"
              "  db_options: {x: \"null\", y: \"-\", z: \"a: b\", w: \"\", v: '~', t: true}\n"
              "  cf_options:\n"
              "    block_based_table_factory: {block_size: 16384, filter_policy: bloomfilter:10:false}\n"
              "relations:\n"
              "  null: {}\n"
              "  true: {cf_options: {write_buffer_size: 1}}\n"
              "  '123': {}\n"
              "log: {level: error}\n", &c);
    CHECK_EQ_INT(c.nrelations, 8);
    CHECK_STREQ(optlist_find(&c.db_options, "v")->value, "~");
    round_trip(&c);
    config_free(&c);
}

TEST(clone_equal)
{
    pt_config a, b;

    expect_ok("listen: {path: /x.sock}\nrelations:\n  A: {cf_options: {k: v}}\n"
              "rocksdb: {db_options: {n: 1}}\n", &a);
    CHECK_EQ_INT(config_set_string(&a.path, "orig.yaml"), 0);
    CHECK_EQ_INT(config_clone(&b, &a), 0);
    CHECK(config_equal(&a, &b));
    CHECK_STREQ(b.path, "orig.yaml");
    CHECK(b.listen_path != a.listen_path);
    CHECK_STREQ(b.relations[5].name, "A");
    CHECK_STREQ(b.relations[5].cf_options.v[0].value, "v");
    CHECK_EQ_INT(config_set_string(&b.relations[5].cf_options.v[0].value, "w"), 0);
    CHECK(!config_equal(&a, &b));
    CHECK_EQ_INT(config_set_string(&b.listen_path, NULL), 0);
    CHECK(b.listen_path == NULL);
    config_free(&a);
    config_free(&b);
    CHECK(a.relations == NULL && a.nrelations == 0);
}

TEST(diff_restart)
{
    pt_config old, neu;
    pt_diag d;
    const char *names[4] = {NULL, NULL, NULL, NULL};

    CHECK_EQ_INT(config_init_defaults(&old), 0);
    expect_ok("data_dir: /elsewhere\n"
              "ingest: {chunk_max_rows: 10, max_frame_bytes: 33554432}\n"
              "log: {level: debug}\n", &neu);
    CHECK_EQ_INT(config_set_string(&neu.path, "new.yaml"), 0);
    diag_init(&d);
    CHECK_EQ_INT(config_diff_needs_restart(&old, &neu, &d, names, 4), 2);
    CHECK_STREQ(diag_text(&d),
                "new.yaml: warning: data_dir changed: needs restart\n"
                "new.yaml: warning: ingest.max_frame_bytes changed: needs restart\n");
    CHECK_STREQ(names[0], "data_dir");
    CHECK_STREQ(names[1], "ingest.max_frame_bytes");
    CHECK(names[2] == NULL);
    CHECK_EQ_INT(d.warnings, 2);
    CHECK_EQ_INT(d.errors, 0);
    diag_free(&d);
    config_free(&neu);

    /* The relation set is fixed at open (here one is added); RocksDB
     * options are left to RocksDB (daemon/reload.c), and so is
     * options_file. */
    expect_ok("relations: {A: {}}\nrocksdb: {cf_options: {write_buffer_size: 1}}\n"
              "stall: {sample_ms: 50}\n", &neu);
    diag_init(&d);
    CHECK_EQ_INT(config_diff_needs_restart(&old, &neu, &d, names, 1), 1);
    CHECK_STREQ(diag_text(&d), "<config>: warning: relations changed: needs restart\n");
    CHECK_STREQ(names[0], "relations");
    diag_free(&d);
    config_free(&neu);

    /* Disabling one changes the set too. */
    expect_ok("relations: {IgnoredFiles: {enabled: false}}\n", &neu);
    diag_init(&d);
    names[0] = NULL;
    CHECK_EQ_INT(config_diff_needs_restart(&old, &neu, &d, names, 1), 1);
    CHECK_STREQ(names[0], "relations");
    diag_free(&d);
    config_free(&neu);

    /* Same names, other options: no restart. */
    expect_ok("relations: {CodeGraph: {cf_options: {write_buffer_size: 1}}, "
              "DependencyEdges: {}, TestEntitiesExcluded: {}, FileWordCoverage: {}, "
              "IgnoredFiles: {}}\n", &neu);
    diag_init(&d);
    CHECK_EQ_INT(config_diff_needs_restart(&old, &neu, &d, NULL, 0), 0);
    diag_free(&d);
    config_free(&neu);

    /* Reloadable changes only: nothing to say. */
    expect_ok("ingest: {sync: job, chunk_linger_ms: 1}\n", &neu);
    diag_init(&d);
    CHECK_EQ_INT(config_diff_needs_restart(&old, &neu, &d, NULL, 0), 0);
    CHECK_STREQ(diag_text(&d), "");
    diag_free(&d);
    config_free(&neu);
    config_free(&old);
}

TEST(keep_restart_keys)
{
    pt_config run, next;

    expect_ok("data_dir: /a\nlisten: {mode: \"0600\"}\nrelations: {A: {}}\n", &run);
    expect_ok("data_dir: /b\nlisten: {mode: \"0640\"}\ningest: {chunk_max_rows: 7}\n"
              "relations: {B: {}}\n", &next);
    config_keep_restart_keys(&next, &run);
    CHECK_STREQ(next.data_dir, "/a");
    CHECK_EQ_INT(next.listen_mode, 0600);
    CHECK_EQ_INT(next.chunk_max_rows, 7);
    CHECK_EQ_INT(next.nrelations, 6);
    CHECK(config_relation(&next, "A") != NULL);
    CHECK(config_relation(&next, "B") == NULL);
    CHECK_STREQ(run.data_dir, "/b"); /* freed with run */
    config_free(&run);
    config_free(&next);

    /* Same relation names: the new options come in. */
    expect_ok("relations: {A: {}}\n", &run);
    expect_ok("relations: {A: {cf_options: {x: 1}}}\n", &next);
    config_keep_restart_keys(&next, &run);
    CHECK(optlist_find(&config_relation(&next, "A")->cf_options, "x") != NULL);
    config_free(&run);
    config_free(&next);
}

TEST(validate_overrides)
{
    pt_config c;
    pt_diag d;
    char err[160];

    /* Command-line flags go through key_set / config_set_string. */
    CHECK_EQ_INT(config_init_defaults(&c), 0);
    CHECK_EQ_INT(key_set(&c, keys_find("log.level"), "debug", 0, err, sizeof err), 0);
    CHECK_EQ_INT(c.log_level, PT_LOG_DEBUG);
    CHECK_EQ_INT(key_set(&c, keys_find("log.level"), "chatty", 0, err, sizeof err), -EINVAL);
    CHECK_STREQ(err, "expected one of error|warn|info|debug, got \"chatty\"");
    CHECK_EQ_INT(config_set_string(&c.data_dir, "/srv/pt"), 0);
    c.max_clients = 0;
    c.listen_mode = 01000;
    diag_init(&d);
    CHECK_EQ_INT(config_validate(&c, &d), -EINVAL);
    CHECK_STREQ(diag_text(&d),
                "<config>: listen.mode: 01000 is out of range 0..0777\n"
                "<config>: listen.max_clients: 0 is out of range 1..65536\n");
    diag_free(&d);
    c.max_clients = 1;
    c.listen_mode = 0600;
    c.max_value_bytes = 536870912;
    CHECK_EQ_INT(config_set_string(&c.path, "p.yaml"), 0);
    diag_init(&d);
    CHECK_EQ_INT(config_validate(&c, &d), -EINVAL);
    CHECK_STREQ(diag_text(&d),
                "p.yaml: ingest.max_frame_bytes (16777216) must be at least "
                "ingest.max_key_bytes + ingest.max_value_bytes + 1024 (536888320)\n");
    diag_free(&d);
    config_free(&c);
}

TEST(diag_format)
{
    pt_diag d;

    diag_init(&d);
    CHECK_STREQ(diag_text(&d), "");
    diag_error(&d, "f", 3, 7, "bad %d", 1);
    diag_error(&d, "f", 3, 0, "no col");
    diag_error(&d, "f", 0, 9, "no line");
    diag_warn(&d, "f", 2, 1, "hmm");
    diag_warn(&d, "f", 0, 0, "meh");
    CHECK_STREQ(diag_text(&d), "f:3:7: bad 1\nf:3: no col\nf: no line\n"
                               "f:2:1: warning: hmm\nf: warning: meh\n");
    CHECK_EQ_INT(d.errors, 3);
    CHECK_EQ_INT(d.warnings, 2);
    diag_free(&d);
    CHECK_EQ_INT(d.errors, 0);
}

TEST(default_socket)
{
#ifndef _WIN32
    char out[256], want[64];
    const char *saved = getenv("XDG_RUNTIME_DIR");
    char *keep = saved ? strdup(saved) : NULL;

    setenv("XDG_RUNTIME_DIR", "/run/user/42", 1);
    config_default_socket(out, sizeof out);
    CHECK_STREQ(out, "/run/user/42/ptingestd.sock");
    setenv("XDG_RUNTIME_DIR", "", 1);
    config_default_socket(out, sizeof out);
    snprintf(want, sizeof want, "/tmp/ptingestd-%lu/ptingestd.sock", (unsigned long)getuid());
    CHECK_STREQ(out, want);
    unsetenv("XDG_RUNTIME_DIR");
    config_default_socket(out, sizeof out);
    CHECK_STREQ(out, want);
    if (keep)
        setenv("XDG_RUNTIME_DIR", keep, 1);
    free(keep);
#endif
}

/* ---- edge cases of the file itself ----------------------------------------------- */

/* A ';' in a plain option value would reach RocksDB's option-string
 * parser as a second option nobody sees in the file: refused at its
 * line. Braces keep a nested value whole, so ';' inside them is fine. */
TEST(option_value_smuggling)
{
    pt_config c;

    expect_error("rocksdb:\n"
                 "  cf_options:\n"
                 "    write_buffer_size: \"1048576;max_write_buffer_number=100\"\n",
                 "t.yaml:3:24: rocksdb.cf_options.write_buffer_size: value "
                 "\"1048576;max_write_buffer_number=100\" has a ';' outside braces or "
                 "unbalanced braces (RocksDB would read the rest as more options; write "
                 "each option as a key of its own)\n");
    expect_fail("rocksdb: {db_options: {max_background_jobs: \"2;create_if_missing=false\"}}\n",
                "t.yaml:1:45: rocksdb.db_options.max_background_jobs: value");
    expect_fail("relations: {CodeGraph: {cf_options: {block_based_table_factory: \"{a=1\"}}}\n",
                "has a ';' outside braces or unbalanced braces");
    expect_fail("rocksdb: {cf_options: {compression: \"x};y={\"}}\n",
                "has a ';' outside braces or unbalanced braces");
    /* RocksDB's own nested spelling stays valid */
    expect_ok("rocksdb:\n"
              "  cf_options:\n"
              "    block_based_table_factory: \"{block_size=16384;no_block_cache=false}\"\n",
              &c);
    config_free(&c);
}

/* A byte order mark starts many files saved on Windows: skipped there,
 * and named anywhere else (libyaml would read it as part of a key). */
TEST(byte_order_mark)
{
    pt_config c;

    expect_ok("\xEF\xBB\xBFingest:\n  chunk_max_rows: 5\n", &c);
    CHECK_EQ_INT(c.chunk_max_rows, 5);
    config_free(&c);
    /* columns on the first line do not count it */
    expect_error("\xEF\xBB\xBFingest: {chunk_max_rowz: 5}\n",
                 "t.yaml:1:10: unknown key \"ingest.chunk_max_rowz\"\n");
    expect_error("ingest:\n  \xEF\xBB\xBF" "chunk_max_rows: 5\n",
                 "t.yaml:2:3: a byte order mark (U+FEFF) here: it is allowed only as the "
                 "first character of the file\n");
    expect_error("\xEF\xBB\xBF\xEF\xBB\xBF---\ningest: {chunk_max_rows: 5}\n",
                 "t.yaml:1:1: a byte order mark (U+FEFF) here: it is allowed only as the "
                 "first character of the file\n");
}

/* The options file's name heads every diagnostic about it; one with a
 * line break (a folded multi-line scalar, found by tests/fuzz's yaml
 * target) would split each of them into forged lines. RocksDB option
 * values are quoted into messages too. */
TEST(control_characters)
{
    expect_error("rocksdb: {options_file: /dev/n k\n\n\n\n\n Aull}\n",
                 "t.yaml:1:25: rocksdb.options_file: the file name "
                 "\"/dev/n k\\x0a\\x0a\\x0a\\x0aAull\" contains a control character\n");
    expect_error("rocksdb: {cf_options: {compression: \"kNo\\nCompression\"}}\n",
                 "t.yaml:1:37: rocksdb.cf_options.compression: value "
                 "\"kNo\\x0aCompression\" contains a control character (a line break?)\n");
}

/* ---- fuzz-style --------------------------------------------------------------- */

static const char fuzz_seed[] =
    "data_dir: \"/var/lib/ptingestd\"\n"
    "listen:\n"
    "  path: /run/ptingestd/ptingestd.sock\n"
    "  mode: \"0660\"\n"
    "  max_clients: 64\n"
    "ingest:\n"
    "  chunk_max_rows: 500\n"
    "  chunk_max_bytes: 4194304\n"
    "  queue_max_bytes: 67108864\n"
    "  sync: chunk\n"
    "relations:\n"
    "  CodeGraph: { cf_options: { write_buffer_size: 33554432 } }\n"
    "  DependencyEdges: {}\n"
    "  TestEntitiesExcluded: {enabled: false}\n"
    "  Extra: {enabled: true}\n"
    "  IgnoredFiles:\n"
    "    cf_options:\n"
    "      block_based_table_factory: {block_size: 16384, x: {y: 1}}\n"
    "rocksdb:\n"
    "  db_options: { max_background_jobs: 6, bytes_per_sync: 1048576 }\n"
    "  cf_options: { write_buffer_size: 16777216, max_write_buffer_number: 4 }\n"
    "  rate_limit_bytes_per_sec: 0\n"
    "log:\n"
    "  level: info   # comment\n";

TEST(fuzz)
{
    static const char punct[] = ":{}[],-?&*!|>'\"#%@` \n\t\\0";
    fuzz_plan p = {config_load_string, NULL, fuzz_seed, sizeof fuzz_seed - 1,
                   punct, sizeof punct - 1, 4000, 300, 4096, 0x9e3779b97f4a7c15u};
    pt_config c;

    /* the seed is valid, and loads to a usable configuration */
    expect_ok(fuzz_seed, &c);
    config_free(&c);
    CHECK_EQ_INT(fuzz_run(&p), 0);
}

int main(int argc, char **argv)
{
    example_path = argc > 1 ? argv[1] : NULL;
    RUN(keys_table);
    RUN(defaults);
    RUN(empty_inputs);
    RUN(example_file);
    RUN(values);
    RUN(error_lines);
    RUN(type_errors);
    RUN(relation_errors);
    RUN(relation_set);
    RUN(all_errors_reported);
    RUN(missing_file);
    RUN(nested_options);
    RUN(merge_precedence);
    RUN(optlist);
    RUN(print_round_trip);
    RUN(clone_equal);
    RUN(diff_restart);
    RUN(keep_restart_keys);
    RUN(validate_overrides);
    RUN(diag_format);
    RUN(default_socket);
    RUN(option_value_smuggling);
    RUN(byte_order_mark);
    RUN(control_characters);
    RUN(fuzz);
    return CHECK_DONE();
}
