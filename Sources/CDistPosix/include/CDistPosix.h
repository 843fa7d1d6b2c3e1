// Linux calls that Swift's Glibc module does not export (they need _GNU_SOURCE or have no libc
// wrapper). Each is a one-line pass-through; see shims.c.
#ifndef CDISTPOSIX_H
#define CDISTPOSIX_H

#include <sys/types.h>
#include <sys/socket.h>
#include <spawn.h>

int cdp_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
int cdp_pidfd_open(pid_t pid);
int cdp_pidfd_send_signal(int pidfd, int signal);
int cdp_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);
int cdp_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);
int cdp_set_no_new_privs(void);
int cdp_pipe2(int fds[2], int flags);
int cdp_mkostemps(char *template_, int suffix_length, int flags);


// Landlock (Linux 5.13+), through syscall numbers: glibc has no wrappers. `abi` selects the size of the
// ruleset attribute (v1-3: fs only; v4-5: + net; v6+: + scoped). Each returns -1 with errno on failure.
#include <stdint.h>
int cdp_landlock_abi_version(void);
int cdp_landlock_create_ruleset(uint64_t handled_fs, uint64_t handled_net, uint64_t scoped, int abi);
int cdp_landlock_allow_path(int ruleset, const char *path, uint64_t allowed_access);
int cdp_landlock_restrict_self(int ruleset);

// Resource limits by number (Swift sees glibc's __rlimit_resource enum awkwardly). UINT64_MAX = infinity.
int cdp_setrlimit(int resource, uint64_t soft, uint64_t hard);
int cdp_getrlimit(int resource, uint64_t *soft, uint64_t *hard);
int cdp_prlimit(pid_t pid, int resource, uint64_t soft, uint64_t hard);

#endif
