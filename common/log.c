#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int log_level = PT_LOG_INFO;
/* stderr is systemd's journal: lead each line with its syslog priority */
static atomic_int log_prefix;
/* warnings and errors also go here (log.h) */
static _Atomic pt_log_sink log_sink;

static const char *const priorities[] = {"<3>", "<4>", "<6>", "<7>"};

static const char *const names[] = {"error", "warn", "info", "debug"};

void pt_log_set_level(int level)
{
    if (level >= PT_LOG_ERROR && level <= PT_LOG_DEBUG)
        atomic_store(&log_level, level);
}

void pt_log_set_syslog_prefix(int on)
{
    atomic_store(&log_prefix, on != 0);
}

void pt_log_set_sink(pt_log_sink sink)
{
    atomic_store(&log_sink, sink);
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

/* One event, one line: a message that carries several lines (a list of
 * config errors) is joined with "; ", so that journald, grep and log
 * shippers see one record with one level. */
static size_t fold_lines(char *out, size_t outlen, const char *msg)
{
    size_t len = strlen(msg), n = 0;

    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    for (size_t i = 0; i < len && n + 3 < outlen; i++) {
        if (msg[i] == '\r')
            continue;
        if (msg[i] != '\n') {
            out[n++] = msg[i];
        } else if (n && out[n - 1] == ':') {
            out[n++] = ' ';
        } else {
            out[n++] = ';';
            out[n++] = ' ';
        }
    }
    out[n] = '\0';
    return n;
}

void pt_log(int level, const char *fmt, ...)
{
    char msg[1024], line[1100];
    size_t n, head;
    va_list ap;
    pt_log_sink sink;

    if (level > atomic_load(&log_level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* systemd's journal reads the "<N>" priority (and drops it); every
     * reader reads the word. */
    n = (size_t)snprintf(line, sizeof(line), "%s%s: ",
                         atomic_load(&log_prefix) ? priorities[level] : "", names[level]);
    head = n;
    n += fold_lines(line + n, sizeof(line) - n - 1, msg);
    line[n++] = '\n';
    fwrite(line, 1, n, stderr);
    fflush(stderr);
    sink = atomic_load(&log_sink);
    if (sink && level <= PT_LOG_WARN) {
        line[n - 1] = '\0';
        sink(level, line + head);
    }
}
