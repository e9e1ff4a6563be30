/* signals.c - SIGTERM/SIGINT/SIGHUP through libuv, on the loop thread.
 * POSIX only (windows.c has the Windows side). */
#include "service.h"

#include <signal.h>

static void on_signal(uv_signal_t *h, int signum)
{
    service_signals *s = h->data;

    if (signum == SIGINT || signum == SIGTERM) {
        if (s->on_stop)
            s->on_stop(s->arg);
    } else if (signum == SIGHUP && s->on_reload) {
        s->on_reload(s->arg);
    }
}

static int watch(uv_loop_t *loop, uv_signal_t *h, service_signals *s, int signum)
{
    int r = uv_signal_init(loop, h);
    if (r < 0)
        return r;
    h->data = s;
    r = uv_signal_start(h, on_signal, signum);
    /* The loop must be able to end while we still watch signals. */
    uv_unref((uv_handle_t *)h);
    return r;
}

int service_signals_start(service_signals *s, uv_loop_t *loop)
{
    int r;

    signal(SIGPIPE, SIG_IGN);
    if ((r = watch(loop, &s->term, s, SIGTERM)) < 0)
        return r;
    if ((r = watch(loop, &s->intr, s, SIGINT)) < 0)
        return r;
    if ((r = watch(loop, &s->hup, s, SIGHUP)) < 0)
        return r;
    s->started = 1;
    return 0;
}

static void close_one(uv_signal_t *h)
{
    if (!uv_is_closing((uv_handle_t *)h))
        uv_close((uv_handle_t *)h, NULL);
}

void service_signals_stop(service_signals *s)
{
    if (!s->started)
        return;
    s->started = 0;
    close_one(&s->term);
    close_one(&s->intr);
    close_one(&s->hup);
}
