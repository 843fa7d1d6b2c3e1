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
// memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING): an anonymous file in memory.
int cdp_memfd_create(const char *name);
// fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL): its contents frozen.
int cdp_memfd_freeze(int fd);
// sendfile(out_fd, in_fd, &offset, count): the kernel copies file bytes to a socket or pipe.
long cdp_sendfile(int out_fd, int in_fd, long long *offset, unsigned long count);
// memmem(haystack, haystack_length, needle, needle_length): the first occurrence of needle, or NULL.
const void *cdp_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

// Forks a detached grandchild, as a daemon-like helper needs (distcc 3.4's zeroconf browser): returns 0 in the
// grandchild (new session, stdin/stdout/stderr on /dev/null, working directory /, every other descriptor
// but keep_fd closed), 1 in the caller once the intermediate child is reaped (no zombie is left behind),
// -1 with errno if the first fork failed.
int cdp_fork_detached(int keep_fd);


// Landlock (Linux 5.13+), through syscall numbers: glibc has no wrappers. `abi` selects the size of the
// ruleset attribute (v1-3: fs only; v4-5: + net; v6+: + scoped). Each returns -1 with errno on failure.
#include <stdint.h>
int cdp_landlock_abi_version(void);
int cdp_landlock_create_ruleset(uint64_t handled_fs, uint64_t handled_net, uint64_t scoped, int abi);
int cdp_landlock_restrict_self(int ruleset);
// open(path, O_PATH | O_CLOEXEC): a handle naming a file for a Landlock rule.
int cdp_open_path(const char *path);

// Builds a Landlock ruleset for ABI `abi` (in the parent, before spawning) from O_PATH descriptors: writes
// only beneath `write_dirs` and to `write_files`, execution only beneath `exec_dirs` (exec_count < 0:
// unrestricted), no TCP (ABI 4+) when `deny_network`, no signals or abstract sockets leaving the domain
// (ABI 6+) when `scope`. Returns the ruleset descriptor (close-on-exec), or -1 with errno and
// *failed_index the position (write dirs, then files, then exec dirs) of the rule that failed, if one did.
int cdp_landlock_ruleset(int abi, const int *write_dirs, int write_count, const int *write_files,
                         int file_count, const int *exec_dirs, int exec_count, int deny_network, int scope,
                         int *failed_index);

// posix_spawn with a pre-exec step, which posix_spawn lacks: vfork, then in the child (raw system calls
// only) default signal handlers, optional new process group, stdio dup2, the `limit_count` resource
// limits, no_new_privs, landlock_restrict_self(ruleset) when ruleset >= 0, chdir, closefrom(3), an empty
// signal mask and execve(path). Returns 0 and *pid, or an errno value (the child's, if it failed before
// or at execve: the child is then already reaped).
int cdp_spawn_confined(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                       int stdin_fd, int stdout_fd, int stderr_fd, const char *directory, int new_group,
                       const int *resources, const uint64_t *soft, const uint64_t *hard, int limit_count,
                       int ruleset);

// Resource limits by number (for the C sandbox trampoline). UINT64_MAX = infinity.
int cdp_setrlimit(int resource, uint64_t soft, uint64_t hard);
int cdp_getrlimit(int resource, uint64_t *soft, uint64_t *hard);

int cdp_set_mmap_threshold(int bytes);

// A 32-bit word in shared memory that processes sleep on (futex(2) without FUTEX_PRIVATE_FLAG, so it works
// across processes over a MAP_SHARED file mapping). `timeout_ns` < 0 waits without limit. Return -1 with
// errno as the system call does (EAGAIN: the word no longer held `expected`; ETIMEDOUT).
uint32_t cdp_atomic_load_u32(const uint32_t *word);
uint32_t cdp_atomic_add_u32(uint32_t *word, uint32_t delta);
uint32_t cdp_atomic_sub_u32(uint32_t *word, uint32_t delta);
int cdp_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns);
int cdp_futex_wake(uint32_t *word, int count);

#endif
