/* print_config.h - the effective configuration as text, for the config
 * tests (shared so both test files read config_print the same way). */
#ifndef PT_TEST_PRINT_CONFIG_H
#define PT_TEST_PRINT_CONFIG_H

#include <stdio.h>

#include "check.h"
#include "common/buf.h"
#include "config/config.h"

static char *print_to_string(const pt_config *c)
{
    FILE *f = tmpfile();
    pt_buf b;
    char chunk[4096];
    size_t n;

    pt_buf_init(&b);
    if (!f)
        return NULL;
    CHECK_EQ_INT(config_print(c, f), 0);
    rewind(f);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pt_buf_append(&b, chunk, n);
    fclose(f);
    return pt_buf_steal(&b);
}

#endif
