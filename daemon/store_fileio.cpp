// store_fileio.cpp - how long RocksDB's file creates and closes take.
//
// Real-time antivirus scanning (Windows Defender and the like) shows up as
// slow closes and creates of new files: the scanner reads a file when it
// is closed and holds the close until it is done. The stall monitor
// reports both as percentiles (status `rocksdb.file_create_us` /
// `file_close_us`, metrics ptingestd_rocksdb_file_*_seconds), so a slow
// disk can be told from a scanner.
//
// The timing is a FileSystemWrapper around RocksDB's default file system,
// installed as the database's Env: it times NewWritableFile (and the
// reopen/reuse variants: WAL recycling, the info log) and wraps each file
// it returns so that Close is timed too. Readers are not wrapped. The C
// API has no door for a custom Env, so this file reaches the options
// through their handle (store_capi.hpp). Times go to the recorder
// store_fileio_install was given, from whichever RocksDB thread creates or
// closes the file.
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <string>

#include <rocksdb/c.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>

#include "store_capi.hpp"
#include "store_fileio.h"

namespace {

using rocksdb::FileOptions;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

uint64_t now_us()
{
    return (uint64_t)std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

class TimedFile : public rocksdb::FSWritableFileOwnerWrapper {
  public:
    TimedFile(std::unique_ptr<FSWritableFile> &&f, store_fileio_record_fn record, void *ud)
        : FSWritableFileOwnerWrapper(std::move(f)), record_(record), ud_(ud)
    {
    }
    IOStatus Close(const IOOptions &o, IODebugContext *dbg) override
    {
        uint64_t t0 = now_us();
        IOStatus s = target()->Close(o, dbg);
        record_(ud_, STORE_FILEIO_CLOSE, now_us() - t0);
        return s;
    }

  private:
    store_fileio_record_fn record_;
    void *ud_;
};

class TimedFS : public rocksdb::FileSystemWrapper {
  public:
    TimedFS(const std::shared_ptr<rocksdb::FileSystem> &t, store_fileio_record_fn record,
            void *ud)
        : FileSystemWrapper(t), record_(record), ud_(ud)
    {
    }
    const char *Name() const override { return "ptingestd.TimedFileSystem"; }

    IOStatus NewWritableFile(const std::string &f, const FileOptions &o,
                             std::unique_ptr<FSWritableFile> *r,
                             IODebugContext *dbg) override
    {
        uint64_t t0 = now_us();
        return wrap(target()->NewWritableFile(f, o, r, dbg), t0, r);
    }
    IOStatus ReopenWritableFile(const std::string &f, const FileOptions &o,
                                std::unique_ptr<FSWritableFile> *r,
                                IODebugContext *dbg) override
    {
        uint64_t t0 = now_us();
        return wrap(target()->ReopenWritableFile(f, o, r, dbg), t0, r);
    }
    IOStatus ReuseWritableFile(const std::string &f, const std::string &old,
                               const FileOptions &o, std::unique_ptr<FSWritableFile> *r,
                               IODebugContext *dbg) override
    {
        uint64_t t0 = now_us();
        return wrap(target()->ReuseWritableFile(f, old, o, r, dbg), t0, r);
    }

  private:
    IOStatus wrap(IOStatus s, uint64_t t0, std::unique_ptr<FSWritableFile> *r)
    {
        record_(ud_, STORE_FILEIO_CREATE, now_us() - t0);
        if (s.ok() && *r)
            r->reset(new TimedFile(std::move(*r), record_, ud_));
        return s;
    }
    store_fileio_record_fn record_;
    void *ud_;
};

} // namespace

struct store_fileio {
    std::unique_ptr<rocksdb::Env> env;
};

extern "C" int store_fileio_install(rocksdb_options_t *o, store_fileio_record_fn record,
                                    void *ud, store_fileio **out, char *err, size_t errlen)
{
    *out = nullptr;
    try {
        std::unique_ptr<store_fileio> f(new store_fileio);
        auto fs = std::make_shared<TimedFS>(rocksdb::FileSystem::Default(), record, ud);
        f->env = rocksdb::NewCompositeEnv(fs);
        if (!f->env) {
            if (errlen)
                std::snprintf(err, errlen, "cannot create the timed file system");
            return -ENOMEM;
        }
        o->rep.env = f->env.get();
        *out = f.release();
        return 0;
    } catch (...) {
        // Only allocation can throw here; C callers cannot catch it.
        if (errlen)
            std::snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
}

extern "C" void store_fileio_free(store_fileio *f)
{
    delete f;
}
