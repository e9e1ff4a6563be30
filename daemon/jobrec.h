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
 * readable with `ldb` and versioned for later change. Pure functions.
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
} jobrec;

/* Returns the length written to out (< JOBREC_MAX). */
size_t jobrec_encode(const jobrec *r, char *out, size_t outlen);
/* 0, or -EINVAL for text that is not a v1 record. */
int jobrec_decode(const char *text, size_t len, jobrec *r);

#endif
