/* fuzz_ini.c - libFuzzer target: the OPTIONS INI import
 * (options_ini_parse, config/options_ini.c) into the built-in defaults,
 * with the checks of config_oracle.h. The input is the whole file. */
#include <stdint.h>

#include "config_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pt_config c;
    pt_diag d;
    int r;

    if (config_init_defaults(&c) != 0)
        abort();
    diag_init(&d);
    r = options_ini_parse(&c, "fuzz.ini", (const char *)data, size, &d);
    oracle_check(&c, r, &d);
    config_free(&c);
    diag_free(&d);
    return 0;
}
