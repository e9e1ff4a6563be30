#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int log_level = PT_LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

void pt_log_set_level(int level)
{
    if (level >= PT_LOG_ERROR && level <= PT_LOG_DEBUG)
        atomic_store(&log_level, level);
}

int pt_log_get_level(void)
{
    return atomic_load(&log_level);
}

int pt_log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return PT_LOG_WARN;
    return -1;
}

const char *pt_log_level_name(int level)
{
    return level >= 0 && level <= 3 ? names[level] : "?";
}

void pt_log(int level, const char *fmt, ...)
{
    char line[1024];
    size_t n;
    va_list ap;

    if (level > atomic_load(&log_level))
        return;
    /* systemd's journal reads "<N>" prefixes; a terminal reader reads the word. */
    n = (size_t)snprintf(line, sizeof(line), "%s: ", names[level]);
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n = strlen(line);
    if (n >= sizeof(line) - 1)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    fwrite(line, 1, n, stderr);
    fflush(stderr);
}
