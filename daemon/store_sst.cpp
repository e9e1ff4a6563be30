// store_sst.cpp - SstFileWriter and DB::IngestExternalFiles (store_sst.h).
//
// RocksDB's C API has an SST file writer but ingests into one column
// family per call; atomic ingestion across column families is only in
// C++ (DB::IngestExternalFiles). Like store_resume.cpp, this file
// completes the C API's handle types (rocksdb/db/c.cc):
// `struct rocksdb_t { DB *rep; }`, `struct rocksdb_column_family_handle_t
// { ColumnFamilyHandle *rep; }`, `struct rocksdb_options_t { Options rep; }`.
//
// What RocksDB 7.8 does with the files (db/external_sst_file_ingestion_job.cc,
// db/db_impl/db_impl.cc): files of one column family that overlap each
// other are all put in level 0 under one new sequence number, so two
// versions of a key in one ingest would be ambiguous; we never give it
// that: the sorter leaves one row per key and each column family gets one
// file. Several column families in one call are one atomic group: writes
// are stopped, every file gets the same new sequence number, the version
// edits go to the MANIFEST as one atomic group, and the last sequence is
// published under the DB mutex, so a snapshot sees all of them or none.
#include <cerrno>
#include <cstdio>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <rocksdb/c.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

// store_sst.h's declarations (store.h itself is C only: its atomics)
extern "C" {
typedef struct store store;
typedef struct store_sst store_sst;
struct rocksdb_t *store_rocksdb(store *s);
struct rocksdb_column_family_handle_t *store_cf_handle(store *s, int rel);
struct rocksdb_options_t *store_cf_options(store *s, int rel);
size_t store_nrelations(const store *s);
typedef int (*store_batch_row_fn)(void *ud, int rel, int op, const char *key, size_t klen,
                                  const char *val, size_t vlen);
}

struct rocksdb_t {
    rocksdb::DB *rep;
};
struct rocksdb_column_family_handle_t {
    rocksdb::ColumnFamilyHandle *rep;
};
struct rocksdb_options_t {
    rocksdb::Options rep;
};

namespace {

struct sst_file {
    int rel;
    std::string path;
    uint64_t bytes = 0;
    bool ingested = false;
};

} // namespace

struct store_sst {
    store *s;
    std::string dir;
    std::vector<sst_file> files;
    std::unique_ptr<rocksdb::SstFileWriter> w; // the last file's, while open
    std::string last_key;
    uint64_t done_bytes = 0; // of finished files
};

static int fail(const rocksdb::Status &st, const char *what, const std::string &path, char *err,
                size_t errlen)
{
    if (errlen)
        std::snprintf(err, errlen, "%s %s: %s", what, path.c_str(), st.ToString().c_str());
    return -EIO;
}

extern "C" int store_sst_new(store_sst **out, store *s, const char *dir, char *err,
                             size_t errlen)
{
    store_sst *x = new (std::nothrow) store_sst;

    if (!x) {
        if (errlen)
            std::snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    x->s = s;
    x->dir = dir;
    *out = x;
    return 0;
}

static int finish_open(store_sst *x, char *err, size_t errlen)
{
    rocksdb::ExternalSstFileInfo info;
    rocksdb::Status st;

    if (!x->w)
        return 0;
    st = x->w->Finish(&info); // writes and fsyncs the file
    x->w.reset();
    if (!st.ok())
        return fail(st, "cannot finish SST file", x->files.back().path, err, errlen);
    x->files.back().bytes = info.file_size;
    x->done_bytes += info.file_size;
    return 0;
}

extern "C" int store_sst_add(store_sst *x, int rel, int op, const char *key, size_t klen,
                             const char *val, size_t vlen, char *err, size_t errlen)
{
    rocksdb::Status st;
    int r;

    if (x->files.empty() || x->files.back().rel != rel) {
        for (const sst_file &f : x->files)
            if (f.rel == rel || (rel >= 0 && f.rel < 0) || (rel >= 0 && f.rel > rel)) {
                if (errlen)
                    std::snprintf(err, errlen, "SST rows out of order: relation %d after %d",
                                  rel, x->files.back().rel);
                return -EINVAL;
            }
        if ((r = finish_open(x, err, errlen)) < 0)
            return r;
        sst_file f;
        f.rel = rel;
        f.path = x->dir + "/" + (rel < 0 ? std::string("meta") : std::to_string(rel)) + ".sst";
        x->files.push_back(f);
        rocksdb::ColumnFamilyHandle *cf = store_cf_handle(x->s, rel)->rep;
        x->w.reset(new rocksdb::SstFileWriter(rocksdb::EnvOptions(),
                                              store_cf_options(x->s, rel)->rep, cf));
        st = x->w->Open(f.path);
        if (!st.ok()) {
            x->w.reset();
            return fail(st, "cannot create SST file", f.path, err, errlen);
        }
    } else if (rocksdb::Slice(x->last_key).compare(rocksdb::Slice(key, klen)) >= 0) {
        if (errlen)
            std::snprintf(err, errlen, "SST rows out of order in relation %d", rel);
        return -EINVAL;
    }
    x->last_key.assign(key, klen);
    if (op == 1)
        st = x->w->Delete(rocksdb::Slice(key, klen));
    else
        st = x->w->Put(rocksdb::Slice(key, klen), rocksdb::Slice(val, vlen));
    if (!st.ok())
        return fail(st, "cannot write SST file", x->files.back().path, err, errlen);
    return 0;
}

extern "C" int store_sst_ingest(store_sst *x, char *err, size_t errlen)
{
    std::vector<rocksdb::IngestExternalFileArg> args;
    rocksdb::Status st;
    int r;

    if ((r = finish_open(x, err, errlen)) < 0)
        return r;
    if (x->files.empty())
        return 0;
    for (const sst_file &f : x->files) {
        rocksdb::IngestExternalFileArg a;
        a.column_family = store_cf_handle(x->s, f.rel)->rep;
        a.external_files.push_back(f.path);
        a.options.move_files = true;          // hard-linked into the database
        a.options.snapshot_consistency = true;
        a.options.allow_global_seqno = true;  // newer than every row before
        a.options.allow_blocking_flush = true; // a memtable holding the keys is flushed first
        args.push_back(a);
    }
    st = store_rocksdb(x->s)->rep->IngestExternalFiles(args);
    if (!st.ok())
        return fail(st, "cannot ingest SST files from", x->dir, err, errlen);
    for (sst_file &f : x->files)
        f.ingested = true;
    return 0;
}

extern "C" uint64_t store_sst_bytes(const store_sst *x)
{
    return x->done_bytes + (x->w ? x->w->FileSize() : 0);
}

extern "C" uint64_t store_sst_files(const store_sst *x) { return x->files.size(); }

extern "C" void store_sst_free(store_sst *x)
{
    if (!x)
        return;
    x->w.reset();
    for (const sst_file &f : x->files)
        std::remove(f.path.c_str()); // moved ones are links: the database keeps its own
    delete x;
}

namespace {

// Rows of a WriteBatch with the relation of their column family.
class RowHandler : public rocksdb::WriteBatch::Handler {
  public:
    RowHandler(store *s, store_batch_row_fn fn, void *ud) : fn_(fn), ud_(ud)
    {
        for (size_t i = 0; i < store_nrelations(s); i++)
            ids_.push_back(store_cf_handle(s, (int)i)->rep->GetID());
        meta_ = store_cf_handle(s, -1)->rep->GetID();
    }
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice &k, const rocksdb::Slice &v) override
    {
        return row(cf, 0, k, v);
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice &k) override
    {
        return row(cf, 1, k, rocksdb::Slice());
    }
    int rc = 0;

  private:
    rocksdb::Status row(uint32_t cf, int op, const rocksdb::Slice &k, const rocksdb::Slice &v)
    {
        int rel = cf == meta_ ? -1 : -2;
        for (size_t i = 0; i < ids_.size(); i++)
            if (ids_[i] == cf)
                rel = (int)i;
        rc = fn_(ud_, rel, op, k.data(), k.size(), v.data(), v.size());
        return rc ? rocksdb::Status::Aborted() : rocksdb::Status::OK();
    }
    store_batch_row_fn fn_;
    void *ud_;
    std::vector<uint32_t> ids_;
    uint32_t meta_;
};

} // namespace

extern "C" int store_batch_each(store *s, const char *rep, size_t len, store_batch_row_fn fn,
                                void *ud, char *err, size_t errlen)
{
    RowHandler h(s, fn, ud);
    rocksdb::WriteBatch wb(std::string(rep, len));
    rocksdb::Status st = wb.Iterate(&h);

    if (h.rc)
        return h.rc;
    if (!st.ok()) {
        if (errlen)
            std::snprintf(err, errlen, "damaged staged batch: %s", st.ToString().c_str());
        return -EBADMSG;
    }
    return 0;
}
