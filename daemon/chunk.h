/* chunk.h - a chunk: the unit the writer applies as one atomic WriteBatch.
 *
 * Built and sealed on the loop thread, owned by the chunk queue while
 * queued and while the writer applies it, and handed back to the loop
 * thread through the queue's done list. Exactly one thread owns a chunk
 * at any moment, so a chunk has no lock.
 */
#ifndef PT_CHUNK_H
#define PT_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Per-row overhead counted against chunk_max_bytes besides key and value:
 * what a WriteBatch record costs (tag, column family id, two varints). */
#define CHUNK_ROW_OVERHEAD 16

struct job;

typedef struct chunk {
    struct chunk *next;
    store_batch *batch;
    store *store;           /* the database the batch goes to */
    int forget;             /* no rows: the writer lets go of `store` (it
                               is about to close) before handing it back */
    int flush;              /* no rows: the writer starts a flush of
                               `store`'s memtables (it went quiet) */
    struct job *job;        /* loop thread only */
    /* a chunk of no job: told when it is back (loop thread) */
    void (*done)(void *ud, struct chunk *c);
    void *done_ud;
    uint64_t rows;          /* rows in the batch */
    uint64_t bytes;         /* key + value bytes of those rows */
    uint64_t cost;          /* bytes + CHUNK_ROW_OVERHEAD per row: the bound */
    uint64_t job_token;     /* the job's unique number, for the writer */
    uint64_t mem;           /* bytes counted against queue_max_bytes */
    uint64_t end_row;       /* the job's row count once this chunk is in */
    int need_sync;          /* fsync the WAL before acknowledging */
    int final;              /* the job's last chunk */
    struct bulkload *bulk;  /* a bulk job's: staged, not written (bulkload.h) */
    uint64_t sealed_ns;     /* for commit latency */
    /* the writer's verdict, read by the loop thread after hand-back */
    int status;
    char err[256];
} chunk;

typedef struct chunk_list {
    chunk *head, *tail;
    size_t n;
} chunk_list;

chunk *chunk_new(void);
void chunk_free(chunk *c);

void chunk_list_push(chunk_list *l, chunk *c);
chunk *chunk_list_pop(chunk_list *l);

/* The chunker cuts a stream of rows into chunks of at most max_rows rows
 * and max_bytes bytes (a single row larger than max_bytes is a chunk of its
 * own). Sealed chunks are appended to `out`. Loop thread. */
typedef struct chunker {
    uint64_t max_rows;
    uint64_t max_bytes;
    chunk *cur;
    uint64_t rows_total;    /* rows taken so far (the job's row offset) */
} chunker;

void chunker_init(chunker *ck, uint64_t max_rows, uint64_t max_bytes);
void chunker_free(chunker *ck);
int chunker_add(chunker *ck, store *s, int op, size_t rel, const char *key,
                size_t klen, const char *val, size_t vlen, chunk_list *out);
/* Seal what is being built (even if empty when `final`). */
int chunker_flush(chunker *ck, int final, chunk_list *out);
/* Does a partial chunk wait to be sealed? */
int chunker_pending(const chunker *ck);

#endif
