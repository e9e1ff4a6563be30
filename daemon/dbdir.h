/* dbdir.h - a database's directory as a whole: its size, a copy of it, its
 * removal. On libuv's synchronous file calls, so the same code serves
 * POSIX and Windows. They may take long (a copy, a removal of gigabytes):
 * call them from the thread pool, never from the loop thread.
 */
#ifndef PT_DBDIR_H
#define PT_DBDIR_H

#include <stddef.h>
#include <stdint.h>

typedef struct dbdir_stats {
    uint64_t files, bytes;
    uint64_t linked;      /* files that share their data with another name */
} dbdir_stats;

/* Files and bytes under path (recursively), but for its entry named skip
 * (NULL: none; the default database's directory holds the others);
 * linked counts files with more than one hard link. 0, or <0 (a
 * libuv/errno code) with err. */
int dbdir_measure(const char *path, const char *skip, dbdir_stats *st, char *err,
                  size_t errlen);

/* Copy the files of src (flat: a RocksDB directory has no subdirectories
 * that matter; subdirectories are refused) into dst, which must not exist.
 * Files that never change once written (*.sst, *.blob) are hard-linked
 * where the filesystem allows, the others copied; every file and dst are
 * fsynced. */
int dbdir_copy(const char *src, const char *dst, dbdir_stats *st, char *err, size_t errlen);

/* Remove path and everything under it. A missing path is not an error. */
int dbdir_remove(const char *path, char *err, size_t errlen);

/* "dir/name", malloc'd; NULL when out of memory. */
char *dbdir_join(const char *dir, const char *name);

/* Does path exist (as anything)? */
int dbdir_exists(const char *path);

/* rename(2), and an fsync of the parent so that it survives a crash. */
int dbdir_rename(const char *from, const char *to, char *err, size_t errlen);

/* fsync of a directory, so that the entries made in it survive a crash;
 * 0 where directories cannot be opened so (Windows: NTFS journals its
 * entries), else a libuv code. */
int dbdir_sync_dir(const char *path);

/* mkdir of path alone (its parent must exist); EEXIST is not an error. */
int dbdir_mkdir(const char *path, char *err, size_t errlen);

/* The names of path's entries, in no order, "." and ".." left out; cb may
 * return <0 to stop (returned). */
typedef int (*dbdir_entry_cb)(void *ud, const char *name, int is_dir);
int dbdir_list(const char *path, dbdir_entry_cb cb, void *ud, char *err, size_t errlen);

#endif
