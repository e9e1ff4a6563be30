/* allow_unix.c - listen.allow on Unix (see allow.h). */
#include "allow.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENTRY_MAX 256    /* longer than any user or group name */
#define NSS_BUF 16384    /* getpwnam_r/getgrnam_r scratch: large groups */

typedef struct allow_entry {
    int group;           /* 0: a user */
    unsigned long id;
    char name[ENTRY_MAX];
} allow_entry;

struct allow_list {
    allow_entry *v;
    size_t n;
    char *text;          /* as configured, for messages */
};

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* name -> id through NSS; -ENOENT when there is none. */
static int resolve(allow_entry *e, char *err, size_t errlen)
{
    char *buf = malloc(NSS_BUF);
    int r, found = 0;

    if (!buf)
        return -ENOMEM;
    if (e->group) {
        struct group g, *res = NULL;
        r = getgrnam_r(e->name, &g, buf, NSS_BUF, &res);
        if (r == 0 && res) {
            e->id = (unsigned long)res->gr_gid;
            found = 1;
        }
    } else {
        struct passwd pw, *res = NULL;
        r = getpwnam_r(e->name, &pw, buf, NSS_BUF, &res);
        if (r == 0 && res) {
            e->id = (unsigned long)res->pw_uid;
            found = 1;
        }
    }
    if (!found) {
        struct group g, *gres = NULL;
        /* a group of that name: the likely meaning, and how to say it */
        if (!e->group && getgrnam_r(e->name, &g, buf, NSS_BUF, &gres) == 0 && gres)
            snprintf(err, errlen, "listen.allow: no user \"%s\" (the group of that name "
                                  "is written group:%s)", e->name, e->name);
        else
            snprintf(err, errlen, "listen.allow: no %s \"%s\"%s%s",
                     e->group ? "group" : "user", e->name, r ? ": " : "",
                     r ? strerror(r) : "");
    }
    free(buf);
    return found ? 0 : -ENOENT;
}

static int parse_entry(allow_entry *e, const char *s, size_t n, char *err, size_t errlen)
{
    memset(e, 0, sizeof(*e));
    if (n >= 6 && strncmp(s, "group:", 6) == 0) {
        e->group = 1;
        s += 6;
        n -= 6;
    } else if (n >= 5 && strncmp(s, "user:", 5) == 0) {
        s += 5;
        n -= 5;
    }
    if (n == 0 || n >= sizeof(e->name)) {
        snprintf(err, errlen, "listen.allow: \"%.*s\" is not a user or group name or id",
                 (int)(n < 64 ? n : 64), s);
        return -EINVAL;
    }
    memcpy(e->name, s, n);
    e->name[n] = '\0';
    if (all_digits(e->name)) {
        errno = 0;
        e->id = strtoul(e->name, NULL, 10);
        if (errno || e->id > 0xfffffffful) {
            snprintf(err, errlen, "listen.allow: id %s out of range", e->name);
            return -EINVAL;
        }
        return 0;
    }
    return resolve(e, err, errlen);
}

int allow_parse(allow_list **out, const char *text, char *err, size_t errlen)
{
    allow_list *a;
    const char *p;
    size_t cap = 1;
    int r = -ENOMEM;

    *out = NULL;
    if (!text || !*text)
        return 0;
    for (p = text; *p; p++)
        cap += *p == ',';
    if (!(a = calloc(1, sizeof(*a))) || !(a->v = calloc(cap, sizeof(*a->v))) ||
        !(a->text = strdup(text))) {
        snprintf(err, errlen, "listen.allow: out of memory");
        goto fail;
    }
    for (p = text; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n && (r = parse_entry(&a->v[a->n++], p, n, err, errlen)) < 0)
            goto fail;
        p = end ? end + 1 : p + n;
        if (!end)
            break;
    }
    if (a->n == 0) {
        r = -EINVAL;
        snprintf(err, errlen, "listen.allow: \"%s\" names nobody (unset it to let the "
                              "socket's mode decide)", text);
        goto fail;
    }
    *out = a;
    return 0;
fail:
    allow_free(a);
    return r;
}

void allow_free(allow_list *a)
{
    if (!a)
        return;
    free(a->v);
    free(a->text);
    free(a);
}

static int in_group(const allow_peer *p, unsigned long gid)
{
    if ((unsigned long)p->gid == gid)
        return 1;
    for (size_t i = 0; i < p->ngroups; i++)
        if ((unsigned long)p->groups[i] == gid)
            return 1;
    return 0;
}

int allow_match(const allow_list *a, const allow_peer *p, uid_t self, char *why,
                size_t whylen)
{
    if (!a) {
        snprintf(why, whylen, "no listen.allow: the socket's mode decides");
        return 1;
    }
    if (p->uid == 0) {
        snprintf(why, whylen, "root is always allowed");
        return 1;
    }
    if (p->uid == self) {
        snprintf(why, whylen, "the daemon's own user is always allowed");
        return 1;
    }
    for (size_t i = 0; i < a->n; i++) {
        const allow_entry *e = &a->v[i];
        if (e->group ? in_group(p, e->id) : (unsigned long)p->uid == e->id) {
            snprintf(why, whylen, "listen.allow entry %s%s", e->group ? "group:" : "",
                     e->name);
            return 1;
        }
    }
    snprintf(why, whylen, "uid %lu, gid %lu: neither a user nor a member of a group in "
                          "listen.allow \"%.120s\" (root and the daemon's own user are "
                          "always allowed)",
             (unsigned long)p->uid, (unsigned long)p->gid, a->text);
    return 0;
}
