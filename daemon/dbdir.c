/* dbdir.c - a database's directory as a whole (see dbdir.h). */
#include "dbdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "../common/paths.h"

char *dbdir_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);

    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

int dbdir_exists(const char *path)
{
    uv_fs_t req;
    int r = uv_fs_lstat(NULL, &req, path, NULL);

    uv_fs_req_cleanup(&req);
    return r == 0;
}

int dbdir_list(const char *path, dbdir_entry_cb cb, void *ud, char *err, size_t errlen)
{
    uv_fs_t req;
    uv_dirent_t ent;
    int r = uv_fs_scandir(NULL, &req, path, 0, NULL);

    if (r < 0) {
        uv_fs_req_cleanup(&req);
        snprintf(err, errlen, "cannot list %s: %s", path, uv_strerror(r));
        return r;
    }
    r = 0;
    while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
        if ((r = cb(ud, ent.name, ent.type == UV_DIRENT_DIR)) < 0)
            break;
    }
    uv_fs_req_cleanup(&req);
    return r;
}

/* --- measure ------------------------------------------------------------------ */

typedef struct walk {
    const char *dir;
    const char *skip;
    dbdir_stats *st;
    char *err;
    size_t errlen;
} walk;

static int measure_entry(void *ud, const char *name, int is_dir)
{
    walk *w = ud;
    char *p = dbdir_join(w->dir, name);
    uv_fs_t req;
    int r;

    (void)is_dir;
    if (w->skip && strcmp(name, w->skip) == 0) {
        free(p);
        return 0;
    }
    if (!p)
        return -ENOMEM;
    r = uv_fs_lstat(NULL, &req, p, NULL);
    if (r < 0) {
        uv_fs_req_cleanup(&req);
        free(p);
        return r == UV_ENOENT ? 0 : r; /* gone meanwhile (RocksDB deletes files) */
    }
    if ((req.statbuf.st_mode & S_IFMT) == S_IFDIR) {
        uv_fs_req_cleanup(&req);
        r = dbdir_measure(p, NULL, w->st, w->err, w->errlen);
        free(p);
        return r;
    }
    w->st->files++;
    w->st->bytes += req.statbuf.st_size;
    if (req.statbuf.st_nlink > 1)
        w->st->linked++;
    uv_fs_req_cleanup(&req);
    free(p);
    return 0;
}

int dbdir_measure(const char *path, const char *skip, dbdir_stats *st, char *err,
                  size_t errlen)
{
    walk w = {path, skip, st, err, errlen};

    return dbdir_list(path, measure_entry, &w, err, errlen);
}

/* --- remove ------------------------------------------------------------------- */

static int remove_entry(void *ud, const char *name, int is_dir)
{
    walk *w = ud;
    char *p = dbdir_join(w->dir, name);
    uv_fs_t req;
    int r;

    (void)is_dir;
    if (!p)
        return -ENOMEM;
    r = uv_fs_lstat(NULL, &req, p, NULL);
    is_dir = r == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFDIR;
    uv_fs_req_cleanup(&req);
    if (is_dir) {
        r = dbdir_remove(p, w->err, w->errlen);
    } else {
        r = uv_fs_unlink(NULL, &req, p, NULL);
        uv_fs_req_cleanup(&req);
        if (r == UV_ENOENT)
            r = 0;
        if (r < 0)
            snprintf(w->err, w->errlen, "cannot remove %s: %s", p, uv_strerror(r));
    }
    free(p);
    return r;
}

int dbdir_remove(const char *path, char *err, size_t errlen)
{
    walk w = {path, NULL, NULL, err, errlen};
    uv_fs_t req;
    int r;

    if (!dbdir_exists(path))
        return 0;
    if ((r = dbdir_list(path, remove_entry, &w, err, errlen)) < 0)
        return r;
    r = uv_fs_rmdir(NULL, &req, path, NULL);
    uv_fs_req_cleanup(&req);
    if (r < 0 && r != UV_ENOENT) {
        snprintf(err, errlen, "cannot remove %s: %s", path, uv_strerror(r));
        return r;
    }
    return 0;
}

/* --- copy --------------------------------------------------------------------- */

static int immutable_file(const char *name)
{
    size_t n = strlen(name);

    return (n > 4 && strcmp(name + n - 4, ".sst") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".blob") == 0);
}

static int fsync_path(const char *path, int is_dir)
{
    uv_fs_t req;
    int fd, r;

    fd = uv_fs_open(NULL, &req, path, is_dir ? O_RDONLY : O_RDWR, 0, NULL);
    uv_fs_req_cleanup(&req);
    if (fd < 0)
        /* Windows opens no directory this way; NTFS journals the entry */
        return is_dir ? 0 : fd;
    r = uv_fs_fsync(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    uv_fs_close(NULL, &req, fd, NULL);
    uv_fs_req_cleanup(&req);
    /* Windows opens a directory but refuses to flush it (access denied):
     * its entries are journalled anyway. A failed write is EIO or ENOSPC. */
    if (is_dir && r < 0 && r != UV_EIO && r != UV_ENOSPC)
        return 0;
    return r;
}

typedef struct copy {
    const char *src, *dst;
    dbdir_stats *st;
    char *err;
    size_t errlen;
} copy;

static int copy_entry(void *ud, const char *name, int is_dir)
{
    copy *c = ud;
    char *from = dbdir_join(c->src, name), *to = dbdir_join(c->dst, name);
    uv_fs_t req;
    int r = -ENOMEM, linked = 0;

    if (!from || !to)
        goto out;
    r = uv_fs_lstat(NULL, &req, from, NULL);
    is_dir = r == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFDIR;
    uv_fs_req_cleanup(&req);
    if (r < 0 || is_dir) {
        snprintf(c->err, c->errlen, "%s: %s", from,
                 r < 0 ? uv_strerror(r) : "a subdirectory: not a RocksDB checkpoint");
        r = r < 0 ? r : -EINVAL;
        goto out;
    }
    if (immutable_file(name)) {
        r = uv_fs_link(NULL, &req, from, to, NULL);
        uv_fs_req_cleanup(&req);
        linked = r == 0;
    }
    if (!linked) {
        r = uv_fs_copyfile(NULL, &req, from, to, UV_FS_COPYFILE_EXCL, NULL);
        uv_fs_req_cleanup(&req);
        if (r < 0) {
            snprintf(c->err, c->errlen, "cannot copy %s to %s: %s", from, to, uv_strerror(r));
            goto out;
        }
        if ((r = fsync_path(to, 0)) < 0) {
            snprintf(c->err, c->errlen, "cannot fsync %s: %s", to, uv_strerror(r));
            goto out;
        }
    }
    r = uv_fs_lstat(NULL, &req, to, NULL);
    if (r == 0) {
        c->st->files++;
        c->st->bytes += req.statbuf.st_size;
        c->st->linked += linked;
    }
    uv_fs_req_cleanup(&req);
    if (r < 0)
        snprintf(c->err, c->errlen, "%s: %s", to, uv_strerror(r));
out:
    free(from);
    free(to);
    return r;
}

int dbdir_copy(const char *src, const char *dst, dbdir_stats *st, char *err, size_t errlen)
{
    copy c = {src, dst, st, err, errlen};
    uv_fs_t req;
    int r;

    memset(st, 0, sizeof(*st));
    r = uv_fs_mkdir(NULL, &req, dst, 0750, NULL);
    uv_fs_req_cleanup(&req);
    if (r < 0) {
        snprintf(err, errlen, "cannot create %s: %s", dst, uv_strerror(r));
        return r;
    }
    if ((r = dbdir_list(src, copy_entry, &c, err, errlen)) < 0)
        return r;
    if ((r = fsync_path(dst, 1)) < 0)
        snprintf(err, errlen, "cannot fsync %s: %s", dst, uv_strerror(r));
    return r;
}

int dbdir_sync_dir(const char *path)
{
    return fsync_path(path, 1);
}

int dbdir_rename(const char *from, const char *to, char *err, size_t errlen)
{
    uv_fs_t req;
    char *parent;
    int r = uv_fs_rename(NULL, &req, from, to, NULL);

    uv_fs_req_cleanup(&req);
    if (r < 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", from, to, uv_strerror(r));
        return r;
    }
    if ((parent = strdup(to))) {
        char *slash = NULL;
        for (char *p = parent; *p; p++)
            if (pt_is_path_sep(*p))
                slash = p;
        if (slash) {
            *slash = '\0';
            fsync_path(parent, 1);
        }
        free(parent);
    }
    return 0;
}

int dbdir_mkdir(const char *path, char *err, size_t errlen)
{
    uv_fs_t req;
    int r = uv_fs_mkdir(NULL, &req, path, 0750, NULL);

    uv_fs_req_cleanup(&req);
    if (r < 0 && r != UV_EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, uv_strerror(r));
        return r;
    }
    return 0;
}
