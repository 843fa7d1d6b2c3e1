// isolate: stands in for the compiler (installed as `gcc` in a directory put first in PATH) and runs the real
// one *outside* the caller's process tree. The caller (a distcc client or daemon) therefore pays only this
// shim's fork + pipe read, and its wait4 rusage (CPU, peak RSS) is its own, not cc1's.
//
//   caller -> isolate --fork--> A --fork--> G (A exits at once, so G is orphaned to the benchmark's subreaper)
//                                            G --fork/exec--> real compiler; G waits it, writes its status to a pipe
//   isolate reads the status from the pipe and exits with it (or re-raises its signal).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef REAL_CC
#define REAL_CC "/usr/bin/gcc"
#endif

int main(int argc, char **argv) {
  (void)argc;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return 127;
  pid_t a = fork();
  if (a < 0) return 127;
  if (a == 0) {
    close(p[0]);
    pid_t g = fork();
    if (g != 0) _exit(g < 0 ? 127 : 0);
    pid_t h = fork();
    if (h == 0) {
      argv[0] = REAL_CC;
      execv(REAL_CC, argv);
      _exit(127);
    }
    int status = 127 << 8;
    if (h > 0) {
      while (waitpid(h, &status, 0) < 0 && errno == EINTR) {}
    }
    (void)!write(p[1], &status, sizeof status);
    _exit(0);
  }
  close(p[1]);
  int ignored;
  while (waitpid(a, &ignored, 0) < 0 && errno == EINTR) {}
  int status;
  ssize_t n;
  do n = read(p[0], &status, sizeof status); while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof status) {
    fprintf(stderr, "isolate: lost the status of %s\n", REAL_CC);
    return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    signal(WTERMSIG(status), SIG_DFL);
    raise(WTERMSIG(status));
  }
  return 127;
}
