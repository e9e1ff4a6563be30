/* wintest.c - what tests/windows/wine_e2e.sh needs from Windows that no
 * program of Wine's offers. Not installed; the MSI does not carry it.
 *
 *   wintest.exe control NAME paramchange|interrogate
 *       send a control code to a service (Wine's sc.exe has no
 *       "control"; PARAMCHANGE is only reachable through ControlService)
 *   wintest.exe pipe-sddl PIPE
 *       print the access list of a named pipe as SDDL (the pipe is opened
 *       for READ_CONTROL, which the daemon sees as a client that leaves)
 *
 * Exit 0 on success, 1 with the reason on stderr, 2 on bad usage. */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

static int control(const char *name, const char *what)
{
    SERVICE_STATUS st;
    SC_HANDLE scm, h;
    DWORD code, access;
    int ok;

    if (strcmp(what, "paramchange") == 0) {
        code = SERVICE_CONTROL_PARAMCHANGE;
        access = SERVICE_PAUSE_CONTINUE;
    } else if (strcmp(what, "interrogate") == 0) {
        code = SERVICE_CONTROL_INTERROGATE;
        access = SERVICE_INTERROGATE;
    } else {
        fprintf(stderr, "wintest: unknown control %s\n", what);
        return 2;
    }
    scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
    if (!scm) {
        fprintf(stderr, "wintest: OpenSCManager: error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    h = OpenServiceA(scm, name, access | SERVICE_QUERY_STATUS);
    if (!h) {
        fprintf(stderr, "wintest: OpenService %s: error %lu\n", name,
                (unsigned long)GetLastError());
        CloseServiceHandle(scm);
        return 1;
    }
    ok = ControlService(h, code, &st);
    if (!ok)
        fprintf(stderr, "wintest: ControlService %s %s: error %lu\n", name, what,
                (unsigned long)GetLastError());
    else
        printf("%s: %s delivered (state %lu)\n", name, what, (unsigned long)st.dwCurrentState);
    CloseServiceHandle(h);
    CloseServiceHandle(scm);
    return ok ? 0 : 1;
}

static int pipe_sddl(const char *pipe)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    char *sddl = NULL;
    HANDLE h;
    DWORD e;

    h = CreateFileA(pipe, READ_CONTROL, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "wintest: open %s: error %lu\n", pipe, (unsigned long)GetLastError());
        return 1;
    }
    e = GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL,
                        &sd);
    CloseHandle(h);
    if (e != ERROR_SUCCESS) {
        fprintf(stderr, "wintest: GetSecurityInfo %s: error %lu\n", pipe, (unsigned long)e);
        return 1;
    }
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(sd, SDDL_REVISION_1,
                                                              DACL_SECURITY_INFORMATION,
                                                              &sddl, NULL)) {
        fprintf(stderr, "wintest: SDDL: error %lu\n", (unsigned long)GetLastError());
        LocalFree(sd);
        return 1;
    }
    printf("%s\n", sddl);
    LocalFree(sddl);
    LocalFree(sd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "control") == 0)
        return control(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "pipe-sddl") == 0)
        return pipe_sddl(argv[2]);
    fprintf(stderr, "usage: wintest control NAME paramchange|interrogate\n"
                    "       wintest pipe-sddl PIPE\n");
    return 2;
}
