"""The slow-link benchmark's report: a Markdown section of Docs/performance.md, an SVG plot and a JSON record."""

import json
import os
import statistics

from .docsection import replace_section

BEGIN = "<!-- slowlink:begin (written by Benchmarks/slowlink.sh; edit outside these markers) -->"
END = "<!-- slowlink:end -->"
COLOURS = {"ours": "#1f77b4", "3.4": "#d62728"}
MODE_SHADES = {"plain": 1.0, "lzo": 0.78, "zstd": 0.6, "ssh": 0.42}


def spread(values, scale=1.0, digits=2):
    """median (min–max)"""
    if not values:
        return "–"
    f = f"{{:.{digits}f}}"
    return f"{f.format(statistics.median(values) * scale)} ({f.format(min(values) * scale)}–" \
           f"{f.format(max(values) * scale)})"


def kib(values):
    return f"{statistics.median(values) / 1024:,.0f}" if values else "–"


def fidelity_rows(results):
    rows = ["| profile | rate, one-way delay, queue | ping RTT avg (min–max), model | bulk TCP goodput | "
            "IP rate on the link | dropped | emulator late: max, mean |",
            "|---|---|---|---|---|---|---|"]
    for name, p in results["profiles"].items():
        f = p["fidelity"]
        rtt = f["ping_rtt_ms"]
        rows.append(
            f"| {name} | {f['rate_bit_s'] / 1e6:g} Mbit/s, {f['delay_us'] / 1000:g} ms, {f['queue_bytes'] / 1024:.0f} KiB"
            f" | {rtt['avg']:.2f} ({rtt['min']:.2f}–{rtt['max']:.2f}) ms, {f['expected_rtt_ms']:.2f} ms | "
            f"{f['goodput_bit_s'] / 1e6:.2f} Mbit/s ({100 * f['goodput_bit_s'] / f['rate_bit_s']:.1f} %) | "
            f"{f['link_bit_s'] / 1e6:.2f} Mbit/s ({100 * f['link_bit_s'] / f['rate_bit_s']:.1f} %) | {f['dropped']} | "
            f"{f['late_max_us']} µs, {f['late_mean_us']:.1f} µs |")
    return rows


def result_rows(results):
    rows = ["| profile | job | mode | ours: wall s | 3.4: wall s | ours / 3.4 | ours: KiB up / down | "
            "3.4: KiB up / down |", "|---|---|---|---|---|---|---|---|"]
    for name, p in results["profiles"].items():
        for workload, series in p["series"].items():
            modes = []
            for label in series:
                mode = label.split(" ", 1)[1]
                if mode not in modes:
                    modes.append(mode)
            for mode in modes:
                ours, base = series.get(f"ours {mode}"), series.get(f"3.4 {mode}")
                ratio = "–"
                if ours and base:
                    ratios = [a / b for a, b in zip(ours["wall"], base["wall"])]
                    ratio = spread(ratios)
                cells = []
                for s in (ours, base):
                    cells.append(spread(s["wall"]) if s else "– (no zstd in 3.4)")
                traffic = [f"{kib(s['up'])} / {kib(s['down'])}" if s else "–" for s in (ours, base)]
                rows.append(f"| {name} | {workload} | {mode} | {cells[0]} | {cells[1]} | {ratio} | {traffic[0]} | "
                            f"{traffic[1]} |")
    return rows


def table(results):
    return "\n".join(fidelity_rows(results) + [""] + result_rows(results))


def shade(colour, factor):
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mix = lambda c: int(255 - (255 - c) * factor)  # noqa: E731
    return f"#{mix(r):02x}{mix(g):02x}{mix(b):02x}"


def svg(results):
    """Horizontal bars: median wall time per stack and mode, min–max whiskers, one panel per profile and job,
    each panel on its own time scale; the KiB up+down crossing the link printed after each bar."""
    panels = [(name, workload, series) for name, p in results["profiles"].items()
              for workload, series in p["series"].items()]
    bar, gap, label_w, plot_w, text_w = 14, 4, 110, 330, 170
    width = label_w + plot_w + text_w + 20
    y = 40
    out = []
    for name, workload, series in panels:
        out.append(f'<text x="10" y="{y}" font-weight="bold">{name}: {workload}</text>')
        y += 8
        top = max(max(s["wall"]) for s in series.values())
        for label, s in series.items():
            impl, mode = label.split(" ", 1)
            med = statistics.median(s["wall"])
            x0 = label_w
            scale = plot_w / top
            colour = shade(COLOURS[impl], MODE_SHADES.get(mode, 1.0))
            out.append(f'<text x="{x0 - 6}" y="{y + bar - 3}" text-anchor="end">{label}</text>')
            out.append(f'<rect x="{x0}" y="{y}" width="{med * scale:.1f}" height="{bar}" fill="{colour}"/>')
            lo, hi = min(s["wall"]) * scale + x0, max(s["wall"]) * scale + x0
            mid = y + bar / 2
            out.append(f'<line x1="{lo:.1f}" y1="{mid}" x2="{hi:.1f}" y2="{mid}" stroke="black"/>')
            for x in (lo, hi):
                out.append(f'<line x1="{x:.1f}" y1="{mid - 4}" x2="{x:.1f}" y2="{mid + 4}" stroke="black"/>')
            traffic = (statistics.median(s["up"]) + statistics.median(s["down"])) / 1024
            out.append(f'<text x="{x0 + plot_w + 8}" y="{y + bar - 3}">{med:.2f} s, {traffic:,.0f} KiB</text>')
            y += bar + gap
        y += 18
    title = "Wall time: median, min–max of rounds; ours blue, 3.4 red; plain, lzo, zstd, ssh ever lighter"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" font-family="sans-serif" '
            f'font-size="11"><rect width="100%" height="100%" fill="white"/>'
            f'<text x="10" y="20" font-size="12">{title}</text>')
    return "\n".join([head] + out + ["</svg>", ""])


def section(results):
    m = results["machine"]
    lines = [
        BEGIN, "",
        "![wall time per profile, job and mode](slowlink.svg)", "",
        f"Run of {m['date']} ({results['duration_s'] / 60:.1f} min, {results['rounds']} rounds) on {m['nproc']} CPUs,"
        f" Linux {m['kernel']}, load average at start {' '.join(m['load_at_start'])}; commit `{m['commit']}`. "
        f"Link: {results['link']} ({results['netem_probe']}). big.i is {results['inputs']['big.i']:,} bytes "
        f"(object {results['inputs']['big.o']:,} bytes); calc is {results['inputs']['calc objects']} objects, "
        f"`make -j4`.", "",
        "**The link, measured before each profile** (20 pings; a bulk TCP transfer, goodput after its first "
        "quarter; the IP rate is goodput times the IP bytes the emulator counted per payload byte):", "",
    ] + fidelity_rows(results) + [
        "", "**Wall time and bytes on the wire** (median and min–max over the rounds; ours / 3.4 is the median and "
        "range of the per-round paired ratios; KiB are IP bytes counted at the link, client to daemon / back):", "",
    ] + result_rows(results)
    checks = results["checks"]
    failed = [c for c in checks if not c["ok"]]
    lines += ["", f"Checks: {len(checks) - len(failed)} of {len(checks)} runs compiled remotely with objects "
              "identical to the local build."] + [f"- FAILED: {c['what']}" for c in failed] + ["", END]
    return "\n".join(lines)


def write(results, root):
    docs = os.path.join(root, "Docs")
    with open(os.path.join(docs, "slowlink.svg"), "w") as f:
        f.write(svg(results))
    with open(os.path.join(root, "Benchmarks", "results", "slowlink.json"), "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    replace_section(os.path.join(docs, "performance.md"), BEGIN, END, section(results), heading="## Slow links")
