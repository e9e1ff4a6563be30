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
    double scale;           /* share of the drain rate admitted (0 = all), pace_headroom */
} pace_rate;

/* Record that `written` bytes have gone into RocksDB in total and that its
 * memtables hold `occupancy` bytes now. */
void pace_rate_sample(pace_rate *r, uint64_t now_ns, uint64_t written, uint64_t occupancy);
/* Bytes per second drained over the last couple of seconds, 0 if unknown. */
double pace_rate_estimate(const pace_rate *r);
/* Nanoseconds to wait before `incoming` bytes may go in at the drain rate
 * (0 = now). `behind` says whether flush is behind (otherwise no limit). */
uint64_t pace_rate_wait(pace_rate *r, uint64_t now_ns, uint64_t incoming, int behind);

/* Is flush the bottleneck? Pacing at the drain rate is right only then:
 * while flushes keep up, the drain rate measured is merely the rate the
 * writer itself wrote at, and admitting at it would cap ingest below
 * what the disk takes. So the writer paces at the drain rate only in
 * "flush-bound" mode, entered when memtables have waited for a flush
 * without a break for hold_ns or two wait at once, and left once none
 * has waited for hold_ns; outside it, it writes at full speed and only
 * the triggers (pace_decide) hold it. Sticky on purpose: on a slow disk
 * the last waiting memtable finishes just as the next fills, and that
 * moment must not start a burst into every free memtable. */
typedef struct pace_mode {
    uint64_t busy_since;    /* when memtables started waiting (0 = none wait) */
    uint64_t idle_since;    /* when the last wait ended (0 = one waits) */
    int flush_bound;
} pace_mode;
/* waiting: a flushable memtable waits now; two: twice that many do. */
int pace_mode_update(pace_mode *m, uint64_t now_ns, int waiting, int two, uint64_t hold_ns);

/* The share of the drain rate to admit, from how close this column
 * family's memtables are to RocksDB's delay line: all of it while a whole
 * memtable's room is left, down to a quarter just before the line, so
 * that a drain-rate estimate a little too high slows acknowledgements
 * down instead of running into the trigger, where nothing is acknowledged
 * until a whole flush is done (seconds on a slow disk). */
double pace_headroom(const pace_signals *s, const pace_limits *l);

/* May `incoming` more bytes be written to this column family now? */
int pace_decide(const pace_signals *s, const pace_limits *l, uint64_t incoming);
const char *pace_reason_name(int reason);

#endif
