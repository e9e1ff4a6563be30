/* libptingest.h - talk to ptingestd from any C program.
 *
 * One pti_client is one connection; it is not thread-safe (use one per
 * thread). Every call returns 0 (or a documented positive value) on
 * success, or a negative errno-style code with a human message in the
 * caller's err buffer:
 *   -ECONNREFUSED, -ENOENT, ... : the daemon cannot be reached
 *   -ECONNRESET, -EPIPE        : the connection was lost
 *   -EREMOTEIO                 : the daemon reported an error;
 *                                pti_daemon_error() gives its code
 *   -EINVAL, -E2BIG            : the caller's input is wrong
 *
 * Ingest: pti_job_begin, then pti_job_put/pti_job_del for every row, then
 * pti_job_end, which returns once every row is durable per the daemon's
 * `ingest.sync` setting. Rows are sent in frames as they come and the
 * daemon acknowledges them chunk by chunk; pti_job_rows_acked() tells how
 * many are durable so far.
 */
#ifndef LIBPTINGEST_H
#define LIBPTINGEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pti_client pti_client;

typedef struct pti_info {
    uint32_t protocol_version;
    const char *daemon_version;
    uint64_t max_frame_bytes;
    uint64_t max_key_bytes;
    uint64_t max_value_bytes;
    uint64_t chunk_max_rows;
    uint64_t chunk_max_bytes;
    size_t nrelations;
    const char *const *relations;
} pti_info;

typedef struct pti_progress {
    uint64_t rows_acked;
    uint64_t bytes_acked;
    uint64_t rows_per_s;
    uint64_t queue_bytes;
    uint64_t queue_capacity;
    char stall_state[32];  /* ok | pacing | rocksdb-delayed | rocksdb-stopped */
    /* a bulk job (pti_job_begin_bulk): its phase, "" otherwise: receiving,
     * sorting, writing-ssts, ingesting; bytes done of the phase's total
     * (0: unknown) */
    char bulk_phase[32];
    uint64_t bulk_done_bytes, bulk_total_bytes;
} pti_progress;

typedef void (*pti_progress_cb)(void *ud, const pti_progress *p);
typedef int (*pti_export_cb)(void *ud, const char *rel, const char *key, size_t klen,
                             const char *val, size_t vlen);

/* The socket used when none is given: $PTINGEST_SOCKET, else the
 * daemon's built-in default. */
void pti_default_socket(char *out, size_t outlen);

/* Before anything is sent, the server must be the daemon: a socket
 * served by another local user is refused (-EPERM; on Unix its uid must
 * be ours, root's or the daemon user's, on Windows the pipe's owner our
 * account, SYSTEM, Administrators or the daemon user's). The daemon user
 * is $PTINGEST_DAEMON_USER, else "ptingestd" (the packages' system user). */
int pti_connect(pti_client **out, const char *socket_path, char *err, size_t errlen);
/* The same with the daemon's user (a name or id) given; NULL or "" as
 * pti_connect. */
int pti_connect_daemon_user(pti_client **out, const char *socket_path,
                            const char *daemon_user, char *err, size_t errlen);
void pti_close(pti_client *c);
const pti_info *pti_get_info(const pti_client *c);
/* Index of a relation by name, or -1. */
int pti_relation_index(const pti_client *c, const char *name, size_t len);
/* The code of the last ERROR the daemon sent (enum pt_err), or 0. */
int pti_daemon_error(const pti_client *c);

/* Reads. pti_get returns 1 and a malloc'd NUL-terminated value when the
 * key exists, 0 when it does not. rel NULL or "" = every relation. */
int pti_get(pti_client *c, const char *rel, const char *key, size_t klen,
            char **val, size_t *vlen, char *err, size_t errlen);
int pti_count(pti_client *c, const char *rel, uint64_t *n, char *err, size_t errlen);
/* Rows in key order within each relation; a non-zero return from cb stops
 * the export and is returned. */
int pti_export(pti_client *c, const char *rel, pti_export_cb cb, void *ud,
               char *err, size_t errlen);

/* Scans: the rows of one relation in key byte order (descending with
 * reverse), every row as of one snapshot of the database taken when the
 * scan starts. Bounds are raw key bytes; NULL leaves one out. A prefix
 * is the range of keys that start with it and cannot be combined with
 * from or to. after starts strictly past that key in the scan's
 * direction: the last key of one page, given as after, continues the next
 * exactly. from after to is -EINVAL. keys_only sends every value empty. */
typedef struct pti_scan_opts {
    const char *prefix;
    size_t prefix_len;
    const char *from;       /* keys >= from */
    size_t from_len;
    const char *to;         /* keys < to (whatever the direction) */
    size_t to_len;
    const char *after;
    size_t after_len;
    uint64_t limit;         /* at most this many rows; 0 = all */
    int reverse;
    int keys_only;
} pti_scan_opts;

/* A row of a scan; its pointers are valid until the next call on c. */
typedef struct pti_row {
    const char *rel;
    const char *key;
    size_t klen;
    const char *val;        /* compact JSON text; "" with keys_only */
    size_t vlen;
} pti_row;

/* The rows through a callback (the export's type); a non-zero return
 * from cb stops the scan and is returned. Memory stays bounded by one
 * frame of rows (the daemon's reads.page_bytes), whatever the scan's
 * size. */
int pti_scan(pti_client *c, const char *rel, const pti_scan_opts *o, pti_export_cb cb,
             void *ud, char *err, size_t errlen);
/* The same as an iterator: begin, then next until it returns 0 (the end;
 * <0 on error, 1 with a row). pti_scan_end stops early: the rest of the
 * answer is read and dropped (pass a limit to keep that short). Nothing
 * else may be asked of c in between. */
int pti_scan_begin(pti_client *c, const char *rel, const pti_scan_opts *o, char *err,
                   size_t errlen);
int pti_scan_next(pti_client *c, pti_row *row, char *err, size_t errlen);
int pti_scan_end(pti_client *c, char *err, size_t errlen);

/* Multi-get: n keys of one relation in one request (RocksDB MultiGet, on
 * one snapshot). cb is called for every key in the order given, with val
 * NULL for a key that is absent (val is valid during the call only); a
 * non-zero return stops the calls and is returned. *found (may be NULL)
 * counts the keys present. The keys travel in one frame: more than the
 * daemon's ingest.max_frame_bytes is -E2BIG. */
typedef int (*pti_value_cb)(void *ud, size_t i, const char *val, size_t vlen);
int pti_multiget(pti_client *c, const char *rel, size_t n, const char *const *keys,
                 const size_t *klens, pti_value_cb cb, void *ud, uint64_t *found, char *err,
                 size_t errlen);

/* malloc'd text */
int pti_status(pti_client *c, char **json, char *err, size_t errlen);
int pti_metrics(pti_client *c, char **text, char *err, size_t errlen);
/* Have the daemon reload its configuration file, as SIGHUP does, and wait
 * until that is over. Only root and the daemon's own user may (else
 * -EREMOTEIO, PT_ERR_DENIED). 1 when the file was applied, 0 when it was
 * refused and nothing changed; *msg (malloc'd) says what changed, what
 * needs a restart, or why it was refused. */
int pti_reload(pti_client *c, char **msg, char *err, size_t errlen);

/* Databases (docs/protocol.md, "Databases"). A connection starts on the
 * database "default"; pti_use_db moves it to db for every later request
 * (ingest, reads, status, metrics). The name is checked here first (1-64
 * characters of A-Z a-z 0-9 - _ ., not "." or ".."): -EINVAL with err
 * naming the rule, nothing sent. Not while a job is open or a scan's
 * answer is being read (-EINVAL). The daemon opens and creates nothing
 * on USE: a read of a database that does not exist fails then with
 * -EREMOTEIO and PT_ERR_NO_DATABASE (14), while a job creates it. The
 * library never reads $PTINGEST_DB; the ptingest command does. */
int pti_use_db(pti_client *c, const char *db, char *err, size_t errlen);
/* The connection's database: "default" until pti_use_db changes it. */
const char *pti_current_db(const pti_client *c);

/* The operations of pti_db_request (the wire's enum pt_db_op). */
enum pti_db_op {
    PTI_DB_LIST = 1,       /* name and dir NULL */
    PTI_DB_CREATE = 2,     /* name; dir NULL */
    PTI_DB_DROP = 3,       /* name; dir NULL */
    PTI_DB_CHECKPOINT = 4, /* name; dir: an absolute path that does not exist yet */
    PTI_DB_RESTORE = 5,    /* name (must not exist); dir: an absolute path */
};
/* One operation on the daemon's databases, whichever the connection uses.
 * On success *json (malloc'd) is the daemon's answer, one JSON object:
 *   list        {"databases":[{"name":..,"state":"open"|"closed"|"dropping",
 *                "rows":N,"bytes_on_disk":N,"jobs_active":N},...]}
 *   create      {"name":..,"created":true|false}  (false: it existed)
 *   drop        {"name":..,"bytes_on_disk":N}     (freed in the background)
 *   checkpoint  {"name":..,"dir":..,"files":N,"bytes":N,"linked_files":N}
 *   restore     {"name":..,"dir":..,"files":N,"bytes":N}
 * The name is checked here as for pti_use_db, and dir must be absolute
 * (the caller resolves a relative one): -EINVAL, nothing sent. The
 * daemon's refusals are -EREMOTEIO with pti_daemon_error(): PT_ERR_BAD_NAME
 * (13), PT_ERR_NO_DATABASE (14), PT_ERR_EXISTS (15: restore onto an
 * existing name, a create's or checkpoint's directory exists),
 * PT_ERR_DB_BUSY (16: drop while a job writes into it), PT_ERR_STORE (4),
 * PT_ERR_BAD_REQUEST (10); none of them ends the connection. Not while a
 * job is open or a scan's answer is being read (-EINVAL). */
int pti_db_request(pti_client *c, int op, const char *name, const char *dir, char **json,
                   char *err, size_t errlen);

/* Ingest. job_id NULL or "" lets the daemon name the job. A job id the
 * daemon knows is resumed: pti_job_committed() rows of it are already
 * durable and the caller continues with the row after them (the daemon
 * counts rows from the job's first). If the job had finished,
 * pti_job_already_done() is 1 and nothing more is to be sent. While a
 * previous run of the same job is still writing its last chunks, this
 * waits (up to 30 s) and asks again. */
int pti_job_begin(pti_client *c, const char *job_id, char *err, size_t errlen);
uint64_t pti_job_committed(const pti_client *c);
int pti_job_already_done(const pti_client *c);
const char *pti_job_id(const pti_client *c);
void pti_set_progress_cb(pti_client *c, pti_progress_cb cb, void *ud);
/* pti_job_begin for a job that may be loaded in bulk: the daemon stages
 * its rows and, at pti_job_end, sorts them, writes SST files and ingests
 * them all at once (visible together at JOB_DONE). bulk 1 asks for it,
 * 0 lets the daemon decide from size_hint (the input's size in bytes, 0
 * unknown) and its bulk.auto_min_bytes. pti_job_bulk says what it chose. */
int pti_job_begin_bulk(pti_client *c, const char *job_id, int bulk, uint64_t size_hint,
                       char *err, size_t errlen);
int pti_job_bulk(const pti_client *c);
int pti_job_put(pti_client *c, unsigned rel, const char *key, size_t klen,
                const char *val, size_t vlen, char *err, size_t errlen);
int pti_job_del(pti_client *c, unsigned rel, const char *key, size_t klen,
                char *err, size_t errlen);
/* Send every buffered row now (the input stalls: do not hold rows back),
 * without waiting for acknowledgements. */
int pti_job_flush(pti_client *c, char *err, size_t errlen);
/* Send what is buffered and wait until every row sent so far is
 * acknowledged (without ending the job). */
int pti_job_sync(pti_client *c, char *err, size_t errlen);
int pti_job_end(pti_client *c, uint64_t *rows, uint64_t *bytes, char *err, size_t errlen);
uint64_t pti_job_rows_sent(const pti_client *c);
uint64_t pti_job_rows_acked(const pti_client *c);
uint64_t pti_job_bytes_acked(const pti_client *c);

#ifdef __cplusplus
}
#endif

#endif
