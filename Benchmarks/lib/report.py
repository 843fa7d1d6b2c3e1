"""Turns a run's results into Markdown tables, the ratio list with targets, and an SVG plot."""

import html
import os

from .docsection import replace_section
from .stats import Summary, quantile, safe_ratio

BEGIN = "<!-- results:begin (written by Benchmarks/run.sh; edit outside these markers) -->"
END = "<!-- results:end -->"


class Ratio:
    def __init__(self, group, name, ours, base, target=None, op="<=", basis="", mean=False, higher_better=False):
        self.group, self.name, self.basis = group, name, basis
        self.target, self.op = target, op
        if mean:
            self.value = safe_ratio(sum(ours) / len(ours), sum(base) / len(base)) if ours and base else float("nan")
        else:
            self.value = safe_ratio(Summary(ours).median, Summary(base).median)
        if base and Summary(base).median <= 0:
            self.value = float("nan")  # e.g. 3.4's overhead measured negative: no meaningful ratio
        pairs = [safe_ratio(a, b) for a, b in zip(ours, base) if b > 0]
        pairs = [p for p in pairs if p == p]
        self.lo = quantile(pairs, 0.25) if pairs else float("nan")
        self.hi = quantile(pairs, 0.75) if pairs else float("nan")
        self.n = len(pairs)

    @property
    def met(self):
        if self.target is None or self.value != self.value:
            return None
        return self.value <= self.target if self.op == "<=" else self.value >= self.target

    def row(self):
        target = f"{self.op} {self.target:g}" if self.target is not None else ""
        met = {None: "", True: "met", False: "**missed**"}[self.met]
        if self.value != self.value:
            met = "no ratio (3.4's value ≤ 0: noise)" if self.target is not None else ""
        return (f"| {self.group} | {self.name} | {self.basis} | {self.value:.3f} | {self.lo:.2f}–{self.hi:.2f} "
                f"| {target} | {met} |")


def _fmt(summary, scale, digits):
    return (f"{summary.median * scale:.{digits}f} ({summary.p25 * scale:.{digits}f}–"
            f"{summary.p75 * scale:.{digits}f})")


def _table(title, header, rows):
    out = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def full_stack(combos):
    if "ours/ours" in combos:
        return "ours/ours", "3.4/3.4", "full stack"
    return "3.4/ours", "3.4/3.4", "daemon only (our client not built)"


def ratios_of(results):
    try:
        return _ratios_of(results)
    except (KeyError, ZeroDivisionError, IndexError) as error:
        return [Ratio("report", f"incomplete results ({error!r})", [], [])]


def _ratios_of(results):
    combos = results["combos"]
    sc = results["scenarios"]
    ours_label, base_label, basis = full_stack(combos)
    have_client = "ours/3.4" in combos
    out = []
    iso_wall = results["isolate"]["wall_s"]
    if "per_job" in sc:
        pj = sc["per_job"]
        for case, series in pj["series"].items():
            extra = pj["cpp_runs"][case] * iso_wall
            local = series["local"]["wall"]

            def overhead(label):
                return [w - l - extra for w, l in zip(series[label]["wall"], local)]

            out.append(Ratio("per job", f"wall overhead above local, {case}", overhead(ours_label),
                             overhead(base_label), 0.8, basis=basis))
            if ours_label != "3.4/ours":
                out.append(Ratio("per job", f"wall overhead above local, {case}", overhead("3.4/ours"),
                                 overhead("3.4/3.4"), basis="daemon only"))
            if have_client:
                out.append(Ratio("per job", f"client CPU, {case}", series["ours/3.4"]["cpu"],
                                 series["3.4/3.4"]["cpu"], 0.9, basis="client, daemon 3.4"))
                out.append(Ratio("per job", f"client peak RSS, {case}", series["ours/3.4"]["rss"],
                                 series["3.4/3.4"]["rss"], 1.0, basis="client, daemon 3.4"))
        dc = pj["daemon_cpu_per_job"]
        out.append(Ratio("per job", "daemon CPU per job (lifetime wait4)", [dc["ours"]], [dc["3.4"]], 1.0,
                         basis="daemon, all clients"))
    if "throughput" in sc:
        s = sc["throughput"]["series"]
        out.append(Ratio("throughput", "jobs per second", s["3.4/ours"]["jobs_per_s"], s["3.4/3.4"]["jobs_per_s"],
                         1.1, op=">=", basis="daemon, client 3.4"))
        if ours_label != "3.4/ours":
            out.append(Ratio("throughput", "jobs per second", s[ours_label]["jobs_per_s"],
                             s[base_label]["jobs_per_s"], basis=basis))
        dc = sc["throughput"]["daemon_cpu_per_job"]
        out.append(Ratio("throughput", "daemon CPU per job (lifetime wait4)", [dc["ours"]], [dc["3.4"]], 1.0,
                         basis="daemon, all clients"))
        out.append(Ratio("throughput", "daemon CPU per job (per round, 10 ms ticks)", s["3.4/ours"]["daemon_cpu_per_job"],
                         s["3.4/3.4"]["daemon_cpu_per_job"], basis="daemon, client 3.4"))
    if "lzo" in sc:
        s = sc["lzo"]["series"]
        for mode in ("plain", "lzo"):
            out.append(Ratio("lzo", f"wall, big.i, {mode}", s[f"{ours_label} {mode}"]["wall"],
                             s[f"{base_label} {mode}"]["wall"], basis=basis))
            out.append(Ratio("lzo", f"bytes to daemon, {mode}", s[f"{ours_label} {mode}"]["to_daemon"],
                             s[f"{base_label} {mode}"]["to_daemon"], basis=basis))
            out.append(Ratio("lzo", f"bytes to client, {mode}", s[f"{ours_label} {mode}"]["to_client"],
                             s[f"{base_label} {mode}"]["to_client"], basis=basis))
    for name in ("calc", "linux"):
        if name in sc:
            s = sc[name]["series"]
            out.append(Ratio("real build", f"{name} wall", s[ours_label], s[base_label], 1.0, basis=basis))
            if ours_label != "3.4/ours":
                out.append(Ratio("real build", f"{name} wall", s["3.4/ours"], s["3.4/3.4"], basis="daemon only"))
    if "sizes" in sc and have_client:
        s = sc["sizes"]["series"]
        cg = sc["sizes"].get("callgrind", {})
        for name in sc["sizes"]["sizes"]:
            for mode in ("plain", "lzo"):
                key = f"{name} {mode}"
                out.append(Ratio("sizes", f"client CPU beyond cpp, {key}", s[f"{key} ours"]["cpu"],
                                 s[f"{key} 3.4"]["cpu"], 0.5, basis="client, daemon 3.4"))
                out.append(Ratio("sizes", f"client system time (mean of ticks), {key}", s[f"{key} ours"]["sys"],
                                 s[f"{key} 3.4"]["sys"], 1.0, basis="client, daemon 3.4", mean=True))
                if f"{key} ours" in cg:
                    out.append(Ratio("sizes", f"callgrind instructions, {name}.i {mode}", [cg[f"{key} ours"]],
                                     [cg[f"{key} 3.4"]], basis="client"))
    if "startup" in sc and "ours --version" in sc["startup"]["series"]:
        s = sc["startup"]["series"]
        out.append(Ratio("start-up", "distcc --version wall", s["ours --version"]["wall"],
                         s["3.4 --version"]["wall"], 1.0, basis="client"))
        out.append(Ratio("start-up", "distcc --version CPU", s["ours --version"]["cpu"], s["3.4 --version"]["cpu"],
                         basis="client"))
        out.append(Ratio("start-up", "distcc --version peak RSS", s["ours --version"]["rss"],
                         s["3.4 --version"]["rss"], basis="client"))
        out.append(Ratio("start-up", "distcc gcc -E (stays local) wall", s["ours -E"]["wall"], s["3.4 -E"]["wall"],
                         basis="client"))
        cg = sc.get("callgrind", {})
        for kind in ("--version", "medium.i remote"):
            if f"ours {kind}" in cg:
                out.append(Ratio("start-up", f"callgrind instructions, {kind}", [cg[f"ours {kind}"]],
                                 [cg[f"3.4 {kind}"]], basis="client"))
    return out


def render(results):
    m = results["machine"]
    sc = results["scenarios"]
    lines = [
        f"Run of {m['date']} ({'--quick' if results['quick'] else 'full'}, {results['duration_s'] / 60:.1f} min) "
        f"on {m['nproc']} CPUs, {m['cpu']}, Linux {m['kernel']}, load average at start {' '.join(m['load_at_start'])};"
        f" commit `{m['commit']}`; compiler {m['gcc']}.",
        "",
        f"Combinations (client/daemon): {', '.join(results['combos'])}. Every figure is a median with its "
        "interquartile range in parentheses; ratios are ours / 3.4 from the same interleaved run, with the "
        "interquartile range of the per-round paired ratios. Daemon CPU per job is the daemon's lifetime CPU "
        f"(wait4 of its processes) less an idle daemon's ({', '.join(f'{k} {v * 1e3:.1f} ms' for k, v in results['idle_daemon_cpu_s'].items())}), "
        "divided by the jobs it served.",
        "",
    ]
    for text in results["notes"]:
        lines += [f"> Note: {text}", ""]
    iso = results["isolate"]
    lines += [f"Compiler shim (isolate.c) cost, subtracted where it applies: {iso['cpu_s'] * 1e3:.2f} ms CPU, "
              f"{iso['wall_s'] * 1e3:.2f} ms wall per compiler run.", ""]
    ratios = ratios_of(results)
    lines += ["### Ratios and targets", "",
              "| scenario | metric | compared | ours/3.4 | IQR | target | |", "|---|---|---|---|---|---|---|"]
    lines += [r.row() for r in ratios] + [""]
    checks = results["checks"]
    lines += [f"Checks: {sum(c['ok'] for c in checks)} of {len(checks)} passed."] + [
        f"- {'ok' if c['ok'] else 'FAILED'}: {c['what']}" for c in checks] + [""]
    lines.append("### Measurements")
    lines.append("")
    if "per_job" in sc:
        pj = sc["per_job"]
        rows = []
        for case, series in pj["series"].items():
            for label, s in series.items():
                cpu = _fmt(Summary(s["cpu"]), 1e3, 2) if label != "local" else "–"
                rss = _fmt(Summary(s["rss"]), 1 / 1024, 1) if label != "local" else "–"
                rows.append([case, label, _fmt(Summary(s["wall"]), 1e3, 1), cpu, rss])
        dc = pj["daemon_cpu_per_job"]
        lines += _table(f"1. Per job ({pj['rounds']} rounds; `distcc gcc -O2 -c` through one daemon; local = "
                        "`gcc -O2 -c`). Daemon CPU per job over the whole scenario: "
                        + ", ".join(f"{k} {v * 1e3:.2f} ms ({pj['jobs_per_daemon'][k]} jobs)" for k, v in dc.items()),
                        ["file", "client/daemon", "wall ms", "client CPU ms", "client peak RSS MiB"], rows)
    if "throughput" in sc:
        t = sc["throughput"]
        rows = [[label, _fmt(Summary(s["jobs_per_s"]), 1, 1), _fmt(Summary(s["daemon_cpu_per_job"]), 1e3, 2)]
                for label, s in t["series"].items()]
        dc = t["daemon_cpu_per_job"]
        lines += _table(f"2. Throughput ({t['jobs']} tiny files per round, {t['concurrency']} clients at once, "
                        f"daemon --jobs {t['daemon_jobs']}, {t['rounds']} rounds). Daemon CPU per job over the "
                        "daemon's lifetime (wait4): "
                        + ", ".join(f"{k} {v * 1e3:.2f} ms ({t['jobs_per_daemon'][k]} jobs)" for k, v in dc.items()),
                        ["client/daemon", "jobs/s", "daemon CPU ms/job (per round, 10 ms ticks)"], rows)
    if "lzo" in sc:
        rows = [[label, _fmt(Summary(s["wall"]), 1e3, 0), _fmt(Summary(s["client_cpu"]), 1e3, 1),
                 f"{Summary(s['to_daemon']).median:,.0f}", f"{Summary(s['to_client']).median:,.0f}"]
                for label, s in sc["lzo"]["series"].items()]
        lines += _table(f"3. LZO (big.i, {results['inputs']['big.i']:,} bytes, `-O0 -c`, through a counting relay, "
                        f"{sc['lzo']['rounds']} rounds)",
                        ["client/daemon mode", "wall ms", "client CPU ms", "bytes to daemon", "bytes to client"],
                        rows)
    for name, title in (("calc", "4a. Examples/calc"), ("linux", "4b. Linux 6.1")):
        if name in sc:
            b = sc[name]
            rows = [[label, _fmt(Summary(s), 1, 2), b["remote_compiles"].get(label, "–"),
                     {True: "identical", False: "DIFFER"}.get(b["identical"].get(label), "reference")]
                    for label, s in b["series"].items()]
            extra = ""
            if name == "linux":
                extra = (f"; subset {' '.join(b['subset'])}; first extract {b['prepare'].get('extract')} s, "
                         f"defconfig + prepare {b['prepare'].get('prepare')} s")
            lines += _table(f"{title} (`make -j4`, {b['objects']} objects, {b['rounds']} rounds, two daemons{extra})",
                            ["client/daemon", "wall s", "remote compiles per build", "objects"], rows)
    if "sizes" in sc:
        z = sc["sizes"]
        cg = z.get("callgrind", {})
        rows = []
        for name, source_bytes in z["sizes"].items():
            for mode in ("plain", "lzo"):
                for c in ("3.4", "ours"):
                    s = z["series"].get(f"{name} {mode} {c}")
                    if s:
                        rows.append([f"{name} ({source_bytes:,} B)", mode, c, _fmt(Summary(s["cpu"]), 1e3, 2),
                                     f"{sum(s['sys']) / len(s['sys']) * 1e3:.2f}",
                                     f"{cg[f'{name} {mode} {c}']:,}" if f"{name} {mode} {c}" in cg else "–"])
        lines += _table(f"6. Bytes per job by size ({z['rounds']} rounds; `distcc gcc -O0 -c` of generated "
                        "sources that preprocess to about the size named, through 3.4's daemon, `,lzo` or not; "
                        "client CPU less the compiler shim's: cpp is not the client's)",
                        ["source", "mode", "client", "client CPU ms", "system ms (mean)", "instructions (`.i` job)"],
                        rows)
    if "startup" in sc:
        rows = [[label, _fmt(Summary(s["wall"]), 1e3, 2), _fmt(Summary(s["cpu"]), 1e3, 2),
                 _fmt(Summary(s["rss"]), 1 / 1024, 1)] for label, s in sc["startup"]["series"].items()]
        lines += _table(f"5. Start-up ({sc['startup']['rounds']} rounds)",
                        ["client invocation", "wall ms", "CPU ms", "peak RSS MiB"], rows)
        if sc.get("callgrind"):
            lines += _table("5b. Instructions executed by the client (valgrind --tool=callgrind, children not traced)",
                            ["client invocation", "instructions"],
                            [[k, f"{v:,}"] for k, v in sc["callgrind"].items()])
    return "\n".join(lines), ratios


def svg(ratios):
    rows = [r for r in ratios if r.value == r.value]
    width, left, right, row_h, top = 1040, 500, 40, 22, 40
    height = top + row_h * len(rows) + 40
    hi = max([2.0] + [min(r.hi, 4.0) for r in rows if r.hi == r.hi] + [min(r.value, 4.0) for r in rows])
    scale = (width - left - right) / hi

    def x(v):
        return left + max(0.0, min(v, hi)) * scale

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="14">ratio ours / distcc 3.4 — dot: median ratio; bar: IQR of '
           f'per-round ratios; black tick: target; green met, red missed</text>']
    for k in range(int(hi * 2) + 1):
        v = k / 2
        out.append(f'<line x1="{x(v):.1f}" y1="{top - 8}" x2="{x(v):.1f}" y2="{height - 30}" '
                   f'stroke="{"#444" if v == 1 else "#ddd"}" stroke-width="{1.5 if v == 1 else 1}"/>')
        out.append(f'<text x="{x(v):.1f}" y="{height - 14}" text-anchor="middle">{v:g}</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h + row_h / 2
        color = {None: "#555", True: "#1a7f37", False: "#cf222e"}[r.met]
        label = html.escape(f"{r.group}: {r.name} [{r.basis}]")
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
        if r.lo == r.lo and r.hi == r.hi:
            out.append(f'<line x1="{x(r.lo):.1f}" y1="{y:.1f}" x2="{x(r.hi):.1f}" y2="{y:.1f}" stroke="{color}" '
                       f'stroke-width="5" stroke-opacity="0.35"/>')
        out.append(f'<circle cx="{x(r.value):.1f}" cy="{y:.1f}" r="4.5" fill="{color}"/>')
        out.append(f'<text x="{x(r.value) + 8:.1f}" y="{y - 5:.1f}" font-size="10" fill="{color}">'
                   f'{r.value:.2f}</text>')
        if r.target is not None:
            out.append(f'<line x1="{x(r.target):.1f}" y1="{y - 7:.1f}" x2="{x(r.target):.1f}" y2="{y + 7:.1f}" '
                       f'stroke="black" stroke-width="2"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_doc(doc_path, text, svg_path, ratios, results):
    with open(svg_path, "w") as f:
        f.write(svg(ratios))
    rel = os.path.relpath(svg_path, os.path.dirname(doc_path))
    block = f"{BEGIN}\n\n![ratios ours / 3.4]({rel})\n\n{text}\n{END}"
    replace_section(doc_path, BEGIN, END, block, new_doc="# Performance\n\n## Results\n\n")
