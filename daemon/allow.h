/* allow.h - listen.allow on Unix: who may talk to the daemon.
 *
 * The list is comma-separated; each entry is a user or a group, by name
 * or by numeric id:
 *   alice, 1001, user:alice   a user (the "user:" prefix is optional)
 *   group:ptingestd, group:4  a group: the peer's primary group or any of
 *                             its supplementary groups
 * Names are resolved once, when the list is parsed (an unknown name is an
 * error there, so --check-config and the start report it); numeric ids
 * are taken as they are. Root and the daemon's own user are always
 * allowed, listed or not: they own the database anyway.
 *
 * The socket file's mode (listen.mode) still decides who may connect at
 * all; the list narrows that down per peer, by the credentials the kernel
 * recorded when the peer connected (listen_unix.c reads them). Plain
 * data once parsed; the loop thread uses it.
 */
#ifndef PT_ALLOW_H
#define PT_ALLOW_H

#include <stddef.h>
#include <sys/types.h>

typedef struct allow_list allow_list;

/* A peer as the kernel saw it when it connected. */
typedef struct allow_peer {
    uid_t uid;
    gid_t gid;
    pid_t pid;
    const gid_t *groups;   /* supplementary groups, may be NULL */
    size_t ngroups;
} allow_peer;

/* Parse and resolve text. *out is NULL when text is NULL or empty (no
 * list: the socket's mode alone decides). 0, or -EINVAL / -ENOENT /
 * -ENOMEM with err naming the entry. */
int allow_parse(allow_list **out, const char *text, char *err, size_t errlen);
void allow_free(allow_list *a);

/* Whether the peer may connect: 1 (why says which rule admitted it), or
 * 0 (why says that it is not listed, naming the list). self is the
 * daemon's own uid. A NULL list admits everyone. */
int allow_match(const allow_list *a, const allow_peer *p, uid_t self, char *why,
                size_t whylen);

#endif
