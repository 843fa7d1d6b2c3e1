#!/usr/bin/env python3
"""Per-job client CPU split into user and system time, precisely, ours against distcc 3.4 (issue #22).

    python3 Benchmarks/client-split.py --ours .build/x86_64-unknown-linux-gnu/release/distcc
    python3 Benchmarks/client-split.py --ours before=A --ours after=B --rounds 3 --sizes 10k:10,3m:4 --modes plain

The kernel's user/system split of a process's rusage is sampled at the scheduler tick (250 Hz here): a 3 ms
job gets zero or one tick, so per-job system time from getrusage is noise, and a process with no tick at
all is reported as all user time. Instead, for each client, size and mode:

- `perf stat --no-inherit -r JOBS` gives the client process's exact CPU time (task-clock: the scheduler's
  runtime, not ticks) and page faults, children (the preprocessor) excluded;
- JOBS more runs under `perf record -e cpu-clock -c 100000 --no-inherit` sample the client every 100 us of
  its CPU time; the share of samples taken in the kernel, times the exact CPU time, is its system time.

Every job is a real remote compile (`DISTCC_FALLBACK=0`) of generated C (`lib/sources.py`: preprocessed, about
the size named; `--sizes SIZE:JOBS,...`, JOBS runs each of stat and record, fewer for the slow large ones) through
one Debian 3.4 `distccd` on a loopback address and a free port, started here and stopped by its pid. Rounds
rotate the order of the clients. Prints one Markdown table: median (min-max) over rounds of the per-round
means. Needs `perf`, `gcc` and Debian's `distcc` package; Python standard library only.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import daemons, sources  # noqa: E402

ADDRESS = "127.0.0.9"


def perf_stat(argv, env, jobs):
    """Mean task-clock (ms) and page faults of the client process over `jobs` runs."""
    p = subprocess.run(["perf", "stat", "-x,", "--no-inherit", "-r", str(jobs), "-e", "task-clock,page-faults",
                        "--"] + argv, env=env, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed: {p.stderr[-400:]}")
    values = {}
    for line in p.stderr.splitlines():
        parts = line.split(",")
        if len(parts) > 3 and parts[2] in ("task-clock", "page-faults"):
            values[parts[2]] = float(parts[0])
    return values["task-clock"], values["page-faults"]


def kernel_share(argv, env, jobs, scratch):
    """The share of the client's CPU-time samples (every 100 us) taken in the kernel, over `jobs` runs."""
    kernel = total = 0
    data = os.path.join(scratch, "perf.data")
    for _ in range(jobs):
        p = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-c", "100000", "--no-inherit", "-o", data,
                            "--"] + argv, env=env, capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError(f"perf record {' '.join(argv)} failed: {p.stderr[-400:]}")
        script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,dso"], capture_output=True, text=True)
        for line in script.stdout.splitlines():
            if line.strip():
                total += 1
                kernel += "[kernel.kallsyms]" in line
    return kernel / total if total else 0.0, total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", action="append", required=True, help="our client binary (repeatable: NAME=PATH)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="10k:10,300k:10,3m:4,10m:2",
                        help="SIZE:JOBS,... (k, m suffixes): JOBS runs of each of perf stat and perf record")
    parser.add_argument("--modes", default="plain,lzo")
    args = parser.parse_args()
    for tool in ("perf", "gcc", "/usr/bin/distcc", "/usr/bin/distccd"):
        if not shutil.which(tool):
            sys.exit(f"client-split.py: {tool} missing")

    clients = {"3.4": "/usr/bin/distcc"}
    for spec in args.ours:
        name, _, path = spec.rpartition("=")
        clients[name or "ours"] = os.path.abspath(path)
    work = tempfile.mkdtemp(prefix="client-split.")
    os.chmod(work, 0o755)
    port = daemons.free_port(ADDRESS)
    daemon = subprocess.Popen(["/usr/bin/distccd", "--daemon", "--no-detach", "--allow", "127.0.0.0/8",
                               "--listen", ADDRESS, "--port", str(port), "--jobs", "4", "--nice", "0",
                               "--log-stderr"], stderr=subprocess.DEVNULL)
    try:
        sizes = []
        for spec in args.sizes.split(","):
            size, _, jobs = spec.partition(":")
            scale = {"k": 1_000, "m": 1_000_000}.get(size[-1], 1)
            with open(os.path.join(work, f"s{size}.c"), "w") as f:
                f.write(sources.sized_source(int(size.rstrip("km")) * scale))
            sizes.append((f"s{size}", int(jobs or 10)))
        os.chdir(work)
        wait_port(port)
        results = {}
        warmed = set()
        for r in range(args.rounds):
            for size, jobs in sizes:
                for mode in args.modes.split(","):
                    names = list(clients)
                    names = names[r % len(names):] + names[:r % len(names)]
                    for name in names:
                        env = dict(os.environ, DISTCC_FALLBACK="0", DISTCC_SKIP_LOCAL_RETRY="1",
                                   DISTCC_DIR=os.path.join(work, "dir-" + name),
                                   DISTCC_HOSTS=f"{ADDRESS}:{port}" + (",lzo" if mode == "lzo" else ""))
                        os.makedirs(env["DISTCC_DIR"], exist_ok=True)
                        argv = [clients[name], "gcc", "-O0", "-c", size + ".c", "-o", f"{size}-{name}.o"]
                        if (name, mode) not in warmed:  # the client's caps, history and identity files
                            subprocess.run(argv[:4] + [sizes[0][0] + ".c", "-o", "warm.o"], env=env, check=True)
                            warmed.add((name, mode))
                        cpu, faults = perf_stat(argv, env, jobs)
                        share, samples = kernel_share(argv, env, jobs, work)
                        row = results.setdefault((size, mode, name), {"cpu": [], "user": [], "sys": [], "pf": []})
                        row["cpu"].append(cpu)
                        row["sys"].append(cpu * share)
                        row["user"].append(cpu * (1 - share))
                        row["pf"].append(faults)
                        print(f"round {r} {size} {mode} {name}: CPU {cpu:.3f} ms, user {cpu * (1 - share):.3f}, "
                              f"sys {cpu * share:.3f} ({samples} samples), {faults:.0f} page faults",
                              file=sys.stderr, flush=True)
        print_table(results, clients)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait()
        shutil.rmtree(work, ignore_errors=True)


def wait_port(port):
    import socket
    import time
    for _ in range(500):
        try:
            socket.create_connection((ADDRESS, port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.01)
    sys.exit("client-split.py: distccd did not listen")


def fmt(values):
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def print_table(results, clients):
    print("| size | mode | client | CPU ms | user ms | system ms | page faults | CPU ÷ 3.4 | system ÷ 3.4 |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for (size, mode, name), row in results.items():
        base = results[(size, mode, "3.4")]
        ratio = "" if name == "3.4" else f"{statistics.median(row['cpu']) / statistics.median(base['cpu']):.2f}"
        sys_ratio = "" if name == "3.4" else f"{statistics.median(row['sys']) / statistics.median(base['sys']):.2f}"
        print(f"| {size} | {mode} | {name} | {fmt(row['cpu'])} | {fmt(row['user'])} | {fmt(row['sys'])} | "
              f"{statistics.median(row['pf']):.0f} | {ratio} | {sys_ratio} |")


if __name__ == "__main__":
    main()
