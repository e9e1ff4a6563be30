// store_sst.cpp - SstFileWriter and DB::IngestExternalFiles (store_sst.h).
//
// RocksDB's C API has an SST file writer but ingests into one column
// family per call; atomic ingestion across column families is only in
// C++ (DB::IngestExternalFiles); this file reaches the database, column
// family, options and batch handles through store_capi.hpp.
//
// What RocksDB 7.8 does with the files (db/external_sst_file_ingestion_job.cc,
// db/db_impl/db_impl.cc): files of one column family that overlap each
// other are all put in level 0 under one new sequence number, so two
// versions of a key in one ingest would be ambiguous; we never give it
// that: the sorter leaves one row per key, and the files of one column
// family (the sorter's parts) hold disjoint key ranges. Several column families in one call are one atomic group: writes
// are stopped, every file gets the same new sequence number, the version
// edits go to the MANIFEST as one atomic group, and the last sequence is
// published under the DB mutex, so a snapshot sees all of them or none.
#include <cerrno>
#include <cstdio>
#include <memory>
#include <atomic>
#include <new>
#include <thread>
#include <string>
#include <vector>

#include <rocksdb/c.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include "store_capi.hpp"

// store_sst.h's declarations (store.h itself is C only: its atomics)
extern "C" {
typedef struct store store;
typedef struct store_sst store_sst;
struct rocksdb_t *store_rocksdb(store *s);
struct rocksdb_column_family_handle_t *store_cf_handle(store *s, int rel);
struct rocksdb_options_t *store_cf_options(store *s, int rel);
size_t store_nrelations(const store *s);
void store_sst_free(store_sst *x);
typedef int (*store_batch_row_fn)(void *ud, int rel, int op, const char *key, size_t klen,
                                  const char *val, size_t vlen, size_t val_off);
typedef struct store_batch store_batch;
struct rocksdb_writebatch_t *store_batch_handle(store_batch *b);
}


namespace {

// One part's file (or the meta file). Files are created all at once when
// the store_sst is made, each on a thread of its own: a slow file create
// (a virus scanner holding each new file) is paid about once per ingest,
// not once per file. Each file is written by one thread at a time.
struct sst_file {
    int rel;
    std::string stem;              // dir/p<part>-r<rel> (or dir/meta)
    std::string path;              // the file being written
    std::vector<std::string> done; // files of this part already finished
    uint64_t done_bytes = 0;
    std::unique_ptr<rocksdb::SstFileWriter> w;
    rocksdb::Status st;            // of Open, then of Finish
    bool used = false;             // rows were added
    std::string last_key;
    uint64_t rows = 0;
    std::atomic<bool> finished{false};
    std::atomic<uint64_t> bytes{0}; // written so far, then the file's size
};

} // namespace

struct store_sst {
    store *s;
    std::string dir;
    std::vector<std::unique_ptr<sst_file>> files; // [0] meta, [1 + part] parts
    uint64_t file_max_bytes = 0;                  // a part's file rolls over past it
    bool ingested = false;
};

static int fail(const rocksdb::Status &st, const char *what, const std::string &path, char *err,
                size_t errlen)
{
    if (errlen)
        std::snprintf(err, errlen, "%s %s: %s", what, path.c_str(), st.ToString().c_str());
    return -EIO;
}

static sst_file *slot(store_sst *x, int part)
{
    if (part < -1 || part + 1 >= (int)x->files.size())
        return nullptr;
    return x->files[(size_t)(part + 1)].get();
}

static void finish_file(sst_file *f)
{
    rocksdb::ExternalSstFileInfo info;

    if (f->finished)
        return;
    f->st = f->w->Finish(&info); // writes and fsyncs the file
    if (f->st.ok())
        f->bytes = f->done_bytes + info.file_size;
    f->w.reset();
    f->finished = true;
}

static rocksdb::SstFileWriter *new_writer(store *s, int rel)
{
    return new rocksdb::SstFileWriter(rocksdb::EnvOptions(), store_cf_options(s, rel)->rep,
                                      store_cf_handle(s, rel)->rep);
}

// A part's file has grown past file_max_bytes: it is finished here and the
// part goes on in a new one. A writer holds its file's whole index until
// Finish (a few percent of the file), so a 10 GB job would otherwise keep
// hundreds of MB of them at once; the part's keys only grow, so its files
// never overlap.
static int roll(store_sst *x, sst_file *f, char *err, size_t errlen)
{
    rocksdb::ExternalSstFileInfo info;
    rocksdb::Status st = f->w->Finish(&info);

    if (!st.ok())
        return fail(st, "cannot finish SST file", f->path, err, errlen);
    f->done.push_back(f->path);
    f->done_bytes += info.file_size;
    f->path = f->stem + "-" + std::to_string(f->done.size()) + ".sst";
    f->w.reset(new_writer(x->s, f->rel));
    f->used = false;
    st = f->w->Open(f->path);
    if (!st.ok())
        return fail(st, "cannot create SST file", f->path, err, errlen);
    return 0;
}

extern "C" int store_sst_new(store_sst **out, store *s, const char *dir, const unsigned *part_rels,
                             unsigned nparts, uint64_t file_max_bytes, char *err, size_t errlen)
{
    store_sst *x = new (std::nothrow) store_sst;
    std::vector<std::thread> openers;

    if (!x) {
        if (errlen)
            std::snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    x->s = s;
    x->dir = dir;
    x->file_max_bytes = file_max_bytes;
    if (!part_rels)
        nparts = (unsigned)store_nrelations(s);
    for (int p = -1; p < (int)nparts; p++) {
        int rel = p < 0 ? -1 : part_rels ? (int)part_rels[p] : p;
        if (rel >= (int)store_nrelations(s)) {
            if (errlen)
                std::snprintf(err, errlen, "SST part %d of an unknown relation %d", p, rel);
            store_sst_free(x);
            return -EINVAL;
        }
        std::unique_ptr<sst_file> f(new sst_file);
        f->rel = rel;
        f->stem = x->dir + "/" +
                  (p < 0 ? std::string("meta")
                         : "p" + std::to_string(p) + "-r" + std::to_string(rel));
        f->path = f->stem + ".sst";
        f->w.reset(new_writer(s, rel));
        x->files.push_back(std::move(f));
    }
    try {
        for (auto &f : x->files) {
            sst_file *p = f.get();
            openers.emplace_back([p] { p->st = p->w->Open(p->path); });
        }
    } catch (...) {
        for (auto &f : x->files)
            f->st = rocksdb::Status::Aborted("cannot start a thread");
    }
    for (auto &t : openers)
        t.join();
    for (auto &f : x->files)
        if (!f->st.ok()) {
            int r = fail(f->st, "cannot create SST file", f->path, err, errlen);
            store_sst_free(x);
            return r;
        }
    *out = x;
    return 0;
}

extern "C" int store_sst_add(store_sst *x, int part, int op, const char *key, size_t klen,
                             const char *val, size_t vlen, char *err, size_t errlen)
{
    rocksdb::Status st;
    sst_file *f = slot(x, part);

    if (!f) {
        if (errlen)
            std::snprintf(err, errlen, "SST rows of an unknown part %d", part);
        return -EINVAL;
    }
    if (f->finished) {
        if (errlen)
            std::snprintf(err, errlen, "SST rows after the files were ingested");
        return -EINVAL;
    }
    if (f->rows && rocksdb::Slice(f->last_key).compare(rocksdb::Slice(key, klen)) >= 0) {
        if (errlen)
            std::snprintf(err, errlen, "SST rows out of order in part %d (relation %d)", part,
                          f->rel);
        return -EINVAL;
    }
    f->last_key.assign(key, klen);
    f->used = true;
    if (op == 1)
        st = f->w->Delete(rocksdb::Slice(key, klen));
    else
        st = f->w->Put(rocksdb::Slice(key, klen), rocksdb::Slice(val, vlen));
    if (!st.ok())
        return fail(st, "cannot write SST file", f->path, err, errlen);
    if ((++f->rows & 255) == 0) {
        uint64_t n = f->w->FileSize();
        f->bytes = f->done_bytes + n;
        if (x->file_max_bytes && n >= x->file_max_bytes && part >= 0)
            return roll(x, f, err, errlen);
    }
    return 0;
}

extern "C" int store_sst_finish(store_sst *x, char *err, size_t errlen)
{
    std::vector<std::thread> finishers;

    // files not finished yet, in parallel
    try {
        for (auto &f : x->files)
            if (f->used && !f->finished) {
                sst_file *p = f.get();
                finishers.emplace_back([p] { finish_file(p); });
            }
    } catch (...) {
    }
    for (auto &t : finishers)
        t.join();
    for (auto &f : x->files) {
        if (f->used && !f->finished)
            finish_file(f.get());
        if (f->used && !f->st.ok())
            return fail(f->st, "cannot finish SST file", f->path, err, errlen);
    }
    return 0;
}

extern "C" int store_sst_ingest(store_sst *x, char *err, size_t errlen)
{
    std::vector<rocksdb::IngestExternalFileArg> args;
    rocksdb::Status st;
    int r;

    if ((r = store_sst_finish(x, err, errlen)) < 0)
        return r;
    for (auto &f : x->files) {
        if (!f->used && f->done.empty())
            continue;
        rocksdb::ColumnFamilyHandle *cf = store_cf_handle(x->s, f->rel)->rep;
        size_t i = 0;
        while (i < args.size() && args[i].column_family != cf)
            i++;
        if (i == args.size()) { // the column family's first file
            rocksdb::IngestExternalFileArg a;
            a.column_family = cf;
            a.options.move_files = true;          // hard-linked into the database
            a.options.snapshot_consistency = true;
            a.options.allow_global_seqno = true;  // newer than every row before
            a.options.allow_blocking_flush = true; // a memtable holding the keys is flushed first
            args.push_back(a);
        }
        // the parts of one relation, and the files of one part, hold
        // disjoint key ranges: RocksDB sorts them and may place them below
        // level 0
        for (auto &d : f->done)
            args[i].external_files.push_back(d);
        if (f->used)
            args[i].external_files.push_back(f->path);
    }
    if (args.empty())
        return 0;
    // RocksDB 7.8 decides whether every file needs a new sequence number
    // (snapshot_consistency: only while a snapshot exists) before it
    // releases the DB mutex to write the MANIFEST. A file overlapping
    // nothing then goes in under number 0, which every snapshot sees, and
    // the others under last+1: a reader whose snapshot was taken during
    // the MANIFEST write saw the first kind and not the second, part of
    // the job (e2e.bulk_load caught it, about one polling run in ten under
    // ASan). Holding a snapshot across the call makes RocksDB give every
    // column family's files the same new number, so no snapshot sees part.
    rocksdb::DB *db = store_rocksdb(x->s)->rep;
    const rocksdb::Snapshot *hold = db->GetSnapshot();
    st = db->IngestExternalFiles(args);
    if (hold)
        db->ReleaseSnapshot(hold);
    if (!st.ok())
        return fail(st, "cannot ingest SST files from", x->dir, err, errlen);
    x->ingested = true;
    return 0;
}

extern "C" uint64_t store_sst_bytes(const store_sst *x)
{
    uint64_t n = 0;

    for (auto &f : x->files)
        n += f->bytes;
    return n;
}

extern "C" uint64_t store_sst_files(const store_sst *x)
{
    uint64_t n = 0;

    for (auto &f : x->files)
        n += f->used + f->done.size();
    return n;
}

extern "C" void store_sst_free(store_sst *x)
{
    std::vector<std::thread> closers;

    if (!x)
        return;
    // files never finished (no rows, or a failure) are closed in parallel,
    // as they were opened
    for (auto &f : x->files)
        if (f->w) {
            sst_file *p = f.get();
            try {
                closers.emplace_back([p] { p->w.reset(); });
            } catch (...) {
                p->w.reset();
            }
        }
    for (auto &t : closers)
        t.join();
    for (auto &f : x->files) { // moved ones are links: the database keeps its own
        std::remove(f->path.c_str());
        for (auto &d : f->done)
            std::remove(d.c_str());
    }
    delete x;
}

namespace {

// Rows of a WriteBatch with the relation of their column family.
class RowHandler : public rocksdb::WriteBatch::Handler {
  public:
    RowHandler(store *s, store_batch_row_fn fn, void *ud, const char *base)
        : fn_(fn), ud_(ud), base_(base)
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
        rc = fn_(ud_, rel, op, k.data(), k.size(), v.data(), v.size(),
                 op ? 0 : (size_t)(v.data() - base_));
        return rc ? rocksdb::Status::Aborted() : rocksdb::Status::OK();
    }
    store_batch_row_fn fn_;
    void *ud_;
    const char *base_; // the encoded batch's first byte: values' offsets
    std::vector<uint32_t> ids_;
    uint32_t meta_;
};

} // namespace

static int iterate(store *s, const rocksdb::WriteBatch &wb, store_batch_row_fn fn, void *ud,
                   char *err, size_t errlen)
{
    RowHandler h(s, fn, ud, wb.Data().data());
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

extern "C" int store_batch_each(store *s, const char *rep, size_t len, store_batch_row_fn fn,
                                void *ud, char *err, size_t errlen)
{
    return iterate(s, rocksdb::WriteBatch(std::string(rep, len)), fn, ud, err, errlen);
}

extern "C" int store_batch_rows(store *s, store_batch *b, store_batch_row_fn fn, void *ud,
                                char *err, size_t errlen)
{
    return iterate(s, store_batch_handle(b)->rep, fn, ud, err, errlen);
}
