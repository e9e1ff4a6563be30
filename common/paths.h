/* paths.h - platform defaults shared by the daemon and the client.
 * paths_posix.c or paths_win.c, whichever common/meson.build picks. */
#ifndef PT_PATHS_H
#define PT_PATHS_H

#include <stddef.h>
#include <stdint.h>

/* $XDG_RUNTIME_DIR/ptingestd.sock, else /tmp/ptingestd-<uid>/ptingestd.sock;
 * \\.\pipe\ptingestd on Windows. (The second was once
 * /tmp/ptingestd-<uid>.sock, a name any local user could take first.) */
void pt_default_socket(char *out, size_t outlen);

/* Before the daemon binds the default socket: make sure the directory
 * it goes in is ours alone. The /tmp directory is created mode 0700 if
 * missing; one that exists must be a directory (not a link) owned by us
 * with no access for group or others, else another user made it and
 * could replace our socket: refused, err saying whose it is.
 * $XDG_RUNTIME_DIR is the session manager's and is taken as it is. A
 * no-op on Windows. 0 or <0 with err. */
int pt_default_socket_dir(char *err, size_t errlen);

/* stdin and stdout carry bytes unchanged: Windows' CRT otherwise turns
 * "\n" into "\r\n" on the way out. A no-op on POSIX. */
void pt_binary_stdio(void);

/* A path separator: '/', and on Windows '\\' too. */
int pt_is_path_sep(char c);
/* Does path name a file without reference to a current directory? POSIX:
 * it starts with '/'; Windows: with a separator or a drive ("C:"). */
int pt_is_absolute_path(const char *path);

/* Bytes available to an unprivileged writer on path's filesystem. */
int pt_disk_free(const char *path, uint64_t *bytes);

#endif
