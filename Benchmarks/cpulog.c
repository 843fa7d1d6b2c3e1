// cpulog: runs one command and appends what wait4 says about its CPU to a log, so that a build can tell the
// CPU of its compile commands (CXX="cpulog LOG distcc g++") from the rest (make, moc, links).
//
//   cpulog LOG PROGRAM [ARG...]
// Runs PROGRAM (searched in PATH) with ARGs, waits for it with wait4 and appends "<user µs> <sys µs>\n" to LOG
// with one O_APPEND write (concurrent jobs of one `make -j` never interleave a line). Exits with PROGRAM's
// status, or re-raises its signal; 125 when it could not run or log.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: cpulog LOG PROGRAM [ARG...]\n");
    return 125;
  }
  pid_t pid = fork();
  if (pid < 0) return 125;
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) return 125;
  char line[64];
  int n = snprintf(line, sizeof line, "%lld %lld\n",
                   (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
                   (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec);
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) != 0) return 125;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    signal(WTERMSIG(status), SIG_DFL);
    raise(WTERMSIG(status));
  }
  return 125;
}
