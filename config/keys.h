/* keys.h - the one table of scalar settings, and what walks it.
 *
 * Every scalar key of the YAML file is declared once in keys.c, in the
 * manner of Redis's config table: dotted name, type, where it lives in
 * pt_config, default, bounds, unit, whether a reload may change it, and a
 * line of documentation. The YAML loader, the config printer,
 * config_validate and config_diff_needs_restart all walk pt_keys[], so a
 * new setting is one table row (plus its pt_config member).
 *
 * The maps (relations, rocksdb.db_options, rocksdb.cf_options) are not
 * scalars and are handled by name in yaml.c and config.c.
 *
 * Plain data, no state: safe from any thread.
 */
#ifndef PT_KEYS_H
#define PT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef enum pt_key_type {
    PT_KT_U64,      /* uint64_t; YAML plain decimal integer */
    PT_KT_STRING,   /* char *; any YAML scalar */
    PT_KT_MODE,     /* unsigned; octal text such as "0660" */
    PT_KT_SYNC,     /* int, enum pt_sync_mode; none|chunk|job */
    PT_KT_LOGLEVEL, /* int, enum pt_log_level; error|warn|info|debug */
} pt_key_type;

/* A SIGHUP may apply a new value at run time; without it, a change is
 * reported by config_diff_needs_restart and ignored until restart. */
#define PT_KEY_RELOADABLE 0x1u
/* A string that may be unset (NULL, written `null` in YAML). */
#define PT_KEY_NULLABLE 0x2u

/* Which hook applies a reloadable key to the live daemon: the daemon has
 * one function per value (daemon/settings.c), run at start-up and by
 * every reload whose file changed one of its keys, the way Redis's config
 * table names each setting's apply function. A table row of a reloadable
 * key must name one; restart-only keys have PT_APPLY_NONE. */
typedef enum pt_apply {
    PT_APPLY_NONE = 0,
    PT_APPLY_LOG,        /* log.level */
    PT_APPLY_INGEST,     /* how jobs cut and check rows, sync, progress */
    PT_APPLY_LISTEN,     /* per-connection bounds and timeouts */
    PT_APPLY_QUEUE,      /* the chunk queue's bound */
    PT_APPLY_WRITER,     /* the writer's free-space floor and pacing */
    PT_APPLY_RETENTION,  /* expiry and cap of job progress records */
    PT_APPLY_SHUTDOWN,   /* the drain's grace period */
    PT_APPLY_BULK,       /* the bulk-ingest profile's policy */
    PT_APPLY_STALL,      /* the stall monitor's sampling */
    PT_APPLY_READS,      /* reads' page size and stalled-reader timeout */
    PT_APPLY_DATABASES,  /* how many databases stay open, and for how long */
    PT_APPLY_ROCKSDB,    /* RocksDB's own options: the reload hands them to
                          * RocksDB (SetOptions) before the hooks run */
    PT_APPLY_COUNT
} pt_apply;

typedef struct pt_key {
    const char *name;  /* dotted YAML path, e.g. "ingest.chunk_max_rows" */
    pt_key_type type;
    size_t offset;     /* of the member in pt_config */
    const char *def;   /* default, as text key_set() accepts; NULL = unset */
    uint64_t min, max; /* bounds, for PT_KT_U64 and PT_KT_MODE */
    const char *unit;  /* "bytes", "ms", ... or "" */
    unsigned flags;    /* PT_KEY_* */
    pt_apply apply;    /* for PT_KEY_RELOADABLE keys; else PT_APPLY_NONE */
    const char *doc;   /* one line for --help, the printer and the man page */
} pt_key;

extern const pt_key pt_keys[];
extern const size_t pt_nkeys;

/* The row for a dotted name, or NULL. */
const pt_key *keys_find(const char *name);

/* Set c's member for k from text. `text` NULL means the value was YAML
 * null (or absent); `quoted` says the YAML scalar was quoted, which a
 * number must not be. Returns 0; -EINVAL with a message (without the key
 * name) in err; -ENOMEM. Also the way command-line flags set keys. */
int key_set(pt_config *c, const pt_key *k, const char *text, int quoted,
            char *err, size_t errlen);

/* Check the member's current value against the row's bounds (for values
 * that did not come through key_set). 0, or -EINVAL with err filled. */
int key_check(const pt_config *c, const pt_key *k, char *err, size_t errlen);

/* The member's value as YAML text that key_set reads back unchanged
 * (strings double-quoted, NULL as `null`). Appended to out; 0 or -ENOMEM. */
int key_format(const pt_config *c, const pt_key *k, pt_buf *out);

/* Whether the member has the same value in a and b. */
int key_equal(const pt_config *a, const pt_config *b, const pt_key *k);

/* User text for a message: quoted, control bytes escaped, cut to fit
 * outlen (>= 8) with "..." so that a hostile value cannot flood a log. */
void key_snippet(char *out, size_t outlen, const char *s);

/* Append s to out as a YAML double-quoted scalar. 0 or -ENOMEM. */
int yaml_quote(pt_buf *out, const char *s);

/* strdup for config/ (strdup is not C11). NULL when out of memory. */
char *config_strdup(const char *s);

/* The manual's key list (docs/ptingestd.yaml.5), as roff between these
 * two marker lines, from the table. keys_man_splice copies page with the
 * text between the markers replaced by a fresh list; -EINVAL when the
 * markers are missing. 0 or -ENOMEM otherwise. */
#define KEYS_MAN_BEGIN ".\\\" BEGIN KEYS: written from config/keys.c by keys_man; do not edit"
#define KEYS_MAN_END ".\\\" END KEYS"
int keys_man(pt_buf *out);
int keys_man_splice(const char *page, size_t len, pt_buf *out);

/* Internal to config/: where each key was set in a file, for placing the
 * cross-key errors of config_check. Indexed like pt_keys[]; the extra
 * last slot, PT_KEYPOS_RELATIONS == pt_nkeys, is the `relations` key.
 * A line of 0 means "not in the file". */
typedef struct pt_keypos {
    unsigned line, col;
} pt_keypos;
#define PT_KEYPOS_RELATIONS pt_nkeys

/* config_validate with a file name and optional positions (NULL). */
int config_check(const pt_config *c, const char *file, const pt_keypos *pos,
                 pt_diag *d);

#endif
