"""Loopback daemons (ours and 3.4's, same options), their stats pages, and a byte-counting relay."""

import os
import socket
import tempfile
import threading
import time

from . import procs


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def read_stats(connect):
    """A daemon's `--stats` page (3.4's format, which our daemon serves too) as a dict of its `dcc_` lines;
    `connect()` opens a TCP connection to the stats port. OSError while the page has no compile count yet.

    3.4 reads the request without waiting for it, so when it answers before our request has arrived, closing
    the socket with the request unread resets the connection: such an answer is retried."""
    for attempt in range(10):
        try:
            return _read_stats_once(connect)
        except ConnectionResetError:
            time.sleep(0.01 * (attempt + 1))
    return _read_stats_once(connect)


def _read_stats_once(connect):
    with connect() as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    values = {}
    for line in data.decode("latin-1").splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2 and parts[0].startswith("dcc_"):
            values[parts[0]] = parts[1]
    if "dcc_compile_ok" not in values:
        raise OSError("no stats yet")
    return values


class Daemon:
    """One `distccd --daemon --no-detach` on a 127.0.0.x address, started and stopped by pid."""

    def __init__(self, reaper, label, binary, address, workdir, path, jobs):
        self.reaper, self.label, self.binary, self.address = reaper, label, binary, address
        self.jobs = jobs
        self.dir = tempfile.mkdtemp(prefix=f"daemon-{label}-{address}-", dir=workdir)
        self.tmp = os.path.join(self.dir, "tmp")
        os.makedirs(self.tmp)
        # The daemon drops root to `distccd`/`nobody` before it opens its log and job files.
        for d in (self.dir, self.tmp):
            os.chmod(d, 0o1777)
        self.log = os.path.join(self.dir, "distccd.log")
        self.stderr = os.path.join(self.dir, "stderr")
        self.port = free_port(address)
        self.stats_port = free_port(address)
        self.env = {"PATH": path, "TMPDIR": self.tmp, "HOME": self.dir, "LC_ALL": "C"}
        self.pid = None

    @property
    def host_spec(self):
        return f"{self.address}:{self.port}"

    def start(self):
        argv = [
            self.binary, "--daemon", "--no-detach", "--listen", self.address, "--port", str(self.port),
            "--allow", "127.0.0.0/8", "--jobs", str(self.jobs), "--nice", "0",
            "--log-file", self.log, "--log-level", "info", "--stats", "--stats-port", str(self.stats_port),
        ]
        self.pid, _ = self.reaper.spawn(argv, self.env, stderr=self.stderr)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.stats()
                return self
            except OSError:
                if self.pid in self.reaper.exited:
                    break
                time.sleep(0.02)
        raise RuntimeError(f"{self.label} daemon on {self.host_spec} did not start; see {self.stderr}, {self.log}")

    def stats(self):
        """The `--stats` page as a dict (see `read_stats`)."""
        return read_stats(lambda: socket.create_connection((self.address, self.stats_port), timeout=5))

    def compiles_ok(self):
        return int(self.stats()["dcc_compile_ok"])

    def cpu_seconds(self):
        return procs.tree_cpu_seconds(self.pid)

    def stop(self):
        """Stops the daemon; returns its processes' CPU seconds over their whole lifetime (wait4, precise)."""
        if self.pid is None:
            return 0.0
        total = procs.stop_tree(self.reaper, self.pid)
        self.pid = None
        return total


class Relay:
    """A TCP relay on loopback that counts the bytes each way between clients and one daemon."""

    def __init__(self, target_address, target_port, address="127.0.0.1"):
        self.target = (target_address, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((address, 0))
        self.listener.listen(64)
        self.address, self.port = self.listener.getsockname()
        self.lock = threading.Lock()
        self.to_daemon = 0
        self.to_client = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def host_spec(self):
        return f"{self.address}:{self.port}"

    def reset(self):
        with self.lock:
            self.to_daemon = self.to_client = 0

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(client, upstream, "to_daemon"), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, "to_client"), daemon=True).start()

    def _pump(self, source, sink, counter):
        try:
            while chunk := source.recv(1 << 16):
                sink.sendall(chunk)
                with self.lock:
                    setattr(self, counter, getattr(self, counter) + len(chunk))
        except OSError:
            pass
        finally:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.listener.close()
