/* store_fileio.h - timing RocksDB's file creates and closes
 * (store_fileio.cpp); used by store.c only.
 *
 * store_fileio_install makes the database options' Env one whose file
 * system times every writable file's creation and close and reports
 * each to record(ud, op, us), on the RocksDB thread that did it. The
 * caller passes its recorder in, so this file calls nothing of the
 * store's. The handle must outlive the database: free it after
 * rocksdb_close. */
#ifndef PT_STORE_FILEIO_H
#define PT_STORE_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rocksdb_options_t rocksdb_options_t;
typedef struct store_fileio store_fileio;

enum { STORE_FILEIO_CREATE = 0, STORE_FILEIO_CLOSE = 1 };

/* Called from any RocksDB thread; must not block. */
typedef void (*store_fileio_record_fn)(void *ud, int op, uint64_t us);

int store_fileio_install(rocksdb_options_t *o, store_fileio_record_fn record, void *ud,
                         store_fileio **out, char *err, size_t errlen);
void store_fileio_free(store_fileio *f);

#ifdef __cplusplus
}
#endif

#endif
