/* posix.c - the Windows-only parts of service.h where there is no
 * Windows service control manager: systemd (or any supervisor) starts
 * ptingestd from a unit file, so there is nothing to register. */
#include "service.h"

#include <stdio.h>

void service_starting(const char *log_dir)
{
    (void)log_dir;
}

int service_install(const char *config)
{
    (void)config;
    fprintf(stderr, "ptingestd: --install-service is for Windows; here the packaged "
                    "systemd unit runs the daemon (systemctl enable --now ptingestd)\n");
    return 2;
}

int service_uninstall(void)
{
    fprintf(stderr, "ptingestd: --uninstall-service is for Windows\n");
    return 2;
}
