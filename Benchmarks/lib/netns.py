"""A small farm in network namespaces: a bridge in a hub namespace and one veth-attached namespace per machine.

Every namespace is named `<prefix>-<machine>`, addresses are link-local (169.254.0.0/16), and `Farm.delete()`
removes every namespace it made (the harness calls it from `finally` and from its signal handlers). Sockets to
a machine's address are opened from inside its namespace with setns(2), so the harness itself stays in the
root namespace.
"""

import ctypes
import os
import socket
import subprocess

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _ip(*args):
    subprocess.run(["ip", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Farm:
    def __init__(self, prefix, machines):
        """machines: {name: last two octets "77.1"}; the namespace `<prefix>-<name>` gets 169.254.<octets>/16."""
        self.prefix = prefix
        self.machines = machines
        self.made = []

    def ns(self, machine):
        return f"{self.prefix}-{machine}"

    def address(self, machine):
        return f"169.254.{self.machines[machine]}"

    def create(self):
        hub = self.ns("hub")
        stale = [n for n in [hub] + [self.ns(m) for m in self.machines] if os.path.exists(f"/run/netns/{n}")]
        if stale:
            raise RuntimeError(f"network namespaces {stale} exist: another run of this benchmark? "
                               "(delete them with `ip netns del` if not)")
        _ip("netns", "add", hub)
        self.made.append(hub)
        _ip("-n", hub, "link", "set", "lo", "up")
        _ip("-n", hub, "link", "add", "br0", "type", "bridge")
        _ip("-n", hub, "link", "set", "br0", "up")
        for machine in self.machines:
            name = self.ns(machine)
            _ip("netns", "add", name)
            self.made.append(name)
            # Interface names are per namespace, so these never collide with another farm's.
            _ip("-n", hub, "link", "add", f"v-{machine}"[:15], "type", "veth", "peer", "name", "eth0", "netns", name)
            _ip("-n", hub, "link", "set", f"v-{machine}"[:15], "master", "br0", "up")
            _ip("-n", name, "addr", "add", f"{self.address(machine)}/16", "dev", "eth0")
            _ip("-n", name, "link", "set", "eth0", "up")
            _ip("-n", name, "link", "set", "lo", "up")
        return self

    def delete(self):
        for name in reversed(self.made):
            subprocess.run(["ip", "netns", "del", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.made = []

    def argv(self, machine, argv):
        """argv run inside a machine's namespace (`ip netns exec` execs it: same pid, so wait4 sees it)."""
        return ["ip", "netns", "exec", self.ns(machine)] + list(argv)

    def connect(self, machine, port, timeout=5):
        """A TCP connection to a machine's address opened from inside its namespace."""
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        there = os.open(f"/run/netns/{self.ns(machine)}", os.O_RDONLY)
        try:
            if _libc.setns(there, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns {self.ns(machine)}")
            try:
                return socket.create_connection((self.address(machine), port), timeout=timeout)
            finally:
                if _libc.setns(here, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back to the harness's namespace")
        finally:
            os.close(here)
            os.close(there)
