/* dbname.h - database names and the directories they live in
 * (docs/protocol.md, "Databases"). Shared by the daemon and libptingest,
 * so both sides accept exactly the same names.
 *
 * A name is 1-64 characters of A-Z a-z 0-9 - _ . and is neither "." nor
 * "..". Its directory is "db-" + the name + ".d", every uppercase letter
 * written as '^' and its lowercase: "Foo" -> "db-^foo.d", "CON" ->
 * "db-^c^o^n.d", "a." -> "db-a..d". The directory name is therefore all
 * lowercase (two names that differ only in case never meet on a
 * case-insensitive filesystem), never a Windows device name (CON, NUL,
 * COM1, ...: the prefix), never ends in a dot (the suffix), and the
 * mapping is one-to-one both ways.
 */
#ifndef PT_DBNAME_H
#define PT_DBNAME_H

#include <stddef.h>

#define PT_DBNAME_MAX 64
#define PT_DB_DEFAULT "default"
/* Room for the longest directory name and its NUL: "db-", two bytes per
 * character, ".d". */
#define PT_DBNAME_DIR_SIZE (3 + 2 * PT_DBNAME_MAX + 2 + 1)

/* 0 when name[0..len) is a valid database name; -EINVAL with a message
 * in err naming the rule broken and where. */
int pt_dbname_check(const char *name, size_t len, char *err, size_t errlen);

/* The directory name of a valid NUL-terminated name, into out: 0, -EINVAL
 * for a name pt_dbname_check refuses, -ERANGE when outlen is too small
 * (PT_DBNAME_DIR_SIZE is always enough). */
int pt_dbname_dir(const char *name, char *out, size_t outlen);

/* The inverse: the name whose directory is dir, into out (PT_DBNAME_MAX +
 * 1 bytes are always enough). -EINVAL when dir is not exactly the
 * directory of a valid name (another prefix or suffix, a raw uppercase
 * letter, '^' not followed by a lowercase letter, a character no name
 * has, a name pt_dbname_check refuses), -ERANGE when outlen is too small. */
int pt_dbname_from_dir(const char *dir, char *out, size_t outlen);

/* name[0..len) for a message: printable ASCII as it is, '"' and '\\'
 * escaped, other bytes as \xNN; cut with "..." to fit out. */
void pt_dbname_quote(const char *name, size_t len, char *out, size_t outlen);

#endif
