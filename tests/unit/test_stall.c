/* The stall monitor's reading of RocksDB's own words. */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "daemon/stall.h"

/* As RocksDB 7.8 prints rocksdb.dbstats. */
static const char dbstats[] =
    "\n** DB Stats **\n"
    "Uptime(secs): 41.3 total, 11.2 interval\n"
    "Cumulative writes: 2000K writes, 2000K keys, 1969 commit groups, 1.0 writes per commit group, ingest: 0.90 GB, 22.03 MB/s\n"
    "Cumulative WAL: 2000K writes, 0 syncs, 2000000.00 writes per sync, written: 0.90 GB, 22.03 MB/s\n"
    "Cumulative stall: 00:00:36.151 H:M:S, 87.5 percent\n"
    "Interval writes: 551K writes, 551K keys, 543 commit groups, 1.0 writes per commit group, ingest: 253.68 MB, 22.61 MB/s\n"
    "Interval stall: 00:00:9.874 H:M:S, 88.1 percent\n";

TEST(cumulative_stall_parsed)
{
    uint64_t us = 0;

    CHECK_EQ_INT(stall_parse_cumulative(dbstats, &us), 0);
    CHECK_EQ_INT(us, 36151000);
}

TEST(hours_and_minutes)
{
    uint64_t us = 0;

    CHECK_EQ_INT(stall_parse_cumulative("Cumulative stall: 01:02:03.5 H:M:S, 1 percent", &us), 0);
    CHECK_EQ_INT(us, (3600ull + 120 + 3) * 1000000 + 500000);
    CHECK_EQ_INT(stall_parse_cumulative("Cumulative stall: 00:00:0.000 H:M:S, 0.0 percent", &us), 0);
    CHECK_EQ_INT(us, 0);
}

TEST(absent_or_garbled)
{
    uint64_t us = 7;

    CHECK_EQ_INT(stall_parse_cumulative(NULL, &us), -ENOENT);
    CHECK_EQ_INT(stall_parse_cumulative("no stats here", &us), -ENOENT);
    CHECK_EQ_INT(stall_parse_cumulative("Cumulative stall: xx:00:1 H:M:S", &us), -EINVAL);
    CHECK_EQ_INT(stall_parse_cumulative("Cumulative stall: 00-00-1", &us), -EINVAL);
    CHECK_EQ_INT(us, 7); /* untouched on failure */
}

int main(void)
{
    RUN(cumulative_stall_parsed);
    RUN(hours_and_minutes);
    RUN(absent_or_garbled);
    return CHECK_DONE();
}
