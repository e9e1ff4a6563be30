/* service.h - the platform glue behind one small header: signals (or the
 * Windows service control manager) and the supervisor's readiness
 * protocol. daemon/ never sees a platform #ifdef; it calls these.
 * service/meson.build builds signals.c, notify.c and posix.c on POSIX
 * (systemd), windows.c on Windows (the SCM); supervisor.c on both.
 */
#ifndef PT_SERVICE_H
#define PT_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct service_plat;

typedef struct service_signals {
    uv_signal_t term, intr, hup;   /* Windows: Ctrl-Break, Ctrl-C; hup unused */
    void (*on_stop)(void *arg);    /* SIGTERM, SIGINT; Windows: SCM STOP, PRESHUTDOWN */
    void (*on_reload)(void *arg);  /* SIGHUP; Windows: SCM PARAMCHANGE */
    void *arg;
    int started;
    struct service_plat *plat;     /* the platform's own state (windows.c: the SCM's
                                    * controls forwarded to the loop); NULL on POSIX */
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

/* What the daemon tells its supervisor: systemd through $NOTIFY_SOCKET
 * (notify.c), the Windows service control manager (windows.c). Each is a
 * no-op when nothing supervises us. Loop thread. */
/* Serving: after start-up, and again when a reload is done. */
void supervisor_ready(void);
/* A reload has begun; supervisor_ready() ends it. */
void supervisor_reloading(void);
/* Draining before exit, which may take grace_ms (0: no limit); the
 * supervisor's stop timeout is pushed past it. */
void supervisor_stopping(uint64_t grace_ms);
/* One line of what the daemon does now (systemctl status shows it). */
void supervisor_status(const char *text);
/* Alive: one watchdog ping. */
void supervisor_watchdog_ping(void);

/* stderr is connected to systemd's journal ($JOURNAL_STREAM), so log
 * lines may carry their syslog priority. */
int service_stderr_is_journal(void);

/* The periodic half of the protocol, on the loop thread: a status line
 * whenever the daemon's one-line summary changes (checked every second),
 * and a watchdog ping at half of $WATCHDOG_USEC, sent only while `healthy`
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
    uint64_t pings;              /* watchdog pings sent (tests, logs) */
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
