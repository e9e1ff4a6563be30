/* readwork.h - one step of a read, as a read worker runs it: what each
 * kind of read asks of the store and the frames it answers with.
 *
 * A read is a cursor. GET is one step. COUNT, EXPORT, SCAN and MGET take
 * as many steps as they need, each bounded (a page of about page_bytes of
 * frames, or COUNT's slice of keys), so that a worker is never held by
 * one long read and a slow reader holds little (reads.h). The first step
 * takes a RocksDB snapshot that every later step reads from: the whole
 * read sees one state of the data, and never part of a chunk.
 *
 * Plain functions over the store and the cursor; no libuv, no client
 * (reads.c schedules the steps and sends what they produce). A cursor is
 * touched by one thread at a time.
 */
#ifndef PT_READWORK_H
#define PT_READWORK_H

#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "../common/protocol.h"
#include "store.h"

/* Keys a COUNT step visits at most. */
#define READWORK_COUNT_STEP 65536
/* Keys one MultiGet call asks for (RocksDB batches lookups by 32). */
#define READWORK_MGET_SLICE 32

typedef struct read_cursor {
    store *s;
    int type;                  /* PT_MSG_GET, COUNT, EXPORT, SCAN or MGET */
    size_t page_bytes;         /* a frame is closed past this */
    /* what was asked (pt_str's point into args) */
    size_t rel, rel_end;       /* relations still to go: [rel, rel_end) */
    char *args;                /* one block holding the keys and bounds */
    pt_str key;                /* GET */
    uint8_t flags;             /* SCAN: enum pt_scan_flag */
    pt_str from, to, after;
    uint64_t limit;            /* SCAN: 0 = none */
    size_t nkeys, next_key;    /* MGET */
    const char **keys;
    size_t *klens;
    /* between steps */
    store_snap *snap;
    store_iter *it;
    uint64_t total;            /* rows sent, keys found, rows counted */
    /* what the last step produced */
    pt_buf out;                /* whole frames, to send as they are */
    int done;                  /* out ends the answer */
    int status;                /* < 0: the step failed, err says why */
    char err[256];
} read_cursor;

void read_cursor_init(read_cursor *c, store *s, int type, size_t page_bytes);
/* The iterator, the snapshot, the arguments and the output. */
void read_cursor_free(read_cursor *c);
/* Run the next step: out gets its frames (it may stay empty while a
 * COUNT goes on), done is set with the last. */
void read_step(read_cursor *c);

/* Byte order of keys, as RocksDB's default comparator sorts them. */
int readwork_key_cmp(pt_str a, pt_str b);

#endif
