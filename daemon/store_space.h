/* store_space.h - the free space opening a RocksDB database needs
 * (store_space.c); used by store.c only.
 *
 * After a crash, opening replays the write-ahead log into memtables and
 * flushes them to SST files, and RocksDB writes a new MANIFEST and
 * OPTIONS file. On a disk too full for that, Debian's RocksDB 7.8.3 (built
 * with assertions) aborts inside DB::Open instead of failing, so the
 * store measures what the open will write before it tries. Any thread.
 */
#ifndef PT_STORE_SPACE_H
#define PT_STORE_SPACE_H

#include <stdint.h>

typedef struct store_space_need {
    uint64_t wal_bytes;       /* *.log: what recovery may flush, at most */
    uint64_t meta_bytes;      /* MANIFEST-* and OPTIONS-*: rewritten at open */
    uint64_t memtable_bytes;  /* one memtable (the largest write_buffer_size):
                               * room for the SST files' own overhead, the
                               * info LOG and the first writes after open */
    uint64_t total;
} store_space_need;

/* What opening the database in dir needs, given the largest
 * write_buffer_size of its column families. A directory that does not
 * exist yet (a new database) needs one memtable. 0, or a negative
 * errno when the directory cannot be read. */
int store_space_open_need(const char *dir, uint64_t write_buffer_bytes, store_space_need *out);

#endif
