/* transport_win.c - named pipe transport for libptingest (Windows).
 *
 * libptingest's pump() waits for readable-or-writable, which a named pipe
 * cannot be polled for. So:
 * - writes are overlapped: ptt_write copies up to WCHUNK bytes and starts
 *   one WriteFile in the background; while it is pending the pipe is not
 *   writable (ptt_write returns -EAGAIN). A daemon that holds our writes
 *   back (back-pressure) therefore never stops us reading its acks.
 * - readability is PeekNamedPipe: bytes waiting, or the pipe broken
 *   (read then reports the end of the stream).
 * - ptt_wait waits on the pending write's event for at most POLL_MS at a
 *   time and peeks in between: a poll with a 1-10 ms step, which costs
 *   nothing next to a chunk's RocksDB write and needs no second thread.
 *
 * Whoever creates a pipe name first serves it, so before anything is
 * sent the server is checked: the pipe's owner (the account, or
 * Administrators, that created the server's end) must be ours, SYSTEM,
 * Administrators or the daemon user's; failing that, the account of the
 * server's process (GetNamedPipeServerProcessId, its token), when we may
 * read it: a user may not open a service's process, but Wine gives a
 * pipe its creator's primary group as owner, so there the process is
 * what identifies our own daemon.
 */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

/* The packages' account name (Linux); a Windows service runs as
 * LocalSystem, which is always accepted. */
#define DEFAULT_DAEMON_USER "ptingestd"

#define WCHUNK (1u << 20)
#define POLL_MS 10

_Static_assert(sizeof(OVERLAPPED) <= sizeof(((ptt *)0)->wov), "ptt.wov too small");

static int win_errno(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return -ENOENT;
    case ERROR_ACCESS_DENIED:
        return -EACCES;
    case ERROR_PIPE_BUSY:
    case ERROR_SEM_TIMEOUT:
        return -EBUSY;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
        return -EPIPE;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

/* Our own account's SID into buf. */
static int own_sid(PSID *sid, char *buf, DWORD len)
{
    HANDLE tok;
    DWORD n;
    BOOL ok;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return -EACCES;
    ok = GetTokenInformation(tok, TokenUser, buf, len, &n);
    CloseHandle(tok);
    if (!ok)
        return -EIO;
    *sid = ((TOKEN_USER *)buf)->User.Sid;
    return 0;
}

static int is_daemon_user(PSID owner, const char *name)
{
    union { SID sid; char buf[SECURITY_MAX_SID_SIZE]; } sid;
    char dom[256];
    DWORD sidlen = sizeof(sid), domlen = sizeof(dom);
    SID_NAME_USE use;

    if (!name || !*name)
        name = DEFAULT_DAEMON_USER;
    return LookupAccountNameA(NULL, name, &sid, &sidlen, dom, &domlen, &use) &&
           EqualSid(owner, &sid);
}

static int trusted(PSID sid, const char *daemon_user)
{
    char tu[512];
    PSID me = NULL;

    return IsWellKnownSid(sid, WinLocalSystemSid) ||
           IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
           (own_sid(&me, tu, sizeof(tu)) == 0 && EqualSid(sid, me)) ||
           is_daemon_user(sid, daemon_user);
}

/* The account the server's process runs as, when we may read it. */
static int server_trusted(ULONG pid, const char *daemon_user)
{
    char tu[512];
    HANDLE p, tok;
    DWORD n;
    int ok = 0;

    if (!pid || !(p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid)))
        return 0;
    if (OpenProcessToken(p, TOKEN_QUERY, &tok)) {
        if (GetTokenInformation(tok, TokenUser, tu, sizeof(tu), &n))
            ok = trusted(((TOKEN_USER *)tu)->User.Sid, daemon_user);
        CloseHandle(tok);
    }
    CloseHandle(p);
    return ok;
}

static int check_server(HANDLE h, const char *path, const char *daemon_user, char *err,
                        size_t errlen)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID owner = NULL;
    char *str = NULL;
    ULONG pid = 0;
    DWORD e;
    int ok;

    e = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL,
                        NULL, &sd);
    if (e != ERROR_SUCCESS || !owner) {
        snprintf(err, errlen, "%s: cannot read who owns the pipe (error %lu); nothing was sent",
                 path, (unsigned long)e);
        if (sd)
            LocalFree(sd);
        return -EACCES;
    }
    (void)GetNamedPipeServerProcessId(h, &pid);
    ok = trusted(owner, daemon_user) || server_trusted(pid, daemon_user);
    if (!ok) {
        if (!ConvertSidToStringSidA(owner, &str))
            str = NULL;
        snprintf(err, errlen,
                 "refusing the server at %s: the pipe belongs to %s (server process %lu), "
                 "and neither it nor the process is you, SYSTEM, Administrators or the "
                 "daemon's user %s; nothing was sent (a daemon of another account: "
                 "--daemon-user or PTINGEST_DAEMON_USER)",
                 path, str ? str : "an unknown account", (unsigned long)pid,
                 daemon_user && *daemon_user ? daemon_user : DEFAULT_DAEMON_USER);
        if (str)
            LocalFree(str);
    }
    LocalFree(sd);
    return ok ? 0 : -EPERM;
}

int ptt_connect(ptt *t, const char *path, const char *daemon_user, char *err, size_t errlen)
{
    HANDLE h;
    DWORD e, mode = PIPE_READMODE_BYTE;
    int tries, r;

    memset(t, 0, sizeof(*t));
    t->h = INVALID_HANDLE_VALUE;
    /* All instances busy means the daemon has not yet put up the next one:
     * wait for it rather than fail (WaitNamedPipe), a few times. */
    for (tries = 0;; tries++) {
        h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                        FILE_FLAG_OVERLAPPED, NULL);
        if (h != INVALID_HANDLE_VALUE)
            break;
        e = GetLastError();
        if (e != ERROR_PIPE_BUSY || tries == 10 || !WaitNamedPipeA(path, 2000)) {
            snprintf(err, errlen, "cannot reach ptingestd at %s: %s", path,
                     strerror(-win_errno(e)));
            return win_errno(e);
        }
    }
    if ((r = check_server(h, path, daemon_user, err, errlen)) < 0) {
        CloseHandle(h);
        return r;
    }
    (void)SetNamedPipeHandleState(h, &mode, NULL, NULL);
    t->wev = CreateEventA(NULL, TRUE, FALSE, NULL);
    t->wbuf = malloc(WCHUNK);
    if (!t->wev || !t->wbuf) {
        CloseHandle(h);
        if (t->wev)
            CloseHandle(t->wev);
        free(t->wbuf);
        memset(t, 0, sizeof(*t));
        t->h = INVALID_HANDLE_VALUE;
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    t->h = h;
    return 0;
}

/* Has the pending write finished? 1 yes (or none pending), 0 not yet. */
static int write_done(ptt *t, DWORD wait_ms)
{
    OVERLAPPED *ov = (OVERLAPPED *)t->wov;
    DWORD n;

    if (!t->wlen)
        return 1;
    if (WaitForSingleObject(t->wev, wait_ms) != WAIT_OBJECT_0)
        return 0;
    if (!GetOverlappedResult(t->h, ov, &n, FALSE))
        t->wfailed = win_errno(GetLastError());
    else if (n != t->wlen)
        t->wfailed = -EIO; /* byte-mode pipes write all or fail */
    t->wlen = 0;
    return 1;
}

void ptt_close(ptt *t)
{
    if (t->h != INVALID_HANDLE_VALUE && t->h) {
        if (t->wlen) {
            /* the buffer must outlive the write: cancel and wait for it */
            CancelIoEx(t->h, (OVERLAPPED *)t->wov);
            write_done(t, INFINITE);
        }
        CloseHandle(t->h);
    }
    if (t->wev)
        CloseHandle(t->wev);
    free(t->wbuf);
    memset(t, 0, sizeof(*t));
    t->h = INVALID_HANDLE_VALUE;
}

ssize_t ptt_read(ptt *t, void *buf, size_t len)
{
    OVERLAPPED ov;
    DWORD avail = 0, n = 0;

    if (!PeekNamedPipe(t->h, NULL, 0, NULL, &avail, NULL)) {
        DWORD e = GetLastError();
        return e == ERROR_BROKEN_PIPE ? 0 : win_errno(e);
    }
    if (!avail)
        return -EAGAIN;
    if (len > avail)
        len = avail; /* what is there: the read then completes at once */
    memset(&ov, 0, sizeof(ov));
    ov.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent)
        return -ENOMEM;
    if (!ReadFile(t->h, buf, (DWORD)len, NULL, &ov) && GetLastError() != ERROR_IO_PENDING) {
        DWORD e = GetLastError();
        CloseHandle(ov.hEvent);
        return e == ERROR_BROKEN_PIPE ? 0 : win_errno(e);
    }
    if (!GetOverlappedResult(t->h, &ov, &n, TRUE)) {
        DWORD e = GetLastError();
        CloseHandle(ov.hEvent);
        return e == ERROR_BROKEN_PIPE ? 0 : win_errno(e);
    }
    CloseHandle(ov.hEvent);
    return (ssize_t)n;
}

ssize_t ptt_write(ptt *t, const void *buf, size_t len)
{
    OVERLAPPED *ov = (OVERLAPPED *)t->wov;
    int r;

    if (!write_done(t, 0))
        return -EAGAIN;
    if (t->wfailed) {
        r = t->wfailed;
        t->wfailed = 0;
        return r;
    }
    if (len > WCHUNK)
        len = WCHUNK;
    memcpy(t->wbuf, buf, len);
    memset(ov, 0, sizeof(*ov));
    ResetEvent(t->wev);
    ov->hEvent = t->wev;
    t->wlen = len;
    if (!WriteFile(t->h, t->wbuf, (DWORD)len, NULL, ov) && GetLastError() != ERROR_IO_PENDING) {
        t->wlen = 0;
        return win_errno(GetLastError());
    }
    /* Sent or on its way: the caller's bytes are ours now. */
    return (ssize_t)len;
}

static int readable(ptt *t)
{
    DWORD avail = 0;

    if (!PeekNamedPipe(t->h, NULL, 0, NULL, &avail, NULL))
        return 1; /* broken: the read reports it */
    return avail > 0;
}

int ptt_wait(ptt *t, int want_write, int timeout_ms)
{
    ULONGLONG start = GetTickCount64();
    DWORD step = 1;

    for (;;) {
        int mask = 0;
        DWORD left;

        if (readable(t))
            mask |= PTT_READABLE;
        if (want_write && write_done(t, 0))
            mask |= PTT_WRITABLE;
        if (mask)
            return mask;
        if (timeout_ms >= 0) {
            ULONGLONG spent = GetTickCount64() - start;
            if (spent >= (ULONGLONG)timeout_ms)
                return 0;
            left = (DWORD)((ULONGLONG)timeout_ms - spent);
        } else {
            left = INFINITE;
        }
        if (step > left)
            step = left;
        /* A pending write's completion wakes us early; otherwise sleep. */
        if (want_write && t->wlen)
            write_done(t, step);
        else
            Sleep(step);
        step = step * 2 > POLL_MS ? POLL_MS : step * 2;
    }
}
