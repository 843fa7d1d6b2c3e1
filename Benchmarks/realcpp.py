#!/usr/bin/env python3
"""Real C++: Qt 5's corelib examples through distcc 3.4, ours (plain and pump) and icecream 1.4, interleaved.

Run through `Benchmarks/run.sh --realcpp` (which builds our release binaries first). A farm in network
namespaces (`realcpp-*`, link-local addresses): a client, two compile nodes, icecream's scheduler. Each round
measures one translation unit per system and a whole `make -j4` per system; every job must compile remotely
and every object must equal the local build's, or the run exits 1 with one line naming the system.
Python 3.11 standard library only. Method and results: Docs/performance.md, "Real C++".
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import binaries, farmdaemons, netns, procs, trees  # noqa: E402
from lib.docsection import replace_section  # noqa: E402
from lib.rounds import rotated  # noqa: E402
from lib.stats import Summary, safe_ratio  # noqa: E402
from lib.trees import sha256  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.dirname(binaries.OUR_CLIENT)
DEBIAN_CLIENT = binaries.DEBIAN_CLIENT
DAEMONS = {"3.4": binaries.DEBIAN_DAEMON, "ours": binaries.OUR_DAEMON}
PORTS = {"3.4": (3632, 3642), "ours": (3633, 3643)}  # compile port, --stats port
QT_EXAMPLES = "/usr/lib/x86_64-linux-gnu/qt5/examples/corelib"
TU_DIR, TU = "threads/mandelbrot", "renderthread.cpp"
MACHINES = {"client": "77.1", "sched": "77.2", "n1": "77.11", "n2": "77.12"}
NODES = ["n1", "n2"]
NODE_JOBS = 2
MAKE_JOBS = 4
PREFIX = os.environ.get("REALCPP_PREFIX", "realcpp")  # network namespaces `<PREFIX>-<machine>`
CACHE = os.environ.get("BENCH_CACHE", "/var/tmp/swift-distcc-bench")
DOC_BEGIN = "<!-- realcpp:begin (written by Benchmarks/run.sh --realcpp; edit outside these markers) -->"
DOC_END = "<!-- realcpp:end -->"


class System:
    """One way of building: a distcc client against one kind of daemon (optionally under distcc-pump, or with
    extra environment), or icecream."""

    def __init__(self, name, kind, client=None, daemon=None, host_options="", pump=False, env=None, what=""):
        self.name, self.kind, self.client, self.daemon = name, kind, client, daemon
        self.host_options, self.pump, self.env, self.what = host_options, pump, env or {}, what


OUR_CLIENT = binaries.OUR_CLIENT
SYSTEMS = [
    System("distcc 3.4", "distcc", DEBIAN_CLIENT, "3.4", what="Debian's distcc and distccd 3.4"),
    System("ours", "distcc", OUR_CLIENT, "ours", what="our distcc and distccd, defaults"),
    System("ours, directives-only off", "distcc", OUR_CLIENT, "ours", env={"DISTCC_DIRECTIVES_ONLY": "0"},
           what="ours with DISTCC_DIRECTIVES_ONLY=0 (full preprocessing on the client)"),
    System("ours, pump", "distcc", OUR_CLIENT, "ours", host_options=",cpp,lzo", pump=True,
           what="our distcc-pump, include server and client, `,cpp,lzo` hosts"),
    System("icecream 1.4", "icecream", what="Debian's icecc 1.4"),
]
BY_KEY = {"3.4": "distcc 3.4", "ours": "ours", "ours-dirs-off": "ours, directives-only off",
          "pump": "ours, pump", "icecream": "icecream 1.4"}
# ours-dirs-off joins the default when our client has directives-only preprocessing (issue 22) to turn off.
DEFAULT = ["3.4", "ours", "ours-dirs-off", "pump", "icecream"]
PUMP_NAMES = {s.name for s in SYSTEMS if s.pump}


def local_cpp(system):
    """How a system preprocesses on the client: "none" (pump), "directives-only" (icecream; our client when it
    has directives-only preprocessing, issue 22, and DISTCC_DIRECTIVES_ONLY is not 0) or "full"."""
    if system.pump:
        return "none"
    if system.kind == "icecream":
        return "directives-only"
    if system.client == OUR_CLIENT and system.env.get("DISTCC_DIRECTIVES_ONLY") != "0":
        with open(OUR_CLIENT, "rb") as f:
            if b"DISTCC_DIRECTIVES_ONLY" in f.read():
                return "directives-only"
    return "full"


class Run:
    def __init__(self, args):
        self.rounds, self.reps, self.keep = args.rounds, args.reps, args.keep
        self.fresh_reference = args.fresh_reference
        self.subset = args.subset  # one subdirectory of corelib (a quick try), or None for all of it
        self.systems = [next(s for s in SYSTEMS if s.name == BY_KEY[k]) for k in args.systems.split(",")]
        self.started = time.monotonic()
        self.work = tempfile.mkdtemp(prefix="realcpp-", dir="/tmp")
        os.chmod(self.work, 0o755)
        self.reaper = procs.Reaper()
        self.farm = netns.Farm(PREFIX, MACHINES)
        self.distccd = {}
        self.icecream = None
        self.include_server = None
        self.failures = []
        self.checks = []
        self.results = {"per_job": {}, "build": {}, "systems": [s.name for s in self.systems],
                        "local_cpp": {s.name: local_cpp(s) for s in self.systems}}

    # ------------------------------------------------------------------ plumbing

    def log(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    def check(self, ok, system, what):
        self.checks.append({"ok": bool(ok), "system": system, "what": what})
        if not ok:
            self.failures.append(f"{system}: {what}")
            self.log(f"FAILED CHECK: {system}: {what}")
        return ok

    def tool(self, name):
        out = os.path.join(self.work, "bin", name)
        subprocess.run(["gcc", "-O2", "-static", "-o", out, os.path.join(ROOT, f"Benchmarks/{name}.c")], check=True)
        return out

    def measure(self, argv, env, cwd, tag):
        """Runs argv on the client machine under measure.c: (user s, sys s, wall s) of its whole process tree
        (every process in it is waited for by its parent, so wait4 holds them all). Raises if it failed."""
        result = os.path.join(self.work, f"{tag}.measure")
        err = os.path.join(self.work, f"{tag}.stderr")
        program = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env["PATH"])
        os.chdir(cwd)
        pid, _ = self.reaper.spawn(self.farm.argv("client", [self.measure_bin, result, program] + argv[1:]), env,
                                   stdout=os.path.join(self.work, f"{tag}.stdout"), stderr=err)
        if self.reaper.wait(pid).code != 0:
            raise RuntimeError(f"measure failed for {' '.join(argv)}")
        with open(result) as f:
            wall_ns, status, user_us, sys_us, _ = (int(x) for x in f.read().split())
        os.unlink(result)
        self.reaper.drain_orphans()
        if os.waitstatus_to_exitcode(status) != 0:
            with open(err, errors="replace") as f:
                tail = f.read()[-400:].strip().replace("\n", " | ")
            raise RuntimeError(f"exit {os.waitstatus_to_exitcode(status)}: {tail}")
        return user_us / 1e6, sys_us / 1e6, wall_ns / 1e9

    # ------------------------------------------------------------------ setup

    def setup(self):
        os.makedirs(os.path.join(self.work, "bin"))
        self.measure_bin = self.tool("measure")
        self.cpulog_bin = self.tool("cpulog")
        self.pristine = os.path.join(self.work, "pristine")
        if self.subset:
            shutil.copytree(os.path.join(QT_EXAMPLES, self.subset), os.path.join(self.pristine, self.subset),
                            symlinks=True)
        else:
            shutil.copytree(QT_EXAMPLES, self.pristine, symlinks=True)
        subprocess.run(["qmake", "-r"], cwd=os.path.join(self.pristine, self.subset or ""), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.tu_argv = self.tu_command()
        reference = os.path.join(self.work, "tu-reference.o")
        subprocess.run(self.tu_argv + ["-o", reference], cwd=os.path.join(self.pristine, TU_DIR), check=True)
        self.tu_reference = sha256(reference)
        self.farm.create()
        self.log(f"farm: namespaces {', '.join(self.farm.made)}; client {self.farm.address('client')}, nodes "
                 + ", ".join(self.farm.address(n) for n in NODES))
        kinds = {s.daemon for s in self.systems if s.kind == "distcc"}
        for kind in sorted(kinds):
            self.distccd[kind] = [
                farmdaemons.Distccd(self.reaper, self.farm, kind, DAEMONS[kind], node, *PORTS[kind], self.work,
                                    NODE_JOBS).start() for node in NODES]
            self.log(f"distccd {kind}: " + " ".join(d.host for d in self.distccd[kind]))
        if any(s.kind == "icecream" for s in self.systems):
            t0 = time.monotonic()
            self.icecream = farmdaemons.Icecream(self.reaper, self.farm, "sched", "client", NODES, self.work,
                                                 NODE_JOBS).start()
            self.log(f"icecream: scheduler and 3 iceccd logged in after {time.monotonic() - t0:.1f} s")
        self.state = os.path.join(self.work, "distcc-state")
        os.makedirs(self.state)
        if any(s.pump for s in self.systems):
            self.start_include_server()
        self.results["machine"] = self.machine()

    def tu_command(self):
        """The compile command of the per-job translation unit, as its Makefile runs it."""
        makefile = os.path.join(self.pristine, TU_DIR, "Makefile")
        variables = {}
        with open(makefile) as f:
            for line in f:
                if "=" in line and not line.startswith(("\t", "#")):
                    key, _, value = line.partition("=")
                    variables[key.strip()] = value.strip()
        flags = variables["CXXFLAGS"].replace("$(DEFINES)", variables["DEFINES"]).split()
        return ["g++", "-c"] + flags + variables["INCPATH"].split() + [TU]

    def hosts(self, system):
        return " ".join(f"{d.host}/{NODE_JOBS}{system.host_options}" for d in self.distccd[system.daemon])

    def env(self, system=None):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.work, "LC_ALL": "C",
               "TMPDIR": os.path.join(self.work, "client-tmp")}
        os.makedirs(env["TMPDIR"], exist_ok=True)
        if system is None:
            return env
        env.update(system.env)
        if system.kind == "distcc":
            env.update({"DISTCC_HOSTS": self.hosts(system), "DISTCC_FALLBACK": "0", "DISTCC_SKIP_LOCAL_RETRY": "1",
                        "DISTCC_DIR": self.state})
        else:
            # ICECC_DEBUG=warning: its fallbacks to local compiles say so on stderr (the node logs decide).
            env.update({"ICECC_TEST_SOCKET": self.icecream.socket, "ICECC_DEBUG": "warning"})
        return env

    def start_include_server(self):
        """One include server for the per-job pump runs (`distcc-pump --startup`), as a long build has one."""
        pump = next(s for s in self.systems if s.pump)
        out = os.path.join(self.work, "pump-startup.out")
        os.chdir(self.pristine)
        pid, _ = self.reaper.spawn(self.farm.argv("client", [os.path.join(RELEASE, "distcc-pump"), "--startup"]),
                                   self.env(pump), stdout=out, stderr=out + ".err")
        if self.reaper.wait(pid).code != 0:
            raise RuntimeError(f"distcc-pump --startup failed: see {out}.err")
        exports = {}
        with open(out) as f:
            for line in f:
                if line.startswith("export "):
                    key, _, value = line[len("export "):].strip().partition("=")
                    exports[key] = value.strip("'")
        self.include_server = {k: exports[k] for k in ("INCLUDE_SERVER_PID", "INCLUDE_SERVER_DIR",
                                                       "INCLUDE_SERVER_PORT")}
        # Detached, so orphaned to this process (a child subreaper): reaped here at shutdown.
        self.reaper.watched.add(int(exports["INCLUDE_SERVER_PID"]))

    def stop_include_server(self):
        if self.include_server is None:
            return
        pump = next(s for s in self.systems if s.pump)
        env = dict(self.env(pump), **self.include_server)
        pid, _ = self.reaper.spawn(self.farm.argv("client", [os.path.join(RELEASE, "distcc-pump"), "--shutdown"]),
                                   env)
        self.reaper.wait(pid)
        server = int(self.include_server["INCLUDE_SERVER_PID"])
        self.reaper.wait(server, timeout=10)
        self.include_server = None

    def include_server_cpu(self):
        return procs.tree_cpu_seconds(int(self.include_server["INCLUDE_SERVER_PID"]))

    # ------------------------------------------------------------------ remote, really

    def remote_count(self, system):
        if system.kind == "icecream":
            return sum(self.icecream.remote_jobs().values())
        return sum(d.compiles_ok() for d in self.distccd[system.daemon])

    def remote_since(self, system, before, expected):
        """Jobs compiled remotely since the count was `before`. A daemon counts a job once its reply is sent,
        which the client may have read and exited on already: the count is read again for up to 3 s until it
        reaches `expected`."""
        deadline = time.monotonic() + 3
        while True:
            got = self.remote_count(system) - before
            if got >= expected or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    # ------------------------------------------------------------------ one translation unit

    def icecream_first_job(self):
        """icecream's first job builds the compiler tarball on the client and ships it: reported apart. Then
        jobs in parallel until both nodes hold the environment, so no round pays for a transfer."""
        system = next(s for s in self.systems if s.kind == "icecream")
        cwd = os.path.join(self.pristine, TU_DIR)
        cpu0 = self.icecream.client_daemon_cpu()
        before = self.remote_count(system)
        user, sys_, wall = self.measure(["icecc"] + self.tu_argv + ["-o", os.path.join(self.work, "first.o")],
                                        self.env(system), cwd, "icecream-first")
        daemon_cpu = self.icecream.client_daemon_cpu() - cpu0
        remote = self.remote_count(system) - before
        tarballs = self.icecream.environment_tarballs()
        first = {"wall": wall, "user": user, "sys": sys_, "client_iceccd_cpu": daemon_cpu, "remote": remote,
                 "tarball_bytes": sum(os.path.getsize(t) for t in tarballs)}
        self.check(remote == 1, system.name, f"first job compiled remotely ({remote} of 1)")
        for attempt in range(6):
            if all(self.icecream.installed_environments().values()):
                break
            pids = []
            for i in range(2 * NODE_JOBS):
                argv = self.farm.argv("client", ["/usr/bin/icecc"] + self.tu_argv
                                      + ["-o", os.path.join(self.work, f"warm{i}.o")])
                os.chdir(cwd)
                pids.append(self.reaper.spawn(argv, self.env(system))[0])
            for pid in pids:
                self.reaper.wait(pid)
        first["environments_installed"] = self.icecream.installed_environments()
        self.check(all(first["environments_installed"].values()), system.name,
                   f"both nodes hold the compiler environment ({first['environments_installed']})")
        self.results["icecream_first_job"] = first
        self.log(f"icecream first job: {wall:.2f} s wall, client {1e3 * (user + sys_):.0f} ms CPU, client iceccd "
                 f"{daemon_cpu:.2f} s CPU, tarball {first['tarball_bytes'] / 1e6:.1f} MB")

    def per_job_round(self, r):
        cwd = os.path.join(self.pristine, TU_DIR)
        out = os.path.join(self.work, "tu.o")
        ii = os.path.join(self.work, "tu.ii")
        baselines = [("local", self.tu_argv + ["-o", out]),
                     ("cpp", self.tu_argv[:1] + ["-E"] + self.tu_argv[2:] + ["-o", ii]),
                     ("cpp -fdirectives-only", self.tu_argv[:1] + ["-E", "-fdirectives-only"] + self.tu_argv[2:]
                      + ["-o", ii])]
        for who in rotated(baselines + list(self.systems), r):
            name = who[0] if isinstance(who, tuple) else who.name
            series = self.results["per_job"].setdefault(name, {"user": [], "sys": [], "wall": [], "extra": []})
            if isinstance(who, tuple):
                for _ in range(self.reps):
                    u, s, w = self.measure(who[1], self.env(), cwd, "tu-local")
                    series["user"].append(u), series["sys"].append(s), series["wall"].append(w)
                    series["extra"].append(0.0)
                continue
            system = who
            argv = ([system.client] if system.kind == "distcc" else ["/usr/bin/icecc"]) + self.tu_argv + ["-o", out]
            env = self.env(system)
            if system.pump:
                env.update(self.include_server)
            before = self.remote_count(system)
            extra0 = (self.include_server_cpu() if system.pump else
                      self.icecream.client_daemon_cpu() if system.kind == "icecream" else 0.0)
            try:
                for _ in range(self.reps):
                    if os.path.exists(out):
                        os.unlink(out)
                    u, s, w = self.measure(argv, env, cwd, "tu")
                    series["user"].append(u), series["sys"].append(s), series["wall"].append(w)
                    self.check(sha256(out) == self.tu_reference, system.name,
                               f"{TU}: object identical to the local compile (round {r})")
            except RuntimeError as error:
                self.check(False, system.name, f"{TU} failed: {error}")
                continue
            extra = (self.include_server_cpu() if system.pump else
                     self.icecream.client_daemon_cpu() if system.kind == "icecream" else 0.0) - extra0
            series["extra"] += [extra / self.reps] * self.reps
            got = self.remote_since(system, before, self.reps)
            self.check(got == self.reps, system.name, f"{TU}: {got} of {self.reps} jobs compiled remotely (round {r})")

    # ------------------------------------------------------------------ whole build

    def build(self, system, r):
        name = "local" if system is None else system.name
        tree = os.path.join(self.work, f"build-{r}-{name.replace(' ', '_').replace(',', '')}")
        shutil.copytree(self.pristine, tree, symlinks=True)
        cpulog = tree + ".cpulog"
        if system is None:
            prefix = ""
        elif system.kind == "distcc":
            prefix = system.client + " "
        else:
            prefix = "/usr/bin/icecc "
        argv = ["make", f"-j{MAKE_JOBS}", f"CXX={self.cpulog_bin} {cpulog} {prefix}g++"]
        if system is not None and system.pump:
            argv = [os.path.join(RELEASE, "distcc-pump")] + argv
        env = self.env(system)
        before = self.remote_count(system) if system else 0
        daemon0 = self.icecream.client_daemon_cpu() if system and system.kind == "icecream" else 0.0
        try:
            user, sys_, wall = self.measure(argv, env, os.path.join(tree, self.subset or ""), "build")
        except RuntimeError as error:
            self.check(False, name, f"make failed in round {r}: {error}")
            return
        finally:
            self.reaper.drain_orphans()
        compile_user = compile_sys = 0.0
        jobs = 0
        with open(cpulog) as f:
            for line in f:
                u, s = line.split()
                compile_user += int(u) / 1e6
                compile_sys += int(s) / 1e6
                jobs += 1
        objects = trees.object_hashes(tree, [""])
        row = {"user": user, "sys": sys_, "wall": wall, "compile_user": compile_user, "compile_sys": compile_sys,
               "compile_jobs": jobs, "objects": len(objects)}
        if system is None:
            self.reference = objects
        else:
            got = self.remote_since(system, before, len(self.reference))
            row["remote"] = got
            if system.kind == "icecream":
                row["client_iceccd_cpu"] = self.icecream.client_daemon_cpu() - daemon0
            self.check(got == len(self.reference), name,
                       f"whole build round {r}: {got} of {len(self.reference)} objects compiled remotely")
            differ = sorted(k for k in set(self.reference) | set(objects) if self.reference.get(k) != objects.get(k))
            self.check(not differ, name, f"whole build round {r}: {len(differ)} objects differ from the local build"
                       + (f" ({', '.join(differ[:4])})" if differ else ""))
        self.results["build"].setdefault(name, []).append(row)
        self.log(f"  build {name} round {r}: client {user + sys_:.2f} s CPU (user {user:.2f}, sys {sys_:.2f}; "
                 f"compile commands {compile_user + compile_sys:.2f}), wall {wall:.1f} s, {len(objects)} objects")
        if not self.keep:
            shutil.rmtree(tree, ignore_errors=True)

    def local_reference(self):
        """The local build: the objects every system must reproduce, and the "local" row. Kept in CACHE under a
        key of the compiler's, Qt's and libc's package versions, so later runs skip it (`--fresh-reference`)."""
        versions = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "g++-12", "gcc-12",
                                   "libc6-dev", "qtbase5-dev", "qtbase5-examples", "libqt5core5a"],
                                  capture_output=True, text=True).stdout
        key = hashlib.sha256(f"{versions}{self.subset}{MAKE_JOBS}{self.tu_argv}".encode()).hexdigest()[:16]
        cached = os.path.join(CACHE, f"realcpp-reference-{key}.json")
        if not self.fresh_reference and os.path.exists(cached):
            with open(cached) as f:
                saved = json.load(f)
            self.reference = saved["objects"]
            self.results["build"]["local"] = saved["rows"]
            self.results["local_cached"] = saved["date"]
            self.log(f"local build: reference objects of {saved['date']} from {cached}")
            return
        self.log(f"local build (the reference objects), make -j{MAKE_JOBS}")
        self.build(None, 0)
        os.makedirs(CACHE, exist_ok=True)
        with open(cached, "w") as f:
            json.dump({"objects": self.reference, "rows": self.results["build"]["local"],
                       "date": self.results["machine"]["date"], "versions": versions}, f, indent=1)

    # ------------------------------------------------------------------ run

    def machine(self):
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "nproc": os.cpu_count(), "kernel": platform.release(), "load_at_start": load, "gxx": gxx,
                "commit": os.environ.get("BENCH_COMMIT", "unknown")}

    def run(self):
        procs.become_subreaper()
        try:
            self.setup()
            self.local_reference()
            if self.icecream:
                self.icecream_first_job()
            for r in range(self.rounds):
                self.log(f"round {r + 1} of {self.rounds}: one TU ({TU}) x {self.reps} per system, then whole builds")
                self.per_job_round(r)
                for system in rotated(self.systems, r):
                    self.build(system, r)
        finally:
            self.shutdown()
        self.results["duration_s"] = time.monotonic() - self.started
        self.results["checks"] = self.checks
        self.results["rounds"], self.results["reps"] = self.rounds, self.reps
        self.results["objects"] = len(getattr(self, "reference", {}))
        self.results["subset"] = self.subset
        return self.results

    def shutdown(self):
        try:
            self.stop_include_server()
        except Exception as error:  # keep tearing down
            self.log(f"include server shutdown: {error}")
        for ds in self.distccd.values():
            for d in ds:
                d.stop()
        self.distccd = {}
        if self.icecream:
            self.icecream.stop()
        self.farm.delete()
        self.reaper.drain_orphans()
        os.chdir(ROOT)
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            self.log(f"kept {self.work}")


# ---------------------------------------------------------------------- report

def fmt(values, scale=1.0, digits=2):
    s = Summary(values)
    if not s.n:
        return "–"
    return f"{s.median * scale:.{digits}f} ({min(values) * scale:.{digits}f}–{max(values) * scale:.{digits}f})"


def ratio(ours, base):
    """Ratio of medians, with the range of the per-round paired ratios."""
    if not ours or not base:
        return "–"
    value = safe_ratio(Summary(ours).median, Summary(base).median)
    pairs = [safe_ratio(a, b) for a, b in zip(ours, base) if b > 0]
    return f"{value:.2f} ({min(pairs):.2f}–{max(pairs):.2f})" if pairs else f"{value:.2f}"


def render(results):
    m = results["machine"]
    out = [f"Run of {m['date']} ({results['rounds']} rounds, {results['duration_s'] / 60:.1f} min) on {m['nproc']} "
           f"CPUs, Linux {m['kernel']}, load average at start {' '.join(m['load_at_start'])}; commit "
           f"`{m['commit']}`; {m['gxx']}. Medians with the range in parentheses (whole builds: over rounds; one "
           "translation unit: over every job); ratios are of medians, with the range of the paired ratios. Wall times are noisy (the 2 CPUs are "
           "shared with the nodes' compiles and with other work); CPU times are the robust figures.", ""]
    builds = results["build"]
    names = [n for n in results["systems"] if n in builds]
    base34 = "distcc 3.4" if "distcc 3.4" in builds else None
    ice = "icecream 1.4" if "icecream 1.4" in builds else None

    def col(name, key):
        rows = builds[name]
        if key == "cpu":
            return [r["user"] + r["sys"] for r in rows]
        if key == "compile":
            return [r["compile_user"] + r["compile_sys"] for r in rows]
        if key == "rest":
            return [r["user"] + r["sys"] - r["compile_user"] - r["compile_sys"] for r in rows]
        return [r[key] for r in rows]

    where = f"`{results['subset']}` of the corelib examples" if results.get("subset") else "the corelib examples"
    out += [f"**Whole build**: `qmake -r && make -j{MAKE_JOBS}` of {where} ({results['objects']} objects, their "
            "programs linked on the client), client machine only (every process under `make`: make, "
            "moc, compiler drivers and cpp, links, the distcc or icecc client, the include server under pump; not "
            "the daemons). CPU in seconds.", "",
            "| system | client CPU | user | sys | in compile commands | rest (make, moc, links; pump: include server) "
            "| wall s (noisy) | × 3.4 | × icecream |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ["local"] + names:
        if name not in builds:
            continue
        cpu = col(name, "cpu")
        r34 = ratio(cpu, col(base34, "cpu")) if base34 and name != "local" else ""
        rice = ratio(cpu, col(ice, "cpu")) if ice and name != "local" else ""
        label = "local (1 build" + (f", cached from {results['local_cached']}" if results.get("local_cached") else "")
        label = label + ")" if name == "local" else name
        out.append(f"| {label} | {fmt(cpu)} | {fmt(col(name, 'user'))} | {fmt(col(name, 'sys'))} | "
                   f"{fmt(col(name, 'compile'))} | {fmt(col(name, 'rest'))} | {fmt(col(name, 'wall'), digits=1)} | "
                   f"{r34} | {rice} |")
    if ice:
        daemon = [r.get("client_iceccd_cpu", 0.0) for r in builds[ice]]
        out += ["", f"icecream's own daemon on the client (scheduling, not in the table): {fmt(daemon)} s CPU per "
                "build."]
    per_job = results["per_job"]
    kinds = results.get("local_cpp", {"icecream 1.4": "directives-only", "ours, pump": "none"})
    if per_job:
        cpp = Summary(per_job["cpp"]["user"]).median + Summary(per_job["cpp"]["sys"]).median
        dcpp = (Summary(per_job["cpp -fdirectives-only"]["user"]).median
                + Summary(per_job["cpp -fdirectives-only"]["sys"]).median)
        out += ["", f"**One translation unit**: `{TU}` ({TU_DIR}), {results['reps']} jobs per system per round. "
                "Client CPU is the client process tree's wait4 (its cpp included); *beyond the preprocessor* "
                f"subtracts the median of `g++ -E` alone ({cpp * 1e3:.0f} ms), or of `g++ -E -fdirectives-only` "
                f"({dcpp * 1e3:.0f} ms) for the systems that preprocess that way ("
                + (", ".join(n for n in names if kinds.get(n) == "directives-only") or "none")
                + "); under pump there is no local cpp and the include server's CPU per job is added. "
                "Milliseconds.", "",
                "| system | client CPU | of which sys | beyond the preprocessor | wall (noisy) | × 3.4 "
                "| × icecream |",
                "|---|---:|---:|---:|---:|---:|---:|"]

        def tu(name):
            """Client CPU per job; under pump with the include server's share (icecream's iceccd: apart)."""
            s = per_job[name]
            pump = name in PUMP_NAMES
            return [u + x + (e if pump else 0.0) for u, x, e in zip(s["user"], s["sys"], s["extra"])]

        def beyond(name):
            subtract = {"none": 0.0, "directives-only": dcpp}.get(kinds.get(name, "full"), cpp)
            return [v - subtract for v in tu(name)]

        for name in ["local", "cpp", "cpp -fdirectives-only"] + [n for n in names if n in per_job]:
            if name not in per_job:
                continue
            baseline = name in ("local", "cpp", "cpp -fdirectives-only")
            r34 = "" if baseline or "distcc 3.4" not in per_job else ratio(tu(name), tu("distcc 3.4"))
            rice = "" if baseline or "icecream 1.4" not in per_job else ratio(tu(name), tu("icecream 1.4"))
            label = {"local": "local `g++ -c`", "cpp": "`g++ -E` alone",
                     "cpp -fdirectives-only": "`g++ -E -fdirectives-only` alone"}.get(name, name)
            out.append(f"| {label} | {fmt(tu(name), 1e3, 0)} | {fmt(per_job[name]['sys'], 1e3, 0)} | "
                       f"{'' if baseline else fmt(beyond(name), 1e3, 0)} | {fmt(per_job[name]['wall'], 1e3, 0)} | "
                       f"{r34} | {rice} |")
        if ice and ice in per_job:
            out += ["", f"icecream's own daemon on the client, per job (not in the table): "
                    f"{fmt(per_job[ice]['extra'], 1e3, 0)} ms CPU (10 ms ticks over the round's jobs)."]
        if ice and "icecream_first_job" in results:
            f = results["icecream_first_job"]
            out += ["", f"icecream's first job (before the rounds, not in the tables): {f['wall']:.1f} s wall, client "
                    f"{1e3 * (f['user'] + f['sys']):.0f} ms CPU, its client daemon {f['client_iceccd_cpu']:.1f} s "
                    f"CPU building the compiler environment ({f['tarball_bytes'] / 1e6:.1f} MB tarball) that it "
                    "ships to each node once."]
    if "ours, pump" in builds and "ours" in builds:
        out += ["", f"**Pump against plain (issue #15)**, whole-build client CPU, ours pump / ours plain: "
                f"{ratio(col('ours, pump', 'cpu'), col('ours', 'cpu'))} (target ≤ 0.5). Without what both run "
                "locally alike (make, moc, the links: plain's *rest*), i.e. pump's compile commands and include "
                "server against plain's compile commands: "
                + ratio([p - q for p, q in zip(col("ours, pump", "cpu"), col("ours", "rest"))], col("ours", "compile"))
                + "."]
    failed = [c for c in results["checks"] if not c["ok"]]
    passed = len(results["checks"]) - len(failed)
    out += ["", f"Checks: {passed} passed, {len(failed)} failed" + (": " + "; ".join(
        f"{c['system']}: {c['what']}" for c in failed[:6]) if failed else
        " (every job of every system compiled remotely, every object identical to the local build's).")]
    return "\n".join(out) + "\n"


def write_doc(path, text):
    replace_section(path, DOC_BEGIN, DOC_END, f"{DOC_BEGIN}\n\n{text}\n{DOC_END}", heading="## Real C++ (Qt examples)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=3, help="jobs of the one translation unit per system per round")
    ours = next(s for s in SYSTEMS if s.name == "ours")
    default = [k for k in DEFAULT if k != "ours-dirs-off" or local_cpp(ours) == "directives-only"]
    parser.add_argument("--systems", default=",".join(default),
                        help=f"comma-separated, from {','.join(BY_KEY)} (default here {','.join(default)}; "
                        "ours-dirs-off only when our client has directives-only preprocessing)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, trees)")
    parser.add_argument("--fresh-reference", action="store_true",
                        help="build the local reference again even if one for these package versions is cached")
    parser.add_argument("--subset", help="build only this subdirectory of corelib (e.g. threads): a quick try")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite Docs/performance.md")
    parser.add_argument("--render", metavar="JSON", help="only rewrite the results section from a saved run")
    args = parser.parse_args()
    out = os.path.join(ROOT, "Benchmarks/results/realcpp.json")
    if args.render:
        with open(args.render) as f:
            results = json.load(f)
    else:
        for sig in (signal.SIGTERM, signal.SIGHUP):  # tear the farm down on the way out
            signal.signal(sig, lambda *_: sys.exit("realcpp: stopped by signal"))
        results = Run(args).run()
        if args.rounds == 0:  # only the local reference (cached for later runs) and the farm's start-up
            return 1 if any(not c["ok"] for c in results["checks"]) else 0
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
    text = render(results)
    print(text)
    if not args.no_doc:
        write_doc(os.path.join(ROOT, "Docs/performance.md"), text)
        print("wrote Docs/performance.md (Real C++) and Benchmarks/results/realcpp.json")
    failed = [c for c in results["checks"] if not c["ok"]]
    systems = sorted({c["system"] for c in failed})
    for system in systems:
        first = next(c["what"] for c in failed if c["system"] == system)
        print(f"realcpp: FAILED: {system}: {first}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
