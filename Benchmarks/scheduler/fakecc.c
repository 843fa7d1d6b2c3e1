/* Fake compiler for the scheduling simulation (Benchmarks/scheduler/run.sh), one process per job so that the
 * simulation measures scheduling, not shell start-up:
 *   fakecc ... -E file.c        preprocess: print the source (the client runs this locally)
 *   fakecc ... -c in -o out.o   sleep FAKECC_DELAY_MS (set per daemon, or FAKECC_DELAY_<ms> in the source),
 *                               then write the object prebuilt for the source's FILEID_<n> from $FAKECC_OBJECTS
 *                               and print "SCHEDTRACE <FAKECC_HOST> <start> <end> <n>" on stderr.
 * Daemons run it by the name `fakecc`, allowed through DISTCC_CMDLIST like any real compiler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static long marker(const char *text, const char *name) {
  const char *p = strstr(text, name);
  return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

int main(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  int preprocess = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-E")) preprocess = 1;
    else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
    else if (argv[i][0] != '-') in = argv[i];
  }
  if (!in) { fprintf(stderr, "fakecc: no input\n"); return 1; }
  static char text[1 << 16];
  FILE *f = fopen(in, "r");
  if (!f) { perror(in); return 1; }
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  if (preprocess) { fwrite(text, 1, n, stdout); return 0; }
  double start = now();
  long delay = marker(text, "FAKECC_DELAY_");
  if (delay < 0) delay = getenv("FAKECC_DELAY_MS") ? atol(getenv("FAKECC_DELAY_MS")) : 300;
  long id = marker(text, "FILEID_");
  struct timespec pause = {delay / 1000, (delay % 1000) * 1000000L};
  nanosleep(&pause, NULL);
  char path[4096];
  snprintf(path, sizeof path, "%s/f%ld.o", getenv("FAKECC_OBJECTS") ? getenv("FAKECC_OBJECTS") : ".", id);
  FILE *src = fopen(path, "rb");
  if (id < 0 || !src) { fprintf(stderr, "fakecc: no object for %s\n", in); return 1; }
  static char object[1 << 20];
  size_t size = fread(object, 1, sizeof object, src);
  fclose(src);
  FILE *dst = fopen(out ? out : "a.o", "wb");
  if (!dst || fwrite(object, 1, size, dst) != size || fclose(dst) != 0) { perror(out); return 1; }
  fprintf(stderr, "SCHEDTRACE %s %.6f %.6f %ld\n", getenv("FAKECC_HOST") ? getenv("FAKECC_HOST") : "local",
          start, now(), id);
  return 0;
}
