/* service.h - the platform glue behind one small header: signals (or the
 * Windows service control manager) and the supervisor's readiness
 * protocol. daemon/ never sees a platform #ifdef; it calls these.
 */
#ifndef PT_SERVICE_H
#define PT_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct service_signals {
    uv_signal_t term, intr, hup;
    void (*on_stop)(void *arg);    /* SIGTERM, SIGINT; Windows: SCM STOP, PRESHUTDOWN */
    void (*on_reload)(void *arg);  /* SIGHUP; Windows: SCM PARAMCHANGE */
    void *arg;
    int started;
#ifdef _WIN32
    uv_async_t ctl;                /* the SCM's controls, forwarded to the loop */
#endif
} service_signals;

/* Also ignores SIGPIPE: a client that vanishes must not kill us. On
 * Windows it also serves the service control manager when it started us. */
int service_signals_start(service_signals *s, uv_loop_t *loop);
void service_signals_stop(service_signals *s);

/* Before the slow part of start-up (RocksDB opening): on Windows, connect
 * to the service control manager if it started us and report
 * START_PENDING; log_dir then receives the log (ptingestd.log). A no-op
 * elsewhere and in a console. */
void service_starting(const char *log_dir);

/* ptingestd --install-service [--config FILE] / --uninstall-service.
 * Exit status for main(); 2 where there is no service manager to ask. */
int service_install(const char *config);
int service_uninstall(void);

/* Tell the supervisor (systemd's NOTIFY_SOCKET) a state line such as
 * "READY=1" or "STATUS=...". A no-op when not supervised. */
void supervisor_notify(const char *state);

/* stderr is connected to systemd's journal ($JOURNAL_STREAM), so log
 * lines may carry their syslog priority. */
int service_stderr_is_journal(void);

/* The periodic half of the protocol, on the loop thread: a STATUS= line
 * whenever the daemon's one-line summary changes (checked every second),
 * and WATCHDOG=1 at half of $WATCHDOG_USEC, sent only while `healthy`
 * says so. A loop that is blocked sends nothing either, so systemd's
 * watchdog covers the loop thread and, through `healthy`, the writer. */
typedef struct supervisor {
    uv_timer_t status_timer;
    uv_timer_t watchdog_timer;
    /* Fit to be pinged? max_stuck_ns is how long work may sit unwritten. */
    int (*healthy)(void *arg, uint64_t max_stuck_ns);
    /* One line of what the daemon does now, NUL-terminated within len. */
    void (*status)(void *arg, char *buf, size_t len);
    void *arg;
    uint64_t watchdog_usec;      /* 0: no watchdog asked for */
    uint64_t status_interval_ms;
    uint64_t pings;              /* WATCHDOG=1 sent (tests, logs) */
    char last_status[256];
    int sick;                    /* the last health check failed */
    int started;
} supervisor;

/* $WATCHDOG_USEC if it is meant for this process ($WATCHDOG_PID unset or
 * ours), else 0. */
uint64_t supervisor_watchdog_usec(void);
/* Starts nothing and returns 0 when no supervisor listens ($NOTIFY_SOCKET
 * unset). The timers never keep the loop alive. */
int supervisor_start(supervisor *s, uv_loop_t *loop);
void supervisor_stop(supervisor *s);

#endif
