/* gen.h - realistic Parseltongue-shaped rows for all five relations.
 *
 * Deterministic for a given (entities, seed): the same NDJSON bytes on
 * every machine (own PRNG, no libc rand, no locale, no floating-point
 * formatting that could differ).
 */
#ifndef PT_GEN_H
#define PT_GEN_H

#include <stdint.h>
#include <stdio.h>

typedef struct gen_params {
    uint64_t entities;  /* CodeGraph rows; other relations scale from it */
    uint64_t seed;
} gen_params;

/* Row counts gen_write will produce for p (for --help and tests). */
typedef struct gen_counts {
    uint64_t code_graph, dependency_edges, test_entities_excluded,
        file_word_coverage, ignored_files;
} gen_counts;

void gen_plan(const gen_params *p, gen_counts *out);
/* Write every row as compact NDJSON, {"rel":..,"key":..,"value":..}\n.
 * Returns 0, or a negative errno (e.g. -EPIPE, -EIO) with a message. */
int gen_write(const gen_params *p, FILE *out, char *err, size_t errlen);
/* The text --help prints: sizes and proportions. */
const char *gen_describe(void);

/* Append parts[0..n) to b joined with '|', each '\\' or '|' inside a part
 * preceded by '\\': the multi-column key form of gen's rows (readable, and
 * unambiguous so distinct column tuples never share a key). 0 or -ENOMEM. */
struct pt_buf;
int gen_key_join(struct pt_buf *b, const char *const parts[],
                 const size_t lens[], size_t n);

#endif
