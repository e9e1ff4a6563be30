/* main.c - ptingestd's command line. The only place that may exit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../client/libptingest.h"
#include "../common/log.h"
#include "../service/service.h"
#include "daemon.h"
#include "listen.h"
#include "store.h"
#include "version.h"

/* Exit statuses. Those a restart cannot cure are distinct, so that the
 * unit names them in RestartPreventExitStatus= and a supervisor does not
 * start us again and again (ptingestd(8), EXIT STATUS). */
enum {
    EXIT_FAILED = 1,      /* could not start or run (logged) */
    EXIT_CONFIG = 2,      /* usage, or the configuration is invalid */
    EXIT_DISK_FULL = 3,   /* too little free space to open the database */
};

typedef struct overrides {
    const char *config;
    const char *data_dir;
    const char *socket;
    const char *log_level;
} overrides;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ptingestd [--config FILE] [--data-dir DIR] [--socket PATH] [--log-level LEVEL]\n"
            "       ptingestd --check-config FILE\n"
            "       ptingestd --reload [--config FILE] [--socket PATH]\n"
            "       ptingestd --install-service [--config FILE] | --uninstall-service  (Windows)\n"
            "       ptingestd --help | --version\n"
            "\n"
            "Runs in the foreground. With no --config, runs on built-in defaults\n"
            "(data dir ./ptingestd-data; socket $XDG_RUNTIME_DIR/ptingestd.sock, else\n"
            "/tmp/ptingestd-<uid>/ptingestd.sock). Flags override the file. SIGTERM/SIGINT\n"
            "drain and stop; SIGHUP, or --reload from root or the daemon's own user,\n"
            "reloads the configuration (--reload waits for it: exit 0 applied, 2\n"
            "refused, 1 the daemon could not be asked).\n");
}

/* Defaults < file < flags. Errors go to d as FILE:LINE:COL lines. */
static int load_config(pt_config *c, const overrides *o, pt_diag *d)
{
    int r = config_init_defaults(c);

    if (r < 0)
        return r;
    if (o->config && (r = config_load_file(c, o->config, d)) < 0)
        return r;
    if (o->data_dir && (r = config_set_string(&c->data_dir, o->data_dir)) < 0)
        return r;
    if (o->socket && (r = config_set_string(&c->listen_path, o->socket)) < 0)
        return r;
    if (o->log_level) {
        int lvl = pt_log_level_parse(o->log_level);
        if (lvl < 0) {
            diag_error(d, "--log-level", 0, 0, "\"%s\" is not one of error, warn, info, debug",
                       o->log_level);
            return -EINVAL;
        }
        c->log_level = lvl;
    }
    return config_validate(c, d);
}

/* listen.allow names users and groups of this machine: one that does
 * not exist is a configuration error, found before RocksDB opens. */
static int check_allow(const pt_config *c, const char *file, pt_diag *d)
{
    char err[512];
    int r;

    if (!c->listen_allow || (r = listen_check_allow(c->listen_allow, err, sizeof(err))) == 0)
        return 0;
    diag_error(d, file ? file : "listen.allow", 0, 0, "%s", err);
    return r;
}

static int check_config(const char *path)
{
    overrides o = {.config = path};
    pt_config c;
    pt_diag d;
    int r;

    diag_init(&d);
    r = load_config(&c, &o, &d);
    if (r == 0) {
        r = store_check_options(&c, &d);
        if (check_allow(&c, path, &d) < 0)
            r = -EINVAL;
    }
    fputs(diag_text(&d), stderr);
    if (r == 0) {
        config_print(&c, stdout);
        fprintf(stderr, "%s: valid\n", path);
    }
    config_free(&c);
    diag_free(&d);
    return r == 0 ? 0 : 2;
}

/* ptingestd --reload: ask the daemon that serves FILE's listen.path (or
 * --socket) to reload, as SIGHUP does, wait until it is over and say how
 * it ended. For a supervisor's reload command (the unit's ExecReload=),
 * which then needs neither kill(1) nor the daemon's pid, and fails when
 * the file is refused. A file that does not load here is not sent: the
 * daemon would refuse it for the same reasons. */
static int reload_running(const overrides *o)
{
    char path[1024], err[512], *msg = NULL;
    pti_client *cl = NULL;
    pt_config c;
    pt_diag d;
    int r;

    diag_init(&d);
    r = load_config(&c, o, &d);
    fputs(diag_text(&d), stderr);
    diag_free(&d);
    if (r < 0) {
        fprintf(stderr, "ptingestd --reload: %s is invalid; nothing was reloaded\n",
                o->config);
        config_free(&c);
        return EXIT_CONFIG;
    }
    if (c.listen_path && *c.listen_path)
        snprintf(path, sizeof(path), "%s", c.listen_path);
    else
        config_default_socket(path, sizeof(path));
    config_free(&c);
    if ((r = pti_connect(&cl, path, err, sizeof(err))) < 0 ||
        (r = pti_reload(cl, &msg, err, sizeof(err))) < 0) {
        fprintf(stderr, "ptingestd --reload: %s\n", err);
        pti_close(cl);
        return EXIT_FAILED;
    }
    fprintf(r ? stdout : stderr, "ptingestd --reload: %s\n", msg);
    free(msg);
    pti_close(cl);
    return r ? 0 : EXIT_CONFIG;
}

typedef struct app {
    pt_daemon *d;
    uv_loop_t *loop;
    service_signals sig;
    supervisor sup;
    overrides o;
    int stopping;
    /* One reload at a time, from SIGHUP until the daemon has applied the
     * file or it was refused; a SIGHUP meanwhile is remembered (once)
     * and its reload starts when this one ends, with the file as it is
     * then. */
    int reloading;
    int reload_again;
} app;

/* A reload's file read and checked on libuv's thread pool: reading may
 * block (a slow or network file system) and RocksDB's option parser is
 * not free, and the loop thread must keep serving meanwhile. The work
 * function touches only this struct and the overrides, which nothing
 * changes after start-up. */
typedef struct reload_load {
    uv_work_t work;
    app *a;
    pt_config c;
    pt_diag d;
    int r;
} reload_load;

static void on_stop(void *arg)
{
    app *a = arg;

    if (a->stopping++)
        log_warn("already stopping; waiting for the drain (grace %llu ms)",
                 (unsigned long long)daemon_shutdown_grace_ms(a->d));
    daemon_shutdown(a->d);
}

static void start_load(app *a);

/* A reload ended: applied, refused or failed. The next one, or READY. */
static void reload_finished(app *a)
{
    if (a->reload_again && !a->stopping) {
        a->reload_again = 0;
        start_load(a); /* still RELOADING for the supervisor */
        return;
    }
    a->reloading = 0;
    a->reload_again = 0;
    if (!a->stopping) /* a drain has told the supervisor STOPPING */
        supervisor_ready();
    daemon_reload_over(a->d, NULL); /* clients that asked hear how it ended */
}

static void on_reloaded(void *arg)
{
    reload_finished(arg);
}

/* Thread pool: defaults < file < flags, then RocksDB's parser judges
 * every option before anything changes, so that a bad value refuses the
 * whole file rather than half of it. */
static void load_work(uv_work_t *w)
{
    reload_load *l = w->data;

    l->r = load_config(&l->c, &l->a->o, &l->d);
    if (l->r == 0)
        l->r = store_check_options(&l->c, &l->d);
}

/* Loop thread: hand the checked file to the daemon. */
static void load_done(uv_work_t *w, int status)
{
    reload_load *l = w->data;
    app *a = l->a;

    if (a->stopping) {
        log_info("reload of %s dropped: the daemon is stopping", a->o.config);
        a->reloading = 0;
        daemon_reload_over(a->d, "the daemon is stopping; nothing was reloaded");
    } else if (status < 0) {
        log_error("reload of %s: %s; nothing changed", a->o.config, uv_strerror(status));
        daemon_reload_refused(a->d, a->o.config, uv_strerror(status));
        reload_finished(a);
    } else if (l->r < 0) {
        daemon_reload_refused(a->d, a->o.config, diag_text(&l->d));
        reload_finished(a);
    } else {
        if (l->d.warnings) /* the text ends with a newline */
            log_warn("reload of %s:\n%.*s", a->o.config, (int)(l->d.text.len - 1),
                     diag_text(&l->d));
        /* RocksDB's part runs on the thread pool; on_reloaded when done */
        daemon_reload(a->d, &l->c);
    }
    config_free(&l->c);
    diag_free(&l->d);
    free(l);
}

static void start_load(app *a)
{
    reload_load *l = calloc(1, sizeof(*l));
    int r = -ENOMEM;

    if (l) {
        l->a = a;
        l->work.data = l;
        diag_init(&l->d);
        r = uv_queue_work(a->loop, &l->work, load_work, load_done);
    }
    if (r < 0) {
        log_error("reload of %s: %s; nothing changed", a->o.config,
                  r == -ENOMEM ? "out of memory" : uv_strerror(r));
        free(l);
        daemon_reload_refused(a->d, a->o.config,
                              r == -ENOMEM ? "out of memory" : uv_strerror(r));
        reload_finished(a);
    }
}

static void on_reload(void *arg)
{
    app *a = arg;

    if (!a->o.config) {
        log_info("SIGHUP: running on built-in defaults, nothing to reload");
        daemon_reload_over(a->d, "the daemon runs on built-in defaults (no --config): "
                                 "nothing to reload");
        return;
    }
    if (a->stopping) {
        log_info("SIGHUP: the daemon is stopping, nothing to reload");
        daemon_reload_over(a->d, "the daemon is stopping; nothing was reloaded");
        return;
    }
    if (a->reloading) {
        if (!a->reload_again)
            log_info("SIGHUP: a reload is running; %s is read again after it",
                     a->o.config);
        a->reload_again = 1;
        return;
    }
    a->reloading = 1;
    supervisor_reloading();
    start_load(a);
}

static void on_ready(void *arg)
{
    (void)arg;
    supervisor_ready();
    supervisor_status("ready");
}

static void on_stopping(void *arg, uint64_t grace_ms)
{
    (void)arg;
    /* the supervisor must not kill the drain it asked for */
    supervisor_stopping(grace_ms);
}

static int sup_healthy(void *arg, uint64_t max_stuck_ns)
{
    return daemon_healthy(((app *)arg)->d, max_stuck_ns);
}

static void sup_status(void *arg, char *buf, size_t len)
{
    daemon_status_line(((app *)arg)->d, buf, len);
}

static int run(app *a)
{
    uv_loop_t *loop = uv_default_loop();
    daemon_hooks hooks = {.ready = on_ready, .stopping = on_stopping,
                          .reloaded = on_reloaded, .reload = on_reload, .ud = a};

    a->loop = loop;
    pt_config c;
    pt_diag d;
    int r, status = EXIT_CONFIG;

    diag_init(&d);
    r = load_config(&c, &a->o, &d);
    if (r == 0)
        r = check_allow(&c, a->o.config, &d);
    if (r == 0) {
        service_starting(c.data_dir); /* the SCM hears of us before RocksDB opens */
        r = daemon_new(&a->d, loop, &c, &hooks, &d);
        if (r < 0)
            status = r == -ENOSPC ? EXIT_DISK_FULL : EXIT_FAILED;
    }
    config_free(&c);
    fputs(diag_text(&d), stderr);
    diag_free(&d);
    if (r < 0) {
        daemon_free(a->d);
        uv_run(loop, UV_RUN_DEFAULT); /* what it closed */
        uv_loop_close(loop);
        return status;
    }
    a->sig.on_stop = on_stop;
    a->sig.on_reload = on_reload;
    a->sig.arg = a;
    if ((r = service_signals_start(&a->sig, loop)) < 0)
        log_error("cannot watch signals: %s", uv_strerror(r));
    else if ((r = daemon_start(a->d)) < 0)
        daemon_shutdown(a->d);
    else {
        a->sup.healthy = sup_healthy;
        a->sup.status = sup_status;
        a->sup.arg = a;
        supervisor_start(&a->sup, loop); /* logs its own failure; we run on */
    }
    uv_run(loop, UV_RUN_DEFAULT);
    service_signals_stop(&a->sig);
    supervisor_stop(&a->sup);
    uv_run(loop, UV_RUN_DEFAULT); /* let the close callbacks run */
    daemon_free(a->d);
    uv_run(loop, UV_RUN_DEFAULT); /* what it closed */
    uv_loop_close(loop);
    return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"socket", required_argument, NULL, 's'},
        {"log-level", required_argument, NULL, 'l'},
        {"check-config", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"install-service", no_argument, NULL, 'I'},
        {"uninstall-service", no_argument, NULL, 'U'},
        {"reload", no_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    app a;
    int ch, install = 0, reload = 0;

    memset(&a, 0, sizeof(a));
    pt_log_set_syslog_prefix(service_stderr_is_journal());
    while ((ch = getopt_long(argc, argv, "c:d:s:l:C:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': a.o.config = optarg; break;
        case 'd': a.o.data_dir = optarg; break;
        case 's': a.o.socket = optarg; break;
        case 'l': a.o.log_level = optarg; break;
        case 'C': return check_config(optarg);
        case 'h': usage(stdout); return 0;
        case 'V': printf("ptingestd %s\n", PT_VERSION); return 0;
        case 'I': install = 1; break;
        case 'U': return service_uninstall();
        case 'R': reload = 1; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "ptingestd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (install)
        return service_install(a.o.config);
    if (reload)
        return reload_running(&a.o);
    return run(&a);
}
