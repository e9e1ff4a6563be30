// store_flush.cpp - flush column families without waiting, for a
// database opened through the C API.
//
// A job's last rows sit in memtables, and so do the few rows each chunk
// adds to the small column families (the job records, the small
// relations), which seldom fill one: every WAL file they have rows in is
// kept until they flush. The C API's rocksdb_flush_cf cannot say
// allow_write_stall, so it waits while one more immutable memtable would
// stall writes, and the writer thread must not wait on that. The C API's
// handles are reached through store_capi.hpp.
#include <cstdio>
#include <vector>

#include "store_capi.hpp"

extern "C" int store_rocksdb_flush_nowait(rocksdb_t *db,
                                          rocksdb_column_family_handle_t *const *cfs, size_t n,
                                          char *err, size_t errlen)
{
    std::vector<rocksdb::ColumnFamilyHandle *> v;
    rocksdb::FlushOptions o;

    o.wait = false;
    o.allow_write_stall = true;
    for (size_t i = 0; i < n; i++)
        if (cfs[i])
            v.push_back(cfs[i]->rep);
    rocksdb::Status s = db->rep->Flush(o, v);
    if (s.ok())
        return 0;
    if (errlen)
        std::snprintf(err, errlen, "%s", s.ToString().c_str());
    return -5; /* -EIO */
}
