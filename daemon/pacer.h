/* pacer.h - admission control: pace ourselves before RocksDB would.
 *
 * RocksDB delays and then stops every write when flush or compaction fall
 * behind (too many memtables waiting, too many level-0 files, too much
 * pending compaction). A stopped RocksDB blocks the writer inside a write
 * for as long as the disk needs, which is how a client "freezes". The
 * pacer reads the same signals RocksDB decides on, per column family, and
 * holds the next chunk back *before* the write that would cross a
 * trigger; the bounded queue then fills and clients are back-pressured,
 * while everything keeps answering. Pure decision code, unit-tested on
 * recorded signal sequences; the writer thread calls it.
 */
#ifndef PT_PACER_H
#define PT_PACER_H

#include <stdint.h>

/* What a column family's options allow (RocksDB's triggers). */
typedef struct pace_limits {
    uint64_t write_buffer_size;
    uint64_t max_write_buffer_number;
    uint64_t min_merge;          /* min_write_buffer_number_to_merge */
    uint64_t l0_slowdown;        /* level0_slowdown_writes_trigger */
    uint64_t l0_stop;            /* level0_stop_writes_trigger */
    uint64_t soft_pending;       /* soft_pending_compaction_bytes_limit, 0 = off */
    uint64_t hard_pending;
    int auto_compactions;        /* 0 when disable_auto_compactions */
} pace_limits;

/* What RocksDB says now about one column family. */
typedef struct pace_signals {
    uint64_t immutable;          /* rocksdb.num-immutable-mem-table */
    uint64_t active_bytes;       /* rocksdb.cur-size-active-mem-table */
    uint64_t l0_files;           /* rocksdb.num-files-at-level0 */
    uint64_t pending_bytes;      /* rocksdb.estimate-pending-compaction-bytes */
} pace_signals;

enum pace_reason {
    PACE_OK = 0,
    PACE_MEMTABLES,  /* the write would fill the last memtable: stop */
    PACE_L0,         /* a flush now would reach the level-0 slowdown */
    PACE_PENDING,    /* compaction debt near its soft limit */
    PACE_ROCKSDB,    /* RocksDB itself said the write would stall */
    PACE_RATE,       /* flush is behind: admitting at its drain rate */
};

/* Flush-rate smoothing. Holding writes only at the trigger makes them
 * stop-and-go: full speed into free memtables, then nothing until a whole
 * memtable is flushed (seconds on a slow disk, no acknowledgement
 * meanwhile). While flush is behind (an immutable memtable waits), the
 * writer instead admits bytes at the rate flushes actually drain memory,
 * measured from RocksDB's own memtable occupancy, so acknowledgements
 * keep flowing at the disk's pace. */
typedef struct pace_rate {
    uint64_t t_ns[32];      /* samples of (time, bytes drained so far) */
    uint64_t drained[32];
    unsigned n, next;
    uint64_t last_ns;       /* token bucket */
    double tokens;          /* bytes that may be written now */
    double initial_rate;    /* bytes/s assumed until a flush has been measured */
} pace_rate;

/* Record that `written` bytes have gone into RocksDB in total and that its
 * memtables hold `occupancy` bytes now. */
void pace_rate_sample(pace_rate *r, uint64_t now_ns, uint64_t written, uint64_t occupancy);
/* Bytes per second drained over the last couple of seconds, 0 if unknown. */
double pace_rate_estimate(const pace_rate *r);
/* Nanoseconds to wait before `incoming` bytes may go in at the drain rate
 * (0 = now). `behind` says whether flush is behind (otherwise no limit). */
uint64_t pace_rate_wait(pace_rate *r, uint64_t now_ns, uint64_t incoming, int behind);

/* May `incoming` more bytes be written to this column family now? */
int pace_decide(const pace_signals *s, const pace_limits *l, uint64_t incoming);
const char *pace_reason_name(int reason);

#endif
