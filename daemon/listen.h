/* listen.h - the listening endpoint clients connect to.
 *
 * A Unix socket (listen_unix.c: a path we bind, or a socket handed to us
 * by the supervisor, socket activation) or a Windows named pipe with a
 * restrictive access list (listen_win.c); meson builds one of the two.
 * libuv's uv_pipe_t serves both, so the rest of the daemon sees only this
 * header. Loop thread.
 */
#ifndef PT_LISTEN_H
#define PT_LISTEN_H

#include <stddef.h>
#include <uv.h>

typedef struct listener listener;

typedef struct listen_opts {
    const char *path;   /* listen.path; NULL or "" = the platform default */
    unsigned mode;      /* listen.mode: the socket file's mode (Unix) */
    const char *allow;  /* listen.allow, "A,B": on Unix the users and
                         * groups admitted at accept (allow.h), on Windows
                         * the accounts added to the pipe's access list;
                         * NULL = no list */
} listen_opts;

/* Who is connecting, as far as the platform tells, and whether
 * listen.allow admits them. Unix reads the credentials the kernel
 * recorded at connect (SO_PEERCRED); on Windows the pipe's access list
 * has already kept out whoever is not admitted, so every peer that
 * reaches the callback is allowed and its ids are not known. */
typedef struct listen_peer {
    int allowed;        /* 0: the callee refuses it (ERROR denied) */
    int known;          /* uid, gid and pid were read */
    int operator;       /* root or the daemon's own user: a reserved slot */
    unsigned long uid, gid;
    long pid;
    char why[384];      /* the rule that admitted or refused it */
} listen_peer;

/* A client waits on `server`: the callee accepts it (uv_accept), and
 * refuses it when peer->allowed is 0. */
typedef void (*listen_cb)(void *ud, uv_stream_t *server, const listen_peer *peer);

/* For --check-config: does every user and group that allow names exist
 * on this machine? 0, or <0 with err naming the first that does not. */
int listen_check_allow(const char *allow, char *err, size_t errlen);

/* Listen, calling cb for each client. On failure err says what and where
 * (the path) and nothing is left open. */
int listener_open(listener **out, uv_loop_t *loop, const listen_opts *o, listen_cb cb,
                  void *ud, char *err, size_t errlen);
/* The path clients use (the activated socket's own when activated). */
const char *listener_path(const listener *l);
/* Stop listening; remove the socket file when we made it. The memory goes
 * with the handle's close callback (the loop must run once more). NULL ok. */
void listener_close(listener *l);

#endif
