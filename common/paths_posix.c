/* paths_posix.c - paths.h on Linux and other POSIX systems. */
#include "paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Without a session's runtime directory the socket goes in a directory
 * of our own under /tmp, as tmux does: in /tmp itself any user could
 * bind the name first and be sent our rows. */
static void tmp_dir(char *out, size_t outlen)
{
    snprintf(out, outlen, "/tmp/ptingestd-%u", (unsigned)getuid());
}

void pt_default_socket(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char dir[64];

    if (xdg && *xdg) {
        snprintf(out, outlen, "%s/ptingestd.sock", xdg);
    } else {
        tmp_dir(dir, sizeof(dir));
        snprintf(out, outlen, "%s/ptingestd.sock", dir);
    }
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
    struct passwd pw, *res = NULL;

    if (getpwuid_r(uid, &pw, buf, len, &res) || !res)
        return "no such user";
    return res->pw_name;
}

int pt_default_socket_dir(char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char dir[64], buf[1024];
    struct stat st;
    int r;

    if (xdg && *xdg)
        return 0;
    tmp_dir(dir, sizeof(dir));
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        r = -errno;
        snprintf(err, errlen, "%s: cannot create the socket's directory: %s", dir,
                 strerror(-r));
        return r;
    }
    if (lstat(dir, &st) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(-r));
        return r;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(err, errlen,
                 "%s: not a private directory of ours (%s, owner uid %lu (%s), mode %04o; "
                 "want a directory of uid %lu, mode 0700): another user may have made it "
                 "to take our socket. Remove it, or set XDG_RUNTIME_DIR or listen.path",
                 dir, S_ISDIR(st.st_mode) ? "a directory" : S_ISLNK(st.st_mode) ? "a link"
                                                                               : "not a directory",
                 (unsigned long)st.st_uid, user_name(st.st_uid, buf, sizeof(buf)),
                 (unsigned)(st.st_mode & 07777), (unsigned long)geteuid());
        return -EPERM;
    }
    return 0;
}

void pt_binary_stdio(void)
{
    /* POSIX stdio never translates line ends */
}

int pt_disk_free(const char *path, uint64_t *bytes)
{
    struct statvfs st;

    if (statvfs(path, &st) < 0)
        return -errno;
    *bytes = (uint64_t)st.f_bavail * st.f_frsize;
    return 0;
}

int pt_is_absolute_path(const char *path)
{
    return path[0] == '/';
}

int pt_is_path_sep(char c)
{
    return c == '/';
}
