/* sorter.h - a bulk job's rows sorted per relation in bounded memory.
 *
 * Rows go in in arrival order; they come out once, ordered by relation
 * index and then key bytes, one row per (relation, key): the one added
 * last (last-wins), deletes included. Rows are held in a buffer of at
 * most buffer_bytes (bulk.sort_buffer_bytes); when it is full its rows
 * are sorted, reduced to one per key, and written as a sorted run file
 * under dir, and the output is a merge of the runs. One thread at a
 * time (the writer thread in the daemon).
 */
#ifndef PT_SORTER_H
#define PT_SORTER_H

#include <stddef.h>
#include <stdint.h>

typedef struct sorter sorter;

/* Per row in the buffer beyond its key and value (index, header). */
#define SORTER_ROW_OVERHEAD 32

/* dir must exist; run files are named dir/run-N and removed by
 * sorter_free. */
int sorter_new(sorter **out, const char *dir, uint64_t buffer_bytes, char *err, size_t errlen);
void sorter_free(sorter *s);
/* op: 0 put, 1 delete (as on the wire). 0, or -errno with err. */
int sorter_add(sorter *s, int op, unsigned rel, const char *key, size_t klen, const char *val,
               size_t vlen, char *err, size_t errlen);

/* The output, in order; a non-zero return stops it and is returned. */
typedef int (*sorter_emit_fn)(void *ud, int op, unsigned rel, const char *key, size_t klen,
                              const char *val, size_t vlen);
int sorter_finish(sorter *s, sorter_emit_fn emit, void *ud, char *err, size_t errlen);

typedef struct sorter_stats {
    uint64_t rows_in, bytes_in;   /* added */
    uint64_t runs, spilled_bytes; /* sorted runs written to disk */
    uint64_t rows_out;            /* emitted (after last-wins) */
    uint64_t peak_buffer_bytes;
} sorter_stats;
void sorter_get_stats(const sorter *s, sorter_stats *out);

#endif
