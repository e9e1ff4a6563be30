/* jobrec.h - a job's durable progress record.
 *
 * Stored in the meta column family under the job id, and written in the
 * SAME WriteBatch as each chunk's rows, so that the stored rows and the
 * job's committed row offset can never disagree: after a crash anywhere,
 * the record says exactly how many of the job's rows are in the database,
 * and a resumed job skips exactly those.
 *
 * The value is one line of text, e.g.
 *   "v1 rows=1500 bytes=2811022 state=running created_ms=... updated_ms=..."
 * readable with `ldb` and versioned for later change.
 *
 * Below the codec (pure functions), the table of records the daemon
 * knows: loaded at start-up, looked up when a job begins, updated on each
 * acknowledgement, and expired after ingest.job_retention_ms. Loop
 * thread.
 */
#ifndef PT_JOBREC_H
#define PT_JOBREC_H

#include <stddef.h>
#include <stdint.h>

#define JOBREC_MAX 256

enum jobrec_state { JOBREC_RUNNING = 0, JOBREC_DONE = 1 };

typedef struct jobrec {
    uint64_t rows;        /* committed row offset */
    uint64_t bytes;       /* key + value bytes of those rows */
    int state;
    uint64_t created_ms;  /* wall clock, for expiry and status */
    uint64_t updated_ms;
    int bulk;             /* a bulk job (bulkload.h): " bulk=1" at the end */
} jobrec;

/* Returns the length written to out (< JOBREC_MAX). */
size_t jobrec_encode(const jobrec *r, char *out, size_t outlen);
/* 0, or -EINVAL for text that is not a v1 record. */
int jobrec_decode(const char *text, size_t len, jobrec *r);

/* --- the table ------------------------------------------------------------ */

#define JOB_ID_MAX 128

struct store;
struct store_batch;
struct pt_diag;

/* In the table: on a list from least to most recently written (the
 * order eviction and status walk) and in a hash index by id (a new job's
 * look-up must not scan every record any client ever made). */
typedef struct job_record {
    struct job_record *prev, *next;   /* recency list */
    struct job_record *hnext;         /* index bucket */
    char id[JOB_ID_MAX + 1];
    jobrec r;
} job_record;

typedef struct jobrecs {
    job_record *head, *tail;          /* oldest ... newest */
    uint64_t n;
    job_record **buckets;
    size_t nbuckets;
} jobrecs;

/* A record older than retention_ms (0 = kept for ever) at now_ms. */
int jobrec_expired(const jobrec *r, uint64_t retention_ms, uint64_t now_ms);

job_record *jobrecs_find(jobrecs *t, const char *id, size_t len);
/* A new running record for id (NUL-terminated), created now. */
job_record *jobrecs_add(jobrecs *t, const char *id, uint64_t now_ms);
/* rec was just written: it becomes the newest. */
void jobrecs_touch(jobrecs *t, job_record *rec);
void jobrecs_free(jobrecs *t);

/* Start-up: read every record of the store's meta column family; expired
 * ones are deleted from it. Errors go to diag. */
int jobrecs_load(jobrecs *t, struct store *s, uint64_t retention_ms, uint64_t now_ms,
                 struct pt_diag *diag);

/* Above max records, drop the oldest ones that `busy` does not claim,
 * finished ones first, adding their deletes to b; `dropped` hears of
 * each before it is freed. How many. */
uint64_t jobrecs_evict(jobrecs *t, struct store *s, struct store_batch *b, uint64_t max,
                       int (*busy)(void *ud, const job_record *r),
                       void (*dropped)(void *ud, const job_record *r), void *ud);

/* Drop the expired records that `busy` does not claim, adding their
 * deletes to b; `dropped` hears of each before it is freed. How many. */
uint64_t jobrecs_expire(jobrecs *t, struct store *s, struct store_batch *b,
                        uint64_t retention_ms, uint64_t now_ms,
                        int (*busy)(void *ud, const job_record *r),
                        void (*dropped)(void *ud, const job_record *r), void *ud);

#endif
