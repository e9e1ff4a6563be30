/* config_oracle.h - what the YAML and INI fuzz targets check after every
 * load (fuzz_yaml.c, fuzz_ini.c). Header-only: each target is one file.
 *
 * A loader must end in 0 or -EINVAL (-ENOMEM aside) with its status and
 * its diagnostics agreeing; every diagnostic is exactly one line (a
 * message carries user text, which must not add lines to a log); and a
 * configuration that loads holds only RocksDB option values that reach
 * RocksDB's option-string parser as one option each (no ';' smuggling
 * more in), prints, and clones to an equal copy. A broken rule aborts.
 */
#ifndef PT_FUZZ_CONFIG_ORACLE_H
#define PT_FUZZ_CONFIG_ORACLE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/diag.h"
#include "config/options_ini.h"

static void oracle_fail(const char *what, const pt_diag *d)
{
    fprintf(stderr, "config oracle: %s\n--- diagnostics:\n%s", what, diag_text(d));
    abort();
}

static void oracle_list(const pt_optlist *l, const pt_diag *d)
{
    for (size_t i = 0; i < l->n; i++)
        if (!options_value_framing_ok(l->v[i].value))
            oracle_fail("an option value RocksDB would read as more than one option", d);
}

static void oracle_check(pt_config *c, int r, pt_diag *d)
{
    size_t lines = 0;

    if (r != 0 && r != -EINVAL && r != -ENOMEM)
        oracle_fail("a return code other than 0, -EINVAL, -ENOMEM", d);
    if (r != -ENOMEM && (r == 0) != (d->errors == 0))
        oracle_fail("status and diagnostics disagree", d);
    for (size_t i = 0; i < d->text.len; i++)
        lines += d->text.data[i] == '\n';
    if (r != -ENOMEM && lines != (size_t)(d->errors + d->warnings))
        oracle_fail("a diagnostic that is not exactly one line", d);
    if (r != 0)
        return;
    options_lint(c, d);
    oracle_list(&c->db_options, d);
    oracle_list(&c->cf_options, d);
    oracle_list(&c->ini_db_options, d);
    oracle_list(&c->ini_cf_options, d);
    for (size_t i = 0; i < c->nrelations; i++) {
        oracle_list(&c->relations[i].cf_options, d);
        oracle_list(&c->relations[i].ini_cf_options, d);
    }
    {
        static FILE *null;
        pt_config copy;

        if (!null && !(null = fopen("/dev/null", "w")))
            abort();
        if (config_print(c, null) != 0)
            oracle_fail("a loaded configuration does not print", d);
        if (config_clone(&copy, c) == 0) {
            if (!config_equal(&copy, c))
                oracle_fail("a clone differs from its original", d);
            config_free(&copy);
        }
    }
}

#endif
