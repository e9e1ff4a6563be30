/* config.h - the daemon's configuration: one struct, one keys table.
 *
 * A pt_config is plain data owned by whoever loaded it. The loop thread
 * owns the live one; a reload builds a new one and swaps it in, so no lock
 * is needed. Every scalar setting is declared once in config/keys.c (name,
 * type, default, bounds, unit, whether it may change on reload); the YAML
 * loader, --check-config and the effective-config printer all walk it.
 */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

enum pt_sync_mode {
    PT_SYNC_NONE = 0,  /* WAL written, not fsynced before the ack */
    PT_SYNC_CHUNK = 1, /* WAL fsynced before each chunk's ack (group commit) */
    PT_SYNC_JOB = 2,   /* WAL fsynced before a job's final ack */
};

/* One RocksDB option as the user wrote it: name and value text, plus where
 * it came from so that RocksDB's rejection can be reported against the
 * YAML (or INI) line. `file` is "<built-in>" for defaults. */
typedef struct pt_opt {
    char *name;
    char *value;
    char *file;
    unsigned line, col;
} pt_opt;

/* The origin of built-in defaults. They sit in the YAML maps (a YAML
 * setting of the same name replaces them) but rank below options_file. */
#define PT_BUILTIN "<built-in>"
/* Which entries of a map a layer takes: built-in defaults or the rest. */
enum pt_layer { PT_LAYER_BUILTIN, PT_LAYER_USER };
int opt_in_layer(const pt_opt *o, int layer);

typedef struct pt_optlist {
    pt_opt *v;
    size_t n;
} pt_optlist;

typedef struct pt_relation {
    char *name;
    pt_optlist cf_options; /* relations.<Name>.cf_options */
    pt_optlist ini_cf_options; /* options_file: [CFOptions "<Name>"] and its
                                * table section (config/options_ini.h) */
} pt_relation;

#define PT_MAX_RELATIONS 64
#define PT_RELATION_NAME_MAX 64

typedef struct pt_config {
    char *path;      /* the file loaded; NULL when running on built-in defaults */
    char *data_dir;  /* data_dir */
    uint64_t databases_max_open;              /* databases.max_open */
    uint64_t databases_idle_close_ms;         /* databases.idle_close_ms */
    uint64_t databases_idle_flush_ms;         /* databases.idle_flush_ms */
    uint64_t databases_memtable_budget_bytes; /* databases.memtable_budget_bytes */
    uint64_t databases_block_cache_bytes;     /* databases.block_cache_bytes */
    char *listen_path; /* listen.path; NULL = platform default (see config_default_socket) */
    unsigned listen_mode; /* listen.mode, octal text in YAML ("0660") */
    char *listen_allow;   /* listen.allow: "A,group:B" users and groups admitted
                           * (daemon/allow.h; Windows: the pipe's access list);
                           * NULL = no list, the socket's mode decides */
    uint64_t max_clients;  /* listen.max_clients */
    uint64_t max_clients_per_uid;   /* listen.max_clients_per_uid */
    uint64_t operator_slots;        /* listen.operator_slots */
    uint64_t max_unsent_bytes;      /* listen.max_unsent_bytes */
    uint64_t handshake_timeout_ms;  /* listen.handshake_timeout_ms */
    uint64_t frame_timeout_ms;      /* listen.frame_timeout_ms */
    uint64_t idle_timeout_ms;       /* listen.idle_timeout_ms */
    uint64_t write_timeout_ms;      /* listen.write_timeout_ms */

    uint64_t bulk_auto_min_bytes;       /* bulk.auto_min_bytes */
    uint64_t bulk_sort_buffer_bytes;    /* bulk.sort_buffer_bytes */
    uint64_t bulk_sst_file_max_bytes;   /* bulk.sst_file_max_bytes */
    uint64_t bulk_staging_retention_ms; /* bulk.staging_retention_ms */
    uint64_t chunk_max_rows;   /* ingest.chunk_max_rows */
    uint64_t chunk_max_bytes;  /* ingest.chunk_max_bytes */
    uint64_t chunk_linger_ms;  /* ingest.chunk_linger_ms: seal a partial chunk after this idle time */
    uint64_t queue_max_bytes;  /* ingest.queue_max_bytes */
    uint64_t max_frame_bytes;  /* ingest.max_frame_bytes */
    uint64_t max_key_bytes;    /* ingest.max_key_bytes */
    uint64_t max_value_bytes;  /* ingest.max_value_bytes */
    int sync;                  /* ingest.sync: enum pt_sync_mode */
    uint64_t progress_interval_ms; /* ingest.progress_interval_ms */
    uint64_t shutdown_grace_ms;    /* ingest.shutdown_grace_ms */
    uint64_t job_retention_ms;     /* ingest.job_retention_ms */
    uint64_t max_job_records;      /* ingest.max_job_records */
    uint64_t min_free_bytes;       /* ingest.min_free_bytes */

    uint64_t reads_workers;        /* reads.workers */
    uint64_t reads_page_bytes;     /* reads.page_bytes */
    uint64_t stalled_reader_timeout_ms; /* reads.stalled_reader_timeout_ms */

    pt_relation *relations;    /* the served set: the defaults as the relations
                                * map changed them (yaml.c) */
    size_t nrelations;

    char *options_file;        /* rocksdb.options_file, or NULL */
    pt_optlist db_options;     /* rocksdb.db_options (built-in defaults merged in) */
    pt_optlist cf_options;     /* rocksdb.cf_options (built-in defaults merged in) */
    /* What options_file contributed, below the YAML maps in precedence:
     * [DBOptions], and [CFOptions "default"] with its table section. */
    pt_optlist ini_db_options;
    pt_optlist ini_cf_options;
    uint64_t rate_limit_bytes_per_sec; /* rocksdb.rate_limit_bytes_per_sec, 0 = off */

    uint64_t stall_sample_ms;  /* stall.sample_ms */
    uint64_t pacing;           /* stall.pacing: 0 or 1 */
    uint64_t bulk_profile;     /* stall.bulk_profile: 0 or 1 */
    uint64_t bulk_min_bytes;   /* stall.bulk_min_bytes */
    uint64_t bulk_l0_max_files; /* stall.bulk_l0_max_files */
    uint64_t flush_bound_hold_ms; /* stall.flush_bound_hold_ms */
    uint64_t initial_rate_bytes_per_sec; /* stall.initial_rate_bytes_per_sec */

    int log_level;             /* log.level: enum pt_log_level */
} pt_config;

/* Fill c with the built-in defaults (all allocations owned by c). */
int config_init_defaults(pt_config *c);
/* Load a YAML file over the defaults already in c. Errors and warnings are
 * appended to d as "FILE:LINE:COL: message" lines; returns 0, or -EINVAL
 * when d holds at least one error (c is then unspecified: free it). */
int config_load_file(pt_config *c, const char *path, pt_diag *d);
/* Same from memory; `name` is used as FILE in messages. */
int config_load_string(pt_config *c, const char *name, const char *text,
                       size_t len, pt_diag *d);
/* Cross-key checks (chunk_max_bytes <= queue_max_bytes, ...). Called by
 * the loaders; exposed for command-line overrides. */
int config_validate(const pt_config *c, pt_diag *d);
void config_free(pt_config *c);
/* Deep copy. */
int config_clone(pt_config *dst, const pt_config *src);
/* 1 when a and b hold the same settings: every key, the relations (by
 * name) and the option lists (as sets of name=value). `path` and where an
 * option came from are not settings and are ignored. */
int config_equal(const pt_config *a, const pt_config *b);

/* The effective configuration as YAML, every key, defaults filled in. */
int config_print(const pt_config *c, FILE *out);

/* Replace a string member (used for command-line overrides). */
int config_set_string(char **member, const char *value);
/* Set or override one option in a list (later wins). */
int optlist_set(pt_optlist *l, const char *name, const char *value,
                const char *file, unsigned line, unsigned col);
const pt_opt *optlist_find(const pt_optlist *l, const char *name);
void optlist_free(pt_optlist *l);
/* Append a copy of o as a new entry, even when the name is there. */
int optlist_append(pt_optlist *l, const pt_opt *o);

const pt_relation *config_relation(const pt_config *c, const char *name);

/* The RocksDB options one scope is opened with: every layer folded in
 * precedence order, lowest first.
 *   The database (rel NULL): the built-in rocksdb.db_options; options_file's
 *   [DBOptions]; what the daemon needs to open (create_if_missing and
 *   create_missing_column_families true: above the file, since a copy of
 *   RocksDB's own OPTIONS file says false and a new relation would not be
 *   created); the user's rocksdb.db_options.
 *   A relation's column family: the built-in rocksdb.cf_options;
 *   options_file's [CFOptions "default"], then its [CFOptions "<Name>"]
 *   (each with its table section); the user's rocksdb.cf_options;
 *   relations.<Name>.cf_options.
 * Command-line flags rank above all of them but set no RocksDB option.
 * A plain value replaces the name's earlier ones; a nested value ("{...}")
 * is merged by RocksDB into what is there, so it is kept after them and
 * the same name may appear more than once. Each entry keeps the origin of
 * the layer that set it. This is the one place the precedence is decided:
 * daemon/store.c opens the database with exactly these lists, applied in
 * order, and a reload diffs them against what runs. */
int config_scope_options(const pt_config *c, const pt_relation *rel,
                         pt_optlist *out);
/* The same for a column family that is no relation (RocksDB's "default",
 * the daemon's job records, one left from an earlier relation set): the
 * layers every column family shares, without a relation's own. */
int config_cf_base_options(const pt_config *c, pt_optlist *out);
/* Every RocksDB option the configuration holds, wherever it was written,
 * those a later layer overrides included (the scopes above leave them
 * out): a bad value is an error where it was written even when it takes
 * no effect, since removing the override would bring it in. */
int config_written_options(const pt_config *c, pt_optlist *out);

/* The platform's default socket/pipe path when listen.path is unset:
 * $XDG_RUNTIME_DIR/ptingestd.sock, else /tmp/ptingestd-<uid>.sock;
 * \\.\pipe\ptingestd on Windows. Writes into out. */
void config_default_socket(char *out, size_t outlen);

/* "none", "chunk", "job"; "?" otherwise. Defined beside the keys table
 * (keys.c), which reads and prints ingest.sync with these names. */
const char *config_sync_name(int sync);

/* Settings that a reload may change at run time are flagged in the keys
 * table; this lists, into d as warning lines, each changed key that needs
 * a restart, and a changed set of relation names (column families are
 * created at open), and returns how many. RocksDB options are not
 * compared here: a reload hands them to RocksDB, which says which it can
 * change live (daemon/reload.c). Up to `max` of the names ("data_dir",
 * "relations", ...; static strings) go to names when it is not NULL. */
int config_diff_needs_restart(const pt_config *old, const pt_config *neu,
                              pt_diag *d, const char **names, size_t max);

/* A reload's next configuration: swap into next, from old, the value of
 * every key that only a restart may change, and the relations when their
 * names differ, so that what a reload installs describes what runs. What
 * moves into old is freed with it. */
void config_keep_restart_keys(pt_config *next, pt_config *old);

#endif
