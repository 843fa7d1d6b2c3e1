#define _GNU_SOURCE
#include "CDistPosix.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <time.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>

int cdp_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
  return accept4(fd, address, length, flags);
}

int cdp_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int cdp_pidfd_send_signal(int pidfd, int signal) {
  return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}

int cdp_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
  return posix_spawn_file_actions_addchdir_np(actions, path);
}

int cdp_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
  return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int cdp_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

int cdp_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int cdp_mkostemps(char *template_, int suffix_length, int flags) {
  return mkostemps(template_, suffix_length, flags);
}

int cdp_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); }

int cdp_memfd_freeze(int fd) {
  return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
}

long cdp_sendfile(int out_fd, int in_fd, long long *offset, unsigned long count) {
  off_t position = (off_t)*offset;
  ssize_t sent = sendfile(out_fd, in_fd, &position, count);
  *offset = (long long)position;
  return (long)sent;
}

const void *cdp_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
  return memmem(haystack, haystack_length, needle, needle_length);
}

// ---- Landlock ---------------------------------------------------------------------------------------
#include <sys/resource.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/wait.h>
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

struct cdp_landlock_ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

struct cdp_landlock_path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

int cdp_landlock_abi_version(void) {
  return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
}

int cdp_landlock_create_ruleset(uint64_t handled_fs, uint64_t handled_net, uint64_t scoped, int abi) {
  struct cdp_landlock_ruleset_attr attr = {handled_fs, handled_net, scoped};
  size_t size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
  return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
}

int cdp_landlock_restrict_self(int ruleset) {
  return (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
}

// ---- Resource limits --------------------------------------------------------------------------------

static rlim_t cdp_rlim(uint64_t value) { return value == UINT64_MAX ? RLIM_INFINITY : (rlim_t)value; }

int cdp_setrlimit(int resource, uint64_t soft, uint64_t hard) {
  struct rlimit limit = {cdp_rlim(soft), cdp_rlim(hard)};
  return setrlimit(resource, &limit);
}

int cdp_getrlimit(int resource, uint64_t *soft, uint64_t *hard) {
  struct rlimit limit;
  if (getrlimit(resource, &limit) != 0) return -1;
  *soft = limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)limit.rlim_cur;
  *hard = limit.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)limit.rlim_max;
  return 0;
}


// ---- Confinement applied between fork and exec ------------------------------------------------------

#define CDP_LL_EXECUTE (1ULL << 0)
#define CDP_LL_WRITE_FILE (1ULL << 1)
#define CDP_LL_WRITE_ALL (CDP_LL_WRITE_FILE | (0x1FFULL << 4)) /* write, remove, make every kind */
#define CDP_LL_REFER (1ULL << 13)
#define CDP_LL_TRUNCATE (1ULL << 14)

static int cdp_landlock_allow(int ruleset, int handle, uint64_t allowed_access) {
  struct cdp_landlock_path_beneath_attr attr = {allowed_access, handle};
  return (int)syscall(SYS_landlock_add_rule, ruleset, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &attr, 0);
}

int cdp_landlock_ruleset(int abi, const int *write_dirs, int write_count, const int *write_files,
                         int file_count, const int *exec_dirs, int exec_count, int deny_network, int scope,
                         int *failed_index) {
  *failed_index = -1;
  if (abi < 1) {
    errno = EOPNOTSUPP;
    return -1;
  }
  uint64_t write = CDP_LL_WRITE_ALL | (abi >= 2 ? CDP_LL_REFER : 0) | (abi >= 3 ? CDP_LL_TRUNCATE : 0);
  uint64_t handled = write | (exec_count >= 0 ? CDP_LL_EXECUTE : 0);
  uint64_t net = deny_network && abi >= 4 ? 3 /* BIND_TCP | CONNECT_TCP */ : 0;
  uint64_t scoped = scope && abi >= 6 ? 3 /* ABSTRACT_UNIX_SOCKET | SIGNAL */ : 0;
  int ruleset = cdp_landlock_create_ruleset(handled, net, scoped, abi);
  if (ruleset < 0) return -1;
  int index = 0, ok = 1;
  for (int i = 0; i < write_count && ok; i++, index++) {
    if (cdp_landlock_allow(ruleset, write_dirs[i], write) < 0) { *failed_index = index; ok = 0; }
  }
  uint64_t file_rights = write & (CDP_LL_WRITE_FILE | CDP_LL_TRUNCATE);
  for (int i = 0; i < file_count && ok; i++, index++) {
    if (cdp_landlock_allow(ruleset, write_files[i], file_rights) < 0) { *failed_index = index; ok = 0; }
  }
  for (int i = 0; i < exec_count && ok; i++, index++) {
    if (cdp_landlock_allow(ruleset, exec_dirs[i], CDP_LL_EXECUTE) < 0) { *failed_index = index; ok = 0; }
  }
  if (ok) {
    fcntl(ruleset, F_SETFD, FD_CLOEXEC);
    return ruleset;
  }
  int saved = errno;
  close(ruleset);
  errno = saved;
  return -1;
}

/// Installs `fd` as `target` in the child, clearing close-on-exec when it already is `target`.
static int cdp_install(int fd, int target) {
  if (fd < 0) return 0;
  if (fd == target) {
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  return dup2(fd, target) < 0 ? -1 : 0;
}

/// The child's half: only async-signal-safe system calls, because it shares the parent's memory.
static void __attribute__((noinline))
cdp_confined_child(volatile int *failure, const char *path, char *const argv[], char *const envp[], int in,
                   int out, int err, const char *directory, int new_group, const int *resources,
                   const uint64_t *soft, const uint64_t *hard, int limit_count, int ruleset) {
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  for (int signal = 1; signal < _NSIG; signal++) {
    if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &defaults, NULL);
  }
  if ((new_group && setpgid(0, 0) != 0) || cdp_install(in, 0) != 0 || cdp_install(out, 1) != 0 ||
      cdp_install(err, 2) != 0) {
    *failure = errno;
    _exit(127);
  }
  for (int i = 0; i < limit_count; i++) {
    struct rlimit current, wanted;
    if (getrlimit(resources[i], &current) != 0) { *failure = errno; _exit(127); }
    rlim_t s = cdp_rlim(soft[i]), h = cdp_rlim(hard[i]);
    wanted.rlim_max = h < current.rlim_max ? h : current.rlim_max;
    wanted.rlim_cur = s < wanted.rlim_max ? s : wanted.rlim_max;
    if (setrlimit(resources[i], &wanted) != 0) { *failure = errno; _exit(127); }
  }
  if (ruleset >= 0 && (cdp_set_no_new_privs() != 0 || cdp_landlock_restrict_self(ruleset) != 0)) {
    *failure = errno;
    _exit(127);
  }
  if (directory != NULL && chdir(directory) != 0) { *failure = errno; _exit(127); }
  // closefrom(3) without glibc's fallback (it may allocate when close_range is missing).
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    struct rlimit files;
    int top = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 65536 ? (int)files.rlim_cur : 65536;
    for (int fd = 3; fd < top; fd++) close(fd);
  }
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  execve(path, argv, envp);
  *failure = errno;
  _exit(127);
}

int cdp_spawn_confined(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                       int stdin_fd, int stdout_fd, int stderr_fd, const char *directory, int new_group,
                       const int *resources, const uint64_t *soft, const uint64_t *hard, int limit_count,
                       int ruleset) {
  // Block every signal so that no handler of the parent runs in the child before it resets them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  volatile int failure = 0;
  pid_t child = vfork();
  if (child == 0) {
    cdp_confined_child(&failure, path, argv, envp, stdin_fd, stdout_fd, stderr_fd, directory, new_group,
                       resources, soft, hard, limit_count, ruleset);
  }
  int saved = errno;
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (child < 0) return saved;
  if (failure != 0) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return failure;
  }
  *pid = child;
  return 0;
}

int cdp_open_path(const char *path) { return open(path, O_PATH | O_CLOEXEC); }

int cdp_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

uint32_t cdp_atomic_load_u32(const uint32_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }

uint32_t cdp_atomic_add_u32(uint32_t *word, uint32_t delta) {
  return __atomic_add_fetch(word, delta, __ATOMIC_SEQ_CST);
}

uint32_t cdp_atomic_sub_u32(uint32_t *word, uint32_t delta) {
  return __atomic_sub_fetch(word, delta, __ATOMIC_SEQ_CST);
}

int cdp_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns) {
  struct timespec timeout = {timeout_ns / 1000000000, timeout_ns % 1000000000};
  return (int)syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout_ns < 0 ? NULL : &timeout, NULL, 0);
}

int cdp_futex_wake(uint32_t *word, int count) {
  return (int)syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}

int cdp_fork_detached(int keep_fd) {
  pid_t child = fork();
  if (child < 0) return -1;
  if (child > 0) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return 1;
  }
  if (setsid() < 0 || fork() != 0) _exit(0);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
  }
  if (chdir("/") != 0) _exit(0);
  if (keep_fd > 3) syscall(SYS_close_range, 3, keep_fd - 1, 0);
  syscall(SYS_close_range, keep_fd >= 3 ? keep_fd + 1 : 3, ~0U, 0);
  return 0;
}
