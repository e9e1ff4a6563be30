/* sorter.h - a bulk job's rows sorted per relation in bounded memory.
 *
 * Rows go in in arrival order; they come out once, ordered by relation
 * index and then key bytes, one row per (relation, key): the one added
 * last (last-wins), deletes included. Rows are held in a buffer of at
 * most buffer_bytes (bulk.sort_buffer_bytes); when it is full its rows
 * are sorted, reduced to one per key, and written as a sorted run file
 * under dir, and the output is a merge of the runs.
 *
 * The output is cut into parts, so that several threads can each write
 * one: a part is a range of whole keys of one relation. Every relation
 * starts a part, and a relation holding more than 1/max_parts of the
 * bytes is cut at keys about as far apart, chosen from the first sorted
 * buffer (the first run of a spilled job stands for the rest). Each run
 * records where every part starts in it, so a part is merged from its
 * slice of every run without reading the others.
 *
 * Threads: sorter_add and sorter_sort on one thread at a time; after
 * sorter_sort, sorter_emit_part may run for different parts on
 * different threads at once.
 */
#ifndef PT_SORTER_H
#define PT_SORTER_H

#include <stddef.h>
#include <stdint.h>

typedef struct sorter sorter;

/* Per row in the buffer beyond its key and value (index, header). */
#define SORTER_ROW_OVERHEAD 32

/* dir must exist; run files are named dir/run-N and removed by
 * sorter_free. Relations are 0 .. nrel-1. */
int sorter_new(sorter **out, const char *dir, uint64_t buffer_bytes, unsigned nrel,
               unsigned max_parts, char *err, size_t errlen);
void sorter_free(sorter *s);
/* op: 0 put, 1 delete (as on the wire). 0, or -errno with err. */
int sorter_add(sorter *s, int op, unsigned rel, const char *key, size_t klen, const char *val,
               size_t vlen, char *err, size_t errlen);
/* The same, for a val that stands for more bytes (a reference to where
 * the value is): weight is what the row counts for when the output is
 * cut into parts of about equal bytes and in the stats' bytes_in. */
int sorter_add_weighted(sorter *s, int op, unsigned rel, const char *key, size_t klen,
                        const char *val, size_t vlen, uint64_t weight, char *err, size_t errlen);

/* The output, in order; a non-zero return stops it and is returned. */
typedef int (*sorter_emit_fn)(void *ud, int op, unsigned rel, const char *key, size_t klen,
                              const char *val, size_t vlen);
/* Sort what is buffered (a spilled job's last run is written) and cut
 * the output into parts; no row may be added after it. 0 or -errno. */
int sorter_sort(sorter *s, char *err, size_t errlen);
/* The non-empty parts, in output order: part p's relation and bytes. */
unsigned sorter_nparts(const sorter *s);
unsigned sorter_part_rel(const sorter *s, unsigned part);
uint64_t sorter_part_bytes(const sorter *s, unsigned part);
/* Part p's rows, in order. */
int sorter_emit_part(sorter *s, unsigned part, sorter_emit_fn emit, void *ud, char *err,
                     size_t errlen);

typedef struct sorter_stats {
    uint64_t rows_in, bytes_in;   /* added (bytes: the rows' weights) */
    uint64_t runs, spilled_bytes; /* sorted runs written to disk */
    uint64_t rows_out;            /* emitted (after last-wins) */
    uint64_t peak_buffer_bytes;
} sorter_stats;
void sorter_get_stats(const sorter *s, sorter_stats *out);

#endif
