/* Compiler for the pump plateau benchmark (Benchmarks/pump/run.sh --only plateau): real preprocessing, a
 * remote compile that costs no CPU.
 *   sleepcc ARGS with -E, -M, -S or -v, without -c,  runs the real compiler (REAL_CC) with ARGS: the client's
 *     or whose input is not a .c or .i file         `-E` in plain mode, the include server's `-E -v` probe,
 *                                                   Kbuild's option checks on /dev/null
 *   sleepcc ... -c SRC.c|SRC.i -o OUT               sleeps SLEEPCC_MS milliseconds (default 200), copies the
 *                                                   object $SLEEPCC_OBJECT to OUT and writes "OUT: SRC" to
 *                                                   every dependency file named by -MF or -Wp,-MD,/-MMD,
 * The daemons run it as the compiler, so a farm of N of them answers N x slots jobs per SLEEPCC_MS however
 * busy the machine is; the client's CPU, not the farm, decides where throughput stops growing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef REAL_CC
#define REAL_CC "/usr/bin/gcc"
#endif

static int copy(const char *from, const char *to) {
  FILE *src = fopen(from, "rb");
  if (!src) { perror(from); return 1; }
  FILE *dst = fopen(to, "wb");
  if (!dst) { perror(to); fclose(src); return 1; }
  static char buffer[1 << 16];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, src)) > 0) {
    if (fwrite(buffer, 1, n, dst) != n) { perror(to); return 1; }
  }
  fclose(src);
  return fclose(dst) != 0;
}

static int write_deps(const char *path, const char *target, const char *source) {
  FILE *f = fopen(path, "w");
  if (!f) { perror(path); return 1; }
  fprintf(f, "%s: %s\n", target, source);
  return fclose(f) != 0;
}

int main(int argc, char **argv) {
  const char *in = NULL, *out = "a.o";
  int compile = 0, real = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-c")) compile = 1;
    else if (!strcmp(a, "-E") || !strcmp(a, "-M") || !strcmp(a, "-MM") || !strcmp(a, "-v") || !strcmp(a, "-S"))
      real = 1;
    else if (!strcmp(a, "-o") && i + 1 < argc) out = argv[++i];
    else if (!strncmp(a, "-o", 2)) out = a + 2;
    else if ((!strcmp(a, "-MF") || !strcmp(a, "-MT") || !strcmp(a, "-MQ") || !strcmp(a, "-x") ||
              !strcmp(a, "-include") || !strcmp(a, "-isystem") || !strcmp(a, "-iquote") ||
              !strcmp(a, "-imacros") || !strcmp(a, "-idirafter") || !strcmp(a, "-I")) && i + 1 < argc)
      i++;
    else if (a[0] != '-') in = a;
  }
  /* A C source or, sent by a plain-mode client, its preprocessed text. */
  const char *dot = in ? strrchr(in, '.') : NULL;
  int c_source = dot && (!strcmp(dot, ".c") || !strcmp(dot, ".i"));
  if (real || !compile || !c_source) {
    argv[0] = REAL_CC;
    execv(REAL_CC, argv);
    perror(REAL_CC);
    return 127;
  }
  const char *ms = getenv("SLEEPCC_MS");
  long delay = ms ? atol(ms) : 200;
  struct timespec pause = {delay / 1000, (delay % 1000) * 1000000L};
  nanosleep(&pause, NULL);
  const char *object = getenv("SLEEPCC_OBJECT");
  if (!object) { fprintf(stderr, "sleepcc: SLEEPCC_OBJECT not set\n"); return 1; }
  if (copy(object, out)) return 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *file = NULL;
    if (!strcmp(a, "-MF") && i + 1 < argc) file = argv[i + 1];
    else if (!strncmp(a, "-Wp,-MD,", 8) || !strncmp(a, "-Wp,-MMD,", 9)) file = strchr(a + 4, ',') + 1;
    if (file && write_deps(file, out, in ? in : "-")) return 1;
  }
  return 0;
}
