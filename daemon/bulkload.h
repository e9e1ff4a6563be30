/* bulkload.h - a job loaded in bulk: staged, sorted, written as SST
 * files and ingested at its end (issue: the write path is skipped).
 *
 * Files, under <data dir>/ptingestd-bulk/<job id in hex>/:
 *   stage   every chunk of the job as it arrived: a 16-byte header
 *           (u32 magic, u32 length, u64 the job's row count after it)
 *           and the chunk's encoded WriteBatch
 *   runs/   the sorter's spilled sorted runs (sorter.h)
 *   sst/    the SST files being written (store_sst.h)
 *
 * Durability: a chunk is acknowledged once its bytes are appended to
 * `stage` and fdatasync'ed (once per writer group, for every chunk of the
 * group), and its progress record (the job's committed row count) is
 * written to RocksDB's WAL (fsynced per ingest.sync) - the record only
 * after the stage bytes are on disk, so the record never
 * counts rows the stage file lacks. The stage file and the directories
 * are fsynced when created. A resumed job's first chunk truncates the
 * stage file after the chunk that ends at the committed row count (bytes
 * past it came from chunks never acknowledged).
 *
 * Each chunk's rows also go into the job's sorter as they arrive: the
 * key and where the value sits in the stage file, so the values are
 * written once (a resumed job's sorter is refilled from the stage file
 * first); the SST writers read the values back. The final
 * chunk (JOB_END) runs the rest on a thread the writer starts for it
 * (other jobs' chunks go on meanwhile): sort what the sorter holds
 * (phase sorting), write the sorted output's parts as SST files on up to
 * one thread per core (writing-ssts); then, back on the writer thread,
 * ingest them together with an SST holding the job's "done" progress
 * record in ONE atomic IngestExternalFiles (ingesting): the rows and the
 * record become visible at the same instant, so a crash anywhere before leaves the
 * job resumable from its staged rows and after leaves it done. Then the
 * job's directory is removed.
 *
 * Threads: created and freed on the loop thread; bulkload_write,
 * bulkload_commit and bulkload_ingest run on the writer thread (one chunk
 * at a time), bulkload_finish_files on the writer's thread for that job's
 * end, between the two and never with them; the loop reads the phase and
 * byte counters (atomics) for status and progress.
 */
#ifndef PT_BULKLOAD_H
#define PT_BULKLOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct chunk;
typedef struct bulkload bulkload;

enum bulk_phase {
    BULK_RECEIVING,
    BULK_SORTING,
    BULK_WRITING,
    BULK_INGESTING,
    BULK_DONE,
    BULK_FAILED,
    BULK_NPHASES
};
const char *bulk_phase_name(int phase);

#define BULKLOAD_DIR "ptingestd-bulk"

/* No disk I/O: the files are made by the first chunk. */
int bulkload_new(bulkload **out, const char *data_dir, const char *id,
                 uint64_t sort_buffer_bytes, uint64_t sst_file_max_bytes, char *err,
                 size_t errlen);
void bulkload_free(bulkload *b);

/* Writer thread: append chunk c to the stage file and give its rows to
 * the sorter. 0, or -errno with c->err set; for the final chunk
 * BULKLOAD_DEFERRED: the job's end is then bulkload_finish_files, on a
 * thread of the writer's own (it takes seconds to minutes), and
 * bulkload_ingest back on the writer thread, which alone writes to
 * RocksDB. A non-final chunk is not durable until bulkload_commit. While
 * it works through a long step (a resumed job's stage file, the sorted
 * rows) it stores the time (pt_now_ns) in *beat now and then: the
 * writer's heartbeat, which a supervisor's watchdog reads (health.c), so
 * a job's end that takes minutes is not taken for a wedged writer. */
#define BULKLOAD_DEFERRED 1
int bulkload_write(bulkload *b, store *s, struct chunk *c, atomic_uint_fast64_t *beat);
/* Any one thread, after bulkload_write said BULKLOAD_DEFERRED: sort the
 * job's rows and write its SST files. 0, or -errno with c->err set. */
int bulkload_finish_files(bulkload *b, struct chunk *c);
/* Writer thread, after bulkload_finish_files returned files_status:
 * ingest the files (when it was 0) and clean up. 0, or -errno with c->err
 * set; either way the chunk is then complete. */
int bulkload_ingest(bulkload *b, struct chunk *c, int files_status);
/* Writer thread, once per group (group commit, as the WAL's): fdatasync
 * the stage file once for every chunk appended since the last commit,
 * then write their progress records (into the WAL, which the group's WAL
 * sync then covers). 0, or -errno with err; the job's chunks since the
 * last commit must then not be acknowledged. */
int bulkload_pending(const bulkload *b);
int bulkload_commit(bulkload *b, store *s, char *err, size_t errlen);

typedef struct bulkload_info {
    int phase;
    uint64_t staged_bytes;      /* in the stage file */
    uint64_t done_bytes;        /* of the current phase */
    uint64_t total_bytes;       /* of the current phase, 0 unknown */
    uint64_t runs, spilled_bytes, sst_bytes, sst_files;
} bulkload_info;
/* Any thread. */
void bulkload_get_info(const bulkload *b, bulkload_info *out);

/* The job directory's name for a job id (hex of the id), in out (at
 * least 2 * JOB_ID_MAX + 1 bytes). */
void bulkload_dir_name(const char *id, char *out, size_t outlen);

/* Remove the job directories under data_dir untouched for retention_ms
 * (0: none), except those keep() claims (their job runs). Any thread but
 * the loop (it reads directories). How many were removed, or -errno. */
int bulkload_cleanup(const char *data_dir, uint64_t retention_ms,
                     int (*keep)(void *ud, const char *dir_name), void *ud);

#endif
