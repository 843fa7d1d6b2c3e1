#!/usr/bin/env python3
"""Client CPU per job for one large C++ translation unit (Qt's threads/mandelbrot/renderthread.cpp), for several
distcc clients against one daemon of ours on loopback, interleaved, and the CPU of the preprocessor alone.

  Benchmarks/client-cpu.py --daemon DISTCCD --client NAME=DISTCC [--client ...] [--rounds 3] [--jobs 5]
                           [--callgrind 1]
  Benchmarks/client-cpu.py --corelib-cpp 3

With --corelib-cpp ROUNDS it measures instead the sum, over the 49 translation units of Qt's corelib examples
(qmake's flags, moc files included), of the CPU of `g++ -E` alone and of `g++ -E -fdirectives-only` alone: how
much of a whole build's client CPU is the preprocessor's own.

Per job: user+sys CPU of the client's process tree (wait4 via Benchmarks/measure.c: the client and the
preprocessor it waits for). "Beyond cpp" subtracts the median CPU of the preprocessor run alone: `g++ -E
-fdirectives-only` for clients that sent directives-only requests (the daemon's log says so), `g++ -E` for the
others. Every client gets one untimed warm-up job first (ours: the host's announcement and the pragma cache).
With --callgrind N, each client's own process (not its children) is run N times under callgrind and its
instruction count printed. Prints medians with [min-max] over every job.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "/usr/lib/x86_64-linux-gnu/qt5/examples/corelib/threads/mandelbrot"


def free_address():
    address = "127.%d.%d.%d" % (os.getpid() % 200 + 20, int(time.time()) % 250 + 1, 77)
    with socket.socket() as s:
        s.bind((address, 0))
        return address, s.getsockname()[1]


def cpu_ms(measure, result, argv, env, cwd):
    subprocess.run([measure, result] + argv, env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fields = open(result).read().split()
    if fields[1] != "0":
        raise SystemExit("client-cpu: %s exited with wait status %s" % (argv[0], fields[1]))
    return (int(fields[2]) + int(fields[3])) / 1000.0, int(fields[3]) / 1000.0


def cpp_command(flags):
    """The compile command's flags as a preprocessor's: -c turned into -E, -o and its operand dropped."""
    cpp, skip = [], False
    for word in flags:
        if skip:
            skip = False
        elif word == "-o":
            skip = True
        else:
            cpp.append("-E" if word == "-c" else word)
    return cpp


def summary(values):
    return "%.1f [%.1f-%.1f]" % (statistics.median(values), min(values), max(values))


LOGGER = """#!/bin/sh
printf '%s\\0' "$PWD" "$@" > "$CPP_LOG/$(date +%s%N).$$"
while [ $# -gt 0 ]; do [ "$1" = -o ] && : > "$2"; shift; done
"""


def corelib_cpp(rounds):
    """Sums of `g++ -E` and `g++ -E -fdirectives-only` CPU over the corelib examples' compile commands."""
    work = tempfile.mkdtemp(prefix="corelib-cpp.")
    try:
        measure = os.path.join(work, "measure")
        subprocess.run(["cc", "-O2", "-o", measure, os.path.join(ROOT, "Benchmarks/measure.c")], check=True)
        tree = os.path.join(work, "corelib")
        shutil.copytree(os.path.dirname(os.path.dirname(SOURCE)), tree)
        logs = os.path.join(work, "log")
        os.mkdir(logs)
        logger = os.path.join(work, "logcxx")
        with open(logger, "w") as f:
            f.write(LOGGER)
        os.chmod(logger, 0o755)
        subprocess.run(["qmake", "-r"], cwd=tree, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["make", "-k", "-j2", "CXX=" + logger, "LINK=true"], cwd=tree, env=dict(os.environ, CPP_LOG=logs),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = []
        for name in sorted(os.listdir(logs)):
            words = open(os.path.join(logs, name), "rb").read().decode().split("\0")[:-1]
            cwd, flags = words[0], words[1:]
            if "-c" not in flags:
                continue
            commands.append((cwd, cpp_command(flags) + ["-o", os.path.join(work, "cpp.out")]))
        gxx = shutil.which("g++")
        sums = {"full": [], "directives": []}
        for _ in range(rounds):
            for mode, extra in (("full", []), ("directives", ["-fdirectives-only"])):
                total = system = 0.0
                for cwd, argv in commands:
                    t, s_ = cpu_ms(measure, os.path.join(work, "r"), [gxx] + argv + extra, os.environ, cwd)
                    total += t
                    system += s_
                sums[mode].append((total, system))
        print("corelib examples: %d compile commands, %d rounds; CPU summed over them, ms, median [min-max]"
              % (len(commands), rounds))
        for mode, label in (("full", "g++ -E"), ("directives", "g++ -E -fdirectives-only")):
            print("%-28s total %s  sys %s" % (label, summary([t for t, _ in sums[mode]]),
                                               summary([s_ for _, s_ in sums[mode]])))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corelib-cpp", type=int, default=0)
    parser.add_argument("--daemon")
    parser.add_argument("--client", action="append")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--callgrind", type=int, default=0)
    args = parser.parse_args()
    if args.corelib_cpp:
        return corelib_cpp(args.corelib_cpp)
    clients = [tuple(c.split("=", 1)) for c in args.client]
    work = tempfile.mkdtemp(prefix="client-cpu.")
    daemon = None
    try:
        measure = os.path.join(work, "measure")
        subprocess.run(["cc", "-O2", "-o", measure, os.path.join(ROOT, "Benchmarks/measure.c")], check=True)
        tree = os.path.join(work, "mandelbrot")
        shutil.copytree(SOURCE, tree)
        subprocess.run(["qmake"], cwd=tree, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        make = subprocess.run(["make", "-n"], cwd=tree, capture_output=True, text=True).stdout
        command = next(line for line in make.splitlines() if " -c " in line and "renderthread.cpp" in line)
        words = command.split()
        flags = words[1:]
        cpp = cpp_command(flags)
        cpp_out = os.path.join(work, "cpp.out")
        address, port = free_address()
        log = os.path.join(work, "distccd.log")
        daemon = subprocess.Popen(
            [args.daemon, "--daemon", "--no-detach", "--listen", address, "--port", str(port), "--allow",
             "127.0.0.0/8", "--jobs", "2", "--log-stderr", "--log-level", "info"],
            stderr=open(log, "w"))
        for _ in range(100):
            if "daemon started" in open(log).read():
                break
            time.sleep(0.1)
        time.sleep(1.1)  # the copied tree's files settle (the pragma cache remembers settled files only)
        env = dict(os.environ, DISTCC_HOSTS="%s:%d/2" % (address, port), DISTCC_FALLBACK="0",
                   DISTCC_SKIP_LOCAL_RETRY="1")
        dirs = {}
        directives = {}
        for name, path in clients:
            dirs[name] = os.path.join(work, "distcc-" + name)
            os.mkdir(dirs[name])
            client_env = dict(env, DISTCC_DIR=dirs[name])
            before = open(log).read().count("directives-only request")
            for _ in range(2):
                cpu_ms(measure, os.path.join(work, "r"), [path, "g++"] + flags, client_env, tree)
            directives[name] = open(log).read().count("directives-only request") > before
        samples = {name: [] for name, _ in clients}
        sys_samples = {name: [] for name, _ in clients}
        alone = {"full": [], "directives": []}
        gxx = shutil.which("g++")
        for _ in range(args.rounds):
            for name, path in clients:
                client_env = dict(env, DISTCC_DIR=dirs[name])
                for _ in range(args.jobs):
                    total, system = cpu_ms(measure, os.path.join(work, "r"), [path, "g++"] + flags, client_env, tree)
                    samples[name].append(total)
                    sys_samples[name].append(system)
            for _ in range(args.jobs):
                alone["full"].append(cpu_ms(measure, os.path.join(work, "r"), [gxx] + cpp + ["-o", cpp_out], env, tree)[0])
                alone["directives"].append(cpu_ms(
                    measure, os.path.join(work, "r"), [gxx] + cpp + ["-fdirectives-only", "-o", cpp_out], env, tree)[0])
        print("renderthread.cpp: %d rounds x %d jobs per client, interleaved; ms of CPU per job, median [min-max]"
              % (args.rounds, args.jobs))
        print("%-28s %s" % ("g++ -E alone", summary(alone["full"])))
        print("%-28s %s" % ("g++ -E -fdirectives-only alone", summary(alone["directives"])))
        for name, _ in clients:
            base = statistics.median(alone["directives" if directives[name] else "full"])
            beyond = [s - base for s in samples[name]]
            print("%-28s client %s  sys %s  beyond cpp %s  (%s)" % (
                name, summary(samples[name]), summary(sys_samples[name]), summary(beyond),
                "directives-only" if directives[name] else "full .i"))
        for name, path in clients:
            for run in range(args.callgrind):
                out = os.path.join(work, "callgrind.%s.%d" % (name, run))
                client_env = dict(env, DISTCC_DIR=dirs[name])
                result = subprocess.run(
                    ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, path, "g++"] + flags,
                    env=client_env, cwd=tree, capture_output=True, text=True)
                counts = [line for line in result.stderr.splitlines() if "Collected" in line]
                print("%-28s callgrind: %s" % (name, counts[-1].split(":")[-1].strip() if counts else "?"))
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
