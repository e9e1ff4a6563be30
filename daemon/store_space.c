/* store_space.c - what opening a database needs on disk (see store_space.h). */
#include "store_space.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static uint64_t file_size(const char *dir, const char *name)
{
    char path[4096];
    uv_fs_t req;
    uint64_t size = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (uv_fs_stat(NULL, &req, path, NULL) == 0)
        size = req.statbuf.st_size;
    uv_fs_req_cleanup(&req);
    return size;
}

int store_space_open_need(const char *dir, uint64_t write_buffer_bytes, store_space_need *out)
{
    uv_fs_t req;
    uv_dirent_t ent;
    int r;

    memset(out, 0, sizeof(*out));
    out->memtable_bytes = write_buffer_bytes;
    /* libuv's scandir: the same call on Windows */
    r = uv_fs_scandir(NULL, &req, dir, 0, NULL);
    if (r == UV_ENOENT) {
        uv_fs_req_cleanup(&req);
        out->total = out->memtable_bytes;
        return 0;
    }
    if (r < 0) {
        uv_fs_req_cleanup(&req);
        return r;
    }
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        if (ends_with(ent.name, ".log") && strcmp(ent.name, "LOG") != 0)
            out->wal_bytes += file_size(dir, ent.name);
        else if (strncmp(ent.name, "MANIFEST-", 9) == 0 || strncmp(ent.name, "OPTIONS-", 8) == 0)
            out->meta_bytes += file_size(dir, ent.name);
    }
    uv_fs_req_cleanup(&req);
    out->total = out->wal_bytes + out->meta_bytes + out->memtable_bytes;
    return 0;
}
