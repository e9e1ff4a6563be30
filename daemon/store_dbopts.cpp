// store_dbopts.cpp - DB::SetDBOptions() for a database opened through the
// C API.
//
// RocksDB 7.8's C API changes column-family options on a live database
// (rocksdb_set_options_cf) but not database-wide ones: its
// rocksdb_set_options is SetOptions on the default column family, which
// rejects max_background_jobs and every other DBOption. A reload must
// reach SetDBOptions, through the database handle (store_capi.hpp); it
// is called from store.c only.
#include <cerrno>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "store_capi.hpp"

extern "C" int store_rocksdb_set_db_options(rocksdb_t *db, size_t n,
                                            const char *const *names,
                                            const char *const *values,
                                            char *err, size_t errlen)
{
    std::unordered_map<std::string, std::string> m;

    try {
        for (size_t i = 0; i < n; i++)
            m[names[i]] = values[i];
        rocksdb::Status s = db->rep->SetDBOptions(m);
        if (s.ok())
            return 0;
        if (errlen)
            std::snprintf(err, errlen, "%s", s.ToString().c_str());
        return -EINVAL;
    } catch (...) {
        // Only allocation can throw here; C callers cannot catch it.
        if (errlen)
            std::snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
}
