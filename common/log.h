/* log.h - one logging call with levels, one line per event, to stderr.
 *
 * The level, the journal prefix flag and the sink are the only
 * process-wide state of the logger (stderr is process-wide too); they are
 * set by main, the service layer (sink) and a config reload (level) on
 * the loop thread and read by every thread, hence atomics. Lines are written with one fputs-style call so
 * lines from the writer and loop threads never interleave mid-line.
 */
#ifndef PT_LOG_H
#define PT_LOG_H

#include "compat.h"

enum pt_log_level {
    PT_LOG_ERROR = 0,
    PT_LOG_WARN = 1,
    PT_LOG_INFO = 2,
    PT_LOG_DEBUG = 3,
};

void pt_log_set_level(int level);
/* Lead each line with "<N>", its syslog priority, for systemd's journal
 * (service_stderr_is_journal() tells when). */
void pt_log_set_syslog_prefix(int on);
int pt_log_get_level(void);
/* A second destination for warnings and errors (the Windows event log
 * while running as a service): called with the level and the folded
 * message, after the line went to stderr, on the logging thread. NULL
 * removes it. */
typedef void (*pt_log_sink)(int level, const char *msg);
void pt_log_set_sink(pt_log_sink sink);
/* "error"|"warn"|"warning"|"info"|"debug" -> level, or -1. */
int pt_log_level_parse(const char *s);
const char *pt_log_level_name(int level);

void pt_log(int level, const char *fmt, ...)
    PT_PRINTF(2, 3)
    ;

#define log_error(...) pt_log(PT_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) pt_log(PT_LOG_WARN, __VA_ARGS__)
#define log_info(...) pt_log(PT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) pt_log(PT_LOG_DEBUG, __VA_ARGS__)

#endif
