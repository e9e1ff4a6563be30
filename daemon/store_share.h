/* store_share.h - the block cache and memtable budget every database
 * shares (store_share.cpp). Created once by the database registry before
 * the first store opens, freed after the last closes; store_open_at
 * hands them to RocksDB (through functions declared in store.c, which
 * alone sees RocksDB's C types). */
#ifndef PT_STORE_SHARE_H
#define PT_STORE_SHARE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct store_share store_share;

int store_share_new(store_share **out, uint64_t cache_bytes, uint64_t memtable_bytes,
                    char *err, size_t errlen);
void store_share_free(store_share *s);
/* Bytes the memtables of every database hold; bytes in the block cache. */
uint64_t store_share_memtable_bytes(const store_share *s);
uint64_t store_share_cache_bytes(const store_share *s);

#ifdef __cplusplus
}
#endif

#endif
