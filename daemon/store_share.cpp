// store_share.cpp - one memory budget for every database the daemon opens.
//
// Each database is its own RocksDB instance (dbs.h). Left alone, each
// would get its own block cache and its own memtable budget, so memory
// would grow with the number of databases open. RocksDB can share both
// across instances: one LRU block cache given to every column family's
// table factory, and one WriteBufferManager that flushes the largest
// memtables of whichever database once the total passes its budget. The
// C API of RocksDB 7.8 reaches neither for an existing options object, so
// this file completes its handle type, `struct rocksdb_options_t { Options
// rep; }` (rocksdb/db/c.cc), as store_fileio.cpp does, and is called from
// store.c only.
#include <cerrno>
#include <cstdio>
#include <memory>

#include <rocksdb/c.h>
#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include "store_share.h"

extern "C" void store_share_apply_db(const store_share *s, rocksdb_options_t *o);
extern "C" int store_share_apply_cf(const store_share *s, rocksdb_options_t *o, char *err,
                                    size_t errlen);

struct rocksdb_options_t {
    rocksdb::Options rep;
};

struct store_share {
    std::shared_ptr<rocksdb::Cache> cache;
    std::shared_ptr<rocksdb::WriteBufferManager> wbm;
};

extern "C" int store_share_new(store_share **out, uint64_t cache_bytes, uint64_t memtable_bytes,
                               char *err, size_t errlen)
{
    *out = nullptr;
    try {
        std::unique_ptr<store_share> s(new store_share);
        s->cache = rocksdb::NewLRUCache(cache_bytes);
        if (!s->cache) {
            std::snprintf(err, errlen, "cannot create a block cache of %llu bytes",
                          (unsigned long long)cache_bytes);
            return -ENOMEM;
        }
        // Not charged to the cache: the two budgets are separate keys.
        s->wbm = std::make_shared<rocksdb::WriteBufferManager>(memtable_bytes);
        *out = s.release();
        return 0;
    } catch (...) {
        std::snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
}

extern "C" void store_share_free(store_share *s)
{
    delete s;
}

extern "C" void store_share_apply_db(const store_share *s, rocksdb_options_t *o)
{
    o->rep.write_buffer_manager = s->wbm;
}

extern "C" int store_share_apply_cf(const store_share *s, rocksdb_options_t *o, char *err,
                                    size_t errlen)
{
    auto *t = o->rep.table_factory
                  ? o->rep.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>()
                  : nullptr;
    if (!t) {
        std::snprintf(err, errlen, "the table factory is not block-based: the shared block "
                                   "cache (databases.block_cache_bytes) cannot apply");
        return -EINVAL;
    }
    if (t->no_block_cache)
        return 0;
    t->block_cache = s->cache;
    return 0;
}

extern "C" uint64_t store_share_memtable_bytes(const store_share *s)
{
    return s->wbm->memory_usage();
}

extern "C" uint64_t store_share_cache_bytes(const store_share *s)
{
    return s->cache->GetUsage();
}
