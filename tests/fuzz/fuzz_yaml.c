/* fuzz_yaml.c - libFuzzer target: the YAML config loader
 * (config_load_string, config/yaml.c) over the built-in defaults, with
 * the checks of config_oracle.h. The input is the whole file. */
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
    /* no directory in the name: an options_file it names is looked up
     * from the current directory, and whatever that is must be refused
     * or read without hanging */
    r = config_load_string(&c, "fuzz.yaml", (const char *)data, size, &d);
    oracle_check(&c, r, &d);
    config_free(&c);
    diag_free(&d);
    return 0;
}
