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

#endif
