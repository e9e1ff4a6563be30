/* transport.h - the client's byte pipe to the daemon: a Unix socket, or a
 * named pipe on Windows. Blocking calls with a poll-style wait, so the
 * library can read acknowledgements while its writes are held back. */
#ifndef PTI_TRANSPORT_H
#define PTI_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#ifdef _WIN32
/* A named pipe handle opened for overlapped I/O. Writes go out from `wbuf`
 * in the background (one at a time) so that reads are never held up by a
 * write the daemon has not taken yet (transport_win.c). */
typedef struct ptt {
    void *h;          /* HANDLE */
    void *wev;        /* HANDLE: the pending write's event */
    char *wbuf;
    size_t wlen;      /* bytes of the pending write, 0 when none */
    int wfailed;      /* -errno of a write that failed in the background */
    unsigned char wov[64]; /* OVERLAPPED, kept opaque so windows.h stays out */
} ptt;
#else
typedef struct ptt {
    int fd;
} ptt;
#endif

/* Connect, then make sure the server is who it should be before a byte
 * is sent: on Unix its uid (as the kernel recorded it when the socket was
 * made to listen) is ours, root's or daemon_user's; on Windows the
 * pipe's owner is our account, SYSTEM, Administrators or daemon_user's
 * account. daemon_user is a name or a numeric id, NULL for the default
 * (the packages' system user "ptingestd", when it exists). A server that
 * is none of them is refused: -EPERM, err naming who it is. */
int ptt_connect(ptt *t, const char *path, const char *daemon_user, char *err, size_t errlen);
void ptt_close(ptt *t);
/* Non-blocking: bytes moved, 0 at end of stream (read), -EAGAIN, or <0. */
ssize_t ptt_read(ptt *t, void *buf, size_t len);
ssize_t ptt_write(ptt *t, const void *buf, size_t len);
/* Wait until readable (and writable if want_write). Returns a mask of
 * PTT_READABLE|PTT_WRITABLE, 0 on timeout, <0 on error. timeout_ms < 0
 * waits forever. */
#define PTT_READABLE 1
#define PTT_WRITABLE 2
int ptt_wait(ptt *t, int want_write, int timeout_ms);

#endif
