"""The C inputs of the benchmark, written at run time (the real-project builds use real sources instead)."""

import os

SMALL = """\
#include <stdio.h>

static int square(int x) { return x * x; }

int main(int argc, char **argv) {
  (void)argv;
  printf("%d\\n", square(argc));
  return 0;
}
"""

HEADERS = [
    "stdio.h", "stdlib.h", "string.h", "math.h", "ctype.h", "errno.h", "limits.h", "stdint.h", "inttypes.h",
    "time.h", "signal.h", "unistd.h", "fcntl.h", "pthread.h", "sys/types.h", "sys/stat.h", "sys/socket.h",
    "sys/wait.h", "sys/mman.h", "netinet/in.h", "arpa/inet.h", "netdb.h", "locale.h", "wchar.h", "wctype.h",
    "regex.h", "glob.h", "dirent.h", "poll.h", "termios.h", "stdatomic.h", "complex.h", "setjmp.h", "search.h",
]


def _functions(count, prefix):
    out = []
    for i in range(count):
        out.append(f"""
struct {prefix}_s{i} {{ int a[{8 + i % 5}]; double d; const char *name; }};
static double {prefix}_f{i}(struct {prefix}_s{i} *s, int n) {{
  double acc = s->d;
  for (int k = 0; k < n; k++) {{
    acc += sin((double)(s->a[k % {8 + i % 5}] + k)) * {i + 1}.0;
    if (acc > 1e6) acc = sqrt(acc) + strlen(s->name);
  }}
  return acc;
}}
double {prefix}_g{i}(int n) {{
  struct {prefix}_s{i} s = {{ .d = {i}.5, .name = "{prefix}{i}" }};
  for (int k = 0; k < {8 + i % 5}; k++) s.a[k] = k * {i + 3};
  return {prefix}_f{i}(&s, n) + (double)snprintf(NULL, 0, "%d", n);
}}
""")
    return "".join(out)


def _table(count):
    values = ",".join(str((i * 7919) % 100003) for i in range(count))
    return f"const int big_table[{count}] = {{{values}}};\n"


def write_all(directory, tiny_count):
    """Writes small.c, medium.c, big.c and tiny/tNNN.c; returns their paths."""
    os.makedirs(os.path.join(directory, "tiny"), exist_ok=True)
    includes = "".join(f"#include <{h}>\n" for h in HEADERS)
    files = {
        "small.c": SMALL,
        # medium: a translation unit of the size of a typical source file of a real project
        "medium.c": "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <math.h>\n"
        + _functions(16, "m"),
        # big: many system headers, code and a data table, for the wire (LZO) scenario; compiled -O0
        "big.c": includes + _functions(100, "b") + _table(150000),
    }
    for name, text in files.items():
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)
    for i in range(tiny_count):
        with open(os.path.join(directory, "tiny", f"t{i:03d}.c"), "w") as f:
            f.write(f"int tiny{i}(int x) {{ return x * {i + 1} + {i}; }}\n")
    return directory


# Preprocessed sizes of the per-size scenario (Benchmarks/bench.py `sizes`): name, bytes after cpp.
SIZES = [("s10k", 10_000), ("s100k", 100_000), ("s1m", 1_000_000), ("s3m", 3_000_000), ("s10m", 10_000_000)]


def sized_source(size):
    """C source that preprocesses to about `size` bytes: declarations like a large header's (cheap to compile,
    compressible like real preprocessed code), with a small function every 17 lines so the object grows too."""
    types = ["int", "long", "double", "const char *", "unsigned", "struct node *", "void *"]
    out, total, i = ["struct node;\n"], 0, 0
    while total < size:
        line = (f"extern {types[i % 7]} fn_{i:06x}_{(i * 7919) % 1000}({types[(i * 3) % 7]} a{i % 13}, "
                f"{types[(i * 5) % 7]} b, int c);\n")
        if i % 17 == 0:
            line += f"int g_{i}(int x) {{ return x * {i} + {(i * 31) % 99}; }}\n"
        out.append(line)
        total += len(line)
        i += 1
    return "".join(out)


def write_sized(directory):
    """Writes SIZES' sources as NAME.c; returns the directory."""
    os.makedirs(directory, exist_ok=True)
    for name, size in SIZES:
        with open(os.path.join(directory, name + ".c"), "w") as f:
            f.write(sized_source(size))
    return directory
