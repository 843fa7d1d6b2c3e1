#!/usr/bin/env python3
"""Pump-mode benchmarks (issue #15), run through Benchmarks/pump/run.sh:

  cpu      client-side CPU of a whole build of the Linux 6.1 subset: pump against plain (ours and 3.4's client)
  plateau  N loopback daemons whose compiler sleeps, real preprocessing here: jobs/s as N grows
  latency  include-server query latency, cold and warm, against `gcc -E` of the same file

Results go to Benchmarks/results/pump.json (merged per scenario) and to the pump section of Docs/performance.md.
Python 3.11 standard library only.
"""

import argparse
import datetime
import fcntl
import json
import os
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from lib import daemons, procs, trees  # noqa: E402
from lib.rounds import rotated  # noqa: E402
import pump_report  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("BENCH_CACHE", "/var/tmp/swift-distcc-bench")
TREE = os.path.join(CACHE, "linux-source-6.1")
from bench import LINUX_SUBSET  # noqa: E402  (the benchmarks' Linux subset)
DEBIAN_CLIENT = "/usr/bin/distcc"
QT = "/usr/include/x86_64-linux-gnu/qt5"
QT_EXAMPLES = "/usr/lib/x86_64-linux-gnu/qt5/examples"
RESULTS = os.path.join(ROOT, "Benchmarks/results/pump.json")
SHM = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else "/tmp"
WARM_QUERIES = 10  # per round; the include server's CPU is read from /proc in clock ticks (10 ms)
NULL_MODE = "Kbuild alone"  # the same build with a compiler that does nothing


def cpu_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class Pump:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.ours = {name: os.path.join(self.bin, name) for name in
                     ("distcc", "distccd", "distcc-pump", "distcc-include-server")}
        self.started = time.monotonic()
        self.work = tempfile.mkdtemp(prefix="pumpbench-", dir="/tmp")
        os.chmod(self.work, 0o755)
        self.reaper = procs.Reaper()
        self.results = {}
        self.daemons = []

    def log(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    # ------------------------------------------------------------------ setup

    def setup(self):
        self.bindir = os.path.join(self.work, "bin")
        os.makedirs(self.bindir)
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
        real_cc = os.path.realpath("/usr/bin/gcc")
        self.measure_bin = os.path.join(self.bindir, "measure")
        self.reaper.run(["gcc", "-O2", "-static", "-o", self.measure_bin, os.path.join(ROOT, "Benchmarks/measure.c")],
                        env)
        self.reaper.run(["gcc", "-O2", f'-DREAL_CC="{real_cc}"', "-o", os.path.join(self.bindir, "sleepcc"),
                         os.path.join(HERE, "sleepcc.c")], env)
        # Masquerade directories: `gcc` is a distcc client, so Kbuild's CC stays `gcc` for every mode.
        self.masquerade = {}
        for label, client in (("ours", self.ours["distcc"]), ("3.4", DEBIAN_CLIENT)):
            d = os.path.join(self.work, f"masquerade-{label}")
            os.makedirs(d)
            os.symlink(client, os.path.join(d, "gcc"))
            self.masquerade[label] = d
        self.tmp = os.path.join(self.work, "client-tmp")
        os.makedirs(self.tmp)
        # Kbuild with a compiler whose compiles cost nothing (sleepcc, no sleep, an empty object): what the build
        # costs the client besides compiling.
        d = os.path.join(self.work, "masquerade-null")
        os.makedirs(d)
        os.symlink(os.path.join(self.bindir, "sleepcc"), os.path.join(d, "gcc"))
        self.masquerade["null"] = d
        self.empty_object = os.path.join(self.work, "empty.o")
        with open(self.empty_object + ".c", "w") as f:
            f.write("/* nothing */\n")
        self.reaper.run(["gcc", "-c", "-o", self.empty_object, self.empty_object + ".c"], env)

    def prepare_linux(self):
        """The benchmarks' Linux tree, prepared once, locked for this run (the tests build in it too)."""
        if getattr(self, "linux_lock", None):
            return
        os.chdir(ROOT)
        self.reaper.run(["bash", os.path.join(ROOT, "Benchmarks/prepare-linux.sh"), CACHE],
                        {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.work, "LC_ALL": "C"},
                        stderr=os.path.join(self.work, "prepare-linux.log"))
        self.linux_lock = open(TREE + ".lock", "a")
        fcntl.flock(self.linux_lock, fcntl.LOCK_EX)
        # Untimed: bring what depends on the CC string up to date for CC=gcc.
        os.chdir(TREE)
        self.reaper.run(self.linux_argv(4, "prepare"), self.env(), stdout=os.path.join(self.work, "warm.log"),
                        stderr=os.path.join(self.work, "warm.err"))

    def env(self, extra=None, path_first=None):
        path = "/usr/bin:/bin" if path_first is None else f"{path_first}:/usr/bin:/bin"
        env = {"PATH": path, "HOME": self.work, "LC_ALL": "C", "TMPDIR": self.tmp}
        env.update(extra or {})
        return env

    def start_daemons(self, count, jobs, path, extra_env=None, base="127.77.0"):
        self.daemons = []
        for i in range(count):
            d = daemons.Daemon(self.reaper, "ours", self.ours["distccd"], f"{base}.{i + 1}", self.work, path, jobs)
            # Job directories on tmpfs, as on a well-kept farm (Docs/distccd.md): a pump job writes every header
            # it receives, and on this machine's ext4 (discard) that file-system cost would land on the client's
            # cores.
            d.tmp = tempfile.mkdtemp(prefix="pumpbench-daemon-", dir=SHM)
            os.chmod(d.tmp, 0o1777)
            d.env["TMPDIR"] = d.tmp
            d.env.update(extra_env or {})
            self.daemons.append(d.start())
        return self.daemons

    def stop_daemons(self):
        cpu = sum(d.stop() for d in self.daemons)
        for d in self.daemons:
            shutil.rmtree(d.tmp, ignore_errors=True)
        self.daemons = []
        return cpu

    def remote_ok(self):
        return sum(d.compiles_ok() for d in self.daemons)

    # ------------------------------------------------------------------ Linux builds

    def clean_subset(self):
        for top in LINUX_SUBSET:
            for base, _, files in os.walk(os.path.join(TREE, top)):
                for name in files:
                    if name.endswith((".o", ".a", ".o.cmd", ".a.cmd", ".o.d")):
                        os.unlink(os.path.join(base, name))

    def subset_objects(self):
        return trees.object_hashes(TREE, LINUX_SUBSET)

    def needed_files(self):
        """The distinct files the subset's compiles read, from the dependency lists Kbuild keeps in
        `.<object>.cmd` (fixdep's rewrite of each compile's `-MMD` file; config wildcards left out)."""
        needed = set()
        for top in LINUX_SUBSET:
            for base, _, files in os.walk(os.path.join(TREE, top)):
                for name in files:
                    if not (name.startswith(".") and name.endswith(".o.cmd")):
                        continue
                    with open(os.path.join(base, name), errors="replace") as f:
                        for line in f:
                            entry = line.strip().rstrip("\\").strip()
                            if line.startswith(("source_", "deps_")):
                                entry = entry.split(":=", 1)[1].strip()
                            elif not line.startswith(" "):
                                continue
                            if entry and not entry.startswith("$(") and entry.endswith((".c", ".h")):
                                needed.add(os.path.normpath(os.path.join(TREE, entry)))
        return needed

    def linux_argv(self, jobs, target=None):
        # HOSTCC named by path: Kbuild's host programs (modpost, objtool) are built by the real gcc whatever
        # `gcc` is on PATH.
        return ["make", f"-j{jobs}", "CC=gcc", "HOSTCC=/usr/bin/gcc"] + ([target] if target else
                                                                      [d + "/" for d in LINUX_SUBSET])

    def linux_env(self, mode, hosts):
        if mode == "local":
            return self.env()
        if mode == NULL_MODE:
            return self.env({"SLEEPCC_MS": "0", "SLEEPCC_OBJECT": self.empty_object},
                            path_first=self.masquerade["null"])
        client = "3.4" if mode == "3.4 plain" else "ours"
        state = os.path.join(self.work, f"state-{mode.replace(' ', '-').replace('.', '')}")
        os.makedirs(state, exist_ok=True)
        if mode == "ours pump":
            hosts = " ".join(h + ",cpp,lzo" for h in hosts.split())
        extra = {"DISTCC_HOSTS": hosts, "DISTCC_DIR": state,
                 "DISTCC_FALLBACK": "0", "DISTCC_SKIP_LOCAL_RETRY": "1"}
        return self.env(extra, path_first=self.masquerade[client])

    def scenario_cpu(self):
        """Client CPU of a clean build of the subset: the whole `make` process tree (make, shells, fixdep, distcc,
        local cpp) by wait4, plus in pump mode the include server (started here as `distcc-pump` starts it, its
        own CPU by wait4 when it stops); and of a no-op `make` after it (Kbuild's own cost)."""
        rounds = self.args.rounds
        self.prepare_linux()
        modes = [m for m in ["local", "ours plain", "ours pump", "3.4 plain", NULL_MODE]
                 if not self.args.cpu_modes or m in self.args.cpu_modes.split(",")]
        self.log(f"cpu: Linux {' '.join(LINUX_SUBSET)}, make -j4, {rounds} rounds x {modes}")
        self.start_daemons(2, 4, "/usr/bin:/bin")
        hosts = " ".join(d.host_spec for d in self.daemons)
        series = {m: {"cpu": [], "wall": [], "noop_cpu": [], "remote": [], "include_server_cpu": []} for m in modes}
        reference, differ = None, {}
        for r in range(rounds):
            for mode in rotated(modes, r):
                self.clean_subset()
                env = self.linux_env(mode, hosts)
                argv = self.linux_argv(4)
                os.chdir(TREE)
                # Untimed: what depends on how `gcc` answers (Kbuild's option checks through a masquerading
                # client) brought up to date, so that every timed build compiles the same files.
                self.reaper.run(self.linux_argv(4, "prepare"), env, stdout=os.path.join(self.work, "warm.log"),
                                stderr=os.path.join(self.work, "warm.err"))
                server = None
                if mode == "ours pump":
                    server, sock = self.start_include_server(env, f"cpu-{r}")
                    env = dict(env, INCLUDE_SERVER_PORT=sock)
                ok0 = self.remote_ok()
                err = os.path.join(self.work, f"cpu-{r}-{mode.replace(' ', '-')}.err")
                wall, code, cpu, _ = self.reaper.measure(self.measure_bin, argv, env,
                                                         stdout=os.path.join(self.work, "cpu.log"), stderr=err)
                self.reaper.drain_orphans()
                if code != 0:
                    raise RuntimeError(f"{mode} build exited {code}: {open(err).read()[-800:]}")
                remote = self.remote_ok() - ok0
                objects = self.subset_objects()
                _, _, noop, _ = self.reaper.measure(self.measure_bin, argv, env,
                                                    stdout=os.path.join(self.work, "noop.log"), stderr=err + ".noop")
                self.reaper.drain_orphans()
                server_cpu = self.stop_include_server(server) if server else 0.0
                s = series[mode]
                s["cpu"].append(cpu + server_cpu)
                s["include_server_cpu"].append(server_cpu)
                s["wall"].append(wall)
                s["noop_cpu"].append(noop)
                s["remote"].append(remote)
                if mode == "local" and reference is None:
                    reference = objects
                elif reference is not None and mode != NULL_MODE:
                    differ.setdefault(mode, set()).update(
                        k for k in set(reference) | set(objects) if reference.get(k) != objects.get(k))
                if server:
                    with open(os.path.join(self.work, f"is-cpu-{r}.err"), errors="replace") as f:
                        stats = [line for line in f.read().splitlines() if "queries" in line]
                    s.setdefault("include_server", []).extend(stats[-1:])
                    s["needed_files"] = len(self.needed_files())
                    if "preprocessing locally" in open(err, errors="replace").read():
                        raise RuntimeError(f"pump build preprocessed locally: see {err}")
                self.log(f"  {mode} round {r}: client CPU {cpu + server_cpu:.2f} s (include server {server_cpu:.2f} s, "
                         f"no-op make {noop:.2f} s), wall {wall:.1f} s, {len(objects)} objects, {remote} remote")
        self.stop_daemons()
        self.results["cpu"] = {
            "rounds": rounds, "subset": LINUX_SUBSET, "objects": len(reference or {}), "series": series,
            "identical": {m: not differ.get(m) for m in modes if m not in ("local", NULL_MODE)},
            "differing": {m: sorted(differ.get(m, ()))[:5] for m in modes if m not in ("local", NULL_MODE)},
            "machine": self.machine(),
        }

    # ------------------------------------------------------------------ the plateau

    def capture_commands(self):
        """The subset's compile commands, as Kbuild runs them (a logging `gcc` first in PATH)."""
        self.prepare_linux()
        capture = os.path.join(self.work, "capture")
        os.makedirs(capture, exist_ok=True)
        log = os.path.join(self.work, "commands.log")
        with open(os.path.join(capture, "gcc"), "w") as f:
            f.write(f"#!/bin/sh\n{{ printf '%s\\0' \"$PWD\" \"$@\"; printf '\\n'; }} >> '{log}'\n"
                    f"exec /usr/bin/gcc \"$@\"\n")
        os.chmod(os.path.join(capture, "gcc"), 0o755)
        self.clean_subset()
        os.chdir(TREE)
        self.reaper.run(self.linux_argv(4), self.env(path_first=capture), stdout=os.path.join(self.work, "cap.log"),
                        stderr=os.path.join(self.work, "cap.err"))
        commands = []
        with open(log, "rb") as f:
            for record in f.read().split(b"\0\n"):
                fields = [x.decode() for x in record.split(b"\0") if x] if record else []
                if len(fields) < 3 or "-c" not in fields:
                    continue
                cwd, args = fields[0], fields[1:]
                source = args[-1]
                if cwd == TREE and source.endswith(".c") and any(source.startswith(t + "/") for t in LINUX_SUBSET):
                    commands.append(args)
        return commands

    @staticmethod
    def retarget(args, index):
        """A captured command writing its object and dependency file beside its source, under names of their own
        (the source's directory is one the daemon recreates in pump mode)."""
        stem = os.path.join(os.path.dirname(args[-1]), f".pumpbench-j{index}")
        result, skip = [], False
        for a in args:
            if skip:
                skip = False
            elif a == "-o":
                result += ["-o", stem + ".o"]
                skip = True
            elif a.startswith(("-Wp,-MMD,", "-Wp,-MD,")):
                result.append(a[:a.index(",", 4) + 1] + stem + ".d")
            else:
                result.append(a)
        return result

    def remove_outputs(self):
        for top in LINUX_SUBSET:
            for base, _, files in os.walk(os.path.join(TREE, top)):
                for name in files:
                    if name.startswith(".pumpbench-j"):
                        os.unlink(os.path.join(base, name))

    def start_include_server(self, env, tag):
        """Starts our include server on a new socket; returns (pid, socket) once it listens (it prints its pid
        on stdout then)."""
        self.servers = getattr(self, "servers", 0) + 1
        sock = os.path.join(self.work, f"is-{tag}-{self.servers}.sock")
        ready = sock + ".ready"
        pid, _ = self.reaper.spawn([self.ours["distcc-include-server"], "--port", sock, "-s", "--ready-on-stdout"],
                                   env, stdout=ready, stderr=os.path.join(self.work, f"is-{tag}.err"))
        self.live_servers = getattr(self, "live_servers", set()) | {pid}
        deadline = time.monotonic() + 20
        while not open(ready).read().strip() if os.path.exists(ready) else True:
            if time.monotonic() > deadline or pid in self.reaper.exited:
                raise RuntimeError(f"include server did not start: see {self.work}/is-{tag}.err")
            time.sleep(0.002)
        return pid, sock

    def stop_include_server(self, pid):
        """SIGTERM; returns its lifetime CPU seconds (wait4)."""
        self.live_servers.discard(pid)
        return procs.stop_tree(self.reaper, pid)

    def scenario_plateau(self):
        a = self.args
        commands = self.capture_commands()
        if not commands:
            raise RuntimeError("no compile commands captured")
        object_file = os.path.join(self.work, "sleep-object.o")
        self.reaper.run(["gcc", "-c", "-o", object_file, os.path.join(HERE, "sleepcc.c")], self.env())
        cmdlist = os.path.join(self.work, "cmdlist")
        with open(cmdlist, "w") as f:
            f.write(os.path.join(self.bindir, "sleepcc") + "\n")
        daemon_env = {"DISTCC_CMDLIST": cmdlist, "DISTCC_CMDLIST_NUMWORDS": "1", "SLEEPCC_MS": str(a.sleep_ms),
                      "SLEEPCC_OBJECT": object_file}
        modes = ["ours plain", "ours pump", "3.4 plain"]
        ns = [int(x) for x in a.farm.split(",")]
        self.log(f"plateau: {len(commands)} Linux compile commands, compiler sleeps {a.sleep_ms} ms, "
                 f"{a.slots} slots per daemon, N in {ns}, {a.rounds} rounds x {modes}")
        points = []
        for n in ns:
            self.start_daemons(n, a.slots, f"{self.bindir}:/usr/bin:/bin", daemon_env, base="127.78.0")
            # Twice as many clients as slots (make -j2×slots), so that a client can preprocess while slots are busy.
            concurrency = 2 * n * a.slots
            jobs = max(a.min_jobs, 2 * concurrency)
            for r in range(a.rounds):
                for mode in rotated(modes, r):
                    self.remove_outputs()
                    point = self.plateau_point(mode, n, concurrency, jobs, commands, r)
                    points.append(point)
                    self.log(f"  N={n:2d} {mode:10s} round {r}: {point['jobs_per_s']:6.1f} jobs/s (ideal "
                             f"{n * a.slots * 1000 / a.sleep_ms:.0f}), client CPU "
                             f"{point['client_cpu_per_job'] * 1e3:5.1f}"
                             f" ms/job, daemons {point['daemon_cpu_per_job'] * 1e3:5.1f} ms/job, machine busy "
                             f"{point['machine_busy'] * 100:.0f}%")
            self.stop_daemons()
        self.remove_outputs()
        self.results["plateau"] = {
            "sleep_ms": a.sleep_ms, "slots": a.slots, "farm": ns, "rounds": a.rounds, "commands": len(commands),
            "points": points, "machine": self.machine(),
        }

    def plateau_point(self, mode, n, concurrency, jobs, commands, r):
        hosts = " ".join(f"{d.host_spec}/{self.args.slots}" + (",cpp,lzo" if mode == "ours pump" else "")
                         for d in self.daemons)
        state = os.path.join(self.work, f"state-plateau-{mode.replace(' ', '-').replace('.', '')}")
        os.makedirs(state, exist_ok=True)
        env = self.env({"DISTCC_HOSTS": hosts, "DISTCC_DIR": state, "DISTCC_FALLBACK": "0",
                        "DISTCC_SKIP_LOCAL_RETRY": "1"}, path_first=self.bindir)
        server_pid = None
        if mode == "ours pump":
            server_pid, sock = self.start_include_server(env, f"{n}-{r}")
            env["INCLUDE_SERVER_PORT"] = sock
        client = DEBIAN_CLIENT if mode == "3.4 plain" else self.ours["distcc"]
        os.chdir(TREE)
        ok0 = self.remote_ok()
        daemon_cpu0 = sum(d.cpu_seconds() for d in self.daemons)
        busy0 = cpu_busy()
        pending = list(range(jobs))
        running = {}
        client_cpu = 0.0
        err = os.path.join(self.work, "plateau.err")
        started = time.perf_counter_ns()
        ended = started
        while pending or running:
            while pending and len(running) < concurrency:
                i = pending.pop(0)
                args = self.retarget(commands[i % len(commands)], i)
                pid, _ = self.reaper.spawn([client, "sleepcc"] + args, env, stderr=err)
                running[pid] = i
            pid, result = self.reaper.wait_any(set(running))
            ended = result.ended_ns
            client_cpu += result.cpu_seconds
            if result.code != 0:
                raise RuntimeError(f"plateau job {running[pid]} ({mode}) exited {result.code}: "
                                   f"{open(err, errors='replace').read()[-600:]}")
            del running[pid]
        wall = (ended - started) / 1e9
        busy1 = cpu_busy()
        self.reaper.drain_orphans()
        server_cpu = self.stop_include_server(server_pid) if server_pid else 0.0
        deadline = time.monotonic() + 5  # a daemon counts the job once its reply is sent
        while (remote := self.remote_ok() - ok0) < jobs and time.monotonic() < deadline:
            time.sleep(0.02)
        if remote != jobs:
            raise RuntimeError(f"plateau {mode} N={n}: {remote} of {jobs} compiled remotely")
        daemon_cpu = sum(d.cpu_seconds() for d in self.daemons) - daemon_cpu0
        return {
            "mode": mode, "n": n, "round": r, "jobs": jobs, "wall": wall, "jobs_per_s": jobs / wall,
            "client_cpu_per_job": (client_cpu + server_cpu) / jobs, "include_server_cpu_per_job": server_cpu / jobs,
            "daemon_cpu_per_job": daemon_cpu / jobs,
            "machine_busy": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        }

    # ------------------------------------------------------------------ include-server latency

    def latency_files(self):
        """(label, cwd, argv) of the files measured: Linux sources with Kbuild's command, Qt examples with
        qmake's flags, Examples/calc."""
        files = []
        linux = self.capture_commands()
        for wanted in ("lib/zlib_inflate/inflate.c", "lib/xz/xz_dec_lzma2.c"):
            for args in linux:
                if args[-1] == wanted:
                    files.append((f"Linux {wanted}", TREE, ["gcc"] + args))
                    break
        qt_dir = os.path.join(self.work, "qt")
        for project, source in (("corelib/threads/mandelbrot", "mandelbrotwidget.cpp"),
                                ("widgets/widgets/analogclock", "analogclock.cpp")):
            target = os.path.join(qt_dir, os.path.basename(project))
            shutil.copytree(os.path.join(QT_EXAMPLES, project), target)
            args = ["g++", "-c", "-pipe", "-g", "-O2", "-std=gnu++11", "-Wall", "-Wextra", "-D_REENTRANT", "-fPIC",
                    "-DQT_NO_DEBUG", "-DQT_WIDGETS_LIB", "-DQT_GUI_LIB", "-DQT_CORE_LIB", "-I.", f"-I{QT}",
                    f"-I{QT}/QtWidgets", f"-I{QT}/QtGui", f"-I{QT}/QtCore", "-I.",
                    "-I/usr/lib/x86_64-linux-gnu/qt5/mkspecs/linux-g++", "-o", source[:-4] + ".o", source]
            files.append((f"Qt {os.path.basename(project)}/{source}", target, args))
        calc = os.path.join(self.work, "calc")
        shutil.copytree(os.path.join(ROOT, "Examples/calc"), calc)
        files.append(("Examples/calc src/eval.c", calc,
                      ["gcc", "-O2", "-Wall", "-Wextra", "-c", "src/eval.c", "-o", "eval.o"]))
        return files

    @staticmethod
    def query(sock, cwd, argv):
        """One 3.4 include-server query; returns (seconds, number of paths)."""
        def packet(token, value):
            return token.encode() + b"%08x" % value

        body = packet("CDIR", len(cwd)) + cwd.encode() + packet("ARGC", len(argv))
        for a in argv:
            body += packet("ARGV", len(a.encode())) + a.encode()
        started = time.perf_counter()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(sock)
            s.sendall(body)
            data = b""
            while chunk := s.recv(1 << 16):
                data += chunk
        elapsed = time.perf_counter() - started
        if data[:4] != b"ARGC":
            raise RuntimeError(f"include server answered {data[:40]!r}")
        return elapsed, int(data[4:12], 16)

    def scenario_latency(self):
        a = self.args
        files = self.latency_files()
        rounds = max(3, a.rounds)
        self.log(f"latency: {len(files)} files, {rounds} rounds")
        series = {label: {"cold": [], "cold_cpu": [], "cold_probed": [], "warm": [], "warm_cpu": [], "cpp_wall": [],
                          "cpp_cpu": [], "paths": 0}
                  for label, _, _ in files}
        env = self.env(path_first=None)
        for r in range(rounds):
            for label, cwd, argv in rotated(files, r):
                s = series[label]
                # Cold: a fresh include server (compiler probe and every parse).
                pid, sock = self.start_include_server(env, "lat")
                cpu0 = procs.tree_cpu_seconds(pid)
                elapsed, paths = self.query(sock, cwd, argv)
                cpu1 = procs.tree_cpu_seconds(pid)
                s["cold"].append(elapsed)
                s["cold_cpu"].append(cpu1 - cpu0)
                s["paths"] = paths
                if paths == 0:
                    raise RuntimeError(f"include server gave up on {label}")
                for _ in range(WARM_QUERIES):
                    s["warm"].append(self.query(sock, cwd, argv)[0])
                s["warm_cpu"].append((procs.tree_cpu_seconds(pid) - cpu1) / WARM_QUERIES)
                self.stop_include_server(pid)
                # Cold with the compiler already probed: a first query for an empty file of the same language.
                pid, sock = self.start_include_server(env, "lat")
                source = argv[-1]
                empty = os.path.join(cwd, "pumpbench-empty" + os.path.splitext(source)[1])
                open(empty, "w").close()
                self.query(sock, cwd, argv[:-1] + [empty])
                s["cold_probed"].append(self.query(sock, cwd, argv)[0])
                self.stop_include_server(pid)
                os.unlink(empty)
                # gcc -E of the same command.
                cpp = [x for x in argv if x != "-c"]
                cpp = [("-E" if x == "-o" else x) for x in cpp]
                cpp = cpp[:cpp.index("-E") + 1] + ["-o", os.path.join(self.work, "latency.i")] + \
                    cpp[cpp.index("-E") + 2:]
                os.chdir(cwd)
                wall, code, cpu, _ = self.reaper.measure(self.measure_bin, [shutil.which(cpp[0])] + cpp[1:], env,
                                                         stderr=os.path.join(self.work, "latency.err"))
                if code != 0:
                    raise RuntimeError(f"{' '.join(cpp)} exited {code}")
                s["cpp_wall"].append(wall)
                s["cpp_cpu"].append(cpu)
                self.reaper.drain_orphans()
            self.log(f"  round {r} done")
        self.results["latency"] = {"rounds": rounds, "series": series, "machine": self.machine()}

    # ------------------------------------------------------------------ run

    def machine(self):
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        return {"nproc": os.cpu_count(), "load": load,
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "commit": os.environ.get("BENCH_COMMIT", "unknown")}

    def run(self, scenarios):
        procs.become_subreaper()
        try:
            self.setup()
            for name in scenarios:
                getattr(self, f"scenario_{name}")()
        finally:
            for pid in list(getattr(self, "live_servers", ())):
                self.stop_include_server(pid)
            self.stop_daemons()
            self.reaper.drain_orphans()
            os.chdir(ROOT)
            if not self.args.keep:
                shutil.rmtree(self.work, ignore_errors=True)
        return self.results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="cpu,plateau,latency", help="comma-separated: cpu,plateau,latency")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--farm", default="1,2,4,8,16", help="plateau: daemon counts")
    parser.add_argument("--slots", type=int, default=2, help="plateau: jobs per daemon")
    parser.add_argument("--sleep-ms", type=int, default=500, help="plateau: the remote compile's duration")
    parser.add_argument("--min-jobs", type=int, default=40, help="plateau: jobs per point at least")
    parser.add_argument("--cpu-modes", help="cpu: a subset of local,ours plain,ours pump,3.4 plain,Kbuild alone")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--render", action="store_true", help="only rewrite the doc section from pump.json")
    args = parser.parse_args()
    stored = {}
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            stored = json.load(f)
    if not args.render:
        stored.update(Pump(args).run(args.only.split(",")))
        with open(RESULTS, "w") as f:
            json.dump(stored, f, indent=1, sort_keys=True)
    text = pump_report.render(stored)
    print(text)
    if not args.no_doc:
        pump_report.write_doc(os.path.join(ROOT, "Docs/performance.md"), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
