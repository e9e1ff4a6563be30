/* log.h - one logging call with levels, one line per event, to stderr.
 *
 * The level and the journal prefix flag are the only process-wide state
 * of the logger (stderr is process-wide too); they are set by main (and
 * the level by a config reload) on the loop thread and read by every
 * thread, hence atomics. Lines are written with one fputs-style call so
 * lines from the writer and loop threads never interleave mid-line.
 */
#ifndef PT_LOG_H
#define PT_LOG_H

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
/* "error"|"warn"|"warning"|"info"|"debug" -> level, or -1. */
int pt_log_level_parse(const char *s);
const char *pt_log_level_name(int level);

void pt_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define log_error(...) pt_log(PT_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) pt_log(PT_LOG_WARN, __VA_ARGS__)
#define log_info(...) pt_log(PT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) pt_log(PT_LOG_DEBUG, __VA_ARGS__)

#endif
