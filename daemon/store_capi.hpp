// store_capi.hpp - RocksDB's C API handle types, completed for the C++
// shims (store_*.cpp) that reach what the C API has no door for.
//
// The C API's handles are incomplete types to C; rocksdb/db/c.cc defines
// each as a struct holding the C++ object or pointer in `rep`, unchanged
// since the C API began. These definitions must match c.cc's (RocksDB
// 7.8.3), and there is one of each, here.
#ifndef PT_STORE_CAPI_HPP
#define PT_STORE_CAPI_HPP

#include <rocksdb/c.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

struct rocksdb_t {
    rocksdb::DB *rep;
};
struct rocksdb_column_family_handle_t {
    rocksdb::ColumnFamilyHandle *rep;
};
struct rocksdb_options_t {
    rocksdb::Options rep;
};
struct rocksdb_writebatch_t {
    rocksdb::WriteBatch rep;
};

#endif
