// store_share.cpp - one memory budget for every database the daemon opens.
//
// Each database is its own RocksDB instance (dbs.h). Left alone, each
// would get its own block cache and its own memtable budget, so memory
// would grow with the number of databases open. RocksDB can share both
// across instances: one LRU block cache given to every column family's
// table factory, and one WriteBufferManager that flushes the largest
// memtables of whichever database once the total passes its budget. The
// C API of RocksDB 7.8 reaches neither for an existing options object, so
// this file reaches them through its handle (store_capi.hpp), and is
// called from store.c only.
//
// Each instance would also write its own info LOG through its own 64 KiB
// file buffer (some 50 KiB touched per open database, measured with 100
// empty ones). Instead one LOG is made, the way RocksDB would make it, for
// the first database opened (the default one, in the data dir) and every
// database writes to it, each line led by the database's directory.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/c.h>
#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include "store_capi.hpp"
#include "store_share.h"

extern "C" void store_share_apply_db(const store_share *s, rocksdb_options_t *o,
                                     const char *dir);
extern "C" int store_share_apply_cf(const store_share *s, rocksdb_options_t *o, char *err,
                                    size_t errlen);

struct store_share {
    std::shared_ptr<rocksdb::Cache> cache;
    std::shared_ptr<rocksdb::WriteBufferManager> wbm;
    // The one LOG, made at the first open (databases open on several
    // threads); null if it could not be made: each database then makes
    // its own, as RocksDB does without us. log_opts: the options it was
    // made with.
    mutable std::mutex log_mu;
    mutable std::shared_ptr<rocksdb::Logger> log;
    mutable rocksdb::DBOptions log_opts;
    mutable bool log_tried = false;
};

namespace {

// One database's lines in the shared LOG, each led by "[DIR] ". Levels
// are filtered here (Logger::Logv with a level, which also adds "[WARN] "
// and the like), at the level the shared LOG was made with.
class DbLogger : public rocksdb::Logger {
  public:
    DbLogger(std::shared_ptr<rocksdb::Logger> to, const char *dir)
        : Logger(to->GetInfoLogLevel()), to_(std::move(to)), lead_("[")
    {
        for (const char *p = dir; *p; p++)
            lead_.append(*p == '%' ? "%%" : std::string(1, *p)); // literal in a format
        lead_.append("] ");
    }
    using rocksdb::Logger::Logv;
    void Logv(const char *format, va_list ap) override
    {
        try {
            to_->Logv((lead_ + format).c_str(), ap);
        } catch (...) {
            // out of memory: the line is lost, as RocksDB's own logger would lose it
        }
    }
    size_t GetLogFileSize() const override { return to_->GetLogFileSize(); }
    void Flush() override { to_->Flush(); }

  private:
    std::shared_ptr<rocksdb::Logger> to_;
    std::string lead_;
};

// Whether a and b give the same LOG: where, at what level, how it rolls.
bool same_log(const rocksdb::DBOptions &a, const rocksdb::DBOptions &b)
{
    return a.db_log_dir == b.db_log_dir && a.info_log_level == b.info_log_level &&
           a.max_log_file_size == b.max_log_file_size &&
           a.log_file_time_to_roll == b.log_file_time_to_roll &&
           a.keep_log_file_num == b.keep_log_file_num;
}

// The shared LOG, made for dir and o at the first call; null for options
// that would make another LOG (a reload changed them since): that
// database makes its own. Made on the default Env: o's (store_fileio)
// belongs to one database and goes when it closes, while the LOG lives
// until the last one has.
std::shared_ptr<rocksdb::Logger> shared_log(const store_share *s, const rocksdb::Options &o,
                                            const char *dir)
{
    std::lock_guard<std::mutex> g(s->log_mu);
    if (!s->log_tried) {
        s->log_tried = true;
        s->log_opts = rocksdb::DBOptions(o);
        s->log_opts.env = rocksdb::Env::Default();
        s->log_opts.info_log = nullptr;
        if (!rocksdb::CreateLoggerFromOptions(dir, s->log_opts, &s->log).ok())
            s->log = nullptr;
    }
    return same_log(s->log_opts, o) ? s->log : nullptr;
}

} // namespace

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

extern "C" void store_share_apply_db(const store_share *s, rocksdb_options_t *o,
                                     const char *dir)
{
    o->rep.write_buffer_manager = s->wbm;
    try {
        if (auto log = shared_log(s, o->rep, dir))
            o->rep.info_log = std::make_shared<DbLogger>(log, dir);
    } catch (...) {
        // out of memory: the database makes its own LOG
    }
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
