"""Two network namespaces joined by an emulated link (rate, one-way delay, bounded queue), and its measurement.

`TunLink` runs Benchmarks/linkemu.c (a TUN device in each namespace, forwarding in user space) for kernels
without the netem qdisc; `NetemLink` is a veth pair with netem on both ends, used where the kernel has netem.
Both count the IP bytes that cross the link each way.
"""

import ctypes
import os
import re
import socket
import subprocess
import time

CLONE_NEWNET = 0x40000000
CLIENT_ADDRESS = "169.254.77.1"
DAEMON_ADDRESS = "169.254.77.2"
ETHERNET_HEADER = 14


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def create_namespace(name):
    run(["ip", "netns", "add", name])
    run(["ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
         "net.ipv6.conf.default.disable_ipv6=1"])
    run(["ip", "-n", name, "link", "set", "lo", "up"])


def namespace_pids(name):
    result = subprocess.run(["ip", "netns", "pids", name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    return [int(p) for p in result.stdout.split()]


def delete_namespace(name):
    """Stops every process in the namespace (by pid, SIGTERM then SIGKILL), then deletes it."""
    me = os.getpid()
    for sig in (15, 9):
        pids = [p for p in namespace_pids(name) if p != me]
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if os.path.exists(f"/proc/{p}")]
            time.sleep(0.05)
    subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL)


def enter_namespace(name):
    """Moves this (single-threaded) process into the namespace: everything it starts from now on runs there."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {name}")
    finally:
        os.close(fd)


def kernel_has_netem(probe_name):
    create_namespace(probe_name)
    try:
        result = subprocess.run(["ip", "netns", "exec", probe_name, "tc", "qdisc", "add", "dev", "lo", "root",
                                 "netem", "delay", "1ms"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return result.returncode == 0, result.stdout.strip()
    finally:
        delete_namespace(probe_name)


def queue_bytes(rate_bit_s, delay_us):
    """The queue of each direction: one bandwidth-delay product, at least 64 full-size packets."""
    bdp = rate_bit_s * 2 * delay_us / 1e6 / 8
    return int(max(bdp, 64 * 1500))


class Counters:
    """IP bytes and packets across the link, client->daemon ("up") and daemon->client ("down")."""

    def __init__(self, up_packets, up_bytes, up_dropped, down_packets, down_bytes, down_dropped, late_max_us=0,
                 late_total_us=0):
        self.up_packets, self.up_bytes, self.up_dropped = up_packets, up_bytes, up_dropped
        self.down_packets, self.down_bytes, self.down_dropped = down_packets, down_bytes, down_dropped
        self.late_max_us, self.late_total_us = late_max_us, late_total_us

    def __sub__(self, other):
        return Counters(*(getattr(self, k) - getattr(other, k) for k in (
            "up_packets", "up_bytes", "up_dropped", "down_packets", "down_bytes", "down_dropped")),
            late_max_us=self.late_max_us, late_total_us=self.late_total_us - other.late_total_us)


class TunLink:
    """linkemu between a TUN device in the client's namespace and one in the daemons'."""

    kind = "userspace emulator (Benchmarks/linkemu.c, two TUN devices)"

    def __init__(self, binary, client_ns, daemon_ns, log_path):
        self.client_ns, self.daemon_ns = client_ns, daemon_ns
        self.log_path = log_path
        self.binary = binary
        self.process = None

    def start(self, rate_bit_s, delay_us):
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [self.binary, self.client_ns, "slc", self.daemon_ns, "sld", str(rate_bit_s), str(delay_us),
                 str(queue_bytes(rate_bit_s, delay_us))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"linkemu did not start; see {self.log_path}")
        for ns, dev, here, there in ((self.client_ns, "slc", CLIENT_ADDRESS, DAEMON_ADDRESS),
                                     (self.daemon_ns, "sld", DAEMON_ADDRESS, CLIENT_ADDRESS)):
            run(["ip", "-n", ns, "addr", "add", here, "peer", there, "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "up"])

    def _ask(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def set(self, rate_bit_s, delay_us):
        answer = self._ask(f"p {rate_bit_s} {delay_us} {queue_bytes(rate_bit_s, delay_us)}")
        if answer != "ok":
            raise RuntimeError(f"linkemu refused new parameters: {answer}")

    def counters(self):
        return Counters(*(int(x) for x in self._ask("c").split()))

    def stop(self):
        if self.process:
            self.process.stdin.close()
            self.process.wait(timeout=10)
            self.process = None


class NetemLink:
    """A veth pair between the namespaces with netem (rate, delay, limit) on both ends."""

    kind = "veth pair with the netem qdisc on both ends"

    def __init__(self, client_ns, daemon_ns):
        self.client_ns, self.daemon_ns = client_ns, daemon_ns

    def start(self, rate_bit_s, delay_us):
        run(["ip", "-n", self.client_ns, "link", "add", "slc", "type", "veth", "peer", "name", "sld", "netns",
             self.daemon_ns])
        for ns, dev, here in ((self.client_ns, "slc", CLIENT_ADDRESS), (self.daemon_ns, "sld", DAEMON_ADDRESS)):
            run(["ip", "-n", ns, "addr", "add", f"{here}/16", "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
        self.set(rate_bit_s, delay_us)

    def set(self, rate_bit_s, delay_us):
        limit = max(1, queue_bytes(rate_bit_s, delay_us) // 1500)
        for ns, dev in ((self.client_ns, "slc"), (self.daemon_ns, "sld")):
            run(["tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "netem", "delay", f"{delay_us}us",
                 "rate", f"{rate_bit_s}bit", "limit", str(limit)])

    def _stats(self, ns, dev):
        def read(name):
            out = run(["ip", "netns", "exec", ns, "cat", f"/sys/class/net/{dev}/statistics/{name}"]).stdout
            return int(out)
        return read("tx_packets"), read("tx_bytes"), read("tx_dropped")

    def counters(self):
        up_p, up_b, up_d = self._stats(self.client_ns, "slc")
        down_p, down_b, down_d = self._stats(self.daemon_ns, "sld")
        return Counters(up_p, up_b - ETHERNET_HEADER * up_p, up_d, down_p, down_b - ETHERNET_HEADER * down_p, down_d)

    def stop(self):
        subprocess.run(["ip", "-n", self.client_ns, "link", "del", "slc"], stderr=subprocess.DEVNULL)


SINK = r"""
import socket, sys, time
size = int(sys.argv[2])
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((sys.argv[1], 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
got, marks = 0, {}
while got < size:
    chunk = conn.recv(1 << 20)
    if not chunk:
        break
    if got == 0:
        marks["first"] = time.monotonic()
    got += len(chunk)
    if "quarter" not in marks and got >= size // 4:
        marks["quarter"] = (time.monotonic(), got)
marks["end"] = time.monotonic()
conn.sendall(b"done")
print(got, marks["first"], marks["quarter"][0], marks["quarter"][1], marks["end"], flush=True)
"""


def measure(link, daemon_ns, rate_bit_s, delay_us, seconds=3.0):
    """What the link delivers: ping round trips, and a bulk TCP transfer's goodput (after its first quarter, so
    slow start is left out) with the IP bytes per second the link carried meanwhile."""
    ping = run(["ping", "-c", "20", "-i", "0.05", "-q", DAEMON_ADDRESS]).stdout
    rtt = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", ping)
    rtt_min, rtt_avg, rtt_max, rtt_mdev = (float(x) for x in rtt.groups())
    size = int(rate_bit_s / 8 * seconds)
    sink = subprocess.Popen(["ip", "netns", "exec", daemon_ns, "python3", "-c", SINK, DAEMON_ADDRESS, str(size)],
                            stdout=subprocess.PIPE, text=True)
    port = int(sink.stdout.readline())
    before = link.counters()
    started = time.monotonic()
    block = b"\x5a" * (1 << 16)
    with socket.create_connection((DAEMON_ADDRESS, port)) as s:
        sent = 0
        while sent < size:
            sent += s.send(block[: min(len(block), size - sent)])
        s.recv(16)
    elapsed = time.monotonic() - started
    got, first, quarter, quarter_bytes, end = (float(x) for x in sink.stdout.readline().split())
    sink.wait(timeout=10)
    after = link.counters()
    carried = after - before
    goodput = (got - quarter_bytes) * 8 / (end - quarter)
    # IP bytes per payload byte over the whole transfer (headers, ACK-only packets go the other way)
    overhead = carried.up_bytes / got
    expected_rtt_ms = 2 * delay_us / 1000 + 2 * 84 * 8 / rate_bit_s * 1000
    return {
        "rate_bit_s": rate_bit_s, "delay_us": delay_us, "queue_bytes": queue_bytes(rate_bit_s, delay_us),
        "ping_rtt_ms": {"min": rtt_min, "avg": rtt_avg, "max": rtt_max, "mdev": rtt_mdev},
        "expected_rtt_ms": expected_rtt_ms,
        "bulk_bytes": int(got), "bulk_seconds": elapsed,
        "goodput_bit_s": goodput, "link_bit_s": goodput * overhead, "ip_bytes_per_payload_byte": overhead,
        "dropped": carried.up_dropped + carried.down_dropped,
        "late_max_us": after.late_max_us,
        "late_mean_us": (carried.late_total_us / max(1, carried.up_packets + carried.down_packets)),
    }
