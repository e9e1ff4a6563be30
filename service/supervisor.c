/* supervisor.c - the status line and the watchdog for systemd (see
 * service.h). Loop thread. Platform-free: libuv for the environment and
 * the pid, supervisor_status() and supervisor_watchdog_ping() for the
 * messages (no-ops where nobody listens).
 */
#include "service.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"

#define STATUS_INTERVAL_MS 1000

static int env_u64(const char *name, uint64_t *out)
{
    char buf[32], *end;
    size_t n = sizeof(buf);
    unsigned long long v;

    if (uv_os_getenv(name, buf, &n) < 0 || !*buf)
        return -ENOENT;
    errno = 0;
    v = strtoull(buf, &end, 10);
    if (errno || *end || buf[0] == '-')
        return -EINVAL;
    *out = v;
    return 0;
}

uint64_t supervisor_watchdog_usec(void)
{
    uint64_t usec = 0, pid;

    if (env_u64("WATCHDOG_USEC", &usec) < 0)
        return 0;
    /* systemd names the process the watchdog is for; a variable
     * inherited from a parent that was being watched is not ours. */
    if (env_u64("WATCHDOG_PID", &pid) == 0 && pid != (uint64_t)uv_os_getpid())
        return 0;
    return usec;
}

static int notify_socket_set(void)
{
    char buf[8];
    size_t n = sizeof(buf);
    int r = uv_os_getenv("NOTIFY_SOCKET", buf, &n);

    /* UV_ENOBUFS: set, just longer than buf */
    return r == 0 ? n > 0 : r == UV_ENOBUFS;
}

static void on_status(uv_timer_t *t)
{
    supervisor *s = t->data;
    char line[sizeof(s->last_status)];

    line[0] = '\0';
    s->status(s->arg, line, sizeof(line));
    /* Only changes: systemd keeps the last line, repeating it is noise. */
    if (strcmp(line, s->last_status) == 0)
        return;
    memcpy(s->last_status, line, sizeof(line));
    supervisor_status(line);
}

static void on_watchdog(uv_timer_t *t)
{
    supervisor *s = t->data;
    /* Work may wait unwritten for one whole watchdog period before the
     * pings stop; systemd then waits one more before it acts. */
    int ok = s->healthy(s->arg, s->watchdog_usec * 1000);

    if (!ok) {
        if (!s->sick)
            log_error("watchdog: the writer is not making progress with chunks waiting; "
                      "no longer telling systemd we are alive");
        s->sick = 1;
        return;
    }
    if (s->sick)
        log_warn("watchdog: the writer is making progress again");
    s->sick = 0;
    s->pings++;
    supervisor_watchdog_ping();
}

static int start_timer(uv_loop_t *loop, uv_timer_t *t, supervisor *s, uv_timer_cb cb,
                       uint64_t every_ms)
{
    int r = uv_timer_init(loop, t);

    if (r < 0)
        return r;
    t->data = s;
    uv_unref((uv_handle_t *)t);
    return uv_timer_start(t, cb, every_ms, every_ms);
}

int supervisor_start(supervisor *s, uv_loop_t *loop)
{
    int r;

    if (!notify_socket_set())
        return 0;
    s->watchdog_usec = supervisor_watchdog_usec();
    if (!s->status_interval_ms)
        s->status_interval_ms = STATUS_INTERVAL_MS;
    s->started = 1;
    if (s->status && (r = start_timer(loop, &s->status_timer, s, on_status,
                                      s->status_interval_ms)) < 0)
        goto fail;
    if (s->healthy && s->watchdog_usec) {
        uint64_t half_ms = s->watchdog_usec / 2000;

        if ((r = start_timer(loop, &s->watchdog_timer, s, on_watchdog,
                             half_ms ? half_ms : 1)) < 0)
            goto fail;
        log_info("watchdog: pinging systemd every %" PRIu64 " ms", half_ms ? half_ms : 1);
    }
    return 0;
fail:
    log_error("supervisor: cannot start a timer: %s", uv_strerror(r));
    supervisor_stop(s);
    return r;
}

static void close_timer(uv_timer_t *t)
{
    if (t->loop && !uv_is_closing((uv_handle_t *)t))
        uv_close((uv_handle_t *)t, NULL);
}

void supervisor_stop(supervisor *s)
{
    if (!s->started)
        return;
    s->started = 0;
    close_timer(&s->status_timer);
    close_timer(&s->watchdog_timer);
}
