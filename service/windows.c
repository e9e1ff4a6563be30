/* windows.c - the Windows service control manager (SCM) glue behind
 * service.h, and Ctrl-C/Ctrl-Break in a console.
 *
 * Threads, as luvi's winsvc.c does it: StartServiceCtrlDispatcher blocks,
 * so it runs on a thread of its own; ServiceMain and the control handler
 * run there and only record what the SCM asked for and wake the loop
 * (uv_async_send). The loop thread stays the only one that touches the
 * daemon. In a console the dispatcher fails (nobody waits for it) and we
 * run as before.
 *
 * Status: START_PENDING (with a wait hint) from service_starting() until
 * the daemon calls supervisor_ready(), RUNNING, then STOP_PENDING from
 * supervisor_stopping() (its wait hint is the drain's grace), and STOPPED
 * when the process exits (atexit: after RocksDB is closed). The SCM has
 * no reloading state, status line or watchdog: those calls do nothing.
 *
 * Event log: as a service, warnings and errors also go to the Windows
 * event log (Application, source "ptingestd"), with the start and the
 * stop. --install-service (and the MSI) register the source with
 * ptingestd.exe as its message file (messages.mc, linked in), so Event
 * Viewer shows the text as the daemon wrote it.
 *
 * State: the SCM calls ServiceMain and the handler without a pointer of
 * ours, so this file keeps one static struct; it is the only process-wide
 * state of the service layer and is guarded by its critical section (the
 * event source handle is set once in ServiceMain before the log sink that
 * reads it, and ReportEvent is thread-safe).
 */
#include "service.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <sys/stat.h>
#include <windows.h>

#include "../common/log.h"

#define SERVICE_NAME "ptingestd"
#define START_WAIT_HINT_MS 60000   /* RocksDB opening a large database */
#define STOP_WAIT_HINT_MS 30000    /* when the daemon names no grace */
#define LOG_ROTATE_BYTES (16u << 20)
#define EVENTLOG_KEY "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" SERVICE_NAME
#define PT_MSG_TEXT 1 /* messages.mc: "%1" */

enum { CTL_STOP = 1, CTL_RELOAD = 2 };

/* service_signals' platform part: the loop's end of the SCM's controls. */
struct service_plat {
    uv_async_t ctl;          /* first: the handle's address is the struct's */
    service_signals *sig;
};

static struct {
    CRITICAL_SECTION lock;
    SERVICE_STATUS_HANDLE h;
    SERVICE_STATUS st;
    int started;             /* service_starting() ran: the lock exists */
    volatile LONG pending;   /* CTL_* not yet seen by the loop */
    service_signals *sig;    /* while the loop listens for controls */
    int is_service;
    int ready;               /* supervisor_ready() ran (maybe before ServiceMain) */
    char log_dir[MAX_PATH];
    HANDLE event_source;     /* RegisterEventSource, while a service */
} svc;

static void event_log(int level, const char *msg)
{
    WORD type = level == PT_LOG_ERROR  ? EVENTLOG_ERROR_TYPE
                : level == PT_LOG_WARN ? EVENTLOG_WARNING_TYPE
                                       : EVENTLOG_INFORMATION_TYPE;

    if (svc.event_source)
        ReportEventA(svc.event_source, type, 0, PT_MSG_TEXT, NULL, 1, 0, &msg, NULL);
}

static void set_status(DWORD state, DWORD wait_hint)
{
    EnterCriticalSection(&svc.lock);
    if (svc.h && svc.st.dwCurrentState != SERVICE_STOPPED) {
        /* once stopping, a late ready must not say RUNNING again */
        if (!(state == SERVICE_RUNNING && svc.st.dwCurrentState == SERVICE_STOP_PENDING)) {
            svc.st.dwCurrentState = state;
            svc.st.dwWaitHint = wait_hint;
            svc.st.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
                                      ? 0 : svc.st.dwCheckPoint + 1;
            svc.st.dwControlsAccepted = state == SERVICE_RUNNING
                ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_PRESHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
                : 0;
            SetServiceStatus(svc.h, &svc.st);
        }
    }
    LeaveCriticalSection(&svc.lock);
}

static void forward(LONG what)
{
    InterlockedOr(&svc.pending, what);
    EnterCriticalSection(&svc.lock);
    if (svc.sig)
        uv_async_send(&svc.sig->plat->ctl);
    LeaveCriticalSection(&svc.lock);
}

static DWORD WINAPI on_control(DWORD control, DWORD type, LPVOID data, LPVOID ctx)
{
    (void)type, (void)data, (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_PRESHUTDOWN:
    case SERVICE_CONTROL_SHUTDOWN:
        set_status(SERVICE_STOP_PENDING, STOP_WAIT_HINT_MS);
        forward(CTL_STOP);
        return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
        forward(CTL_RELOAD);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void report_stopped(void)
{
    event_log(PT_LOG_INFO, "ptingestd stopped");
    set_status(SERVICE_STOPPED, 0);
}

static void log_to_file(const char *dir);

static void WINAPI service_main(DWORD argc, LPSTR *argv)
{
    SERVICE_STATUS_HANDLE h;

    (void)argc, (void)argv;
    h = RegisterServiceCtrlHandlerExA(SERVICE_NAME, on_control, NULL);
    if (!h)
        return;
    log_to_file(svc.log_dir);
    svc.event_source = RegisterEventSourceA(NULL, SERVICE_NAME);
    if (svc.event_source)
        pt_log_set_sink(event_log);
    else
        log_warn("no Windows event log: RegisterEventSource failed (error %lu)",
                 (unsigned long)GetLastError());
    log_info("started by the service control manager");
    event_log(PT_LOG_INFO, "ptingestd started by the service control manager");
    EnterCriticalSection(&svc.lock);
    svc.h = h;
    svc.is_service = 1;
    svc.st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    LeaveCriticalSection(&svc.lock);
    /* the loop may have got further than the SCM knows */
    if (svc.pending & CTL_STOP)
        set_status(SERVICE_STOP_PENDING, STOP_WAIT_HINT_MS);
    else if (svc.ready)
        set_status(SERVICE_RUNNING, 0);
    else
        set_status(SERVICE_START_PENDING, START_WAIT_HINT_MS);
    atexit(report_stopped);
    /* Returning is allowed: the dispatcher keeps serving the handler
     * until we report SERVICE_STOPPED. */
}

static DWORD WINAPI dispatcher(LPVOID arg)
{
    SERVICE_TABLE_ENTRYA table[] = {
        {(LPSTR)SERVICE_NAME, service_main},
        {NULL, NULL},
    };

    (void)arg;
    /* Fails in a console (at once on Windows, after 10 s under Wine):
     * then there is nothing to serve, and nobody waited for us. */
    (void)StartServiceCtrlDispatcherA(table);
    return 0;
}

/* stderr to DIR\ptingestd.log; the previous log becomes ptingestd.log.1
 * once it passes LOG_ROTATE_BYTES (at start, which is when a service's
 * log is opened). */
static void log_to_file(const char *dir)
{
    char path[MAX_PATH], old[MAX_PATH + 4];
    struct _stat64 st;
    HANDLE h;
    int fd;

    if (!dir || !*dir)
        return;
    CreateDirectoryA(dir, NULL);
    snprintf(path, sizeof(path), "%s\\ptingestd.log", dir);
    if (_stat64(path, &st) == 0 && st.st_size > LOG_ROTATE_BYTES) {
        snprintf(old, sizeof(old), "%s.1", path);
        MoveFileExA(path, old, MOVEFILE_REPLACE_EXISTING);
    }
    /* A service starts without a valid stderr, which freopen will not
     * reopen: put the file under descriptor 2 and the std handle. */
    h = CreateFileA(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return;
    fd = _open_osfhandle((intptr_t)h, _O_APPEND | _O_WRONLY);
    if (fd < 0) {
        CloseHandle(h);
        return;
    }
    SetStdHandle(STD_ERROR_HANDLE, h);
    if (fd != 2) {
        _dup2(fd, 2);
        _close(fd);
    }
    stderr->_file = 2;
    setvbuf(stderr, NULL, _IONBF, 0);
}

/* Nothing here waits for the SCM: a console must not pay for asking
 * (Wine takes 10 s to say no). ServiceMain reports whatever state the
 * daemon has reached by the time it runs. */
void service_starting(const char *log_dir)
{
    HANDLE t;

    InitializeCriticalSection(&svc.lock);
    svc.started = 1;
    snprintf(svc.log_dir, sizeof(svc.log_dir), "%s", log_dir ? log_dir : "");
    t = CreateThread(NULL, 0, dispatcher, NULL, 0, NULL);
    if (t)
        CloseHandle(t);
}

static void on_ctl(uv_async_t *h)
{
    service_signals *s = ((struct service_plat *)h->data)->sig;
    LONG p = InterlockedExchange(&svc.pending, 0);

    if ((p & CTL_STOP) && s->on_stop)
        s->on_stop(s->arg);
    if ((p & CTL_RELOAD) && s->on_reload)
        s->on_reload(s->arg);
}

static void on_signal(uv_signal_t *h, int signum)
{
    service_signals *s = h->data;

    (void)signum;
    if (s->on_stop)
        s->on_stop(s->arg);
}

static int watch(uv_loop_t *loop, uv_signal_t *h, service_signals *s, int signum)
{
    int r = uv_signal_init(loop, h);

    if (r < 0)
        return r;
    h->data = s;
    r = uv_signal_start(h, on_signal, signum);
    uv_unref((uv_handle_t *)h); /* the loop must be able to end */
    return r;
}

static void free_plat(uv_handle_t *h)
{
    free(h->data);
}

int service_signals_start(service_signals *s, uv_loop_t *loop)
{
    struct service_plat *p;
    int r;

    /* Ctrl-C and Ctrl-Break in a console; a service gets neither. */
    if ((r = watch(loop, &s->intr, s, SIGINT)) < 0)
        return r;
    if ((r = watch(loop, &s->term, s, SIGBREAK)) < 0)
        return r;
    if (!(p = calloc(1, sizeof(*p))))
        return UV_ENOMEM;
    if ((r = uv_async_init(loop, &p->ctl, on_ctl)) < 0) {
        free(p);
        return r;
    }
    p->ctl.data = p;
    p->sig = s;
    s->plat = p;
    uv_unref((uv_handle_t *)&p->ctl);
    s->started = 1;
    if (!svc.started)
        return 0; /* service_starting() was not called: no SCM to hear */
    EnterCriticalSection(&svc.lock);
    svc.sig = s;
    if (svc.pending) /* a STOP that came while RocksDB was opening */
        uv_async_send(&p->ctl);
    LeaveCriticalSection(&svc.lock);
    return 0;
}

static void close_one(uv_handle_t *h, uv_close_cb cb)
{
    if (!uv_is_closing(h))
        uv_close(h, cb);
}

void service_signals_stop(service_signals *s)
{
    if (!s->started)
        return;
    s->started = 0;
    if (svc.started) {
        EnterCriticalSection(&svc.lock);
        svc.sig = NULL;
        LeaveCriticalSection(&svc.lock);
    }
    close_one((uv_handle_t *)&s->intr, NULL);
    close_one((uv_handle_t *)&s->term, NULL);
    if (s->plat)
        close_one((uv_handle_t *)&s->plat->ctl, free_plat); /* frees s->plat */
    s->plat = NULL;
}

void supervisor_ready(void)
{
    if (!svc.started)
        return;
    EnterCriticalSection(&svc.lock);
    svc.ready = 1; /* for a ServiceMain that has not run yet */
    LeaveCriticalSection(&svc.lock);
    set_status(SERVICE_RUNNING, 0);
}

void supervisor_stopping(uint64_t grace_ms)
{
    /* The wait hint covers the drain plus 10 s to close RocksDB, as
     * systemd's extended stop timeout does (notify.c); 0 = no limit,
     * where the default hint stands. */
    uint64_t hint = grace_ms ? grace_ms + 10000 : STOP_WAIT_HINT_MS;

    if (!svc.started)
        return;
    set_status(SERVICE_STOP_PENDING, hint > MAXDWORD ? MAXDWORD : (DWORD)hint);
}

void supervisor_reloading(void)
{
}

void supervisor_status(const char *text)
{
    (void)text;
}

void supervisor_watchdog_ping(void)
{
}

int service_stderr_is_journal(void)
{
    return 0;
}

static void win_error(const char *what)
{
    char msg[256];
    DWORD e = GetLastError();

    if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0,
                        msg, sizeof(msg), NULL))
        snprintf(msg, sizeof(msg), "error %lu", (unsigned long)e);
    msg[strcspn(msg, "\r\n")] = '\0';
    fprintf(stderr, "ptingestd: %s: %s\n", what, msg);
}

/* Application log source "ptingestd", its messages in our own program
 * (messages.mc). Without it events are still logged, but Event Viewer
 * says it cannot find their description. */
static int register_event_source(const char *exe)
{
    DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
    HKEY k;
    LONG e = RegCreateKeyExA(HKEY_LOCAL_MACHINE, EVENTLOG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL,
                             &k, NULL);

    if (e == ERROR_SUCCESS) {
        e = RegSetValueExA(k, "EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                           (DWORD)strlen(exe) + 1);
        if (e == ERROR_SUCCESS)
            e = RegSetValueExA(k, "TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
                               sizeof(types));
        RegCloseKey(k);
    }
    if (e != ERROR_SUCCESS) {
        SetLastError((DWORD)e);
        win_error("cannot register the event log source (events will lack their text)");
        return -1;
    }
    return 0;
}

int service_install(const char *config)
{
    char exe[MAX_PATH], cfg[MAX_PATH], cmd[3 * MAX_PATH];
    SERVICE_DESCRIPTIONA desc = {(LPSTR)"Ingest daemon for code-graph data on RocksDB"};
    SERVICE_PRESHUTDOWN_INFO pre = {STOP_WAIT_HINT_MS * 2};
    SC_HANDLE scm, h;

    if (!GetModuleFileNameA(NULL, exe, sizeof(exe))) {
        win_error("cannot find our own program file");
        return 1;
    }
    /* The SCM starts us in System32: the config path must be absolute. */
    if (config) {
        if (!GetFullPathNameA(config, sizeof(cfg), cfg, NULL)) {
            win_error(config);
            return 2;
        }
        snprintf(cmd, sizeof(cmd), "\"%s\" --config \"%s\"", exe, cfg);
    } else {
        snprintf(cmd, sizeof(cmd), "\"%s\"", exe);
    }
    scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
    if (!scm) {
        win_error("cannot open the service control manager (run as Administrator)");
        return 1;
    }
    h = CreateServiceA(scm, SERVICE_NAME, "ptingestd", SERVICE_ALL_ACCESS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                       cmd, NULL, NULL, NULL, NULL, NULL);
    if (!h) {
        win_error("cannot create the service " SERVICE_NAME);
        CloseServiceHandle(scm);
        return 1;
    }
    /* Best effort: an older SCM without these still runs the service. */
    ChangeServiceConfig2A(h, SERVICE_CONFIG_DESCRIPTION, &desc);
    ChangeServiceConfig2A(h, SERVICE_CONFIG_PRESHUTDOWN_INFO, &pre);
    CloseServiceHandle(h);
    CloseServiceHandle(scm);
    printf("installed service %s: %s\n", SERVICE_NAME, cmd);
    if (register_event_source(exe) == 0)
        printf("registered event log source %s (Application)\n", SERVICE_NAME);
    return 0;
}

int service_uninstall(void)
{
    SERVICE_STATUS st;
    SC_HANDLE scm, h;
    int i;

    scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm) {
        win_error("cannot open the service control manager (run as Administrator)");
        return 1;
    }
    h = OpenServiceA(scm, SERVICE_NAME, DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS);
    if (!h) {
        win_error("cannot open the service " SERVICE_NAME);
        CloseServiceHandle(scm);
        return 1;
    }
    /* A running service is stopped (and drains) before it is deleted. */
    if (ControlService(h, SERVICE_CONTROL_STOP, &st)) {
        for (i = 0; i < 600 && QueryServiceStatus(h, &st) &&
                    st.dwCurrentState != SERVICE_STOPPED; i++)
            Sleep(100);
    }
    if (!DeleteService(h)) {
        win_error("cannot delete the service " SERVICE_NAME);
        CloseServiceHandle(h);
        CloseServiceHandle(scm);
        return 1;
    }
    CloseServiceHandle(h);
    CloseServiceHandle(scm);
    printf("removed service %s\n", SERVICE_NAME);
    RegDeleteKeyA(HKEY_LOCAL_MACHINE, EVENTLOG_KEY); /* absent when the MSI removed it */
    return 0;
}
