/* store.h - the only door to RocksDB.
 *
 * One database, one column family per relation (named as the relation).
 * Nothing else in the tree includes rocksdb/c.h.
 *
 * Threads: store_open/store_close run on the loop thread before the writer
 * starts and after it has stopped. store_write and store_sync_wal are
 * called by the writer thread only. Batches are built on the loop thread
 * and handed over through the chunk queue (one owner at a time). Reads
 * (get, count, iterators, properties) are safe from any thread: RocksDB
 * synchronises them internally; the daemon runs them on libuv's thread
 * pool so the loop never waits on disk.
 */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "lathist.h"

typedef struct store store;
typedef struct store_batch store_batch;
typedef struct store_iter store_iter;

/* Open (creating when missing) the database in cfg->data_dir with the
 * configured options. Option errors are reported against the option's
 * FILE:LINE:COL in d; other failures as one line in d. */
int store_open(store **out, const pt_config *cfg, pt_diag *d);
/* The same for the database in dir, its block cache and memtables drawn
 * from share's budgets (NULL: its own, as configured). */
struct store_share;
int store_open_at(store **out, const pt_config *cfg, const char *dir,
                  const struct store_share *share, pt_diag *d);
void store_close(store *s);
/* Check every RocksDB option in cfg through RocksDB's own parser without
 * opening anything (for --check-config). */
int store_check_options(const pt_config *cfg, pt_diag *d);
/* Change RocksDB options on the open database, by RocksDB name and value
 * text: database-wide ones (SetDBOptions) when rel < 0, else relation
 * rel's column family (SetOptions). RocksDB checks every pair before
 * changing any, so it is all or nothing; it refuses what it cannot change
 * live ("Option not changeable"). 0, or -EINVAL with RocksDB's reason.
 * Called on the loop thread by a reload; RocksDB serialises it with the
 * writer thread's writes. */
int store_set_options(store *s, int rel, size_t n, const char *const *names,
                      const char *const *values, char *err, size_t errlen);

size_t store_nrelations(const store *s);
const char *store_relation_name(const store *s, size_t rel);
/* Index of the relation named name[0..len), or -1. */
int store_relation_index(const store *s, const char *name, size_t len);
const char *store_data_dir(const store *s);

store_batch *store_batch_new(void);
void store_batch_free(store_batch *b);
void store_batch_put(store *s, store_batch *b, size_t rel, const char *key,
                     size_t klen, const char *val, size_t vlen);
void store_batch_del(store *s, store_batch *b, size_t rel, const char *key,
                     size_t klen);
/* Bytes of the batch's encoded form (what it costs in memory). */
size_t store_batch_bytes(store_batch *b);
int store_batch_count(store_batch *b);

/* The daemon's own records (job progress) live in a column family that is
 * not a relation: "ptingestd:jobs" (':' cannot be in a relation name). */
#define STORE_META_CF "ptingestd:jobs"
void store_batch_put_meta(store *s, store_batch *b, const char *key, size_t klen,
                          const char *val, size_t vlen);
void store_batch_del_meta(store *s, store_batch *b, const char *key, size_t klen);
typedef int (*store_meta_cb)(void *ud, const char *key, size_t klen, const char *val,
                             size_t vlen);
/* Every meta record in key order (start-up, before serving). */
int store_meta_scan(store *s, store_meta_cb cb, void *ud, char *err, size_t errlen);

/* Writer thread. sync != 0 fsyncs the WAL before returning. */
int store_write(store *s, store_batch *b, int sync, char *err, size_t errlen);
int store_sync_wal(store *s, char *err, size_t errlen);
/* After a failed write (disk full, I/O error): ask RocksDB to clear its
 * background error and accept writes again (DB::Resume). 0 when it does. */
int store_resume(store *s, char *err, size_t errlen);
/* Bytes free for an unprivileged writer on the data dir's filesystem. */
int store_free_space(store *s, uint64_t *bytes);

/* Reads. store_get returns 1 and a malloc'd value when found, 0 when not,
 * negative on error. */
int store_get(store *s, size_t rel, const char *key, size_t klen,
              char **val, size_t *vlen, char *err, size_t errlen);
int store_count(store *s, size_t rel, uint64_t *n, char *err, size_t errlen);

store_iter *store_iter_new(store *s, size_t rel);
void store_iter_free(store_iter *it);
void store_iter_seek_first(store_iter *it);
int store_iter_valid(store_iter *it);
void store_iter_next(store_iter *it);
const char *store_iter_key(store_iter *it, size_t *len);
const char *store_iter_value(store_iter *it, size_t *len);
/* 0, or negative with a message when the iteration hit an error. */
int store_iter_status(store_iter *it, char *err, size_t errlen);

/* A consistent view of every relation at one moment (a RocksDB snapshot):
 * reads given it see every write made before it and none made after, so
 * a read in many steps sees one state of the data. Any thread; free it
 * before store_close. NULL when out of memory. */
typedef struct store_snap store_snap;
store_snap *store_snap_new(store *s);

/* A consistent copy of the open database in dir (which must not exist):
 * RocksDB's checkpoint, SST files hard-linked when dir is on the same
 * filesystem. Writes may go on meanwhile. Any thread. */
int store_checkpoint(store *s, const char *dir, char *err, size_t errlen);
void store_snap_free(store *s, store_snap *sn);

/* The keys an iterator may visit: [lower, upper), each NULL for none.
 * RocksDB stops at the bounds itself (no scanning past them). */
typedef struct store_range {
    const char *lower;
    size_t lower_len;
    const char *upper;
    size_t upper_len;
} store_range;
/* An iterator over relation rel as of sn (NULL: as of now) within r (NULL:
 * every key; the bounds are copied). fill_cache 0 keeps a long scan from
 * evicting the working set of the block cache. NULL when out of memory. */
store_iter *store_iter_open(store *s, size_t rel, const store_snap *sn, const store_range *r,
                            int fill_cache);
/* The first key >= key, the last key <= key, the last key. */
void store_iter_seek(store_iter *it, const char *key, size_t len);
void store_iter_seek_for_prev(store_iter *it, const char *key, size_t len);
void store_iter_seek_last(store_iter *it);
void store_iter_prev(store_iter *it);

/* RocksDB MultiGet of keys[0..n) of relation rel as of sn (NULL: now).
 * cb is called for every key in order, with val NULL when it is absent;
 * val is valid during the call only. 0, or -EIO with the first failing
 * key's error. */
typedef void (*store_value_cb)(void *ud, size_t i, const char *val, size_t vlen);
int store_multiget(store *s, size_t rel, const store_snap *sn, size_t n,
                   const char *const *keys, const size_t *klens, store_value_cb cb,
                   void *ud, char *err, size_t errlen);

#include "pacer.h"
/* The write-stall triggers of a relation's column family (as opened). */
void store_pace_limits(store *s, size_t rel, pace_limits *out);
/* Its current signals. 0, or -ENOENT if RocksDB did not answer. */
int store_pace_signals(store *s, size_t rel, pace_signals *out);
/* Bulk-ingest profile: defer compaction (disable_auto_compactions on
 * every relation, which also lifts RocksDB's level-0 and compaction-debt
 * stalls) while jobs run, so flush is the only disk work; off again
 * restores the configured setting and RocksDB catches up by itself.
 * Writer thread. */
int store_set_bulk(store *s, int on, char *err, size_t errlen);
int store_bulk(store *s);
/* Start a flush of every column family's memtables and return without
 * waiting for it (nor for room: it may add an immutable memtable where
 * writes would stall), so that no WAL file is kept for rows a small
 * column family holds. Writer thread. 0, or -EIO with RocksDB's reason. */
int store_flush_all(store *s, char *err, size_t errlen);
/* Like store_write, but never waits inside RocksDB: -EAGAIN when RocksDB
 * would delay or stop the write (Status::Incomplete). */
int store_write_nowait(store *s, store_batch *b, char *err, size_t errlen);

/* An integer RocksDB property summed over every relation's column
 * family (e.g. "rocksdb.num-immutable-mem-table"), or of the database
 * when per_cf is 0. Returns 0 or -ENOENT. */
int store_property_u64(store *s, const char *name, int per_cf, uint64_t *out);
/* Latencies of RocksDB's file creates and closes since open (all
 * writable files: WAL, SST, MANIFEST); any thread. */
void store_file_latency(store *s, lathist_snap *create, lathist_snap *close);
/* A text property of the database (e.g. "rocksdb.dbstats"), malloc'd. */
char *store_property_text(store *s, const char *name);

#endif
