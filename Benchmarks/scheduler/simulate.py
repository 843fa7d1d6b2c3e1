#!/usr/bin/env python3
"""Scheduling simulation (issue #9): N distccd daemons on loopback addresses, each running a fake compiler of
its own speed, a `make -jJ` build of F files driven by our client and by Debian's distcc 3.4, makespan / ideal
per scenario, and an SVG timeline of which host ran what, when.

Usage: simulate.py --distcc PATH --distccd PATH [--scenarios a,b] [--svg FILE] [--markdown FILE]
"""
import argparse, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))

SCENARIOS = {
    # name: (delays in ms per host, slots per host, files, make -j, host to kill or None)
    "homogeneous": ([300] * 8, 2, 96, 16, None),
    "heterogeneous": ([150, 150, 300, 300, 300, 450, 600, 600], 2, 96, 16, None),
    "slow-first": ([600] * 4 + [300] * 4, 2, 96, 16, None),
    "dead-host": ([300] * 8, 2, 96, 16, 0),
    "without-dead-host": ([300] * 7, 2, 96, 16, None),
    "64-hosts": ([2000] * 64, 1, 192, 64, None),
    # More make jobs than slots: 3.4 sleeps a whole second whenever every slot is busy.
    "oversubscribed": ([300] * 8, 2, 96, 32, None),
    # Fewer make jobs than slots on an uneven farm: which hosts get the work is all that matters.
    "undersubscribed": ([150, 150, 300, 300, 300, 450, 600, 600], 2, 96, 8, None),
}


# The daemons' job files go to tmpfs, as on a well-kept farm (Docs/distccd.md): on this machine's ext4 with
# `discard`, creating and deleting them would put the daemons' file-system cost on the client's two cores.
TMPDIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else "/tmp"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ideal(delays, slots, files, jobs):
    """The makespan if every slot that can be busy always is: with fewer make jobs than slots, the `jobs`
    fastest slots."""
    rates = sorted((1000.0 / d for d in delays for _ in range(slots)), reverse=True)
    return files / sum(rates[:jobs])


class Farm:
    """Daemons on 127.0.0.(10+i), all on one port, stats on port+1."""

    def __init__(self, root, distccd, delays, slots):
        self.port = free_port()
        self.stats = self.port + 1
        self.procs = []
        self.addresses = []
        cmdlist = os.path.join(root, "cmdlist")
        with open(cmdlist, "w") as f:
            f.write(os.path.join(root, "bin", "fakecc") + "\n")
        for i, delay in enumerate(delays):
            address = "127.0.0.%d" % (10 + i)
            env = dict(os.environ, DISTCC_CMDLIST=cmdlist, DISTCC_CMDLIST_NUMWORDS="1",
                       FAKECC_DELAY_MS=str(delay), FAKECC_HOST=address,
                       FAKECC_OBJECTS=os.path.join(root, "objects"), TMPDIR=TMPDIR)
            log = os.path.join(root, "distccd-%d.log" % i)
            open(log, "a").close()
            os.chmod(log, 0o666)  # the daemon, started as root, logs as the user it drops to
            args = [distccd, "--no-detach", "--daemon", "--listen", address, "--port", str(self.port),
                    "--allow", "127.0.0.0/8", "--jobs", str(slots), "--log-file", log,
                    "--stats", "--stats-port", str(self.stats)]
            self.procs.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL))
            self.addresses.append(address)
        for address in self.addresses:
            deadline = time.time() + 20
            while True:
                try:
                    socket.create_connection((address, self.port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise SystemExit("daemon on %s did not start" % address)
                    time.sleep(0.02)

    def hosts(self, slots):
        return " ".join("%s:%d/%d" % (a, self.port, slots) for a in self.addresses)

    def kill(self, index):
        self.procs[index].kill()

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def prepare(root, files):
    os.makedirs(os.path.join(root, "bin"))
    os.makedirs(os.path.join(root, "objects"))
    subprocess.run(["gcc", "-O2", "-o", os.path.join(root, "bin", "fakecc"), os.path.join(HERE, "fakecc.c")],
                   check=True)
    src = os.path.join(root, "src")
    os.makedirs(src)
    for i in range(files):
        with open(os.path.join(src, "f%d.c" % i), "w") as f:
            f.write("/* FILEID_%d */\nint f%d(void) { return %d; }\n" % (i, i, i))
    # Reference objects, built once by the real compiler; the fake compiler hands out copies.
    for i in range(files):
        subprocess.run(["gcc", "-c", os.path.join(src, "f%d.c" % i), "-o",
                        os.path.join(root, "objects", "f%d.o" % i)], check=True)


def build(root, client, farm, delays, slots, files, jobs, kill, label, extra_env=None, distcc_dir=None):
    work = os.path.join(root, "build-" + label)
    os.makedirs(work)
    for i in range(files):
        shutil.copy(os.path.join(root, "src", "f%d.c" % i), work)
    with open(os.path.join(work, "Makefile"), "w") as f:
        f.write("OBJS := %s\nall: $(OBJS)\n%%.o: %%.c\n\t$(CC) -c $< -o $@\n"
                % " ".join("f%d.o" % i for i in range(files)))
    if distcc_dir is None:
        distcc_dir = os.path.join(work, ".distcc")
        os.makedirs(distcc_dir)
    env = dict(os.environ, DISTCC_HOSTS=farm.hosts(slots), DISTCC_DIR=distcc_dir,
               PATH=os.path.join(root, "bin") + ":" + os.environ["PATH"],
               FAKECC_OBJECTS=os.path.join(root, "objects"), FAKECC_DELAY_MS=str(max(delays)))
    env.update(extra_env or {})
    env.pop("DISTCC_VERBOSE", None)
    env.pop("DISTCC_LOG", None)
    started = time.time()
    make = subprocess.Popen(["make", "-s", "-j%d" % jobs, "CC=%s fakecc" % client], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output = {}
    # Drain the pipes while the build runs (a full stderr pipe would stall the clients).
    reader = threading.Thread(target=lambda: output.update(zip(("out", "err"), make.communicate())))
    reader.start()
    if kill is not None:
        # Halfway: once half the objects exist, the host dies (SIGKILL: its jobs in flight are lost too).
        while reader.is_alive() and sum(n.endswith(".o") for n in os.listdir(work)) < files // 2:
            time.sleep(0.01)
        farm.kill(kill)
    reader.join()
    err = output["err"]
    makespan = time.time() - started
    trace, other = [], []
    for line in err.splitlines():
        if line.startswith("SCHEDTRACE "):
            _, host, s, e, ident = line.split()
            trace.append((host, float(s) - started, float(e) - started, int(ident)))
        elif line.strip():
            other.append(line)
    wrong = 0
    for i in range(files):
        try:
            with open(os.path.join(work, "f%d.o" % i), "rb") as a, \
                    open(os.path.join(root, "objects", "f%d.o" % i), "rb") as b:
                wrong += a.read() != b.read()
        except OSError:
            wrong += 1
    return dict(makespan=makespan, status=make.returncode, wrong=wrong, trace=trace, messages=other[:5])


def lanes(trace):
    """Each job with a lane on its host (the first lane free at its start), and the lanes per host."""
    ends, placed = {}, []
    for host, s, e, ident in sorted(trace, key=lambda t: t[1]):
        free = ends.setdefault(host, [])
        lane = next((i for i, end in enumerate(free) if end <= s + 1e-4), None)
        if lane is None:
            lane = len(free)
            free.append(e)
        free[lane] = e
        placed.append((host, lane, s, e, ident))
    return placed, {host: len(free) for host, free in ends.items()}


def svg(runs, hosts_by_run, path):
    """One panel per run: a row per host and slot (lane), a bar per job."""
    width, row, left, gap = 900, 7, 150, 30
    maxtime = max(max((t[2] for t in r["trace"]), default=1) for _, r in runs)
    scale = (width - left - 20) / maxtime
    parts, y = [], 10
    for title, r in runs:
        placed, count = lanes(r["trace"])
        hosts = [h for h in hosts_by_run[title] if h in count] or hosts_by_run[title]
        top = {}
        offset = 0
        for h in hosts:
            top[h] = offset
            offset += max(1, count.get(h, 1))
        parts.append('<text x="5" y="%d" font-size="12" font-weight="bold">%s: makespan %.2f s, %.2f of ideal</text>'
                     % (y + 10, title, r["makespan"], r["efficiency"]))
        y += 18
        for h in hosts:
            parts.append('<text x="5" y="%d" font-size="8">%s</text>' % (y + top[h] * row + 7, h))
            parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd" stroke-width="0.5"/>'
                         % (left, y + top[h] * row - 1, width - 20, y + top[h] * row - 1))
        for host, lane, s, e, ident in placed:
            if host not in top:
                continue
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="hsl(%d,60%%,55%%)" stroke="#333" stroke-width="0.3"><title>f%d.c on %s %.2f-%.2f s</title></rect>'
                         % (left + s * scale, y + (top[host] + lane) * row, max(0.5, (e - s) * scale), row - 1,
                            (ident * 37) % 360, ident, host, s, e))
        parts.append('<line x1="%d" y1="%d" x2="%.1f" y2="%d" stroke="red" stroke-dasharray="3,2"/>'
                     % (left + r["ideal"] * scale, y - 4, left + r["ideal"] * scale, y + offset * row))
        y += offset * row + gap
    ticks = "".join('<text x="%.1f" y="%d" font-size="8">%ds</text>' % (left + t * scale, y - 12, t)
                    for t in range(0, int(maxtime) + 1))
    with open(path, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">'
                '<rect width="100%%" height="100%%" fill="white"/>%s%s</svg>\n' % (width, y, "".join(parts), ticks))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--distcc", required=True)
    ap.add_argument("--reference-distcc", default="/usr/bin/distcc")
    ap.add_argument("--distccd", required=True)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--svg")
    ap.add_argument("--svg-scenario", default="oversubscribed,slow-first",
                    help="comma-separated scenarios drawn in the timeline (their median runs)")
    ap.add_argument("--markdown")
    ap.add_argument("--warm", action="store_true",
                    help="also run our client a second time on the same farm with the first build's history")
    ap.add_argument("--with-legacy-chooser", action="store_true",
                    help="also run our client with DISTCC_SCHEDULER=3.4 (3.4's host choice)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="build each scenario this many times per client, clients interleaved; the median counts")
    args = ap.parse_args()
    args.distcc, args.distccd = os.path.abspath(args.distcc), os.path.abspath(args.distccd)
    names = args.scenarios.split(",")
    root = tempfile.mkdtemp(prefix="sched-bench.")
    os.chmod(root, 0o755)  # readable by the daemons' unprivileged user
    results, panels, hosts_by_run = [], [], {}
    try:
        prepare(root, max(SCENARIOS[n][2] for n in names))
        for name in names:
            delays, slots, files, jobs, kill = SCENARIOS[name]
            row = dict(name=name, ideal=ideal(delays, slots, files, jobs), hosts=len(delays), slots=slots,
                       files=files, jobs=jobs)
            clients = [("ours", args.distcc, {}), ("3.4", args.reference_distcc, {})]
            if args.warm:
                clients.append(("ours-warm", args.distcc, {}))
            if args.with_legacy_chooser:
                clients.append(("ours-3.4", args.distcc, {"DISTCC_SCHEDULER": "3.4"}))
            runs = {client: [] for client, _, _ in clients}
            for round in range(args.rounds):
                for client, binary, extra in clients:
                    farm = Farm(root, args.distccd, delays, slots)
                    try:
                        label = "%s-%s-%d" % (name, client.replace(".", ""), round)
                        distcc_dir = None
                        if client == "ours-warm":
                            # A previous build of the same tree on the same farm left its history behind.
                            distcc_dir = os.path.join(root, "distcc-" + label)
                            os.makedirs(distcc_dir)
                            build(root, binary, farm, delays, slots, files, jobs, None, label + "-0", extra,
                                  distcc_dir)
                        r = build(root, binary, farm, delays, slots, files, jobs, kill, label, extra, distcc_dir)
                    finally:
                        farm.stop()
                    r["ideal"] = row["ideal"]
                    r["efficiency"] = row["ideal"] / r["makespan"]
                    runs[client].append(r)
                    busy = sum(e - s for _, s, e, _ in r["trace"])
                    first = min((s for _, s, _, _ in r["trace"]), default=0)
                    print("%-18s %-9s makespan %6.2f s  ideal %5.2f s  efficiency %.2f  busy %.2f  first job %.2f s  exit %d  wrong objects %d  load %.1f%s"
                          % (name, client, r["makespan"], row["ideal"], r["efficiency"],
                             busy / (r["makespan"] * sum([slots] * len(delays))), first, r["status"], r["wrong"],
                             os.getloadavg()[0],
                             ("  (" + "; ".join(r["messages"]) + ")") if r["messages"] else ""), flush=True)
            for client, _, _ in clients:
                ordered = sorted(runs[client], key=lambda r: r["makespan"])
                median = dict(ordered[len(ordered) // 2])
                median["wrong"] = sum(r["wrong"] + (r["status"] != 0) for r in ordered)
                median["low"], median["high"] = ordered[-1]["efficiency"], ordered[0]["efficiency"]
                row[client] = median
                title = "%s, %s" % (name, {"ours": "our client", "3.4": "distcc 3.4", "ours-3.4": "our client, 3.4 chooser", "ours-warm": "our client, warm history"}[client])
                hosts_by_run[title] = ["127.0.0.%d" % (10 + i) for i in range(len(delays))] + ["local"]
                if name in args.svg_scenario.split(","):
                    panels.append((title, median))
            results.append(row)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.svg and panels:
        svg(panels, hosts_by_run, args.svg)
    def eff(r):
        if args.rounds == 1:
            return "%.2f" % r["efficiency"]
        return "%.2f (%.2f–%.2f)" % (r["efficiency"], r["low"], r["high"])

    lines = ["| scenario | hosts × slots | files, -j | ideal (s) | ours: makespan (s) | ours: of ideal | 3.4: makespan (s) | 3.4: of ideal | failed builds + wrong objects (ours / 3.4) |",
             "|---|---|---|---|---|---|---|---|---|"]
    extra = [c for c in ("ours-warm", "ours-3.4") if results and c in results[0]]
    if extra:
        lines[0] += "".join(" %s: of ideal |" % c for c in extra)
        lines[1] += "---|" * len(extra)
    for r in results:
        lines.append("| %s | %d × %d | %d, -j%d | %.2f | %.2f | %s | %.2f | %s | %d / %d |" % (
            r["name"], r["hosts"], r["slots"], r["files"], r["jobs"], r["ideal"], r["ours"]["makespan"],
            eff(r["ours"]), r["3.4"]["makespan"], eff(r["3.4"]), r["ours"]["wrong"],
            r["3.4"]["wrong"]) + "".join(" %s |" % eff(r[c]) for c in extra))
    table = "\n".join(lines)
    table += ("\n\n%d round(s) per cell, clients interleaved, median shown (range in brackets); load average "
              "%.1f at the end; daemons' TMPDIR %s.\n" % (args.rounds, os.getloadavg()[0], TMPDIR))
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
