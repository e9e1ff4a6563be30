/* keys.c - the table of every scalar setting, and the per-type code that
 * reads, checks, prints and compares a table row's member.
 *
 * Defaults are written as the same text a user would put in the YAML file
 * and go through key_set(), so a default can never escape the bounds or
 * the parser that apply to the user's value.
 */
#include "keys.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"

/* offsetof that fails to compile when the member's type does not match
 * the row's type: a mistyped row would otherwise corrupt memory. */
#define OFF(field, type) \
    _Generic(((pt_config *)0)->field, type: offsetof(pt_config, field))
#define U64(f) PT_KT_U64, OFF(f, uint64_t)
#define STR(f) PT_KT_STRING, OFF(f, char *)
#define MODE(f) PT_KT_MODE, OFF(f, unsigned)
#define SYNC(f) PT_KT_SYNC, OFF(f, int)
#define LOGLEVEL(f) PT_KT_LOGLEVEL, OFF(f, int)

/* A row's flags and apply hook: RESTART, or RELOAD(hook); NULLABLE goes
 * before either ("NULLABLE | RESTART"). */
#define RELOAD(hook) PT_KEY_RELOADABLE, PT_APPLY_##hook
#define RESTART 0u, PT_APPLY_NONE
#define NULLABLE PT_KEY_NULLABLE

/* Sections must stay contiguous: the printer opens a YAML mapping each
 * time the section part of the name changes. */
const pt_key pt_keys[] = {
    {"data_dir", STR(data_dir), "./ptingestd-data", 0, 0, "", RESTART,
     "directory holding the databases: the default one itself, the others under "
     "databases/"},

    {"databases.max_open", U64(databases_max_open), "64", 2, 100000, "databases",
     RELOAD(DATABASES),
     "databases open at once, the default one included; past it the least recently used "
     "idle one is closed first"},
    {"databases.idle_close_ms", U64(databases_idle_close_ms), "600000", 0,
     UINT64_C(604800000), "ms", RELOAD(DATABASES),
     "a database nothing has used for this long is closed (reopened on demand; never "
     "the default one); 0 = never"},
    {"databases.idle_flush_ms", U64(databases_idle_flush_ms), "5000", 0,
     UINT64_C(86400000), "ms", RELOAD(DATABASES),
     "a database whose jobs have all ended flushes its memtables after this long without "
     "a new one (their memory, and its write-ahead log, go); 0 = never"},
    {"databases.memtable_budget_bytes", U64(databases_memtable_budget_bytes), "1073741824",
     UINT64_C(16) << 20, UINT64_C(1) << 50, "bytes", RESTART,
     "memtables of all databases together; past it the largest are flushed"},
    {"databases.block_cache_bytes", U64(databases_block_cache_bytes), "134217728", 0,
     UINT64_C(1) << 50, "bytes", RESTART,
     "one block cache shared by every database"},

    {"listen.path", STR(listen_path), NULL, 0, 0, "", NULLABLE | RESTART,
     "Unix socket (Windows: named pipe); null = platform default"},
    {"listen.mode", MODE(listen_mode), "0660", 0, 0777, "octal", RESTART,
     "permission bits of the socket file"},
    {"listen.allow", STR(listen_allow), NULL, 0, 0, "", NULLABLE | RESTART,
     "who may connect besides root (Windows: SYSTEM, Administrators) and the "
     "daemon's own user: comma-separated users and group:GROUP entries, names "
     "or ids; null = whoever the socket's mode lets in"},
    {"listen.max_clients", U64(max_clients), "256", 1, 65536, "clients",
     RESTART, "connections served at once; more are refused"},
    {"listen.max_clients_per_uid", U64(max_clients_per_uid), "128", 1, 65536, "clients",
     RELOAD(LISTEN),
     "connections one user may hold at once (Linux; root and the daemon's user are exempt)"},
    {"listen.operator_slots", U64(operator_slots), "4", 0, 64, "clients", RELOAD(LISTEN),
     "connections kept beyond listen.max_clients for root and the daemon's own user "
     "(Linux), so an operator can always reach status"},
    {"listen.max_unsent_bytes", U64(max_unsent_bytes), "4194304", 65536, 1073741824,
     "bytes", RELOAD(LISTEN),
     "answers queued for a client that does not read them; past this its requests wait"},
    {"listen.handshake_timeout_ms", U64(handshake_timeout_ms), "10000", 0, 3600000, "ms",
     RELOAD(LISTEN), "a new connection must send HELLO within this; 0 = no limit"},
    {"listen.frame_timeout_ms", U64(frame_timeout_ms), "30000", 0, 3600000, "ms",
     RELOAD(LISTEN), "a frame once begun must arrive whole within this; 0 = no limit"},
    {"listen.idle_timeout_ms", U64(idle_timeout_ms), "300000", 0, UINT64_C(86400000), "ms",
     RELOAD(LISTEN),
     "a connection that sends nothing for this long, while the daemon owes it nothing, "
     "is closed; 0 = never"},
    {"listen.write_timeout_ms", U64(write_timeout_ms), "30000", 0, 3600000, "ms",
     RELOAD(LISTEN),
     "a client that takes none of its answers for this long is dropped; 0 = never"},

    {"bulk.auto_min_bytes", U64(bulk_auto_min_bytes), "0", 0, UINT64_C(1) << 50,
     "bytes", RELOAD(INGEST),
     "a job whose client announces at least this much input (JOB_BEGIN_BULK's size hint) "
     "is loaded in bulk: staged, sorted, written as SST files, ingested at its end; "
     "0 = only when asked (ingest --bulk)"},
    {"bulk.sort_buffer_bytes", U64(bulk_sort_buffer_bytes), "67108864", 65536,
     UINT64_C(1) << 40, "bytes", RELOAD(INGEST),
     "memory a bulk job sorts its rows in; larger jobs spill sorted runs under the data dir"},
    {"bulk.sst_file_max_bytes", U64(bulk_sst_file_max_bytes), "268435456", 1048576,
     UINT64_C(1) << 40, "bytes", RELOAD(INGEST),
     "a bulk job's SST file is finished at this size and the next begun: a file being "
     "written keeps its whole index in memory (a few percent of it)"},
    {"bulk.staging_retention_ms", U64(bulk_staging_retention_ms), "86400000", 0,
     UINT64_C(31536000000), "ms", RELOAD(INGEST),
     "a bulk job's staged rows, unfinished and untouched this long, are removed (its "
     "client can no longer resume it); 0 = kept for ever"},

    {"ingest.chunk_max_rows", U64(chunk_max_rows), "8192", 1, 1000000,
     "rows", RELOAD(INGEST), "rows per chunk (one RocksDB write batch)"},
    {"ingest.chunk_max_bytes", U64(chunk_max_bytes), "1048576", 4096,
     268435456, "bytes", RELOAD(INGEST), "bytes per chunk before it is sealed"},
    {"ingest.chunk_linger_ms", U64(chunk_linger_ms), "20", 0, 60000, "ms",
     RELOAD(INGEST), "seal a partial chunk after this idle time"},
    {"ingest.queue_max_bytes", U64(queue_max_bytes), "67108864", 65536,
     UINT64_C(17179869184), "bytes", RELOAD(QUEUE),
     "sealed chunks awaiting the writer; clients are paused when full"},
    {"ingest.max_frame_bytes", U64(max_frame_bytes), "16777216", 65536,
     1073741824, "bytes", RESTART, "largest protocol frame a client may send"},
    {"ingest.max_key_bytes", U64(max_key_bytes), "16384", 1, 1048576, "bytes",
     RELOAD(INGEST), "longest key accepted"},
    {"ingest.max_value_bytes", U64(max_value_bytes), "8388608", 1, 536870912,
     "bytes", RELOAD(INGEST), "longest value (compact JSON text) accepted"},
    {"ingest.sync", SYNC(sync), "chunk", 0, 0, "", RELOAD(INGEST),
     "WAL fsync before the ack: none | chunk | job"},
    {"ingest.progress_interval_ms", U64(progress_interval_ms), "500", 50,
     60000, "ms", RELOAD(INGEST), "how often clients are sent progress"},
    {"ingest.shutdown_grace_ms", U64(shutdown_grace_ms), "30000", 0, 3600000,
     "ms", RELOAD(SHUTDOWN), "on SIGTERM, time allowed to drain the queue"},
    {"ingest.min_free_bytes", U64(min_free_bytes), "268435456", 0,
     UINT64_C(1099511627776), "bytes", RELOAD(WRITER),
     "refuse writes while the data dir's filesystem has less free space"},
    {"ingest.job_retention_ms", U64(job_retention_ms), "604800000", 0,
     UINT64_C(315360000000), "ms", RELOAD(RETENTION),
     "how long a job's progress record is kept after its last write"},
    {"ingest.max_job_records", U64(max_job_records), "10000", 16, 100000000, "records",
     RELOAD(RETENTION),
     "progress records kept; past this the oldest go, finished jobs first"},

    {"reads.workers", U64(reads_workers), "4", 1, 256, "threads", RESTART,
     "threads that run reads; the first serves only single-key gets, so they never "
     "wait behind the pages of long reads"},
    {"reads.page_bytes", U64(reads_page_bytes), "524288", 4096, 67108864, "bytes",
     RELOAD(READS), "a read's answer frame is closed past this; a slow reader holds two"},
    {"reads.stalled_reader_timeout_ms", U64(stalled_reader_timeout_ms), "20000", 0,
     3600000, "ms", RELOAD(READS),
     "a client that leaves a read's answer unread this long is dropped (its snapshot "
     "holds old data); 0 = never"},

    {"rocksdb.options_file", STR(options_file), NULL, 0, 0, "",
     NULLABLE | RELOAD(ROCKSDB),
     "RocksDB OPTIONS-style INI file, applied below the YAML option maps"},
    {"rocksdb.rate_limit_bytes_per_sec", U64(rate_limit_bytes_per_sec), "0",
     0, UINT64_C(1000000000000), "bytes/s", RESTART,
     "flush+compaction I/O limit; 0 = unlimited"},

    {"stall.bulk_profile", U64(bulk_profile), "1", 0, 1, "", RELOAD(BULK),
     "1 = defer compaction while jobs run, catch up after; 0 = off"},
    {"stall.bulk_min_bytes", U64(bulk_min_bytes), "67108864", 0, UINT64_C(1) << 50, "bytes",
     RELOAD(BULK),
     "a job turns the bulk-ingest profile on once it has sent this much; 0 = at its start"},
    {"stall.bulk_l0_max_files", U64(bulk_l0_max_files), "256", 0, 1000000, "files", RELOAD(WRITER),
     "a database whose level 0 holds this many files in one relation leaves the bulk-ingest "
     "profile until compaction brings it below the slowdown trigger; 0 = no bound"},
    {"stall.flush_bound_hold_ms", U64(flush_bound_hold_ms), "1000", 10, 60000, "ms", RELOAD(WRITER),
     "memtables must wait for flushes this long without a break before the writer "
     "paces itself at the flush rate, and none this long before it stops"},
    {"stall.initial_rate_bytes_per_sec", U64(initial_rate_bytes_per_sec), "8000000",
     1000000, UINT64_C(100000000000), "bytes/s", RESTART,
     "while flush is behind and its speed not yet measured, admit at this rate"},
    {"stall.pacing", U64(pacing), "1", 0, 1, "", RELOAD(WRITER),
     "1 = hold writes back before RocksDB would delay or stop them; 0 = off"},
    {"stall.sample_ms", U64(stall_sample_ms), "100", 10, 60000, "ms", RELOAD(STALL),
     "how often RocksDB write-stall statistics are sampled"},

    {"log.level", LOGLEVEL(log_level), "info", 0, 0, "", RELOAD(LOG),
     "error | warn | info | debug"},
};

const size_t pt_nkeys = sizeof(pt_keys) / sizeof(pt_keys[0]);

/* strdup is POSIX, not C11, and spelled _strdup by MSVC. */
char *config_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

/* With the table: PT_KT_SYNC keys are read and printed by these names. */
const char *config_sync_name(int sync)
{
    static const char *const names[] = {"none", "chunk", "job"};
    return sync >= PT_SYNC_NONE && sync <= PT_SYNC_JOB ? names[sync] : "?";
}

const pt_key *keys_find(const char *name)
{
    for (size_t i = 0; i < pt_nkeys; i++)
        if (strcmp(pt_keys[i].name, name) == 0)
            return &pt_keys[i];
    return NULL;
}

#define MEMBER(c, k, type) ((type *)((char *)(c) + (k)->offset))
#define CMEMBER(c, k, type) ((const type *)((const char *)(c) + (k)->offset))

/* User text inside a message: quoted, escaped, and cut short so that a
 * hostile value cannot flood the terminal. */
void key_snippet(char *out, size_t outlen, const char *s)
{
    size_t o = 0, i;

    if (outlen < 8) {
        if (outlen)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (i = 0; s[i] && o + 6 < outlen; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    if (s[i] && o + 4 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Plain decimal only: no sign, no leading zero, no 0x, no underscores, so
 * that what the user reads is what the daemon uses. */
static int set_u64(uint64_t *dst, const pt_key *k, const char *text,
                   int quoted, char *err, size_t errlen)
{
    char q[80];
    uint64_t v = 0;
    int overflow = 0;
    size_t i;

    key_snippet(q, sizeof q, text);
    if (quoted) {
        snprintf(err, errlen,
                 "expected an unsigned integer, got the quoted string %s"
                 " (remove the quotes)", q);
        return -EINVAL;
    }
    if (text[0] == '-' && text[1] >= '0' && text[1] <= '9') {
        snprintf(err, errlen, "%s is negative; expected an unsigned integer",
                 q);
        return -EINVAL;
    }
    for (i = 0; text[i]; i++) {
        unsigned dgt = (unsigned)(text[i] - '0');
        if (dgt > 9)
            break;
        if (v > (UINT64_MAX - dgt) / 10)
            overflow = 1;
        v = v * 10 + dgt;
    }
    if (i == 0 || text[i] || (text[0] == '0' && text[1])) {
        snprintf(err, errlen, "expected an unsigned decimal integer, got %s",
                 q);
        return -EINVAL;
    }
    if (overflow || v < k->min || v > k->max) {
        snprintf(err, errlen, "%s is out of range %" PRIu64 "..%" PRIu64,
                 text, k->min, k->max);
        return -EINVAL;
    }
    *dst = v;
    return 0;
}

/* "0..0777": octal with the leading 0 a user would write. */
static const char *octal_range(char *out, size_t outlen, const pt_key *k)
{
    snprintf(out, outlen, "%s%" PRIo64 "..0%" PRIo64, k->min ? "0" : "",
             k->min, k->max);
    return out;
}

static int set_mode(unsigned *dst, const pt_key *k, const char *text,
                    char *err, size_t errlen)
{
    char q[80];
    uint64_t v = 0;
    size_t i;

    for (i = 0; text[i] >= '0' && text[i] <= '7' && i < 12; i++)
        v = v * 8 + (uint64_t)(text[i] - '0');
    if (i == 0 || text[i]) {
        key_snippet(q, sizeof q, text);
        snprintf(err, errlen, "expected an octal mode such as \"0660\", got %s",
                 q);
        return -EINVAL;
    }
    if (v < k->min || v > k->max) {
        snprintf(err, errlen, "%s is out of range %s", text,
                 octal_range(q, sizeof q, k));
        return -EINVAL;
    }
    *dst = (unsigned)v;
    return 0;
}

static int set_enum(int *dst, const pt_key *k, const char *text, char *err,
                    size_t errlen)
{
    char q[80];
    int v = -1;

    if (k->type == PT_KT_LOGLEVEL) {
        v = pt_log_level_parse(text);
    } else {
        for (int i = PT_SYNC_NONE; i <= PT_SYNC_JOB; i++)
            if (strcmp(text, config_sync_name(i)) == 0)
                v = i;
    }
    if (v < 0) {
        key_snippet(q, sizeof q, text);
        snprintf(err, errlen, "expected one of %s, got %s",
                 k->type == PT_KT_LOGLEVEL ? "error|warn|info|debug"
                                           : "none|chunk|job", q);
        return -EINVAL;
    }
    *dst = v;
    return 0;
}

static int set_string(char **dst, const pt_key *k, const char *text,
                      char *err, size_t errlen)
{
    char *s;

    if (!text && (k->flags & PT_KEY_NULLABLE)) {
        free(*dst);
        *dst = NULL;
        return 0;
    }
    if (!text || !*text) {
        snprintf(err, errlen, "must not be empty%s",
                 k->flags & PT_KEY_NULLABLE ? " (write null for the default)"
                                            : "");
        return -EINVAL;
    }
    s = config_strdup(text);
    if (!s)
        return -ENOMEM;
    free(*dst);
    *dst = s;
    return 0;
}

int key_set(pt_config *c, const pt_key *k, const char *text, int quoted,
            char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (k->type == PT_KT_STRING)
        return set_string(MEMBER(c, k, char *), k, text, err, errlen);
    if (!text) {
        snprintf(err, errlen, "missing value");
        return -EINVAL;
    }
    switch (k->type) {
    case PT_KT_U64:
        return set_u64(MEMBER(c, k, uint64_t), k, text, quoted, err, errlen);
    case PT_KT_MODE:
        return set_mode(MEMBER(c, k, unsigned), k, text, err, errlen);
    case PT_KT_SYNC:
    case PT_KT_LOGLEVEL:
        return set_enum(MEMBER(c, k, int), k, text, err, errlen);
    case PT_KT_STRING:
        break;
    }
    return -EINVAL;
}

int key_check(const pt_config *c, const pt_key *k, char *err, size_t errlen)
{
    char range[64];
    uint64_t v;
    int e;

    switch (k->type) {
    case PT_KT_U64:
        v = *CMEMBER(c, k, uint64_t);
        if (v >= k->min && v <= k->max)
            return 0;
        snprintf(err, errlen, "%" PRIu64 " is out of range %" PRIu64 "..%" PRIu64,
                 v, k->min, k->max);
        return -EINVAL;
    case PT_KT_MODE:
        v = *CMEMBER(c, k, unsigned);
        if (v >= k->min && v <= k->max)
            return 0;
        snprintf(err, errlen, "0%" PRIo64 " is out of range %s", v,
                 octal_range(range, sizeof range, k));
        return -EINVAL;
    case PT_KT_STRING:
        if (*CMEMBER(c, k, char *) ? **CMEMBER(c, k, char *) != '\0'
                                   : (k->flags & PT_KEY_NULLABLE) != 0)
            return 0;
        snprintf(err, errlen, "must not be empty");
        return -EINVAL;
    case PT_KT_SYNC:
    case PT_KT_LOGLEVEL:
        e = *CMEMBER(c, k, int);
        if (e >= 0 && e <= (k->type == PT_KT_SYNC ? PT_SYNC_JOB : PT_LOG_DEBUG))
            return 0;
        snprintf(err, errlen, "%d is not a valid value", e);
        return -EINVAL;
    }
    return -EINVAL;
}

/* YAML's printable set (1.1, section 5.1), which libyaml's reader
 * enforces: anything else in a string must be escaped to load back. */
static int yaml_printable(uint32_t cp)
{
    return cp == 0x85 || (cp >= 0xA0 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Length of the valid UTF-8 sequence at s (>= 2), storing its code point,
 * or 0 when the bytes are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n, i;
    uint32_t v;

    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        v = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        v = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        v = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
        (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
        return 0;
    *cp = v;
    return n;
}

int yaml_quote(pt_buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;
    size_t n;
    int r = pt_buf_append_byte(out, '"');

    while (r == 0 && *p) {
        if (*p == '"' || *p == '\\') {
            r = pt_buf_printf(out, "\\%c", *p);
            p++;
        } else if (*p == '\n' || *p == '\t') {
            r = pt_buf_append_str(out, *p == '\n' ? "\\n" : "\\t");
            p++;
        } else if (*p >= 0x20 && *p < 0x7f) {
            r = pt_buf_append_byte(out, (char)*p++);
        } else if (*p < 0x80 || (n = utf8_decode(p, &cp)) == 0) {
            /* Not valid UTF-8 is beyond YAML; \x keeps it visible. */
            r = pt_buf_printf(out, "\\x%02x", *p++);
        } else if (yaml_printable(cp)) {
            r = pt_buf_append(out, p, n);
            p += n;
        } else {
            r = pt_buf_printf(out, cp > 0xFFFF ? "\\U%08" PRIx32 : "\\u%04" PRIx32,
                              cp);
            p += n;
        }
    }
    return r ? r : pt_buf_append_byte(out, '"');
}

int key_format(const pt_config *c, const pt_key *k, pt_buf *out)
{
    const char *s;

    switch (k->type) {
    case PT_KT_U64:
        return pt_buf_printf(out, "%" PRIu64, *CMEMBER(c, k, uint64_t));
    case PT_KT_MODE:
        return pt_buf_printf(out, "\"%04o\"", *CMEMBER(c, k, unsigned));
    case PT_KT_STRING:
        s = *CMEMBER(c, k, char *);
        return s ? yaml_quote(out, s) : pt_buf_append_str(out, "null");
    case PT_KT_SYNC:
        return pt_buf_append_str(out, config_sync_name(*CMEMBER(c, k, int)));
    case PT_KT_LOGLEVEL:
        return pt_buf_append_str(out, pt_log_level_name(*CMEMBER(c, k, int)));
    }
    return -EINVAL;
}

int key_equal(const pt_config *a, const pt_config *b, const pt_key *k)
{
    const char *sa, *sb;

    switch (k->type) {
    case PT_KT_U64:
        return *CMEMBER(a, k, uint64_t) == *CMEMBER(b, k, uint64_t);
    case PT_KT_MODE:
        return *CMEMBER(a, k, unsigned) == *CMEMBER(b, k, unsigned);
    case PT_KT_STRING:
        sa = *CMEMBER(a, k, char *);
        sb = *CMEMBER(b, k, char *);
        return sa == sb || (sa && sb && strcmp(sa, sb) == 0);
    case PT_KT_SYNC:
    case PT_KT_LOGLEVEL:
        return *CMEMBER(a, k, int) == *CMEMBER(b, k, int);
    }
    return 0;
}
