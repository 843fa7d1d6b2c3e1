#define _GNU_SOURCE
#include "CDistPosix.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
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

// ---- Landlock ---------------------------------------------------------------------------------------
#include <sys/resource.h>
#include <stdint.h>

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

int cdp_landlock_allow_path(int ruleset, const char *path, uint64_t allowed_access) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return -1;
  struct cdp_landlock_path_beneath_attr attr = {allowed_access, fd};
  int result = (int)syscall(SYS_landlock_add_rule, ruleset, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &attr, 0);
  int saved = errno;
  close(fd);
  errno = saved;
  return result;
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

int cdp_prlimit(pid_t pid, int resource, uint64_t soft, uint64_t hard) {
  struct rlimit limit = {cdp_rlim(soft), cdp_rlim(hard)};
  return prlimit(pid, resource, &limit, NULL);
}
