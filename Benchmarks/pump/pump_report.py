"""The pump section of Docs/performance.md, from Benchmarks/results/pump.json."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lib.docsection import replace_section  # noqa: E402
from lib.stats import Summary, quantile  # noqa: E402

NULL_MODE = "Kbuild alone"
BEGIN = "<!-- pump-results:begin (written by Benchmarks/pump/run.sh; edit outside these markers) -->"
END = "<!-- pump-results:end -->"


def fmt(values, scale=1.0, digits=2):
    s = Summary(values)
    return f"{s.median * scale:.{digits}f} ({s.p25 * scale:.{digits}f}–{s.p75 * scale:.{digits}f})"


def paired(a, b):
    """Median and IQR of the per-round ratios a[i]/b[i]."""
    ratios = [x / y for x, y in zip(a, b) if y > 0]
    if not ratios:
        return "–", float("nan")
    s = Summary(ratios)
    return f"{s.median:.2f} ({quantile(ratios, 0.25):.2f}–{quantile(ratios, 0.75):.2f})", s.median


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows] + [""]


def machine(m):
    return f"{m['date']}, commit {m['commit']}, {m['nproc']} cores shared with other builds, load {' '.join(m['load'])}"


def render_cpu(r):
    out = [f"### Client CPU of a Linux 6.1 build (`--only cpu`)", "",
           f"{machine(r['machine'])}. `make -j4` of {', '.join(r['subset'])} ({r['objects']} objects) after removing "
           f"their objects, {r['rounds']} interleaved rounds, two of our daemons on loopback. Client CPU is the "
           "user+sys time of the whole `make` process tree by wait4 (make, the shells, fixdep, every distcc client, "
           "the compilers they ran here) plus, in pump mode, the include server's (started fresh for each build as "
           "`distcc-pump` starts it, its CPU by wait4 when it stops); not the daemons. Every pump job went out as "
           "protocol 3 (`DISTCC_FALLBACK=0`: a job that could not would have failed the build). *Kbuild alone*: the "
           "same build with `gcc` a compiler whose compiles do nothing (`sleepcc` without the sleep, an empty "
           "object): make, the shells, fixdep, objtool, ar, the option checks; subtracted round by round, it leaves "
           "what the compile commands themselves cost the client (distcc, `gcc -E` or the include server). `gcc` is "
           "the "
           "client in masquerade mode so Kbuild's `CC` is the same in every mode. The no-op `make` right after is "
           "Kbuild's own cost (it evaluates its Makefiles and runs `gcc` a few dozen times for option checks).", ""]
    s = r["series"]
    null = s.get(NULL_MODE)
    rows = []
    order = ["local", "ours plain", "ours pump", "3.4 plain", NULL_MODE]
    for mode, v in sorted(s.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99):
        ident = {"local": "reference", NULL_MODE: "–"}.get(mode) or (
            "yes" if r["identical"].get(mode) else f"**no** {r['differing'].get(mode)}")
        server = v.get("include_server_cpu", [])
        compile_cpu = fmt([c - n for c, n in zip(v["cpu"], null["cpu"])]) if null and mode != NULL_MODE else "–"
        rows.append([mode, fmt(v["cpu"]), fmt(server) if any(server) else "–", compile_cpu, fmt(v["noop_cpu"]),
                     fmt(v["wall"], digits=1),
                     "–" if mode in ("local", NULL_MODE) else "/".join(str(x) for x in v["remote"]), ident])
    out += table(["mode", "client CPU s", "of which include server", "minus Kbuild alone (same round)",
                  "no-op make CPU s", "wall s", "remote compiles", "objects identical"], rows)
    pump = s.get("ours pump")
    if not pump or "ours plain" not in s or "3.4 plain" not in s:
        return out
    out += ["| ratio (per-round pairs) | whole build | minus Kbuild alone: the compile commands' own CPU | "
            "target ≤ 0.5 |", "|---|---|---|---|"]
    for base in ("ours plain", "3.4 plain"):
        b = s[base]
        whole, w = paired(pump["cpu"], b["cpu"])
        if null:
            minus, m = paired([c - n for c, n in zip(pump["cpu"], null["cpu"])],
                              [c - n for c, n in zip(b["cpu"], null["cpu"])])
        else:
            minus, m = "–", float("nan")
        out.append(f"| pump / {base} | {whole} | {minus} | whole: {'met' if w <= 0.5 else '**missed**'}; "
                   f"compile commands: {'met' if m <= 0.5 else '**missed**'} |")
    stats = pump.get("include_server", [])
    if stats:
        out += ["", f"Include server, last round: {stats[-1].split(': ', 1)[-1]}."]
        if "needed_files" in pump:
            out += [f"Distinct files the compiles read (Kbuild's `.o.cmd` dependency lists): "
                    f"{pump['needed_files']}; distinct files the include server mirrored is its `files compressed` "
                    "above: the difference is what it sent that no compile of this build read."]
    return out + [""]


def render_plateau(r):
    points = r["points"]
    modes = ["ours plain", "ours pump", "3.4 plain"]
    out = ["### The plateau, simulated (`--only plateau`)", "",
           f"{machine(r['machine'])}. N of our daemons on loopback, {r['slots']} slots each, whose compiler "
           f"(`Benchmarks/pump/sleepcc.c`) sleeps {r['sleep_ms']} ms and writes a fixed object: the farm answers "
           f"N × {r['slots']} jobs per {r['sleep_ms']} ms whatever the machine does. The jobs are the "
           f"{r['commands']} compile commands Kbuild runs for the Linux subset (captured, then replayed, cycling, "
           f"by 2 × N × {r['slots']} clients at once as `make -j` twice the slots would, 2 jobs per client and at "
           "least 40): in plain mode each client really runs `gcc -E` "
           "here; in pump mode the include server really analyses each file and the daemons receive the sources and "
           "headers (they do not read them). Client CPU per job: the clients (with their local `gcc -E`) and the "
           f"include server, by wait4. Medians of {r['rounds']} interleaved rounds; jobs/s with IQR.", ""]
    by = {}
    for p in points:
        by.setdefault((p["n"], p["mode"]), []).append(p)
    rows = []
    for n in r["farm"]:
        row = [n, f"{n * r['slots'] * 1000 / r['sleep_ms']:.0f}"]
        for mode in modes:
            ps = by.get((n, mode), [])
            row.append(fmt([p["jobs_per_s"] for p in ps], digits=1) if ps else "–")
        for mode in modes:
            ps = by.get((n, mode), [])
            row.append(f"{Summary([p['client_cpu_per_job'] for p in ps]).median * 1e3:.1f}" if ps else "–")
        ps = by.get((n, "ours pump"), [])
        row.append(f"{Summary([p['daemon_cpu_per_job'] for p in ps]).median * 1e3:.1f}" if ps else "–")
        ps = [p for m in modes for p in by.get((n, m), [])]
        row.append(f"{Summary([p['machine_busy'] for p in ps]).median * 100:.0f}%")
        rows.append(row)
    out += table(["N", "ideal jobs/s", "ours plain jobs/s", "ours pump jobs/s", "3.4 plain jobs/s",
                  "client CPU ms/job: ours plain", "ours pump", "3.4 plain", "daemon CPU ms/job (pump)",
                  "machine busy"], rows)
    # Where each curve flattens: the smallest N reaching 90% of its best median.
    notes = []
    best = {}
    for mode in modes:
        medians = [(n, Summary([p["jobs_per_s"] for p in by.get((n, mode), [])]).median) for n in r["farm"]
                   if by.get((n, mode))]
        if not medians:
            continue
        top = max(v for _, v in medians)
        best[mode] = top
        flat = next(n for n, v in medians if v >= 0.9 * top)
        cpu = Summary([p["client_cpu_per_job"] for p in points if p["mode"] == mode and p["n"] >= flat]).median
        where = (f"still rising at N = {flat}, the largest farm" if flat == r["farm"][-1] else
                 f"within 10% of it from N = {flat}")
        notes.append(f"- {mode}: best {top:.1f} jobs/s, {where}; client CPU "
                     f"{cpu * 1e3:.1f} ms/job, so the client alone could feed at most "
                     f"{r['machine']['nproc'] / cpu:.0f} "
                     "jobs/s on this machine's cores (its client CPU per job from that N on)")
    out += notes
    last = r["farm"][-1]
    out.append("")
    for base in ("ours plain", "3.4 plain"):
        a = [p["jobs_per_s"] for p in by.get((last, "ours pump"), [])]
        b = [p["jobs_per_s"] for p in by.get((last, base), [])]
        text, value = paired(sorted(a), sorted(b))
        if a and b:
            value = Summary(a).median / Summary(b).median
            out.append(f"- pump / {base} throughput at N = {last}: {value:.2f} (per-round pairs {text}); "
                       f"target ≥ 2: {'met' if value >= 2 else '**missed**'}")
    return out + [""]


def render_latency(r):
    out = ["### Include-server query latency (`--only latency`)", "",
           f"{machine(r['machine'])}. One query over the AF_UNIX socket as 3.4's client sends it (connect to "
           f"last reply byte), {r['rounds']} rounds. *Cold*: a fresh include server's first query (it runs the "
           "compiler's `-E -v` probe and parses every header). *Cold, probed*: a fresh server that has answered one "
           "query for an empty file of the same command (probe done, no header parsed). *Warm*: the same query "
           "again (10 per round; every file and directory is still `stat`ed). The include server's CPU comes from "
           "`/proc` in 10 ms clock ticks (the warm figure is per query over the 10). `gcc -E`: the same command "
           "with `-E`, wall and CPU (wait4: the driver and `cc1`). Milliseconds, medians (IQR). Wall times on a "
           "machine this loaded include waiting for a core; the CPU columns do not.", ""]
    rows = []
    for label, s in r["series"].items():
        warm = Summary(s["warm"]).median
        warm_cpu = Summary(s.get("warm_cpu", [])).median
        cpp_cpu = Summary(s["cpp_cpu"]).median
        rows.append([label, s["paths"], fmt(s["cold"], 1e3, 1), fmt(s.get("cold_cpu", []), 1e3, 0),
                     fmt(s["cold_probed"], 1e3, 1), fmt(s["warm"], 1e3, 2), fmt(s.get("warm_cpu", []), 1e3, 1),
                     fmt(s["cpp_wall"], 1e3, 1), fmt(s["cpp_cpu"], 1e3, 1),
                     f"{warm / Summary(s['cpp_wall']).median:.3f}", f"{warm_cpu / cpp_cpu:.2f}"])
    out += table(["file", "paths sent", "cold ms", "cold CPU ms", "cold, probed ms", "warm ms", "warm CPU ms",
                  "`gcc -E` wall ms", "`gcc -E` CPU ms", "warm / `gcc -E` wall", "warm / `gcc -E` CPU"], rows)
    return out


def render(results):
    out = ["## Pump mode", "", "Written by `Benchmarks/pump/run.sh` (each scenario: `Benchmarks/pump/run.sh --only "
           "cpu|plateau|latency`); raw figures in `Benchmarks/results/pump.json`.", ""]
    if "cpu" in results:
        out += render_cpu(results["cpu"])
    if "plateau" in results:
        out += render_plateau(results["plateau"])
    if "latency" in results:
        out += render_latency(results["latency"])
    return "\n".join(out).rstrip() + "\n"


def write_doc(path, text):
    replace_section(path, BEGIN, END, f"{BEGIN}\n{text}{END}")
