/* store_sst.h - sorted rows written as SST files and ingested at once.
 *
 * A store_sst collects the SST files of one bulk ingest under dir: one
 * file (more past a size) per part (the sorter's parts: ranges of whole
 * keys of one relation, disjoint, so the files of one column family never
 * overlap) and one for the meta column family, written with RocksDB's
 * SstFileWriter with their column family's options. Rows go into a part
 * in strictly increasing key order; different parts may be written on
 * different threads at once (each part by one thread). store_sst_ingest
 * finishes the files not finished yet and ingests every one of them in
 * ONE DB::IngestExternalFiles call (moving them into the database, not
 * copying), which RocksDB applies as one atomic group across column
 * families under one sequence number: a read (on a snapshot, as every
 * multi-relation read is) sees all the rows or none. Files not ingested
 * are removed by store_sst_free.
 */
#ifndef PT_STORE_SST_H
#define PT_STORE_SST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The column family of the daemon's own records (STORE_META_CF). */
#define STORE_SST_META (-1)

typedef struct store_sst store_sst;

/* part_rels[p]: the relation of part p (nparts of them); NULL: one part
 * per relation, part p = relation p. A part's file that reaches
 * file_max_bytes (bulk.sst_file_max_bytes; 0 = no limit) is finished
 * there, on the adding thread, and the part goes on in a new file: a
 * writer keeps its file's index in memory until it finishes. */
int store_sst_new(store_sst **out, store *s, const char *dir, const unsigned *part_rels,
                  unsigned nparts, uint64_t file_max_bytes, char *err, size_t errlen);
/* part: a part index or STORE_SST_META; op 0 put, 1 delete. -EINVAL
 * when the order is broken or the part is finished (err says where). */
int store_sst_add(store_sst *x, int part, int op, const char *key, size_t klen, const char *val,
                  size_t vlen, char *err, size_t errlen);
/* Finish the files not finished yet, each on a thread of its own (write
 * out, fsync, close). 0, or -EIO with RocksDB's reason. No row may be
 * added after. */
int store_sst_finish(store_sst *x, char *err, size_t errlen);
/* Finish the files (store_sst_finish, if not done) and ingest them all
 * atomically. 0 (also when no row was added),
 * or -EIO with RocksDB's reason. One thread, after every part's writer
 * is done. */
int store_sst_ingest(store_sst *x, char *err, size_t errlen);
/* Bytes written to SST files so far (while they are written: for
 * progress, from any thread). */
uint64_t store_sst_bytes(const store_sst *x);
uint64_t store_sst_files(const store_sst *x);
void store_sst_free(store_sst *x);

/* A batch's encoded form (RocksDB's WriteBatch representation), valid
 * until the batch changes. */
const char *store_batch_data(store_batch *b, size_t *len);
/* Every row of an encoded batch with its relation index (STORE_SST_META
 * for the meta column family; rows of other column families are passed
 * with rel -2) and, for a put, the offset of its value in the encoded
 * form (0 for a delete). A non-zero return of fn stops it and is
 * returned; -EBADMSG when the encoding is damaged. store_batch_each reads
 * a copy of rep, store_batch_rows the batch in place. */
typedef int (*store_batch_row_fn)(void *ud, int rel, int op, const char *key, size_t klen,
                                  const char *val, size_t vlen, size_t val_off);
int store_batch_each(store *s, const char *rep, size_t len, store_batch_row_fn fn, void *ud,
                     char *err, size_t errlen);
int store_batch_rows(store *s, store_batch *b, store_batch_row_fn fn, void *ud, char *err,
                     size_t errlen);

/* --- for the C++ shims: the store's RocksDB handles (store.c) ----------- */
struct rocksdb_t;
struct rocksdb_column_family_handle_t;
struct rocksdb_options_t;
struct rocksdb_t *store_rocksdb(store *s);
/* rel as above */
struct rocksdb_column_family_handle_t *store_cf_handle(store *s, int rel);
struct rocksdb_options_t *store_cf_options(store *s, int rel);
struct rocksdb_writebatch_t;
struct rocksdb_writebatch_t *store_batch_handle(store_batch *b);

#endif
