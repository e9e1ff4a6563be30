/* log.h - one logging call with levels, one line per event, to stderr.
 *
 * The level is the only process-wide state of the logger; it is set by
 * main (and by a config reload) on the loop thread and read by every
 * thread, hence an atomic. Lines are written with one fputs-style call so
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
