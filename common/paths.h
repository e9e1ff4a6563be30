/* paths.h - platform defaults shared by the daemon and the client.
 * paths_posix.c or paths_win.c, whichever common/meson.build picks. */
#ifndef PT_PATHS_H
#define PT_PATHS_H

#include <stddef.h>
#include <stdint.h>

/* $XDG_RUNTIME_DIR/ptingestd.sock, else /tmp/ptingestd-<uid>.sock;
 * \\.\pipe\ptingestd on Windows. */
void pt_default_socket(char *out, size_t outlen);

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
