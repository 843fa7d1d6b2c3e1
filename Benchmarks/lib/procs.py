"""Processes for the benchmark: spawned with posix_spawn, reaped with wait4 by pid, CPU of process trees from /proc.

The benchmark process makes itself a child subreaper, so the compiler processes that `isolate` orphans (see
isolate.c) come back to it and are reaped here instead of piling up as zombies under pid 1. All waiting therefore
goes through one `Reaper`, which keeps the rusage of the pids it was asked about and drops the orphans.
"""

import ctypes
import os
import shutil
import signal
import time

PR_SET_CHILD_SUBREAPER = 36
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


class Exited:
    """What wait4 said about one process, and when the benchmark saw it end."""

    def __init__(self, status, rusage, ended_ns):
        self.status = status
        self.rusage = rusage
        self.ended_ns = ended_ns

    @property
    def code(self):
        return os.waitstatus_to_exitcode(self.status)

    @property
    def cpu_seconds(self):
        return self.rusage.ru_utime + self.rusage.ru_stime

    @property
    def max_rss_kib(self):
        return self.rusage.ru_maxrss


class Reaper:
    def __init__(self):
        self.tracked = set()
        self.watched = set()  # pids not started here whose rusage we want if they are orphaned to us
        self.exited = {}

    def spawn(self, argv, env, stdout=os.devnull, stderr=os.devnull, stdin=os.devnull):
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, stdin, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        ]
        # Resolve the program in the child's PATH, as a shell would (posix_spawnp would use ours).
        program = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env.get("PATH", os.defpath))
        if program is None:
            raise FileNotFoundError(f"{argv[0]} not found in {env.get('PATH')}")
        started = time.perf_counter_ns()
        pid = os.posix_spawn(program, argv, env, file_actions=actions)
        self.tracked.add(pid)
        return pid, started

    def measure(self, measure_bin, argv, env, stdout=os.devnull, stderr=os.devnull):
        """Runs argv under measure.c; returns (wall s, wait status, CPU s, peak RSS KiB) of that process alone."""
        wall, code, user, system, rss = self.measure_split(measure_bin, argv, env, stdout, stderr)
        return wall, code, user + system, rss

    def measure_split(self, measure_bin, argv, env, stdout=os.devnull, stderr=os.devnull):
        """As measure(), with user and system CPU apart: (wall s, exit code, user s, system s, peak RSS KiB).
        The split is the kernel's tick-sampled one (the sum is exact): average it over rounds."""
        program = argv[0] if "/" in argv[0] else shutil.which(argv[0], path=env.get("PATH", os.defpath))
        if program is None:
            raise FileNotFoundError(f"{argv[0]} not found in {env.get('PATH')}")
        result_file = stderr + ".measure"
        pid, _ = self.spawn([measure_bin, result_file, program] + list(argv[1:]), env, stdout=stdout, stderr=stderr)
        launcher = self.wait(pid)
        if launcher.code != 0:
            raise RuntimeError(f"measure failed ({launcher.code}) for {' '.join(argv)}")
        with open(result_file) as f:
            wall_ns, status, user_us, sys_us, rss = (int(x) for x in f.read().split())
        os.unlink(result_file)
        return wall_ns / 1e9, os.waitstatus_to_exitcode(status), user_us / 1e6, sys_us / 1e6, rss

    def _reap_one(self, block):
        try:
            pid, status, rusage = os.wait4(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return False
        if pid in self.tracked or pid in self.watched:
            self.tracked.discard(pid)
            self.watched.discard(pid)
            self.exited[pid] = Exited(status, rusage, time.perf_counter_ns())
        return True

    def wait(self, pid, timeout=None):
        """Blocks until `pid` has exited; returns its Exited, or None after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while pid not in self.exited:
            if deadline is None:
                if not self._reap_one(block=True) and pid not in self.exited:
                    raise ChildProcessError(f"pid {pid} is not a child")
            elif not self._reap_one(block=False):
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.005)
        return self.exited.pop(pid)

    def wait_any(self, pids):
        """Blocks until one of `pids` has exited; returns (pid, Exited)."""
        while True:
            for pid in pids:
                if pid in self.exited:
                    return pid, self.exited.pop(pid)
            if not self._reap_one(block=True):
                raise ChildProcessError(f"none of {sorted(pids)} is a child")

    def drain_orphans(self):
        while self._reap_one(block=False):
            pass

    def run(self, argv, env, stdout=os.devnull, stderr=os.devnull, check=True):
        pid, started = self.spawn(argv, env, stdout=stdout, stderr=stderr)
        result = self.wait(pid)
        if check and result.code != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {result.code} (stderr: {stderr})")
        return result, (result.ended_ns - started) / 1e9


def _stat(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        text = f.read()
    fields = text[text.rindex(b")") + 2:].split()
    # state ppid ... utime(11) stime(12) cutime(13) cstime(14)
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def process_table():
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                table[int(name)] = _stat(name)
            except (OSError, ValueError):
                pass
    return table


def tree_pids(root, table=None):
    table = table or process_table()
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def tree_cpu_seconds(root):
    """user+sys of `root` and its live descendants, including what they reaped (cutime/cstime).

    Sampled before and after a batch of jobs while the daemon is idle, the difference is everything the daemon's
    processes spent on the batch (workers that exited meanwhile are in their parent's cutime)."""
    table = process_table()
    return sum(table[pid][1] for pid in tree_pids(root, table)) / CLOCK_TICKS


def stop_tree(reaper, root, grace=5.0):
    """SIGTERM to `root` (by pid), then SIGKILL to whatever of its tree is left, by pid.

    Returns the CPU seconds (user+sys, microsecond precision from wait4) of the whole tree over its lifetime:
    the root's own rusage, which holds every child it reaped, plus that of each descendant that outlived it and
    was orphaned to us (3.4's workers when its parent exits first)."""
    pids = tree_pids(root)
    reaper.watched.update(pids[1:])
    try:
        os.kill(root, signal.SIGTERM)
    except ProcessLookupError:
        pass
    exited = reaper.wait(root, timeout=grace)
    if exited is None:
        os.kill(root, signal.SIGKILL)
        exited = reaper.wait(root)
    total = exited.cpu_seconds
    deadline = time.monotonic() + grace
    for pid in pids[1:]:
        while pid not in reaper.exited and os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            reaper.drain_orphans()
            time.sleep(0.005)
        if pid in reaper.exited:
            total += reaper.exited.pop(pid).cpu_seconds
    reaper.watched.difference_update(pids)
    me = os.getpid()
    for pid in pids[1:]:
        try:
            ppid, _ = _stat(pid)
            if ppid in pids or ppid == me:
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
    time.sleep(0.05)
    reaper.drain_orphans()
    return total
