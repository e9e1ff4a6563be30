/* listen.allow on Unix (daemon/allow_unix.c): entries by name and id,
 * groups marked "group:", root and the daemon's own user always in,
 * a peer matched through its primary or a supplementary group, unknown
 * names and empty lists refused with the entry in the message. Uses
 * accounts every Debian system has: root, nobody, daemon (uid 1), group
 * adm (gid 4), nogroup. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "daemon/allow.h"

#define SELF 4242 /* the daemon's own uid in these tests */

static int admits(const allow_list *a, uid_t uid, gid_t gid, const gid_t *groups, size_t n,
                  char *why, size_t whylen)
{
    allow_peer p = {uid, gid, 1, groups, n};

    return allow_match(a, &p, SELF, why, whylen);
}

TEST(no_list_admits_everyone)
{
    allow_list *a = (allow_list *)1;
    char err[256], why[384];

    CHECK_EQ_INT(allow_parse(&a, NULL, err, sizeof(err)), 0);
    CHECK(a == NULL);
    CHECK_EQ_INT(allow_parse(&a, "", err, sizeof(err)), 0);
    CHECK(a == NULL);
    CHECK_EQ_INT(admits(NULL, 65534, 65534, NULL, 0, why, sizeof(why)), 1);
}

TEST(users_by_name_and_id)
{
    allow_list *a = NULL;
    char err[256] = "", why[384];

    CHECK_EQ_INT(allow_parse(&a, " nobody ,user:daemon, 3000", err, sizeof(err)), 0);
    CHECK(a != NULL);
    CHECK_EQ_INT(admits(a, 65534, 65534, NULL, 0, why, sizeof(why)), 1);
    CHECK(strstr(why, "nobody") != NULL);
    CHECK_EQ_INT(admits(a, 1, 1, NULL, 0, why, sizeof(why)), 1);
    CHECK_EQ_INT(admits(a, 3000, 3000, NULL, 0, why, sizeof(why)), 1);
    CHECK_EQ_INT(admits(a, 3001, 3000, NULL, 0, why, sizeof(why)), 0);
    /* the refusal names the peer and the list */
    CHECK(strstr(why, "uid 3001") != NULL && strstr(why, "listen.allow") != NULL &&
          strstr(why, "3000") != NULL);
    allow_free(a);
}

TEST(root_and_self_always)
{
    allow_list *a = NULL;
    char err[256] = "", why[384];

    CHECK_EQ_INT(allow_parse(&a, "3000", err, sizeof(err)), 0);
    CHECK_EQ_INT(admits(a, 0, 0, NULL, 0, why, sizeof(why)), 1);
    CHECK(strstr(why, "root") != NULL);
    CHECK_EQ_INT(admits(a, SELF, 999, NULL, 0, why, sizeof(why)), 1);
    CHECK(strstr(why, "own user") != NULL);
    allow_free(a);
}

TEST(groups_primary_and_supplementary)
{
    allow_list *a = NULL;
    char err[256] = "", why[384];
    gid_t sup[] = {27, 4};

    CHECK_EQ_INT(allow_parse(&a, "group:adm,group:5000", err, sizeof(err)), 0);
    CHECK_EQ_INT(admits(a, 3000, 4, NULL, 0, why, sizeof(why)), 1);       /* primary */
    CHECK(strstr(why, "group:adm") != NULL);
    CHECK_EQ_INT(admits(a, 3000, 3000, sup, 2, why, sizeof(why)), 1);     /* supplementary */
    CHECK_EQ_INT(admits(a, 3000, 5000, NULL, 0, why, sizeof(why)), 1);    /* by gid */
    CHECK_EQ_INT(admits(a, 3000, 3000, sup, 1, why, sizeof(why)), 0);
    /* a user id equal to a listed group id is not a member */
    CHECK_EQ_INT(admits(a, 4, 3000, NULL, 0, why, sizeof(why)), 0);
    allow_free(a);
}

TEST(unknown_names_refused)
{
    allow_list *a = NULL;
    char err[256] = "";

    CHECK_EQ_INT(allow_parse(&a, "root,no-such-user-pt", err, sizeof(err)), -ENOENT);
    CHECK(a == NULL);
    CHECK(strstr(err, "no user \"no-such-user-pt\"") != NULL);
    CHECK_EQ_INT(allow_parse(&a, "group:no-such-group-pt", err, sizeof(err)), -ENOENT);
    CHECK(strstr(err, "no group \"no-such-group-pt\"") != NULL);
    /* a group's name given as a user: the message says how to write it */
    CHECK_EQ_INT(allow_parse(&a, "adm", err, sizeof(err)), -ENOENT);
    CHECK(strstr(err, "group:adm") != NULL);
}

TEST(malformed_lists_refused)
{
    allow_list *a = NULL;
    char err[256] = "";

    CHECK_EQ_INT(allow_parse(&a, " , ,", err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "names nobody") != NULL);
    CHECK_EQ_INT(allow_parse(&a, "group:", err, sizeof(err)), -EINVAL);
    CHECK_EQ_INT(allow_parse(&a, "99999999999", err, sizeof(err)), -EINVAL);
    CHECK(a == NULL);
}

int main(void)
{
    RUN(no_list_admits_everyone);
    RUN(users_by_name_and_id);
    RUN(root_and_self_always);
    RUN(groups_primary_and_supplementary);
    RUN(unknown_names_refused);
    RUN(malformed_lists_refused);
    return CHECK_DONE();
}
