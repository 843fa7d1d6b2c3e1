#!/usr/bin/env python3
"""swift-distcc benchmarks: our distcc/distccd against Debian's distcc 3.4, interleaved in one run.

Run through Benchmarks/run.sh, which builds the release binaries first. Python 3.11 standard library only.
See Docs/performance.md for the method; this file writes its results there.
"""

import argparse
import datetime
import fcntl
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import daemons, procs, report, sources, trees  # noqa: E402
from lib.binaries import DEBIAN_CLIENT, DEBIAN_DAEMON, OUR_CLIENT, OUR_DAEMON, ROOT  # noqa: E402
from lib.rounds import rotated  # noqa: E402
from lib.stats import Summary  # noqa: E402

CACHE = os.environ.get("BENCH_CACHE", "/var/tmp/swift-distcc-bench")
LINUX_SUBSET = ["lib/zlib_inflate", "lib/zlib_deflate", "lib/lzo", "lib/lz4", "lib/xz", "lib/math"]
DAEMON_JOBS = 4
CONCURRENCY = 8
MAKE_JOBS = 4


class Combo:
    """A client paired with a daemon: `3.4/3.4`, `3.4/ours`, `ours/3.4`, `ours/ours`."""

    def __init__(self, client, daemon):
        self.client, self.daemon = client, daemon

    @property
    def label(self):
        return f"{self.client}/{self.daemon}"


class Bench:
    def __init__(self, args):
        self.quick = args.quick
        self.keep = args.keep
        self.started = time.monotonic()
        self.work = tempfile.mkdtemp(prefix="distcc-bench-", dir="/tmp")
        os.chmod(self.work, 0o755)
        self.reaper = procs.Reaper()
        self.results = {"scenarios": {}, "notes": [], "checks": []}
        self.daemons = {}
        self.relays = {}

    # ---------------------------------------------------------------- setup

    def log(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    def note(self, text):
        self.log("NOTE: " + text)
        self.results["notes"].append(text)

    def check(self, ok, text):
        self.results["checks"].append({"ok": bool(ok), "what": text})
        self.log(("ok: " if ok else "FAILED CHECK: ") + text)
        return ok

    def setup(self):
        bindir = os.path.join(self.work, "bin")
        os.makedirs(bindir)
        real_cc = os.path.realpath("/usr/bin/gcc")
        isolate = os.path.join(bindir, "isolate")
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
        self.reaper.run(["gcc", "-O2", "-static", f'-DREAL_CC="{real_cc}"', "-o", isolate,
                         os.path.join(ROOT, "Benchmarks/isolate.c")], env)
        self.measure_bin = os.path.join(bindir, "measure")
        self.reaper.run(["gcc", "-O2", "-static", "-o", self.measure_bin, os.path.join(ROOT, "Benchmarks/measure.c")],
                        env)
        for name in ("gcc", "cc", "gcc-12", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12"):
            os.symlink("isolate", os.path.join(bindir, name))
        self.path = f"{bindir}:/usr/bin:/bin"
        self.client_tmp = os.path.join(self.work, "client-tmp")
        os.makedirs(self.client_tmp)
        self.src = sources.write_all(os.path.join(self.work, "src"), tiny_count=self.tiny_count)
        os.chdir(self.src)
        self.reaper.run(["/usr/bin/gcc", "-E", "medium.c", "-o", "medium.i"], self.env_plain())
        self.reaper.run(["/usr/bin/gcc", "-E", "big.c", "-o", "big.i"], self.env_plain())
        self.results["inputs"] = {
            name: os.path.getsize(os.path.join(self.src, name))
            for name in ("small.c", "medium.c", "medium.i", "big.i")
        }
        self.clients = {"3.4": DEBIAN_CLIENT}
        self.daemon_binaries = {"3.4": DEBIAN_DAEMON, "ours": OUR_DAEMON}
        self.state_dirs = {}
        for label in ("3.4", "ours"):
            d = os.path.join(self.work, f"state-{label}")
            os.makedirs(os.path.join(d, "lock"))
            self.state_dirs[label] = d
        self.calibrate_isolate()
        self.calibrate_idle_daemons()
        self.start_daemons()
        if os.access(OUR_CLIENT, os.X_OK) and self.try_our_client():
            self.clients["ours"] = OUR_CLIENT
        self.stop_daemons()
        self.combos = [Combo("3.4", "3.4"), Combo("3.4", "ours")]
        if "ours" in self.clients:
            self.combos += [Combo("ours", "3.4"), Combo("ours", "ours")]
        self.results["combos"] = [c.label for c in self.combos]

    def start_daemons(self, quiet=False):
        """Two daemons per implementation; the first of each serves the single-daemon scenarios."""
        addresses = {"3.4": ["127.0.0.2", "127.0.0.3"], "ours": ["127.0.0.4", "127.0.0.5"]}
        for label, binary in self.daemon_binaries.items():
            self.daemons[label] = [
                daemons.Daemon(self.reaper, label, binary, a, self.work, self.path, DAEMON_JOBS).start()
                for a in addresses[label]
            ]
            if not quiet:
                self.log(f"  daemon {label}: {binary} on " + ", ".join(d.host_spec for d in self.daemons[label])
                         + f" (pids {[d.pid for d in self.daemons[label]]})")

    def stop_daemons(self):
        """Stops every daemon; returns {label: [lifetime CPU seconds of each daemon]}."""
        cpu = {label: [d.stop() for d in ds] for label, ds in self.daemons.items()}
        self.daemons = {}
        return cpu

    def calibrate_idle_daemons(self):
        """CPU a daemon spends with no job at all (start, stats polls, stop): subtracted from lifetime CPU."""
        samples = {label: [] for label in self.daemon_binaries}
        for _ in range(3):
            self.start_daemons(quiet=True)
            for ds in self.daemons.values():
                ds[0].compiles_ok()
                ds[0].compiles_ok()
            for label, cpu in self.stop_daemons().items():
                samples[label].append(cpu[0])
        self.idle_daemon_cpu = {label: Summary(v).median for label, v in samples.items()}
        self.results["idle_daemon_cpu_s"] = self.idle_daemon_cpu
        self.log("idle daemon lifetime CPU: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in
                                                          self.idle_daemon_cpu.items()))

    def daemon_cpu_per_job(self, lifetime, jobs):
        return {label: (cpu[0] - self.idle_daemon_cpu[label]) / max(1, jobs[label]) - self.isolate_cpu
                for label, cpu in lifetime.items()}

    def env_plain(self):
        return {"PATH": self.path, "HOME": self.work, "LC_ALL": "C", "TMPDIR": self.client_tmp}

    def client_env(self, client, hosts):
        env = self.env_plain()
        env.update({
            "DISTCC_HOSTS": hosts,
            "DISTCC_FALLBACK": "0",
            "DISTCC_SKIP_LOCAL_RETRY": "1",
            "DISTCC_DIR": self.state_dirs[client],
        })
        return env

    def try_our_client(self):
        """Our client counts only if it compiles remotely through our daemon with DISTCC_FALLBACK=0."""
        d = self.daemons["ours"][0]
        before = d.compiles_ok()
        err = os.path.join(self.work, "our-client-probe.stderr")
        os.chdir(self.src)
        try:
            result, _ = self.reaper.run(
                [OUR_CLIENT, "gcc", "-c", "small.c", "-o", "probe.o"], self.client_env("ours", d.host_spec),
                stderr=err, check=False)
        except OSError as error:
            self.note(f"our client could not be started ({error}); client scenarios run 3.4's client only")
            return False
        remote = d.compiles_ok() - before
        if result.code != 0 or remote != 1:
            tail = open(err, errors="replace").read()[-300:].strip()
            self.note(f"our client is not usable yet (exit {result.code}, remote compiles {remote}: {tail!r}); "
                      "client scenarios run 3.4's client only")
            return False
        return True

    def calibrate_isolate(self):
        """Cost of the isolate shim itself (fork twice + pipe), to subtract from client and daemon CPU."""
        rounds = 10 if self.quick else 25
        shim, direct, cpu, system = [], [], [], []
        os.chdir(self.src)
        for _ in range(rounds):
            wall, _, user, sys_s, _ = self.reaper.measure_split(
                self.measure_bin, [os.path.join(self.work, "bin/gcc"), "--version"], self.env_plain())
            shim.append(wall)
            cpu.append(user + sys_s)
            system.append(sys_s)
            wall, _, _, _ = self.reaper.measure(self.measure_bin, [os.path.realpath("/usr/bin/gcc"), "--version"],
                                                self.env_plain())
            direct.append(wall)
            self.reaper.drain_orphans()
        self.isolate_cpu = Summary(cpu).median
        self.isolate_sys = sum(system) / len(system)  # tick-sampled: the mean, not the median
        self.isolate_wall = max(0.0, Summary(shim).median - Summary(direct).median)
        self.results["isolate"] = {"cpu_s": self.isolate_cpu, "wall_s": self.isolate_wall}
        self.log(f"isolate shim: {self.isolate_cpu * 1e3:.2f} ms CPU, {self.isolate_wall * 1e3:.2f} ms wall")

    @property
    def tiny_count(self):
        return 24 if self.quick else 60

    # ---------------------------------------------------------------- one client invocation

    def run_client(self, combo_or_local, argv_tail, hosts=None, cwd=None):
        """Runs one job; returns (wall s, client CPU s, client peak RSS KiB). Raises if it failed."""
        os.chdir(cwd or self.src)
        if combo_or_local == "local":
            argv, env = argv_tail, self.env_plain()
        else:
            client = combo_or_local.client
            argv = [self.clients[client]] + argv_tail
            env = self.client_env(client, hosts)
        err = os.path.join(self.work, "last.stderr")
        if os.path.exists(err):
            os.unlink(err)
        wall, code, cpu, rss = self.reaper.measure(self.measure_bin, argv, env, stderr=err)
        if code != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {code}: {open(err, errors='replace').read()[-500:]}")
        return wall, cpu, rss

    def primary(self, combo):
        return self.daemons[combo.daemon][0]

    # ---------------------------------------------------------------- scenario 1: per-job overhead

    def scenario_per_job(self):
        rounds = 4 if self.quick else 10
        cases = [
            ("small.c", ["gcc", "-O2", "-c", "small.c", "-o", "out.o"], 1),
            ("medium.c", ["gcc", "-O2", "-c", "medium.c", "-o", "out.o"], 1),
            ("medium.i", ["gcc", "-O2", "-c", "medium.i", "-o", "out.o"], 0),
        ]
        self.log(f"scenario 1: per-job overhead, {rounds} rounds x {len(cases)} files x local + {len(self.combos)}")
        data = {case: {label: {"wall": [], "cpu": [], "rss": []} for label in ["local"] + self.results["combos"]}
                for case, _, _ in cases}
        self.start_daemons()
        ok_before = {label: ds[0].compiles_ok() for label, ds in self.daemons.items()}
        sent = {label: 0 for label in self.daemons}
        for r in range(rounds):
            for case, argv, cpp_runs in cases:
                for who in rotated(["local"] + self.combos, r):
                    if who == "local":
                        wall, cpu, rss = self.run_client("local", argv)
                        label = "local"
                    else:
                        d = self.primary(who)
                        wall, cpu, rss = self.run_client(who, argv, d.host_spec)
                        sent[who.daemon] += 1
                        cpu -= cpp_runs * self.isolate_cpu
                        label = who.label
                    data[case][label]["wall"].append(wall)
                    data[case][label]["cpu"].append(cpu)
                    data[case][label]["rss"].append(rss)
                    self.reaper.drain_orphans()
        for label, ds in self.daemons.items():
            got = ds[0].compiles_ok() - ok_before[label]
            self.check(got == sent[label], f"per-job: {label} daemon compiled {got} of {sent[label]} jobs remotely")
        daemon_cpu = self.daemon_cpu_per_job(self.stop_daemons(), sent)
        self.results["scenarios"]["per_job"] = {
            "rounds": rounds, "series": data, "daemon_cpu_per_job": daemon_cpu, "jobs_per_daemon": sent,
            "cpp_runs": {case: n for case, _, n in cases},
        }

    # ---------------------------------------------------------------- scenario 2: daemon throughput

    def scenario_throughput(self):
        rounds = 2 if self.quick else 3
        tiny = sorted(os.listdir(os.path.join(self.src, "tiny")))
        self.log(f"scenario 2: throughput, {rounds} rounds x {len(tiny)} tiny jobs, {CONCURRENCY} clients at once, "
                 f"daemon --jobs {DAEMON_JOBS}")
        series = {c.label: {"jobs_per_s": [], "daemon_cpu_per_job": []} for c in self.combos}
        self.start_daemons()
        sent = {label: 0 for label in self.daemons}
        for r in range(rounds):
            for combo in rotated(self.combos, r):
                d = self.primary(combo)
                env = self.client_env(combo.client, f"{d.host_spec}/{CONCURRENCY}")
                ok0, cpu0 = d.compiles_ok(), d.cpu_seconds()
                os.chdir(os.path.join(self.src, "tiny"))
                pending = list(tiny)
                running = {}
                started = time.perf_counter_ns()
                ended = started
                while pending or running:
                    while pending and len(running) < CONCURRENCY:
                        name = pending.pop()
                        argv = [self.clients[combo.client], "gcc", "-O2", "-c", name, "-o", name + ".o"]
                        pid, _ = self.reaper.spawn(argv, env, stderr=os.path.join(self.work, "tp.stderr"))
                        running[pid] = name
                    pid, result = self.reaper.wait_any(set(running))
                    ended = result.ended_ns
                    if result.code != 0:
                        raise RuntimeError(f"throughput job {running[pid]} via {combo.label} exited {result.code}")
                    del running[pid]
                wall = (ended - started) / 1e9
                self.reaper.drain_orphans()
                time.sleep(0.05)
                cpu = d.cpu_seconds() - cpu0
                got = d.compiles_ok() - ok0
                if got != len(tiny):
                    self.check(False, f"throughput {combo.label} round {r}: {got} of {len(tiny)} compiled remotely")
                sent[combo.daemon] += len(tiny)
                series[combo.label]["jobs_per_s"].append(len(tiny) / wall)
                series[combo.label]["daemon_cpu_per_job"].append(cpu / len(tiny) - self.isolate_cpu)
        self.check(True, "throughput: every job compiled remotely (stats counted)")
        self.results["scenarios"]["throughput"] = {
            "rounds": rounds, "jobs": len(tiny), "concurrency": CONCURRENCY, "daemon_jobs": DAEMON_JOBS,
            "series": series, "daemon_cpu_per_job": self.daemon_cpu_per_job(self.stop_daemons(), sent),
            "jobs_per_daemon": sent,
        }

    # ---------------------------------------------------------------- scenario 3: LZO

    def scenario_lzo(self):
        rounds = 2 if self.quick else 5
        self.log(f"scenario 3: LZO, {rounds} rounds, big.i ({self.results['inputs']['big.i']} bytes) -O0, "
                 "through a counting relay")
        self.start_daemons()
        for label, ds in self.daemons.items():
            self.relays[label] = daemons.Relay(ds[0].address, ds[0].port)
        series = {}
        for r in range(rounds):
            for combo in rotated(self.combos, r):
                for mode in rotated(["plain", "lzo"], r):
                    relay = self.relays[combo.daemon]
                    relay.reset()
                    hosts = relay.host_spec + (",lzo" if mode == "lzo" else "")
                    wall, cpu, _ = self.run_client(combo, ["gcc", "-O0", "-c", "big.i", "-o", "big.o"], hosts)
                    time.sleep(0.02)
                    s = series.setdefault(f"{combo.label} {mode}", {"wall": [], "client_cpu": [], "to_daemon": [],
                                                                   "to_client": []})
                    s["wall"].append(wall)
                    s["client_cpu"].append(cpu)
                    s["to_daemon"].append(relay.to_daemon)
                    s["to_client"].append(relay.to_client)
                    self.reaper.drain_orphans()
        for relay in self.relays.values():
            relay.close()
        self.relays = {}
        self.stop_daemons()
        self.results["scenarios"]["lzo"] = {"rounds": rounds, "series": series}

    # ---------------------------------------------------------------- scenario 4: real builds

    def objects(self, tree, dirs):
        return trees.object_hashes(tree, dirs)

    def build_rounds(self, name, rounds, prepare, make_argv, collect, cwd, warm_argv=None):
        """Runs `make` locally and through each combo's two daemons, interleaved; compares objects."""
        series = {label: [] for label in ["local"] + self.results["combos"]}
        self.start_daemons()
        reference = None
        mismatches = {}
        remote = {label: [] for label in self.results["combos"]}
        for r in range(rounds):
            for who in rotated(["local"] + self.combos, r):
                label = who if who == "local" else who.label
                prepare(label, r)
                if who == "local":
                    cc, env = "gcc", self.env_plain()
                else:
                    ds = self.daemons[who.daemon]
                    cc = f"{self.clients[who.client]} gcc"
                    env = self.client_env(who.client, " ".join(d.host_spec for d in ds))
                    ok0 = sum(d.compiles_ok() for d in ds)
                os.chdir(cwd)
                if warm_argv:
                    # Untimed: bring what depends on the CC string up to date with this CC first, so that each
                    # timed build compiles the same set of files whatever CC the previous build used.
                    self.reaper.run(warm_argv(cc), env, stdout=os.path.join(self.work, f"{name}.warm.log"),
                                    stderr=os.path.join(self.work, f"{name}.warm.err"))
                    self.reaper.drain_orphans()
                if who != "local":
                    ok0 = sum(d.compiles_ok() for d in ds)
                _, wall = self.reaper.run(make_argv(cc, label, r), env,
                                          stdout=os.path.join(self.work, f"{name}.make.log"),
                                          stderr=os.path.join(self.work, f"{name}.make.err"))
                self.reaper.drain_orphans()
                objects = collect(label, r)
                if who != "local":
                    remote[label].append(sum(d.compiles_ok() for d in ds) - ok0)
                series[label].append(wall)
                if reference is None and who == "local":
                    reference = objects
                elif reference is not None:
                    differ = sorted(k for k in set(reference) | set(objects) if reference.get(k) != objects.get(k))
                    mismatches.setdefault(label, set()).update(differ)
                self.log(f"  {name} {label} round {r}: {wall:.2f} s, {len(objects)} objects")
        self.stop_daemons()
        count = len(reference or {})
        for label in self.results["combos"]:
            self.check(not mismatches.get(label), f"{name}: {label} objects identical to the local build "
                       f"({count} objects; differing: {sorted(mismatches.get(label, ()))[:5]})")
            self.check(all(n >= count for n in remote[label]),
                       f"{name}: {label} compiled remotely {remote[label]} (objects per build: {count})")
        return {"rounds": rounds, "objects": count, "series": series, "remote_compiles": remote,
                "identical": {label: not mismatches.get(label) for label in self.results["combos"]}}

    def scenario_calc(self):
        rounds = 2 if self.quick else 3
        calc = os.path.join(self.work, "calc")
        shutil.copytree(os.path.join(ROOT, "Examples/calc"), calc)
        self.log(f"scenario 4a: Examples/calc, make -j{MAKE_JOBS}, {rounds} rounds")

        def objdir(label, r):
            return os.path.join(calc, f"build-{label.replace('/', '-')}-{r}")

        self.results["scenarios"]["calc"] = self.build_rounds(
            "calc", rounds,
            prepare=lambda label, r: None,
            make_argv=lambda cc, label, r: ["make", f"-j{MAKE_JOBS}", f"CC={cc}", f"OBJDIR={objdir(label, r)}"],
            collect=lambda label, r: {k.split("/", 1)[1]: v for k, v in
                                      self.objects(calc, [os.path.relpath(objdir(label, r), calc)]).items()},
            cwd=calc)

    def scenario_linux(self):
        rounds = 3
        tree = os.path.join(CACHE, "linux-source-6.1")
        t0 = time.monotonic()
        os.chdir(ROOT)
        self.reaper.run(["bash", os.path.join(ROOT, "Benchmarks/prepare-linux.sh"), CACHE],
                        {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.work, "LC_ALL": "C"},
                        stderr=os.path.join(self.work, "prepare-linux.log"))
        setup = time.monotonic() - t0
        lock = open(tree + ".lock", "a")  # the pump-mode tests and benchmarks build in this tree too
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(os.path.join(CACHE, "prepare.txt")) as f:
            first = dict(line.split() for line in f if line.strip())
        self.log(f"scenario 4b: Linux 6.1 {' '.join(LINUX_SUBSET)}, make -j{MAKE_JOBS}, {rounds} rounds "
                 f"(tree ready in {setup:.1f} s; first extract {first.get('extract')} s, prepare "
                 f"{first.get('prepare')} s)")

        def clean(label, r):
            for top in LINUX_SUBSET:
                for base, _, files in os.walk(os.path.join(tree, top)):
                    for name in files:
                        if name.endswith((".o", ".a", ".o.cmd", ".a.cmd", ".o.d")):
                            os.unlink(os.path.join(base, name))

        result = self.build_rounds(
            "linux", rounds, prepare=clean,
            make_argv=lambda cc, label, r: ["make", f"-j{MAKE_JOBS}", f"CC={cc}"] + [d + "/" for d in LINUX_SUBSET],
            collect=lambda label, r: self.objects(tree, LINUX_SUBSET), cwd=tree,
            warm_argv=lambda cc: ["make", f"-j{MAKE_JOBS}", f"CC={cc}", "prepare"])
        result["subset"] = LINUX_SUBSET
        result["prepare"] = first
        self.results["scenarios"]["linux"] = result

    # ---------------------------------------------------------------- scenario 5: start-up

    def scenario_startup(self):
        rounds = 10 if self.quick else 30
        self.log(f"scenario 5: start-up, {rounds} rounds")
        clients = list(self.clients)
        self.start_daemons()
        hosts = self.daemons["3.4"][0].host_spec
        series = {f"{c} {k}": {"wall": [], "cpu": [], "rss": []} for c in clients for k in ("--version", "-E")}
        for r in range(rounds):
            for c in rotated(clients, r):
                for kind, argv in (("--version", ["--version"]),
                                   ("-E", ["gcc", "-E", "small.c", "-o", "small.E"])):
                    combo = Combo(c, "3.4")
                    wall, cpu, rss = self.run_client(combo, argv, hosts)
                    if kind == "-E":
                        cpu -= self.isolate_cpu
                    s = series[f"{c} {kind}"]
                    s["wall"].append(wall)
                    s["cpu"].append(cpu)
                    s["rss"].append(rss)
                    self.reaper.drain_orphans()
        self.results["scenarios"]["startup"] = {"rounds": rounds, "series": series}
        self.callgrind(clients, hosts)
        self.stop_daemons()

    def callgrind(self, clients, hosts):
        valgrind = shutil.which("valgrind", path="/usr/bin:/bin")
        if not valgrind:
            self.note("valgrind not installed: no instruction counts (apt-get install valgrind)")
            return
        counts = {}
        os.chdir(self.src)
        # valgrind 3.19 cannot read the DWARF 5 of Swift binaries; debug info does not change what executes.
        stripped = {}
        for c in clients:
            stripped[c] = os.path.join(self.work, "bin", f"distcc-{c}-nodebug")
            self.reaper.run(["objcopy", "--strip-debug", self.clients[c], stripped[c]], self.env_plain())
        for c in clients:
            for kind, argv in (("--version", ["--version"]),
                               ("medium.i remote", ["gcc", "-O2", "-c", "medium.i", "-o", "cg.o"])):
                out = os.path.join(self.work, f"callgrind.{c}.{kind.split()[0]}")
                env = self.client_env(c, self.primary(Combo(c, "3.4")).host_spec)
                self.reaper.run([valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", stripped[c]] + argv,
                                env, stderr=out + ".log")
                with open(out) as f:
                    total = next(int(line.split()[1]) for line in f if line.startswith(("summary:", "totals:")))
                counts[f"{c} {kind}"] = total
                self.reaper.drain_orphans()
        self.results["scenarios"]["callgrind"] = counts
        self.log("callgrind instructions: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    # ---------------------------------------------------------------- scenario 6: bytes per job, by size

    def scenario_sizes(self):
        """One remote job per preprocessed size (10 KB to 10 MB), LZO off and on, our client against 3.4's,
        both through 3.4's daemon: the client's CPU beyond the preprocessor (cpp runs under isolate, so it is
        not the client's), its system time, and callgrind's instruction count."""
        rounds = 2 if self.quick else 3
        directory = sources.write_sized(os.path.join(self.work, "sizes"))
        clients = list(self.clients)
        self.log(f"scenario 6: sizes, {rounds} rounds x {len(sources.SIZES)} sizes x plain/lzo x {clients}")
        self.start_daemons()
        d = self.daemons["3.4"][0]
        before = d.compiles_ok()
        sent = 0
        series = {}
        objects = {}
        for r in range(rounds):
            for name, _ in sources.SIZES:
                for mode in rotated(["plain", "lzo"], r):
                    for c in rotated(clients, r):
                        hosts = d.host_spec + (",lzo" if mode == "lzo" else "")
                        out = f"{name}-{c}-{mode}.o"
                        os.chdir(directory)
                        argv = [self.clients[c], "gcc", "-O0", "-c", f"{name}.c", "-o", out]
                        err = os.path.join(self.work, "sizes.stderr")
                        wall, code, user, system, _ = self.reaper.measure_split(
                            self.measure_bin, argv, self.client_env(c, hosts), stderr=err)
                        if code != 0:
                            raise RuntimeError(f"{' '.join(argv)} exited {code}: "
                                               f"{open(err, errors='replace').read()[-300:]}")
                        sent += 1
                        s = series.setdefault(f"{name} {mode} {c}", {"cpu": [], "sys": [], "wall": []})
                        s["cpu"].append(user + system - self.isolate_cpu)
                        s["sys"].append(system - self.isolate_sys)
                        s["wall"].append(wall)
                        objects.setdefault(f"{name} {mode}", set()).add(trees.sha256(out))
                        self.reaper.drain_orphans()
        got = d.compiles_ok() - before
        self.check(got == sent, f"sizes: 3.4's daemon compiled {got} of {sent} jobs remotely")
        self.check(all(len(v) == 1 for v in objects.values()),
                   "sizes: every client's object identical at every size and mode")
        counts = self.callgrind_sizes(clients, d, directory)
        self.stop_daemons()
        self.results["scenarios"]["sizes"] = {
            "rounds": rounds, "sizes": {name: os.path.getsize(os.path.join(directory, name + ".c"))
                                        for name, _ in sources.SIZES},
            "series": series, "callgrind": counts}

    def callgrind_sizes(self, clients, daemon, directory):
        """Instructions of the client alone (children not traced) for one job of each size and mode, on the
        preprocessed sources (`NAME.i`, sent as they are): valgrind 3.19 does not know `pidfd_open`, with which
        our client watches the cpp it starts, so a `.c` job cannot run under it."""
        valgrind = shutil.which("valgrind", path="/usr/bin:/bin")
        if not valgrind:
            return {}
        counts = {}
        os.chdir(directory)
        for name, _ in sources.SIZES:
            self.reaper.run(["/usr/bin/gcc", "-E", f"{name}.c", "-o", f"{name}.i"], self.env_plain())
        for c in clients:
            stripped = os.path.join(self.work, "bin", f"distcc-{c}-sizes")
            self.reaper.run(["objcopy", "--strip-debug", self.clients[c], stripped], self.env_plain())
            for name, _ in sources.SIZES:
                for mode in ("plain", "lzo"):
                    out = os.path.join(self.work, f"callgrind.sizes.{c}.{name}.{mode}")
                    hosts = daemon.host_spec + (",lzo" if mode == "lzo" else "")
                    result, _ = self.reaper.run([valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
                                                 stripped, "gcc", "-O0", "-c", f"{name}.i", "-o", f"cg-{name}.o"],
                                                self.client_env(c, hosts), stderr=out + ".log", check=False)
                    if result.code != 0:
                        self.check(False, f"sizes: {c} client under callgrind, {name}.i {mode}, exited {result.code}")
                        continue
                    with open(out) as f:
                        counts[f"{name} {mode} {c}"] = next(
                            int(line.split()[1]) for line in f if line.startswith(("summary:", "totals:")))
                    self.reaper.drain_orphans()
        return counts

    # ---------------------------------------------------------------- run

    def machine(self):
        model = "unknown"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        return {
            "nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(), "load_at_start": load,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "python": platform.python_version(), "commit": os.environ.get("BENCH_COMMIT", "unknown"),
            "gcc": os.path.realpath("/usr/bin/gcc"),
        }

    def run(self, scenarios):
        self.results["machine"] = self.machine()
        self.results["quick"] = self.quick
        procs.become_subreaper()
        try:
            self.setup()
            for name in scenarios:
                try:
                    getattr(self, f"scenario_{name}")()
                except Exception as error:  # one broken scenario must not lose the others' figures
                    self.check(False, f"scenario {name} did not finish: {error}")
                    self.stop_daemons()
        finally:
            for relay in self.relays.values():
                relay.close()
            self.stop_daemons()
            self.reaper.drain_orphans()
            os.chdir(ROOT)
            if not self.keep:
                shutil.rmtree(self.work, ignore_errors=True)
        self.results["duration_s"] = time.monotonic() - self.started
        return self.results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no Linux build (about 2 minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, objects)")
    parser.add_argument("--only", help="comma-separated scenarios: per_job,throughput,lzo,calc,linux,startup,sizes")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite Docs/performance.md")
    parser.add_argument("--render", metavar="JSON", help="only rewrite the results section from a saved run")
    args = parser.parse_args()
    out_dir = os.path.join(ROOT, "Benchmarks/results")
    if args.render:
        with open(args.render) as f:
            results = json.load(f)
        text, ratios = report.render(results)
        report.write_doc(os.path.join(ROOT, "Docs/performance.md"), text, os.path.join(out_dir, "ratios.svg"),
                         ratios, results)
        return 0
    scenarios = ["startup", "per_job", "throughput", "lzo", "sizes", "calc"] + ([] if args.quick else ["linux"])
    if args.only:
        scenarios = args.only.split(",")
    results = Bench(args).run(scenarios)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "latest.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    text, ratios = report.render(results)
    print(text)
    if not args.no_doc:
        report.write_doc(os.path.join(ROOT, "Docs/performance.md"), text,
                         os.path.join(out_dir, "ratios.svg"), ratios, results)
        print("wrote Docs/performance.md, Benchmarks/results/ratios.svg, Benchmarks/results/latest.json")
    failed = [c for c in results["checks"] if not c["ok"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
