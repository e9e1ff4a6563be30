// store_resume.cpp - DB::Resume() for a database opened through the C API.
//
// RocksDB's C API has no Resume, and without it a disk-full error leaves
// the database refusing writes until the daemon restarts. The database
// handle is reached through store_capi.hpp.
#include <cstdio>

#include "store_capi.hpp"

extern "C" int store_rocksdb_resume(rocksdb_t *db, char *err, size_t errlen)
{
    rocksdb::Status s = db->rep->Resume();

    if (s.ok())
        return 0;
    if (errlen)
        std::snprintf(err, errlen, "%s", s.ToString().c_str());
    return -5; /* -EIO */
}
