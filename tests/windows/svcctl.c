/* svcctl.c - send a control code to a service, for tests/windows/
 * wine_e2e.sh: Wine's sc.exe has no "control" command, and PARAMCHANGE
 * (a reload) is only reachable through ControlService.
 *
 *   svcctl.exe NAME paramchange|interrogate
 *
 * Exit 0 when the service manager delivered it, 1 otherwise (with the
 * reason). Not installed: the MSI ships sc.exe's job to Windows. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

int main(int argc, char **argv)
{
    SERVICE_STATUS st;
    SC_HANDLE scm, h;
    DWORD code, access;
    int ok;

    if (argc != 3) {
        fprintf(stderr, "usage: svcctl NAME paramchange|interrogate\n");
        return 2;
    }
    if (strcmp(argv[2], "paramchange") == 0) {
        code = SERVICE_CONTROL_PARAMCHANGE;
        access = SERVICE_PAUSE_CONTINUE;
    } else if (strcmp(argv[2], "interrogate") == 0) {
        code = SERVICE_CONTROL_INTERROGATE;
        access = SERVICE_INTERROGATE;
    } else {
        fprintf(stderr, "svcctl: unknown control %s\n", argv[2]);
        return 2;
    }
    scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm) {
        fprintf(stderr, "svcctl: OpenSCManager: error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    h = OpenServiceA(scm, argv[1], access | SERVICE_QUERY_STATUS);
    if (!h) {
        fprintf(stderr, "svcctl: OpenService %s: error %lu\n", argv[1],
                (unsigned long)GetLastError());
        CloseServiceHandle(scm);
        return 1;
    }
    ok = ControlService(h, code, &st);
    if (!ok)
        fprintf(stderr, "svcctl: ControlService %s %s: error %lu\n", argv[1], argv[2],
                (unsigned long)GetLastError());
    else
        printf("%s: %s delivered (state %lu)\n", argv[1], argv[2],
               (unsigned long)st.dwCurrentState);
    CloseServiceHandle(h);
    CloseServiceHandle(scm);
    return ok ? 0 : 1;
}
