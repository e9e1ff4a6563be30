/* listen_win.c - the listening endpoint on Windows: a named pipe with an
 * access list of our own. Loop thread.
 *
 * A named pipe gets a default access list that lets Everyone read, and
 * libuv creates its instances that way; uv_pipe_chmod can only widen it.
 * So the list is built here and set on the instances' handles: protected
 * (nothing inherited), full access for SYSTEM, Administrators and our own
 * account (which must keep creating instances), read/write for each name
 * in listen.allow.
 *
 * libuv has no call that hands out a listening pipe's instance handles:
 * secure_instances() reads them from the uv_pipe_t's Windows fields
 * (pipe.serv), which libuv 1.x keeps in its public header.
 */
#include "listen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "../common/log.h"
#include "../common/paths.h"

#define BACKLOG 128

struct listener {
    uv_pipe_t pipe;
    listen_cb cb;
    void *ud;
    PSECURITY_DESCRIPTOR sd;  /* LocalFree */
    int closed;               /* the handle's close callback ran */
    int released;             /* listener_close ran: the callback frees */
    char path[256];
};

static int append_sid(char **sddl, size_t *len, const char *ace, PSID sid)
{
    char *str = NULL, *p;
    size_t n;

    if (!ConvertSidToStringSidA(sid, &str))
        return -EINVAL;
    n = *len + strlen(ace) + strlen(str) + 4;
    if (!(p = realloc(*sddl, n))) {
        LocalFree(str);
        return -ENOMEM;
    }
    *len += (size_t)sprintf(p + *len, "(%s%s)", ace, str);
    *sddl = p;
    LocalFree(str);
    return 0;
}

/* Our own account's SID, as an SDDL ACE with full access. */
static int append_self(char **sddl, size_t *len, char *err, size_t errlen)
{
    union { TOKEN_USER tu; char buf[256]; } me;
    HANDLE tok;
    DWORD n;
    int r;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        snprintf(err, errlen, "pipe security: cannot read our own account (%lu)",
                 (unsigned long)GetLastError());
        return -EACCES;
    }
    r = GetTokenInformation(tok, TokenUser, &me, sizeof(me), &n) ? 0 : -EIO;
    CloseHandle(tok);
    if (r < 0 || (r = append_sid(sddl, len, "A;;GA;;;", me.tu.User.Sid)) < 0)
        snprintf(err, errlen, "pipe security: cannot read our own account");
    return r;
}

/* One read/write ACE per name in allow ("A,B"). */
static int append_allowed(char **sddl, size_t *len, const char *allow, char *err,
                          size_t errlen)
{
    char *list, *name, *save = NULL;
    int r = 0;

    if (!allow)
        return 0;
    if (!(list = strdup(allow)))
        return -ENOMEM;
    for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        union { SID sid; char buf[SECURITY_MAX_SID_SIZE]; } sid;
        char dom[256];
        DWORD sidlen = sizeof(sid), domlen = sizeof(dom);
        SID_NAME_USE use;

        while (*name == ' ')
            name++;
        /* the Unix list's markers (allow.h): Windows looks an account
         * or a group up by the one name */
        if (strncmp(name, "group:", 6) == 0)
            name += 6;
        else if (strncmp(name, "user:", 5) == 0)
            name += 5;
        if (!*name)
            continue;
        if (!LookupAccountNameA(NULL, name, &sid, &sidlen, dom, &domlen, &use)) {
            r = -ENOENT;
            snprintf(err, errlen, "listen.allow: no account or group \"%s\" (%lu)", name,
                     (unsigned long)GetLastError());
            goto out;
        }
        if ((r = append_sid(sddl, len, "A;;GRGW;;;", &sid)) < 0)
            goto out;
    }
out:
    free(list);
    return r;
}

static int build_sd(listener *l, const char *allow, char *err, size_t errlen)
{
    char *sddl = strdup("D:P(A;;GA;;;SY)(A;;GA;;;BA)");
    size_t len = sddl ? strlen(sddl) : 0;
    int r = -ENOMEM;

    if (!sddl)
        goto out;
    if ((r = append_self(&sddl, &len, err, errlen)) < 0 ||
        (r = append_allowed(&sddl, &len, allow, err, errlen)) < 0)
        goto out;
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, &l->sd,
                                                              NULL)) {
        r = -EINVAL;
        snprintf(err, errlen, "pipe security: bad descriptor %s (%lu)", sddl,
                 (unsigned long)GetLastError());
        goto out;
    }
    log_debug("pipe security descriptor: %s", sddl);
    r = 0;
out:
    free(sddl);
    return r;
}

/* Set our access list on every instance libuv has waiting for a client.
 * All instances of one pipe share one descriptor, so this is a check as
 * much as a change; it runs again after each accept, when libuv has made
 * a new instance, so no instance ever serves with the default list. */
static int secure_instances(listener *l)
{
    PACL dacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    int i;

    if (!GetSecurityDescriptorDacl(l->sd, &present, &dacl, &defaulted) || !present)
        return -EINVAL;
    for (i = 0; i < l->pipe.pipe.serv.pending_instances; i++) {
        HANDLE h = l->pipe.pipe.serv.accept_reqs[i].pipeHandle;
        DWORD e;

        if (h == INVALID_HANDLE_VALUE || !h)
            continue;
        e = SetSecurityInfo(h, SE_KERNEL_OBJECT,
                            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                            NULL, NULL, dacl, NULL);
        if (e != ERROR_SUCCESS) {
            log_error("%s: cannot set the pipe's access list (error %lu)", l->path,
                      (unsigned long)e);
            return -EACCES;
        }
    }
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    listener *l = h->data;

    l->closed = 1;
    if (l->released)
        free(l);
}

static void on_connection(uv_stream_t *server, int status)
{
    listener *l = server->data;
    /* the access list kept out everyone listen.allow does not name */
    listen_peer peer = {.allowed = 1, .why = "admitted by the pipe's access list"};

    if (status < 0) {
        log_warn("accept failed: %s", uv_strerror(status));
        return;
    }
    l->cb(l->ud, server, &peer);
    /* an instance we cannot secure must not serve: stop listening */
    if (!uv_is_closing((uv_handle_t *)&l->pipe) && secure_instances(l) < 0) {
        log_error("%s: closing the pipe rather than serving it unprotected", l->path);
        uv_close((uv_handle_t *)&l->pipe, on_closed);
    }
}

int listener_open(listener **out, uv_loop_t *loop, const listen_opts *o, listen_cb cb,
                  void *ud, char *err, size_t errlen)
{
    listener *l;
    int r;

    *out = NULL;
    if (errlen)
        err[0] = '\0';
    if (!(l = calloc(1, sizeof(*l)))) {
        snprintf(err, errlen, "cannot listen: out of memory");
        return -ENOMEM;
    }
    l->cb = cb;
    l->ud = ud;
    if (o->path && *o->path)
        snprintf(l->path, sizeof(l->path), "%s", o->path);
    else
        pt_default_socket(l->path, sizeof(l->path));
    if ((r = uv_pipe_init(loop, &l->pipe, 0)) < 0)
        goto fail_uv;
    l->pipe.data = l;
    if ((r = uv_pipe_bind(&l->pipe, l->path)) < 0)
        goto fail_uv;
    /* Before listen, as chmod is on Unix: no client connects while the
     * pipe is unprotected. */
    if ((r = build_sd(l, o->allow, err, errlen)) < 0) {
        if (!*err)
            snprintf(err, errlen, "%s: pipe security: %s", l->path, strerror(-r));
        goto fail;
    }
    if ((r = secure_instances(l)) < 0) {
        snprintf(err, errlen, "%s: cannot restrict the pipe's access list", l->path);
        goto fail;
    }
    if ((r = uv_listen((uv_stream_t *)&l->pipe, BACKLOG, on_connection)) < 0)
        goto fail_uv;
    /* uv_listen made the other instances: the same list on them too */
    if ((r = secure_instances(l)) < 0) {
        snprintf(err, errlen, "%s: cannot restrict the pipe's access list", l->path);
        goto fail;
    }
    log_info("listening on %s", l->path);
    *out = l;
    return 0;
fail_uv:
    snprintf(err, errlen, "%s: cannot listen: %s", l->path, uv_strerror(r));
fail:
    listener_close(l);
    return r;
}

const char *listener_path(const listener *l)
{
    return l->path;
}

int listen_check_allow(const char *allow, char *err, size_t errlen)
{
    char *sddl = NULL;
    size_t len = 0;
    int r = append_allowed(&sddl, &len, allow, err, errlen);

    free(sddl);
    return r;
}

void listener_close(listener *l)
{
    if (!l)
        return;
    if (l->sd)
        LocalFree(l->sd);
    l->sd = NULL;
    l->released = 1;
    /* a handle never initialised has no loop and no close callback */
    if (!l->pipe.loop || l->closed) {
        free(l);
        return;
    }
    if (!uv_is_closing((uv_handle_t *)&l->pipe))
        uv_close((uv_handle_t *)&l->pipe, on_closed);
}
