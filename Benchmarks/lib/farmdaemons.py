"""The daemons of the real-C++ farm: distccd (3.4's or ours) and icecream's scheduler and iceccd, each started by
pid inside a machine's network namespace and stopped by pid."""

import os
import time

from . import daemons, procs

ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
ICECC_JOB_DONE = "Remote compilation completed with exit code 0"


def _wait_for(what, ready, pid, reaper, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if pid in reaper.exited:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout} s")


class Distccd:
    """`distccd --daemon --no-detach` on a machine's link-local address; counts jobs from its `--stats` page."""

    def __init__(self, reaper, farm, label, binary, machine, port, stats_port, workdir, jobs):
        self.reaper, self.farm, self.label, self.machine = reaper, farm, label, machine
        self.port, self.stats_port = port, stats_port
        self.dir = os.path.join(workdir, f"distccd-{label}-{machine}")
        self.tmp = os.path.join(self.dir, "tmp")
        os.makedirs(self.tmp)
        for d in (self.dir, self.tmp):  # it drops root to `distccd` before it opens its log and job files
            os.chmod(d, 0o1777)
        self.log = os.path.join(self.dir, "distccd.log")
        self.argv = [binary, "--daemon", "--no-detach", "--listen", farm.address(machine), "--port", str(port),
                     "--allow", "169.254.0.0/16", "--jobs", str(jobs), "--nice", "0", "--log-file", self.log,
                     "--log-level", "info", "--stats", "--stats-port", str(stats_port)]
        self.pid = None

    @property
    def host(self):
        return f"{self.farm.address(self.machine)}:{self.port}"

    def start(self):
        env = dict(ENV, TMPDIR=self.tmp, HOME=self.dir)
        self.pid, _ = self.reaper.spawn(self.farm.argv(self.machine, self.argv), env,
                                        stderr=os.path.join(self.dir, "stderr"))

        def ready():
            try:
                self.compiles_ok()
                return True
            except OSError:
                return False

        _wait_for(f"{self.label} distccd on {self.host}", ready, self.pid, self.reaper, 20)
        return self

    def stats(self):
        """The `--stats` page as a dict (see `daemons.read_stats`), asked from inside the machine's namespace."""
        return daemons.read_stats(lambda: self.farm.connect(self.machine, self.stats_port))

    def compiles_ok(self):
        return int(self.stats()["dcc_compile_ok"])

    def stop(self):
        if self.pid is not None:
            procs.stop_tree(self.reaper, self.pid)
            self.pid = None


class Icecream:
    """icecc-scheduler on one machine, an iceccd on every node (`-m jobs`) and one on the client that compiles
    nothing (`-m 0`).

    Every iceccd runs in its own mount namespace with a private tmpfs on /run (they all want
    /run/icecc/iceccd.socket); the client reaches its daemon through /proc/<pid>/root. The nodes see an idle
    /proc/stat and /proc/loadavg (bind-mounted files that never change): icecream's scheduler gives no job to a
    node whose CPUs look busy, and on this shared VM the other helpers' load would make it compile everything on
    the client, silently."""

    def __init__(self, reaper, farm, scheduler, client, nodes, workdir, jobs):
        self.reaper, self.farm = reaper, farm
        self.scheduler, self.client, self.nodes, self.jobs = scheduler, client, nodes, jobs
        self.dir = os.path.join(workdir, "icecream")
        os.makedirs(self.dir)
        self.fake_stat = os.path.join(self.dir, "idle-stat")
        with open(self.fake_stat, "w") as f:
            f.write("cpu  100 0 100 100000 0 0 0 0 0 0\ncpu0 50 0 50 50000 0 0 0 0 0 0\n")
        self.fake_loadavg = os.path.join(self.dir, "idle-loadavg")
        with open(self.fake_loadavg, "w") as f:
            f.write("0.00 0.00 0.00 1/100 1\n")
        self.pids = {}

    def log(self, machine):
        return os.path.join(self.dir, machine, "iceccd.log")

    def _iceccd(self, machine, jobs, idle):
        base = os.path.join(self.dir, machine)
        os.makedirs(os.path.join(base, "env"))
        for d in (base, os.path.join(base, "env")):
            os.chown(d, *self._icecc_ids())  # it runs as user icecc: its log and environment cache
        mounts = "mount -t tmpfs tmpfs /run"
        if idle:
            mounts += f" && mount --bind {self.fake_stat} /proc/stat && mount --bind {self.fake_loadavg} /proc/loadavg"
        script = (f"{mounts} && exec iceccd -s {self.farm.address(self.scheduler)} -m {jobs} -b {base}/env -vv "
                  f"-l {self.log(machine)} -N {self.farm.ns(machine)}")
        pid, _ = self.reaper.spawn(self.farm.argv(machine, ["unshare", "--mount", "sh", "-c", script]), ENV,
                                   stderr=os.path.join(base, "stderr"))
        self.pids[machine] = pid

    @staticmethod
    def _icecc_ids():
        import pwd
        entry = pwd.getpwnam("icecc")
        return entry.pw_uid, entry.pw_gid

    def start(self):
        os.chown(self.dir, *self._icecc_ids())
        pid, _ = self.reaper.spawn(
            self.farm.argv(self.scheduler, ["icecc-scheduler", "-vv", "-r", "-l", os.path.join(self.dir, "sched.log")]),
            ENV, stderr=os.path.join(self.dir, "sched.stderr"))
        self.pids[self.scheduler] = pid
        self._iceccd(self.client, 0, idle=False)
        for node in self.nodes:
            self._iceccd(node, self.jobs, idle=True)
        for machine in [self.client] + self.nodes:
            _wait_for(f"iceccd on {machine} logging in to the scheduler",
                      lambda m=machine: "Connected to scheduler" in self._read(self.log(m)), self.pids[machine],
                      self.reaper, 60)
        return self

    @staticmethod
    def _read(path):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    @property
    def socket(self):
        return f"/proc/{self.pids[self.client]}/root/run/icecc/iceccd.socket"

    def remote_jobs(self):
        """Jobs the nodes compiled (their logs' completion lines), per node."""
        return {node: self._read(self.log(node)).count(ICECC_JOB_DONE) for node in self.nodes}

    def installed_environments(self):
        return {node: self._read(self.log(node)).count("installed x86_64/") for node in self.nodes}

    def client_daemon_cpu(self):
        """CPU seconds of the client's iceccd so far, its reaped children (icecc-create-env) included."""
        return procs.tree_cpu_seconds(self.pids[self.client])

    def environment_tarballs(self):
        found = []
        for base, _, files in os.walk(os.path.join(self.dir, self.client, "env")):
            found += [os.path.join(base, f) for f in files if ".tar" in f]
        return found

    def stop(self):
        for machine in [self.client] + self.nodes + [self.scheduler]:
            pid = self.pids.pop(machine, None)
            if pid is not None:
                procs.stop_tree(self.reaper, pid)
