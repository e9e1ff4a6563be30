/* options_ini.h - rocksdb.options_file: a RocksDB OPTIONS-style INI file
 * mapped onto the config's option lists, and the checks that apply to
 * RocksDB options wherever they were written (INI or YAML).
 *
 * Mapping (each entry keeps its INI FILE:LINE:COL for RocksDB's verdict):
 *   [Version]                         informational, ignored
 *   [DBOptions]                       -> pt_config.ini_db_options
 *   [CFOptions "default"]             -> pt_config.ini_cf_options (every relation)
 *   [CFOptions "<Relation>"]          -> that relation's ini_cf_options
 *   [TableOptions/BlockBasedTable "<scope>"] k = v
 *       -> "block_based_table_factory.k" = v in the same scope's list:
 *          RocksDB's own dotted spelling of block_based_table_factory={k=v},
 *          one entry per line so a rejection points at its line.
 * These lists rank below the YAML maps; config_scope_options (config.h)
 * folds them in at their place in the precedence.
 *
 * Plain functions over the pt_config they are given; no state.
 */
#ifndef PT_OPTIONS_INI_H
#define PT_OPTIONS_INI_H

#include <stddef.h>

#include "config.h"

/* The cf option name an INI table option k becomes. */
#define PT_TABLE_OPT_PREFIX "block_based_table_factory."

/* Read c->options_file into c's ini_* lists; c->relations must be final.
 * A relative path is taken from the directory of `from`, the YAML file
 * that names it; a file that cannot be read is reported at from:line:col,
 * where the YAML names it. In a build without inih (meson -Dini=disabled)
 * naming a file is an error. Returns 0, -EINVAL (errors in d), -ENOMEM. */
int options_ini_load(pt_config *c, const char *from, unsigned line,
                     unsigned col, pt_diag *d);

/* Parse INI text (called `name` in messages) into c's ini_* lists.
 * 0, -EINVAL (errors in d), -ENOMEM; -ENOTSUP without inih. */
int options_ini_parse(pt_config *c, const char *name, const char *text,
                      size_t len, pt_diag *d);

/* Warnings, at the place each option was set, for option names RocksDB
 * 7.x still parses but ignores (deprecated), and for the legacy
 * max_background_compactions / max_background_flushes, which make RocksDB
 * ignore max_background_jobs. Returns how many warnings were added. */
int options_lint(const pt_config *c, pt_diag *d);

/* When option `name` is deprecated with `value`, a hint such as
 * "ignored; see max_compaction_bytes"; else NULL. */
const char *options_deprecated(const char *name, const char *value);

/* 1 when v is one RocksDB option value as RocksDB's option-string parser
 * reads it: braces balanced and no ';' outside them. A ';' at the top
 * level ends the value and starts another option ("1048576;
 * max_write_buffer_number=100" would set both), so a value that fails
 * this must be refused where it was written, in YAML and INI alike. */
int options_value_framing_ok(const char *v);

/* 1 when v holds no control character (a byte below 0x20, or 0x7f).
 * Values and file names are quoted into diagnostics and logs, where a
 * line break would forge a line of its own; no RocksDB option, path or
 * account name needs one. */
int options_value_printable(const char *v);

/* 1 when this build can read options files. */
int options_ini_available(void);

#endif
