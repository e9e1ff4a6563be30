/* diag.h - collected diagnostics: "FILE:LINE:COL: message" lines for errors
 * (the form --check-config prints, ptingestd.yaml(5)) and
 * "FILE:LINE:COL: warning: message" for warnings.
 *
 * Loaders report every problem they find, not only the first, so a user
 * fixes a config in one pass. Owned by the caller.
 */
#ifndef PT_DIAG_H
#define PT_DIAG_H

#include "../common/compat.h"

#include <stddef.h>
#include "../common/buf.h"

typedef struct pt_diag {
    pt_buf text;    /* one line per diagnostic, each ending in '\n' */
    int errors;
    int warnings;
} pt_diag;

void diag_init(pt_diag *d);
void diag_free(pt_diag *d);
/* line/col of 0 are left out: "FILE: message". */
void diag_error(pt_diag *d, const char *file, unsigned line, unsigned col,
                const char *fmt, ...)
    PT_PRINTF(5, 6)
    ;
/* diag_error, unless d holds the very same line already: for a check that
 * is repeated per scope (RocksDB's verdict on an option every column
 * family shares), so that each problem is reported once. */
void diag_error_once(pt_diag *d, const char *file, unsigned line, unsigned col,
                     const char *fmt, ...)
    PT_PRINTF(5, 6)
    ;
void diag_warn(pt_diag *d, const char *file, unsigned line, unsigned col,
               const char *fmt, ...)
    PT_PRINTF(5, 6)
    ;
const char *diag_text(const pt_diag *d);

#endif
