#!/usr/bin/env python3
"""Record golden distcc 3.4 byte streams for DistProtocolTests.

Runs Debian's /usr/bin/distccd on 127.0.0.1 (a free port) and, for each scenario, Debian's /usr/bin/distcc
through a recording TCP relay on 127.0.0.1. Writes <scenario>.request.bin (client to server) and
<scenario>.response.bin (server to client) next to this script. See README.md.

Everything stays on loopback; every process started here is stopped by its pid.
"""
import ctypes
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Fixed paths: they appear in the captured bytes (CDIR, NAME), so re-recording gives the same requests.
ROOT = "/tmp/distproto-rec"
SRC = ROOT + "/src"
PUMP = ROOT + "/pump"
MIRROR = ROOT + "/mirror"  # exactly three components, as the include server's client root

HELLO = 'int puts(const char *);\nint main(void) { puts("hello"); return 0; }\n'
SYNTAX_ERROR = "int main(void) { return }\n"
WARNING = "int main(void) { int unused; return 0; }\n"
CXX = (
    "struct Greeter {\n  int times;\n  int twice() const { return times * 2; }\n};\n"
    "int run(int n) { Greeter g{n}; return g.twice(); }\n"
)
PUMP_MAIN = '#include "inc/greet.h"\n#include "alias.h"\nint main(void) { return GREETING; }\n'
PUMP_HEADER = "#pragma once\n#define GREETING 0\n"

# name, host options, source files {name: text}, command after "distcc", expected exit status
SCENARIOS = [
    ("v1-hello", "", {"hello.c": HELLO}, ["gcc", "-c", "hello.c", "-o", "hello.o"], 0),
    ("v1-syntax-error", "", {"bad.c": SYNTAX_ERROR}, ["gcc", "-c", "bad.c", "-o", "bad.o"], 1),
    ("v2-hello", ",lzo", {"hello.c": HELLO}, ["gcc", "-c", "hello.c", "-o", "hello.o"], 0),
    ("v2-syntax-error", ",lzo", {"bad.c": SYNTAX_ERROR}, ["gcc", "-c", "bad.c", "-o", "bad.o"], 1),
    ("v2-warning", ",lzo", {"warn.c": WARNING}, ["gcc", "-Wall", "-c", "warn.c", "-o", "warn.o"], 0),
    ("v2-cxx", ",lzo", {"greeter.cpp": CXX}, ["g++", "-c", "greeter.cpp", "-o", "greeter.o"], 0),
    ("v2-md-mf", ",lzo", {"hello.c": HELLO},
     ["gcc", "-c", "hello.c", "-o", "hello.o", "-MD", "-MF", "hello.d"], 0),
]


def lzo1x_1_compress(data: bytes) -> bytes:
    """LZO1X-1 through liblzo2, as the include server stores mirror files."""
    lib = ctypes.CDLL("liblzo2.so.2")
    ptr = ctypes.sizeof(ctypes.c_void_p)
    # lzo_init(): version, sizeof short, int, long, lzo_uint32_t, lzo_uint, dict_t, char*, void*, callback_t
    if lib.__lzo_init_v2(0x20A0, 2, 4, ctypes.sizeof(ctypes.c_long), 4, ctypes.sizeof(ctypes.c_size_t),
                         ptr, ptr, ptr, 3 * ptr + 3 * ptr) != 0:
        sys.exit("lzo_init failed")
    out = ctypes.create_string_buffer(len(data) + len(data) // 16 + 64 + 3)
    out_len = ctypes.c_size_t(len(out))
    work = ctypes.create_string_buffer(16384 * ptr)
    if lib.lzo1x_1_compress(data, ctypes.c_size_t(len(data)), out, ctypes.byref(out_len), work) != 0:
        sys.exit("lzo1x_1_compress failed")
    return out.raw[: out_len.value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    sys.exit(f"distccd did not listen on {port}")


class Relay:
    """Accepts one connection, forwards it to the daemon and records both directions."""

    def __init__(self, upstream_port: int):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.upstream_port = upstream_port
        self.request = bytearray()
        self.response = bytearray()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.upstream_port))
        open_ends = {client: (server, self.request), server: (client, self.response)}
        while open_ends:
            readable, _, _ = select.select(list(open_ends), [], [], 30)
            if not readable:
                break
            for sock in readable:
                peer, record = open_ends[sock]
                data = sock.recv(65536)
                if data:
                    record.extend(data)
                    try:
                        peer.sendall(data)
                    except OSError:
                        pass
                else:
                    del open_ends[sock]
                    try:
                        peer.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
        client.close()
        server.close()
        self.listener.close()


def run_scenario(name, options, files, command, expected, cwd, daemon_port, extra_env=None):
    relay = Relay(daemon_port)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": ROOT,
        "DISTCC_DIR": ROOT + "/distcc-dir",
        "DISTCC_HOSTS": f"127.0.0.1:{relay.port}{options}",
        "DISTCC_SKIP_LOCAL_RETRY": "1",
        "DISTCC_FALLBACK": "0",
        "LC_ALL": "C",
    }
    env.update(extra_env or {})
    for file_name, text in files.items():
        with open(os.path.join(cwd, file_name), "w") as f:
            f.write(text)
    result = subprocess.run(["/usr/bin/distcc", *command], cwd=cwd, env=env, capture_output=True)
    relay.thread.join(30)
    if result.returncode != expected:
        sys.exit(f"{name}: distcc exited {result.returncode}, expected {expected}\n{result.stderr.decode()}")
    if not relay.request or not relay.response:
        sys.exit(f"{name}: nothing recorded (did distcc compile locally?)\n{result.stderr.decode()}")
    for suffix, data in (("request", relay.request), ("response", relay.response)):
        with open(os.path.join(HERE, f"{name}.{suffix}.bin"), "wb") as f:
            f.write(data)
    print(f"{name}: request {len(relay.request)} bytes, response {len(relay.response)} bytes")


def prepare_pump() -> str:
    """Source tree and include-server mirror for the protocol 3 scenario (INCLUDE_SERVER_STUB)."""
    os.makedirs(PUMP + "/inc")
    with open(PUMP + "/p.c", "w") as f:
        f.write(PUMP_MAIN)
    with open(PUMP + "/inc/greet.h", "w") as f:
        f.write(PUMP_HEADER)
    os.symlink("inc/greet.h", PUMP + "/alias.h")
    entries = []
    for path, text in ((PUMP + "/p.c", PUMP_MAIN), (PUMP + "/inc/greet.h", PUMP_HEADER)):
        mirrored = MIRROR + path + ".lzo"
        os.makedirs(os.path.dirname(mirrored), exist_ok=True)
        with open(mirrored, "wb") as f:
            f.write(lzo1x_1_compress(text.encode()))
        entries.append(mirrored)
    link = MIRROR + PUMP + "/alias.h"
    os.symlink("inc/greet.h", link)
    entries.append(link)
    return " ".join(entries)


def main() -> None:
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(SRC)
    os.makedirs(ROOT + "/distcc-dir")
    stub = prepare_pump()
    daemon_port = free_port()
    daemon = subprocess.Popen(
        ["/usr/bin/distccd", "--no-detach", "--daemon", "--listen", "127.0.0.1",
         "--port", str(daemon_port), "--allow", "127.0.0.1", "--log-stderr", "--jobs", "2"],
        stderr=open(ROOT + "/distccd.log", "wb"), start_new_session=True)
    try:
        wait_listening(daemon_port, time.monotonic() + 10)
        for name, options, files, command, expected in SCENARIOS:
            run_scenario(name, options, files, command, expected, SRC, daemon_port)
        run_scenario("v3-pump", ",cpp,lzo", {}, ["gcc", "-c", "p.c", "-o", "p.o", "-MD"], 0, PUMP,
                     daemon_port, {"INCLUDE_SERVER_STUB": stub, "DISTCC_TESTING_INCLUDE_SERVER": "1"})
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)  # the daemon's own group: it and its workers
        daemon.wait(10)
    shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
