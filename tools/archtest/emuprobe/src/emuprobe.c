// emuprobe: whether the kernel features the programs under test need work for this program's
// architecture here, one line each: "<feature> ok" or "<feature> missing: <why>". Natively (as
// root) every one works; under an emulator (qemu-user) some do not, and tools/archtest's
// SkipIfEmulatorLacks skips what needs them before the program under test runs.
// Each check runs in a child process, so that what it changes (a subreaper, a seccomp filter,
// namespaces) stays there.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_AARCH64
#else
#error "emuprobe: add this architecture's AUDIT_ARCH"
#endif

// exit statuses of a check's child besides an errno value
enum { FILTER_IGNORED = 250, NOT_PID1 = 251, CHILD_FAILED = 252 };

// prctl(PR_SET_CHILD_SUBREAPER): crun run, conmon and catatonit (when not pid 1) need it.
static int subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno; }

// clone() with namespace flags (not unshare(), which emulators pass through): how crun creates a
// container's init and pasta its namespace process.
static int namespace_clone(void) {
  long pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) return errno;
  if (pid == 0) _exit(getpid() == 1 ? 0 : NOT_PID1);
  int status;
  if (waitpid((pid_t)pid, &status, 0) < 0) return errno;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : CHILD_FAILED;
}

// a seccomp filter on this architecture's system call numbers applies: getppid fails with the
// errno the filter sets (crun installs the container's filter, pasta always filters itself,
// podman reports seccomp as enabled where prctl(PR_SET_SECCOMP) does not fail with EINVAL).
static int seccomp_filter(void) {
  struct sock_filter insns[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_SELF, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 77),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof insns / sizeof insns[0], .filter = insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return errno;
  return syscall(SYS_getppid) == -1 && errno == 77 ? 0 : FILTER_IGNORED;
}

static const struct {
  const char *name, *what;
  int (*check)(void);
} checks[] = {
    {"child-subreaper", "prctl(PR_SET_CHILD_SUBREAPER)", subreaper},
    {"namespace-clone", "clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET)", namespace_clone},
    {"seccomp-filter", "prctl(PR_SET_SECCOMP) of a filter on this architecture's getppid", seccomp_filter},
};

int main(void) {
  for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
      perror("emuprobe: fork");
      return 1;
    }
    if (pid == 0) _exit(checks[i].check());
    int status;
    if (waitpid(pid, &status, 0) < 0) {
      perror("emuprobe: waitpid");
      return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      printf("%s ok\n", checks[i].name);
      continue;
    }
    const char *why;
    char buf[64];
    if (!WIFEXITED(status)) {
      snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(status));
      why = buf;
    } else if (WEXITSTATUS(status) == FILTER_IGNORED) {
      why = "the filter is installed but does not apply to this architecture's system calls";
    } else if (WEXITSTATUS(status) == NOT_PID1) {
      why = "the child is not pid 1 of a new pid namespace";
    } else if (WEXITSTATUS(status) == CHILD_FAILED) {
      why = "the child in the new namespaces failed";
    } else {
      why = strerror(WEXITSTATUS(status));
    }
    printf("%s missing: %s: %s\n", checks[i].name, checks[i].what, why);
  }
  return 0;
}
