// measure: runs one program and reports what wait4 says about it, from a process small enough that its own
// memory does not leak into the child's peak RSS (a child forked or vforked from the Python harness starts with
// the harness's 20+ MiB in ru_maxrss, because Linux folds the pre-exec address space into the high-water mark).
//
//   measure RESULT_FILE PROGRAM [ARG...]
// Runs PROGRAM (a path; no PATH search) with ARGs and this environment, waits for it with wait4 and writes
//   "<wall ns> <wait status> <user µs> <sys µs> <peak RSS KiB>\n"
// to RESULT_FILE. The wall time runs from just before fork to just after wait4. Exit status: 0 if the result
// was written, 125 otherwise.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: measure RESULT_FILE PROGRAM [ARG...]\n");
    return 125;
  }
  long long start = now_ns();
  pid_t pid = fork();
  if (pid < 0) return 125;
  if (pid == 0) {
    execve(argv[2], argv + 2, environ);
    perror(argv[2]);
    _exit(127);
  }
  int status;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) != pid) return 125;
  long long wall = now_ns() - start;
  FILE *out = fopen(argv[1], "w");
  if (!out) return 125;
  fprintf(out, "%lld %d %lld %lld %ld\n", wall, status,
          (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
          (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec, usage.ru_maxrss);
  return fclose(out) == 0 ? 0 : 125;
}
