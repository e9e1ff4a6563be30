/* frame.h - the wire protocol's frame codec (docs/protocol.md).
 *
 * Every message is one frame: an 8-byte header (u32 payload length, u8
 * type, u8 flags = 0, u16 reserved = 0; little-endian) and a payload of
 * fixed-order fields: u8/u16/u32/u64 little-endian integers and strings
 * as u32 length + bytes. Shared by the daemon and libptingest, so both
 * sides encode and check frames with the same code.
 *
 * Readers are bounds-checked with a sticky error: decode all fields, then
 * look at rd.err once.
 */
#ifndef PT_FRAME_H
#define PT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PT_PROTO_VERSION 1
#define PT_FRAME_HEADER 8

enum pt_msg {
    /* session */
    PT_MSG_HELLO = 1,      /* C: u32 version, str client_name */
    PT_MSG_HELLO_OK = 2,   /* S: u32 version, str daemon_version,
                              u64 max_frame_bytes, u64 max_key_bytes,
                              u64 max_value_bytes, u64 chunk_max_rows,
                              u64 chunk_max_bytes, u16 nrel, str rel[nrel] */
    PT_MSG_ERROR = 3,      /* S: u32 code (enum pt_err), str message */

    /* ingest */
    PT_MSG_JOB_BEGIN = 10, /* C: str job_id ("" = let the daemon name it) */
    PT_MSG_JOB_STARTED = 11, /* S: str job_id, u64 committed_rows, u8 already_done */
    PT_MSG_ROWS = 12,      /* C: u32 n, n x {u8 op, u16 rel, str key, str value} */
    PT_MSG_CHUNK_ACK = 13, /* S: u64 rows_acked, u64 bytes_acked (job totals) */
    PT_MSG_PROGRESS = 14,  /* S: u64 rows_acked, u64 bytes_acked, u64 rows_per_s,
                              u64 queue_bytes, u64 queue_capacity, str stall_state */
    PT_MSG_JOB_END = 15,   /* C: u64 total_rows */
    PT_MSG_JOB_DONE = 16,  /* S: u64 rows, u64 bytes, u64 elapsed_ms */

    /* reads */
    PT_MSG_GET = 20,       /* C: u16 rel, str key */
    PT_MSG_VALUE = 21,     /* S: u8 found, str value */
    PT_MSG_COUNT = 22,     /* C: str rel ("" = all) */
    PT_MSG_COUNT_R = 23,   /* S: u64 n */
    PT_MSG_EXPORT = 24,    /* C: str rel ("" = all) */
    PT_MSG_EXPORT_ROWS = 25, /* S: u32 n, n x {u16 rel, str key, str value} */
    PT_MSG_EXPORT_END = 26,  /* S: u64 total */
    PT_MSG_STATUS = 27,    /* C: (empty) */
    PT_MSG_STATUS_R = 28,  /* S: str json */
    PT_MSG_METRICS = 29,   /* C: (empty) */
    PT_MSG_METRICS_R = 30, /* S: str text */
    PT_MSG_SCAN = 31,      /* C: u16 rel, u8 flags, str from, str to, str after,
                              u64 limit; answered by EXPORT_ROWS..., EXPORT_END */
    PT_MSG_MGET = 32,      /* C: u16 rel, u32 n, n x str key */
    PT_MSG_MGET_VALUES = 33, /* S: u32 n, n x {u8 found, str value}, in asked
                                order; EXPORT_END (u64 found) ends the answer */

    /* administration */
    PT_MSG_RELOAD = 40,    /* C: (empty): reload the configuration file; root
                              and the daemon's own user only (else ERROR denied) */
    PT_MSG_RELOAD_R = 41,  /* S: u8 applied, str message; sent once the reload
                              is over (applied, or the file refused and why) */

    /* databases (docs/protocol.md, "Databases") */
    PT_MSG_USE = 50,       /* C: str db: the connection's database from now on */
    PT_MSG_USE_OK = 51,    /* S: str db (echo) */
    PT_MSG_DB_REQUEST = 52, /* C: u8 op (enum pt_db_op), str name, str dir */
    PT_MSG_DB_RESULT = 53, /* S: str json */
    /* bulk load (60-69) */
    PT_MSG_JOB_BEGIN_BULK = 60,   /* C: str job_id, u8 mode (0 auto, 1 bulk),
                                     u64 size_hint (input bytes, 0 unknown) */
    PT_MSG_JOB_STARTED_BULK = 61, /* S: str job_id, u64 committed_rows,
                                     u8 already_done, u8 bulk (1: bulk mode) */
    PT_MSG_BULK_PHASE = 62,       /* S: str phase, u64 done_bytes, u64 total_bytes */
};

enum pt_err {
    PT_ERR_PROTOCOL = 1,   /* malformed frame or message out of place */
    PT_ERR_TOO_LARGE = 2,  /* frame over max_frame_bytes */
    PT_ERR_BAD_ROW = 3,    /* key or value over its limit, unknown relation */
    PT_ERR_STORE = 4,      /* RocksDB refused a write or read */
    PT_ERR_SHUTDOWN = 5,   /* the daemon is draining */
    PT_ERR_BUSY = 6,       /* too many clients */
    PT_ERR_NO_RELATION = 7,/* a read named an unknown relation */
    PT_ERR_VERSION = 8,    /* protocol version not supported */
    PT_ERR_RETRY = 9,      /* the job's previous run is still writing: retry */
    PT_ERR_BAD_REQUEST = 10, /* a read's arguments cannot be met (from after to) */
    PT_ERR_TIMEOUT = 11,   /* the client was too slow (handshake, frame, idle) */
    PT_ERR_DENIED = 12,    /* listen.allow does not admit the client (sent at
                              accept, before HELLO), or a request it may not make */
    PT_ERR_BAD_NAME = 13,  /* a database name breaks the rules (dbname.h) */
    PT_ERR_NO_DATABASE = 14, /* a read or command on a database that does not exist */
    PT_ERR_EXISTS = 15,    /* restore onto an existing name; a create or
                              checkpoint whose directory exists */
    PT_ERR_DB_BUSY = 16,   /* drop while a job writes into the database */
    PT_ERR_BULK_MODE = 20, /* the job was begun in the other mode (bulk or not) */
};

enum pt_op { PT_OP_PUT = 0, PT_OP_DEL = 1 };

const char *pt_msg_name(int type);
const char *pt_err_name(int code);

/* --- encoding: append to a pt_buf ------------------------------------ */
typedef struct pt_wr {
    pt_buf *b;
    size_t start; /* offset of the frame header in b */
    int err;      /* sticky -ENOMEM */
} pt_wr;

void pt_wr_begin(pt_wr *w, pt_buf *b, int type);
void pt_wr_u8(pt_wr *w, uint8_t v);
void pt_wr_u16(pt_wr *w, uint16_t v);
void pt_wr_u32(pt_wr *w, uint32_t v);
void pt_wr_u64(pt_wr *w, uint64_t v);
void pt_wr_str(pt_wr *w, const void *s, size_t n);
void pt_wr_cstr(pt_wr *w, const char *s);
/* Patch the header's length; returns 0 or the sticky error. */
int pt_wr_end(pt_wr *w);
/* Overwrite a u32 written earlier at absolute offset `at` in the buffer
 * (for counts known only after the items). */
void pt_wr_patch_u32(pt_wr *w, size_t at, uint32_t v);

/* --- decoding -------------------------------------------------------- */
typedef struct pt_rd {
    const unsigned char *p, *end;
    int err; /* sticky -EBADMSG once a read ran past the end */
} pt_rd;

void pt_rd_init(pt_rd *r, const void *payload, size_t len);
uint8_t pt_rd_u8(pt_rd *r);
uint16_t pt_rd_u16(pt_rd *r);
uint32_t pt_rd_u32(pt_rd *r);
uint64_t pt_rd_u64(pt_rd *r);
/* Points into the payload; no copy, not NUL-terminated. */
const char *pt_rd_str(pt_rd *r, size_t *len);
/* The payload was consumed exactly (no trailing bytes) and no error. */
int pt_rd_done(const pt_rd *r);

/* Look at the start of a byte stream. Returns 1 and sets *type and
 * *payload_len when a whole frame is present, 0 when more bytes are
 * needed, -EMSGSIZE when the header announces more than max_payload, and
 * -EBADMSG when the reserved header bits are not zero. */
int pt_frame_peek(const void *data, size_t len, size_t max_payload,
                  int *type, size_t *payload_len);

#endif
