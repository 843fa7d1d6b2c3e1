#!/usr/bin/env python3
"""Slow-link benchmark: our distcc/distccd against Debian's 3.4 over an emulated network, interleaved in one run.

Run through Benchmarks/slowlink.sh (root), which builds the release binaries and deletes the namespaces on exit.
The client runs in one network namespace, the daemons and an sshd in another; between them a link with a set
rate, one-way delay and bounded queue (Benchmarks/linkemu.c, or netem where the kernel has it). For each network
profile: a large preprocessed file (one job) and Examples/calc (`make -j4`), in modes plain, `,lzo`, `,zstd` (ours
only) and SSH, wall time and the IP bytes that crossed the link. Writes Docs/performance.md's slow-link section,
Docs/slowlink.svg and Benchmarks/results/slowlink.json. Python 3.11 standard library only.
"""

import argparse
import datetime
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

from lib import netlink, slowreport, sources  # noqa: E402
from lib.binaries import DEBIAN_CLIENT, DEBIAN_DAEMON, OUR_CLIENT, OUR_DAEMON, ROOT  # noqa: E402
from lib.netlink import DAEMON_ADDRESS  # noqa: E402
from lib.rounds import rotated  # noqa: E402
from lib.trees import sha256  # noqa: E402

PORTS = {"ours": 3632, "3.4": 3642}  # inside the daemons' own namespace: nothing else listens there
STATS_PORTS = {"ours": 3633, "3.4": 3643}
LIMIT = 4
MAKE_JOBS = 4

# name, rate in bit/s, one-way delay in µs
PROFILES = [("café Wi-Fi", 5_000_000, 5000), ("office", 100_000_000, 500), ("VPN", 20_000_000, 20000)]


class Config:
    """One client/daemon stack and mode: `ours plain`, `3.4 ssh`, …"""

    def __init__(self, impl, mode):
        self.impl, self.mode = impl, mode
        self.client = OUR_CLIENT if impl == "ours" else DEBIAN_CLIENT
        daemon = OUR_DAEMON if impl == "ours" else DEBIAN_DAEMON
        if mode == "ssh":
            self.hosts = f"@{DAEMON_ADDRESS}/{LIMIT}:{daemon}"
        else:
            options = {"plain": "", "lzo": ",lzo", "zstd": ",zstd"}[mode]
            self.hosts = f"{DAEMON_ADDRESS}:{PORTS[impl]}/{LIMIT}{options}"

    @property
    def label(self):
        return f"{self.impl} {self.mode}"


class SlowLink:
    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        self.client_ns, self.daemon_ns = args.netns
        self.work = tempfile.mkdtemp(prefix="slowlink-bench-", dir="/tmp")
        os.chmod(self.work, 0o755)
        self.results = {"profiles": {}, "checks": [], "notes": []}
        self.link = None
        self.daemons = {}

    def log(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    def check(self, ok, text):
        self.results["checks"].append({"ok": bool(ok), "what": text})
        if not ok:
            self.log("FAILED CHECK: " + text)
        return ok

    # ---------------------------------------------------------------- setup

    def setup(self):
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
        bindir = os.path.join(self.work, "bin")
        os.makedirs(bindir)
        self.linkemu = os.path.join(bindir, "linkemu")
        subprocess.run(["gcc", "-O2", "-Wall", "-o", self.linkemu, os.path.join(ROOT, "Benchmarks/linkemu.c")],
                       env=env, check=True)
        # Inputs: big.i (one large preprocessed job) and a copy of Examples/calc, each built locally once.
        self.src = sources.write_all(os.path.join(self.work, "src"), tiny_count=0)
        subprocess.run(["gcc", "-E", "big.c", "-o", "big.i"], cwd=self.src, env=env, check=True)
        subprocess.run(["gcc", "-O0", "-c", "big.i", "-o", "local.o"], cwd=self.src, env=env, check=True)
        self.big_object = sha256(os.path.join(self.src, "local.o"))
        self.calc = os.path.join(self.work, "calc")
        shutil.copytree(os.path.join(ROOT, "Examples/calc"), self.calc)
        subprocess.run(["make", "-s", "OBJDIR=build-local"], cwd=self.calc, env=env, check=True)
        self.calc_objects = {n: sha256(os.path.join(self.calc, "build-local", n))
                             for n in os.listdir(os.path.join(self.calc, "build-local")) if n.endswith(".o")}
        self.results["inputs"] = {"big.i": os.path.getsize(os.path.join(self.src, "big.i")),
                                  "big.o": os.path.getsize(os.path.join(self.src, "local.o")),
                                  "calc objects": len(self.calc_objects)}
        # Namespaces and the link.
        has_netem, why = netlink.kernel_has_netem(self.client_ns + "p")
        use_netem = self.args.link == "netem" or (self.args.link == "auto" and has_netem)
        if use_netem and not has_netem:
            raise SystemExit(f"slowlink: --link netem, but this kernel has no netem qdisc ({why})")
        for ns in (self.client_ns, self.daemon_ns):
            netlink.create_namespace(ns)
        if use_netem:
            self.link = netlink.NetemLink(self.client_ns, self.daemon_ns)
        else:
            self.link = netlink.TunLink(self.linkemu, self.client_ns, self.daemon_ns,
                                        os.path.join(self.work, "linkemu.log"))
        self.results["link"] = self.link.kind
        self.results["netem_probe"] = "netem available" if has_netem else f"no netem: {why}"
        _, rate, delay = PROFILES[0]
        self.link.start(rate, delay)
        netlink.enter_namespace(self.client_ns)
        self.log(f"link: {self.link.kind} ({self.results['netem_probe']}); client in {self.client_ns}, daemons "
                 f"and sshd in {self.daemon_ns} on {DAEMON_ADDRESS}")
        self.setup_ssh()
        self.start_daemons()

    def setup_ssh(self):
        """An sshd in the daemons' namespace, port 22; a key for both clients; 3.4's `ssh` through a config."""
        d = os.path.join(self.work, "ssh")
        self.home = os.path.join(self.work, "home")
        os.makedirs(os.path.join(self.home, ".ssh"), mode=0o700)
        os.makedirs(d)
        key = os.path.join(self.home, ".ssh", "id_ed25519")
        host_key = os.path.join(d, "ssh_host_ed25519_key")
        for path in (key, host_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True)
        shutil.copy(key + ".pub", os.path.join(d, "authorized_keys"))
        with open(host_key + ".pub") as f:
            host_public = " ".join(f.read().split()[:2])
        known_hosts = os.path.join(self.home, ".ssh", "known_hosts")
        with open(known_hosts, "w") as f:
            f.write(f"{DAEMON_ADDRESS} {host_public}\n")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation directory
        config = os.path.join(d, "sshd_config")
        with open(config, "w") as f:
            f.write(f"ListenAddress {DAEMON_ADDRESS}:22\nHostKey {host_key}\nAuthorizedKeysFile {d}/authorized_keys\n"
                    f"PidFile {d}/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nPrintMotd no\n"
                    "MaxSessions 20\nMaxStartups 50\n")
        self.sshd_log = os.path.join(d, "sshd.log")
        with open(self.sshd_log, "w") as log:
            self.sshd = subprocess.Popen(["ip", "netns", "exec", self.daemon_ns, "/usr/sbin/sshd", "-D", "-e", "-f",
                                          config], stdout=log, stderr=log)
        self.wait_for(lambda: "Server listening" in open(self.sshd_log).read(), "sshd")
        # 3.4 runs $DISTCC_SSH (default `ssh`) per job: a wrapper gives it this key and known_hosts.
        client_config = os.path.join(d, "ssh_config")
        with open(client_config, "w") as f:
            f.write(f"Host *\n  IdentityFile {key}\n  IdentitiesOnly yes\n  UserKnownHostsFile {known_hosts}\n"
                    "  StrictHostKeyChecking yes\n  BatchMode yes\n  User root\n")
        self.ssh_wrapper = os.path.join(self.work, "bin", "ssh-bench")
        with open(self.ssh_wrapper, "w") as f:
            f.write(f"#!/bin/sh\nexec /usr/bin/ssh -F {client_config} \"$@\"\n")
        os.chmod(self.ssh_wrapper, 0o755)

    def wait_for(self, ready, what, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.02)
        raise RuntimeError(f"{what} did not start")

    def start_daemons(self):
        for impl, binary in (("ours", OUR_DAEMON), ("3.4", DEBIAN_DAEMON)):
            d = os.path.join(self.work, f"daemon-{impl}")
            os.makedirs(os.path.join(d, "tmp"))
            for path in (d, os.path.join(d, "tmp")):
                os.chmod(path, 0o1777)  # the daemon drops root before it opens its log and job files
            argv = ["ip", "netns", "exec", self.daemon_ns, binary, "--daemon", "--no-detach", "--listen",
                    DAEMON_ADDRESS, "--port", str(PORTS[impl]), "--allow", "169.254.0.0/16", "--jobs", str(LIMIT),
                    "--nice", "0", "--log-file", os.path.join(d, "distccd.log"), "--log-level", "info", "--stats",
                    "--stats-port", str(STATS_PORTS[impl])]
            env = {"PATH": "/usr/bin:/bin", "TMPDIR": os.path.join(d, "tmp"), "HOME": d, "LC_ALL": "C"}
            with open(os.path.join(d, "stderr"), "w") as err:
                self.daemons[impl] = subprocess.Popen(argv, env=env, stdout=err, stderr=err)
            self.wait_for(lambda: self.stats_answer(impl), f"{impl} daemon")
            self.log(f"daemon {impl}: {binary} on {DAEMON_ADDRESS}:{PORTS[impl]} (pid {self.daemons[impl].pid})")

    def stats_answer(self, impl):
        import socket
        try:
            with socket.create_connection((DAEMON_ADDRESS, STATS_PORTS[impl]), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                return b"dcc_compile_ok" in s.recv(65536)
        except OSError:
            return False

    # ---------------------------------------------------------------- runs

    def env(self, config):
        state = os.path.join(self.work, "state", config.label.replace(" ", "-"))
        os.makedirs(os.path.join(state, "lock"), exist_ok=True)
        tmp = os.path.join(self.work, "client-tmp")
        os.makedirs(tmp, exist_ok=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "LC_ALL": "C", "TMPDIR": tmp, "DISTCC_DIR": state,
               "DISTCC_HOSTS": config.hosts, "DISTCC_FALLBACK": "0", "DISTCC_SKIP_LOCAL_RETRY": "1",
               # A failed run is a failed check; it must not back the host off for the runs after it.
               "DISTCC_BACKOFF_PERIOD": "0",
               "DISTCC_LOG": os.path.join(state, "client.log"), "DISTCC_VERBOSE": "0"}
        if config.mode == "ssh" and config.impl == "3.4":
            env["DISTCC_SSH"] = self.ssh_wrapper
        return env

    def timed(self, argv, cwd, env, log):
        before = self.link.counters()
        start = time.perf_counter()
        with open(log, "a") as out:
            code = subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=out).returncode
        wall = time.perf_counter() - start
        carried = self.link.counters() - before
        return code, wall, carried

    def run_big(self, config, tag):
        out = f"big-{tag}.o"
        path = os.path.join(self.src, out)
        if os.path.exists(path):
            os.unlink(path)
        log = os.path.join(self.work, "logs", f"big-{tag}.log")
        code, wall, carried = self.timed([config.client, "gcc", "-O0", "-c", "big.i", "-o", out], self.src,
                                         self.env(config), log)
        ok = code == 0 and os.path.exists(path) and sha256(path) == self.big_object
        return ok, wall, carried, log

    def run_calc(self, config, tag):
        objdir = f"build-{tag}"
        shutil.rmtree(os.path.join(self.calc, objdir), ignore_errors=True)
        log = os.path.join(self.work, "logs", f"calc-{tag}.log")
        code, wall, carried = self.timed(["make", "-s", f"-j{MAKE_JOBS}", f"OBJDIR={objdir}",
                                          f"CC={config.client} gcc"], self.calc, self.env(config), log)
        ok = code == 0 and all(
            os.path.exists(os.path.join(self.calc, objdir, n)) and sha256(os.path.join(self.calc, objdir, n)) == h
            for n, h in self.calc_objects.items())
        shutil.rmtree(os.path.join(self.calc, objdir), ignore_errors=True)
        return ok, wall, carried, log

    def warm_up(self, config):
        """An untimed small job: starts our SSH broker over this profile's link, warms the daemons' caches."""
        log = os.path.join(self.work, "logs", "warm-up.log")
        self.timed([config.client, "gcc", "-O2", "-c", "small.c", "-o", "small.o"], self.src, self.env(config), log)

    def stop_brokers(self):
        """Our SSH brokers (started by our client in the client's namespace) from an earlier profile, by pid."""
        for pid in netlink.namespace_pids(self.client_ns):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"--ssh-broker" in f.read():
                        os.kill(pid, 15)
            except (FileNotFoundError, ProcessLookupError):
                pass

    def profile(self, name, rate, delay, configs, rounds):
        self.log(f"profile {name}: {rate / 1e6:g} Mbit/s, {delay / 1000:g} ms each way")
        self.link.set(rate, delay)
        self.stop_brokers()
        fidelity = netlink.measure(self.link, self.daemon_ns, rate, delay, seconds=self.args.bulk_seconds)
        self.log(f"  link: ping RTT {fidelity['ping_rtt_ms']['avg']:.2f} ms (min {fidelity['ping_rtt_ms']['min']:.2f},"
                 f" max {fidelity['ping_rtt_ms']['max']:.2f}; model {fidelity['expected_rtt_ms']:.2f}); bulk TCP "
                 f"goodput {fidelity['goodput_bit_s'] / 1e6:.2f} Mbit/s, IP {fidelity['link_bit_s'] / 1e6:.2f} Mbit/s"
                 f" of {rate / 1e6:g}; {fidelity['dropped']} dropped; emulator late by at most "
                 f"{fidelity['late_max_us']} µs (mean {fidelity['late_mean_us']:.1f} µs)")
        for config in configs:
            self.warm_up(config)
        series = {w: {c.label: {"wall": [], "up": [], "down": [], "ok": []} for c in configs}
                  for w in ("big.i", "calc")}
        for r in range(rounds):
            for workload, runner in (("big.i", self.run_big), ("calc", self.run_calc)):
                for config in rotated(configs, r):
                    tag = f"{name.split()[0].lower()}-{config.label.replace(' ', '-')}-{r}"
                    ok, wall, carried, log = runner(config, tag)
                    s = series[workload][config.label]
                    s["wall"].append(wall)
                    s["up"].append(carried.up_bytes)
                    s["down"].append(carried.down_bytes)
                    s["ok"].append(ok)
                    self.check(ok, f"{name}, {workload}, {config.label}, round {r + 1}: remote, object identical "
                                   f"to the local build (log {log})")
            self.log(f"  round {r + 1}/{rounds} done")
        self.results["profiles"][name] = {"fidelity": fidelity, "series": series}

    def main(self):
        self.results["machine"] = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(), "kernel": platform.release(),
            "load_at_start": open("/proc/loadavg").read().split()[:3],
            "commit": os.environ.get("BENCH_COMMIT", "unknown"),
        }
        os.makedirs(os.path.join(self.work, "logs"))
        self.setup()
        modes = [m for m in ("plain", "lzo", "zstd", "ssh") if m in self.args.modes]
        configs = [Config(impl, mode) for mode in modes for impl in ("ours", "3.4")
                   if not (impl == "3.4" and mode == "zstd")]  # 3.4 has no zstd
        self.results["configs"] = {c.label: c.hosts for c in configs}
        for name, rate, delay in PROFILES:
            if self.args.profiles and name.split()[0].lower() not in self.args.profiles:
                continue
            self.profile(name, rate, delay, configs, self.args.rounds)
        self.results["duration_s"] = time.monotonic() - self.started
        self.results["rounds"] = self.args.rounds
        checks = self.results["checks"]
        failed = [c for c in checks if not c["ok"]]
        self.log(f"checks: {len(checks) - len(failed)} of {len(checks)} passed; {self.results['duration_s'] / 60:.1f} min")
        print(slowreport.table(self.results))
        if not self.args.no_doc:
            slowreport.write(self.results, ROOT)
            self.log("wrote Docs/performance.md (slow links), Docs/slowlink.svg, Benchmarks/results/slowlink.json")
        return 1 if failed else 0

    def cleanup(self):
        for impl, process in self.daemons.items():
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if getattr(self, "sshd", None):
            self.sshd.terminate()
            self.sshd.wait(timeout=10)
        if self.link:
            self.link.stop()
        for ns in (self.daemon_ns, self.client_ns):
            netlink.delete_namespace(ns)
        if self.args.keep:
            self.log(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netns", nargs=2, metavar=("CLIENT", "DAEMON"), default=["slowlink-c", "slowlink-d"],
                        help="names of the two network namespaces to create (deleted at the end)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profiles", type=lambda s: s.split(","), default=None,
                        help="a subset of café,office,vpn")
    parser.add_argument("--modes", type=lambda s: s.split(","), default=["plain", "lzo", "zstd", "ssh"])
    parser.add_argument("--link", choices=("auto", "tun", "netem"), default="auto",
                        help="netem where the kernel has it (auto), or the userspace emulator")
    parser.add_argument("--bulk-seconds", type=float, default=3.0, help="length of the link's bulk-transfer test")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite Docs/ and Benchmarks/results/")
    parser.add_argument("--from-json", metavar="PATH", help="only rewrite the documents from a saved results file")
    args = parser.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            slowreport.write(json.load(f), ROOT)
        return 0
    if os.geteuid() != 0:
        print("slowlink: needs root (network namespaces, TUN devices, an sshd): run Benchmarks/slowlink.sh as root",
              file=sys.stderr)
        return 2
    for ns in args.netns:
        if not ns.startswith("slowlink-"):
            parser.error(f"namespace {ns}: names must start with slowlink-")
    # SIGTERM (the wrapper's trap, a timeout) unwinds through cleanup like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = SlowLink(args)
    try:
        return bench.main()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    sys.exit(main())
