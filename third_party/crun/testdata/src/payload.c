/* crun_test's container process. It prints one line saying what it sees: its pid (1 in the
 * container's pid namespace), the hostname and environment config.json set, the marker file of
 * the bundle's rootfs, its effective capabilities (libcap applied the config's set) and what
 * getppid() returns (the config's seccomp filter makes it fail with errno 77). Then:
 *   payload exit N   exits with status N;
 *   payload wait     prints "waiting", waits for SIGTERM (pid 1 must handle it), prints
 *                    "got SIGTERM" and exits 42;
 *   payload ids      prints only "uid=U gid=G" (its real ids: what crun exec --user set) and
 *                    exits 0;
 *   payload sandbox  prints only "seccomp=M capeff=C nonewprivs=N" (its seccomp mode, effective
 *                    capabilities and no_new_privs flag, from /proc/self/status) and exits 0;
 *   payload cat F    prints only the first line of file F ("none" if unreadable) and exits 0;
 *   payload socket F T P  calls socket(2) with F, T, P as 64-bit words (strtol's bases: 0x...
 *                    too) and prints only "socket" when it returns a descriptor, "errno=E"
 *                    when it fails; exits 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
    (void)sig;
    terminated = 1;
}

/* the first line of path, without its newline ("none" if unreadable) */
static void first_line(const char *path, const char *prefix, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    char line[256];

    snprintf(buf, len, "none");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(buf, len, "%s", line + strlen(prefix));
            break;
        }
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    char host[256] = "?", marker[64], capeff[64];
    const char *greeting = getenv("GREETING");
    long ppid;
    int ppid_errno;

    if (argc > 1 && strcmp(argv[1], "ids") == 0) {
        printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid());
        return 0;
    }
    if (argc > 4 && strcmp(argv[1], "socket") == 0) {
        long fd;

        errno = 0;
        fd = syscall(SYS_socket, strtol(argv[2], NULL, 0), strtol(argv[3], NULL, 0), strtol(argv[4], NULL, 0));
        if (fd < 0)
            printf("errno=%d\n", errno);
        else
            printf("socket\n");
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "cat") == 0) {
        char line[256];

        first_line(argv[2], "", line, sizeof line);
        printf("%s\n", line);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "sandbox") == 0) {
        char seccomp[64], nnp[64];

        first_line("/proc/self/status", "Seccomp:\t", seccomp, sizeof seccomp);
        first_line("/proc/self/status", "CapEff:\t", capeff, sizeof capeff);
        first_line("/proc/self/status", "NoNewPrivs:\t", nnp, sizeof nnp);
        printf("seccomp=%s capeff=%s nonewprivs=%s\n", seccomp, capeff, nnp);
        return 0;
    }
    gethostname(host, sizeof host);
    first_line("/marker", "", marker, sizeof marker);
    first_line("/proc/self/status", "CapEff:\t", capeff, sizeof capeff);
    errno = 0;
    ppid = syscall(SYS_getppid);
    ppid_errno = errno;
    printf("payload pid=%d host=%s marker=%s greeting=%s capeff=%s getppid=%ld/%d\n", (int)getpid(),
           host, marker, greeting ? greeting : "(unset)", capeff, ppid, ppid_errno);

    if (argc > 2 && strcmp(argv[1], "exit") == 0) {
        fflush(stdout);
        return atoi(argv[2]);
    }
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        sigset_t mask, old;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, &old);
        signal(SIGTERM, on_term);
        printf("waiting\n");
        fflush(stdout);
        while (!terminated)
            sigsuspend(&old);
        printf("got SIGTERM\n");
        fflush(stdout);
        return 42;
    }
    fprintf(stderr, "usage: payload exit N | payload wait | payload ids | payload sandbox | payload cat F | payload socket F T P\n");
    return 2;
}
