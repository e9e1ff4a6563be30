/* service.h - the platform glue behind one small header: signals (or the
 * Windows service control manager) and the supervisor's readiness
 * protocol. daemon/ never sees a platform #ifdef; it calls these.
 */
#ifndef PT_SERVICE_H
#define PT_SERVICE_H

#include <uv.h>

typedef struct service_signals {
    uv_signal_t term, intr, hup;
    void (*on_stop)(void *arg);    /* SIGTERM, SIGINT */
    void (*on_reload)(void *arg);  /* SIGHUP */
    void *arg;
    int started;
} service_signals;

/* Also ignores SIGPIPE: a client that vanishes must not kill us. */
int service_signals_start(service_signals *s, uv_loop_t *loop);
void service_signals_stop(service_signals *s);

/* Tell the supervisor (systemd's NOTIFY_SOCKET) a state line such as
 * "READY=1" or "STATUS=...". A no-op when not supervised. */
void supervisor_notify(const char *state);

#endif
