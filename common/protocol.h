/* protocol.h - every message of the wire protocol, encoded and decoded in
 * one place (docs/protocol.md). Shared by the daemon and libptingest.
 *
 * frame.h has the frame header and the field primitives; this file knows
 * what each message holds. Each pt_enc_* appends one whole frame to `out`
 * and returns 0 or -ENOMEM. Each pt_dec_* reads one payload into a struct
 * whose strings point into the payload (no copy, not NUL-terminated) and
 * returns 0, or -EBADMSG when the payload is truncated or has trailing
 * bytes. A protocol change is a change to this file, protocol.c and
 * docs/protocol.md.
 */
#ifndef PT_PROTOCOL_H
#define PT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "frame.h"

typedef struct pt_str {
    const char *p;
    size_t n;
} pt_str;

/* HELLO (client) */
typedef struct pt_hello {
    uint32_t version;
    pt_str client;
} pt_hello;
int pt_enc_hello(pt_buf *out, const pt_hello *m);
int pt_dec_hello(const void *p, size_t n, pt_hello *m);

/* HELLO_OK (daemon): the daemon's limits and its relations by index. */
typedef struct pt_hello_ok {
    uint32_t version;
    pt_str daemon_version;
    uint64_t max_frame_bytes, max_key_bytes, max_value_bytes;
    uint64_t chunk_max_rows, chunk_max_bytes;
    uint16_t nrel;
    const char *const *rel;   /* encoding: nrel names */
    pt_rd rel_rd;             /* decoding: positioned at the names */
} pt_hello_ok;
int pt_enc_hello_ok(pt_buf *out, const pt_hello_ok *m);
/* Decodes the fixed part; read the names with pt_dec_hello_ok_rel (nrel
 * times), then check with pt_dec_hello_ok_end. */
int pt_dec_hello_ok(const void *p, size_t n, pt_hello_ok *m);
int pt_dec_hello_ok_rel(pt_hello_ok *m, pt_str *name);
int pt_dec_hello_ok_end(const pt_hello_ok *m);

/* ERROR (daemon) */
typedef struct pt_error_msg {
    uint32_t code;            /* enum pt_err */
    pt_str message;
} pt_error_msg;
int pt_enc_error(pt_buf *out, const pt_error_msg *m);
int pt_dec_error(const void *p, size_t n, pt_error_msg *m);

/* JOB_BEGIN (client): "" lets the daemon name the job. */
int pt_enc_job_begin(pt_buf *out, pt_str id);
int pt_dec_job_begin(const void *p, size_t n, pt_str *id);

/* JOB_STARTED (daemon) */
typedef struct pt_job_started {
    pt_str id;
    uint64_t committed;       /* rows already durable (a resumed job) */
    uint8_t already_done;
} pt_job_started;
int pt_enc_job_started(pt_buf *out, const pt_job_started *m);
int pt_dec_job_started(const void *p, size_t n, pt_job_started *m);

/* JOB_BEGIN_BULK (client): a job that may be loaded in bulk. */
enum pt_bulk_mode { PT_BULK_AUTO = 0, PT_BULK_ON = 1 };
typedef struct pt_job_begin_bulk {
    pt_str id;
    uint8_t mode;             /* enum pt_bulk_mode */
    uint64_t size_hint;       /* the client's input bytes, 0 unknown */
} pt_job_begin_bulk;
int pt_enc_job_begin_bulk(pt_buf *out, const pt_job_begin_bulk *m);
int pt_dec_job_begin_bulk(const void *p, size_t n, pt_job_begin_bulk *m);

/* JOB_STARTED_BULK (daemon): JOB_STARTED plus the mode chosen. */
typedef struct pt_job_started_bulk {
    pt_job_started s;
    uint8_t bulk;             /* 1: rows are staged and ingested at JOB_END */
} pt_job_started_bulk;
int pt_enc_job_started_bulk(pt_buf *out, const pt_job_started_bulk *m);
int pt_dec_job_started_bulk(const void *p, size_t n, pt_job_started_bulk *m);

/* BULK_PHASE (daemon): where a bulk job is; phase is receiving, sorting,
 * writing-ssts or ingesting. */
typedef struct pt_bulk_phase {
    pt_str phase;
    uint64_t done_bytes, total_bytes;
} pt_bulk_phase;
int pt_enc_bulk_phase(pt_buf *out, const pt_bulk_phase *m);
int pt_dec_bulk_phase(const void *p, size_t n, pt_bulk_phase *m);

/* A row of ROWS (client) or EXPORT_ROWS (daemon; op is always put). */
typedef struct pt_row {
    uint8_t op;               /* enum pt_op */
    uint16_t rel;
    pt_str key, value;
} pt_row;

/* Building a ROWS or EXPORT_ROWS frame row by row, in place at the end of
 * a buffer: begin, add..., end (which patches the count). */
typedef struct pt_rows_wr {
    pt_wr w;
    size_t count_at;
    uint32_t n;
    int type;
} pt_rows_wr;
void pt_rows_begin(pt_rows_wr *rw, pt_buf *out, int type);
void pt_rows_add(pt_rows_wr *rw, const pt_row *row);
/* Bytes of the frame so far, header included. */
size_t pt_rows_size(const pt_rows_wr *rw);
int pt_rows_end(pt_rows_wr *rw);

/* Reading one: init reads the count; next gives 1 and a row, 0 at the end
 * (trailing bytes are -EBADMSG then), or -EBADMSG. `index` is the row's
 * 0-based position in the frame, for messages. */
typedef struct pt_rows_rd {
    pt_rd r;
    int type;
    uint32_t n, index;
} pt_rows_rd;
int pt_rows_rd_init(pt_rows_rd *rr, int type, const void *p, size_t n);
int pt_rows_next(pt_rows_rd *rr, pt_row *row);

/* CHUNK_ACK (daemon): the job's totals durable so far. */
typedef struct pt_chunk_ack {
    uint64_t rows, bytes;
} pt_chunk_ack;
int pt_enc_chunk_ack(pt_buf *out, const pt_chunk_ack *m);
int pt_dec_chunk_ack(const void *p, size_t n, pt_chunk_ack *m);

/* PROGRESS (daemon) */
typedef struct pt_progress {
    uint64_t rows_acked, bytes_acked, rows_per_s;
    uint64_t queue_bytes, queue_capacity;
    pt_str stall_state;
} pt_progress;
int pt_enc_progress(pt_buf *out, const pt_progress *m);
int pt_dec_progress(const void *p, size_t n, pt_progress *m);

/* JOB_END (client): the rows the client sent in all. */
int pt_enc_job_end(pt_buf *out, uint64_t total_rows);
int pt_dec_job_end(const void *p, size_t n, uint64_t *total_rows);

/* JOB_DONE (daemon) */
typedef struct pt_job_done {
    uint64_t rows, bytes, elapsed_ms;
} pt_job_done;
int pt_enc_job_done(pt_buf *out, const pt_job_done *m);
int pt_dec_job_done(const void *p, size_t n, pt_job_done *m);

/* GET (client) */
typedef struct pt_get {
    uint16_t rel;
    pt_str key;
} pt_get;
int pt_enc_get(pt_buf *out, const pt_get *m);
int pt_dec_get(const void *p, size_t n, pt_get *m);

/* VALUE (daemon) */
typedef struct pt_value {
    uint8_t found;
    pt_str value;
} pt_value;
int pt_enc_value(pt_buf *out, const pt_value *m);
int pt_dec_value(const void *p, size_t n, pt_value *m);

/* COUNT and EXPORT (client): a relation by name, "" = all. */
int pt_enc_rel_request(pt_buf *out, int type, pt_str rel);
int pt_dec_rel_request(const void *p, size_t n, pt_str *rel);

/* COUNT_R and EXPORT_END (daemon): one number. */
int pt_enc_count_r(pt_buf *out, uint64_t count);
int pt_enc_export_end(pt_buf *out, uint64_t total);
int pt_dec_u64_reply(const void *p, size_t n, uint64_t *v);

/* SCAN (client): the rows of one relation between optional bounds, in
 * key byte order or reversed. Answered like an EXPORT: EXPORT_ROWS frames,
 * then EXPORT_END with the number of rows. */
enum pt_scan_flag {
    PT_SCAN_REVERSE = 1,    /* descending key order */
    PT_SCAN_KEYS_ONLY = 2,  /* rows carry an empty value */
    PT_SCAN_FROM = 4,       /* keys >= from */
    PT_SCAN_TO = 8,         /* keys < to (exclusive, whatever the direction) */
    PT_SCAN_AFTER = 16,     /* start strictly past `after` in the scan's direction */
};
#define PT_SCAN_FLAGS_ALL 31u
typedef struct pt_scan {
    uint16_t rel;
    uint8_t flags;            /* enum pt_scan_flag */
    pt_str from, to, after;   /* each "" unless its flag is set */
    uint64_t limit;           /* at most this many rows; 0 = no limit */
} pt_scan;
int pt_enc_scan(pt_buf *out, const pt_scan *m);
/* Also -EBADMSG for a flag outside PT_SCAN_FLAGS_ALL, or a bound that is
 * not empty while its flag is clear. */
int pt_dec_scan(const void *p, size_t n, pt_scan *m);

/* MGET (client): many keys of one relation, answered in the order asked
 * by MGET_VALUES frames, then EXPORT_END with the number found. */
int pt_enc_mget(pt_buf *out, uint16_t rel, size_t n, const char *const *keys,
                const size_t *klens);
typedef struct pt_mget {
    uint16_t rel;
    uint32_t n;
    pt_rd keys_rd;            /* positioned at the keys */
} pt_mget;
/* Decodes the fixed part (refusing a count the payload cannot hold); read
 * the keys with pt_dec_mget_key (n times), then check with pt_dec_mget_end. */
int pt_dec_mget(const void *p, size_t n, pt_mget *m);
int pt_dec_mget_key(pt_mget *m, pt_str *key);
int pt_dec_mget_end(const pt_mget *m);

/* MGET_VALUES (daemon), built and read value by value like ROWS. */
typedef struct pt_values_wr {
    pt_wr w;
    size_t count_at;
    uint32_t n;
} pt_values_wr;
void pt_values_begin(pt_values_wr *vw, pt_buf *out);
void pt_values_add(pt_values_wr *vw, int found, pt_str value);
/* Bytes of the frame so far, header included. */
size_t pt_values_size(const pt_values_wr *vw);
int pt_values_end(pt_values_wr *vw);
typedef struct pt_values_rd {
    pt_rd r;
    uint32_t n, index;
} pt_values_rd;
int pt_values_rd_init(pt_values_rd *vr, const void *p, size_t n);
/* 1 and the next answer, 0 at the end (trailing bytes are -EBADMSG then),
 * or -EBADMSG. */
int pt_values_next(pt_values_rd *vr, uint8_t *found, pt_str *value);

/* STATUS and METRICS (client): no payload. */
int pt_enc_empty(pt_buf *out, int type);
int pt_dec_empty(const void *p, size_t n);

/* STATUS_R and METRICS_R (daemon): one text. */
int pt_enc_text(pt_buf *out, int type, pt_str text);
int pt_dec_text(const void *p, size_t n, pt_str *text);

/* RELOAD (client): no payload (pt_enc_empty). RELOAD_R (daemon): */
typedef struct pt_reload_r {
    uint8_t applied;          /* 1: the file runs now; 0: refused, nothing changed */
    pt_str message;           /* what changed or needs a restart, or why refused */
} pt_reload_r;
int pt_enc_reload_r(pt_buf *out, const pt_reload_r *m);
int pt_dec_reload_r(const void *p, size_t n, pt_reload_r *m);

/* USE (client) and USE_OK (daemon, the name echoed): a database name.
 * The decoder checks the frame only; whether the name follows dbname.h's
 * rules is the daemon's to check (ERROR bad-name, the connection stays). */
int pt_enc_use(pt_buf *out, pt_str db);
int pt_enc_use_ok(pt_buf *out, pt_str db);
/* Either of the two payloads. */
int pt_dec_use(const void *p, size_t n, pt_str *db);

/* DB_REQUEST (client): an operation on the daemon's databases. */
enum pt_db_op {
    PT_DB_LIST = 1,        /* name and dir empty */
    PT_DB_CREATE = 2,      /* name; dir empty */
    PT_DB_DROP = 3,        /* name; dir empty */
    PT_DB_CHECKPOINT = 4,  /* name, dir: an absolute path that must not exist */
    PT_DB_RESTORE = 5,     /* name (must not exist), dir: an absolute path */
};
typedef struct pt_db_request {
    uint8_t op;               /* enum pt_db_op */
    pt_str name, dir;
} pt_db_request;
int pt_enc_db_request(pt_buf *out, const pt_db_request *m);
/* Also -EBADMSG for an op outside enum pt_db_op, a name sent with LIST or
 * a dir sent with LIST, CREATE or DROP (a field the op has no use for
 * must be empty, as a SCAN bound without its flag). The name's rules and
 * the dir's being absolute are the daemon's to check. */
int pt_dec_db_request(const void *p, size_t n, pt_db_request *m);
/* "list", "create", "drop", "checkpoint", "restore", or "unknown". */
const char *pt_db_op_name(int op);

/* DB_RESULT (daemon): the outcome as one JSON object (docs/protocol.md). */
int pt_enc_db_result(pt_buf *out, pt_str json);
int pt_dec_db_result(const void *p, size_t n, pt_str *json);

/* A NUL-terminated string (NULL = "") as a pt_str. */
static inline pt_str pt_str_c(const char *s)
{
    pt_str r = {s ? s : "", s ? strlen(s) : 0};
    return r;
}

#endif
