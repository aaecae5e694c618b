#!/usr/bin/env python3
"""bench_compare.py - runs `hqc bench --json` and the PyTorch peer (apps/bench/torch_peer.py --json)
alternately on this machine, several rounds, and prints the ratios hqc / PyTorch against the goals
of the benchmark issue.

    python3 tools/bench_compare.py [--rounds 3] [--threads 2] [--hqc build/apps/hqc]
                                   [--python /usr/bin/python3] [--save DIR] [--json] [-- extra flags]

Each round runs both programs one after the other, swapping which goes first every round, so slow
drifts of a shared machine hit both. A side's figure is the median over rounds of that round's
median; min and max over all rounds are kept too. Anything after `--` is passed to both programs
(e.g. `-- --models mnist-hybrid --quick`). Both programs run under hqc's glibc allocator policy
(the peer through environment variables). Needs only the standard library: the peer needs Debian's
python3-torch, this script does not.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (label, side figure getter, how the ratio is formed, goal, goal text)
#   "higher": hqc / torch, good when >= goal; "lower": hqc / torch, good when <= goal;
#   "speedup": torch / hqc (for times), good when >= goal.
GOALS_TRAIN = {"mnist-hybrid": 2.0, "mnist-classical": 2.0, "cifar100-hybrid": 1.0,
               "cifar100-classical": 1.0, "stl10-hybrid": 1.0, "stl10-classical": 1.0}
MNIST = ("mnist-hybrid", "mnist-classical")


def run_json(cmd, env):
    t0 = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        sys.exit(f"bench_compare: error: {' '.join(cmd)} exited {res.returncode}:\n{res.stderr.strip()}")
    try:
        doc = json.loads(res.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f"bench_compare: error: {' '.join(cmd)} did not print one JSON document ({e})")
    if doc.get("schema") != "hqc-bench/1":
        sys.exit(f"bench_compare: error: {cmd[0]} printed schema {doc.get('schema')!r}, expected 'hqc-bench/1'")
    print(f"bench_compare:   {doc['implementation']} done in {time.time() - t0:.0f} s", file=sys.stderr)
    return doc


def figures(doc):
    """Flattens one document into {key: (median, min, max)}."""
    out = {}
    for m in doc.get("models", []):
        for k in ("train_images_per_s", "infer_images_per_s", "latency_ms"):
            if k in m:
                s = m[k]
                out[(m["name"], k)] = (s["median"], s["min"], s["max"])
        if m.get("peak_rss_mb") is not None:
            v = m["peak_rss_mb"]
            out[(m["name"], "peak_rss_mb")] = (v, v, v)
    q = doc.get("quantum")
    if q:
        for k in ("fwd_bwd_us", "fwd_us"):
            if k in q:
                out[("quantum", k)] = (q[k]["median"], q[k]["min"], q[k]["max"])
    for g in doc.get("gemm", []):
        out[("gemm " + g["name"], "gflops")] = (g["gflops"]["median"], g["gflops"]["min"], g["gflops"]["max"])
    return out


def combine(rounds):
    """Per key: median over rounds of the medians, min of mins, max of maxes."""
    keys = []
    for r in rounds:
        keys += [k for k in r if k not in keys]
    out = {}
    for k in keys:
        vals = [r[k] for r in rounds if k in r]
        out[k] = (statistics.median(v[0] for v in vals), min(v[1] for v in vals), max(v[2] for v in vals))
    return out


def rows(hqc, torch):
    """(figure, unit, hqc, torch, ratio text, ratio, goal text, met) for every figure both have."""
    out = []

    def add(key, label, unit, kind, goal):
        if key not in hqc or key not in torch:
            return
        h, t = hqc[key][0], torch[key][0]
        if kind == "speedup":
            ratio, rtext = (t / h if h > 0 else float("inf")), "torch/hqc"
        else:
            ratio, rtext = (h / t if t > 0 else float("inf")), "hqc/torch"
        if goal is None:
            gtext, met = "", None
        elif kind == "lower":
            gtext, met = f"<= {goal:g}", ratio <= goal
        else:
            gtext, met = f">= {goal:g}", ratio >= goal
        out.append((label, unit, hqc[key], torch[key], rtext, ratio, gtext, met))

    names = sorted({k[0] for k in list(hqc) + list(torch) if not k[0].startswith(("gemm", "quantum"))},
                   key=lambda n: list(GOALS_TRAIN).index(n) if n in GOALS_TRAIN else 99)
    for n in names:
        add((n, "train_images_per_s"), f"{n} train", "img/s", "higher", GOALS_TRAIN.get(n))
    for n in names:
        add((n, "infer_images_per_s"), f"{n} infer b64", "img/s", "higher", 1.0)
    for n in names:
        add((n, "latency_ms"), f"{n} latency b1", "ms", "lower", 0.2 if n in MNIST else None)
    for n in names:
        add((n, "peak_rss_mb"), f"{n} peak RSS", "MB", "lower", 0.5 if n in MNIST else None)
    add(("quantum", "fwd_bwd_us"), "quantum fwd+bwd b64", "us", "speedup", 10.0)
    add(("quantum", "fwd_us"), "quantum fwd b64", "us", "speedup", None)
    for k in [k for k in hqc if k[0].startswith("gemm ")]:  # the hqc table's order
        add(k, k[0], "GFLOP/s", "higher", 0.8)
    return out


def fmt_num(v):
    return f"{v:.4g}" if abs(v) < 1000 else f"{v:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--hqc", default=os.path.join(ROOT, "build", "apps", "hqc"))
    ap.add_argument("--python", default="/usr/bin/python3", help="a python that has Debian's torch")
    ap.add_argument("--peer", default=os.path.join(ROOT, "apps", "bench", "torch_peer.py"))
    ap.add_argument("--save", default=None, help="folder to keep every round's JSON documents in")
    ap.add_argument("--json", action="store_true", help="print the comparison as one JSON document")
    ap.add_argument("extra", nargs=argparse.REMAINDER, help="after --: flags for both programs")
    args = ap.parse_args()
    extra = [a for a in args.extra if a != "--"]
    if not os.access(args.hqc, os.X_OK):
        sys.exit(f"bench_compare: error: no hqc binary at {args.hqc} (build it: cmake --build build -j2, "
                 "or pass --hqc PATH)")
    if args.rounds < 1:
        sys.exit("bench_compare: error: --rounds must be >= 1")
    hqc_cmd = [args.hqc, "bench", "--json", "--threads", str(args.threads)] + extra
    torch_cmd = [args.python, args.peer, "--json", "--threads", str(args.threads)] + extra
    env = dict(os.environ)
    # The peer runs under hqc's allocator policy (nn::retain_freed_memory(), set here through glibc's
    # environment): with glibc's defaults its large outputs are mmapped and faulted in afresh on
    # every call in some processes and not in others (apps/bench/README.md, conv_bench).
    env.update(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="2147483647", MALLOC_TOP_PAD_="67108864")
    docs = {"hqc": [], "pytorch": []}
    for r in range(args.rounds):
        order = [("hqc", hqc_cmd), ("pytorch", torch_cmd)]
        if r % 2 == 1:
            order.reverse()
        print(f"bench_compare: round {r + 1}/{args.rounds} ({order[0][0]} first)", file=sys.stderr)
        for side, cmd in order:
            docs[side].append(run_json(cmd, env))
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        for side, ds in docs.items():
            for i, d in enumerate(ds):
                with open(os.path.join(args.save, f"{side}-round{i + 1}.json"), "w") as f:
                    json.dump(d, f, indent=2)
    hqc = combine([figures(d) for d in docs["hqc"]])
    torch = combine([figures(d) for d in docs["pytorch"]])
    table = rows(hqc, torch)
    h0, t0 = docs["hqc"][0], docs["pytorch"][0]
    if args.json:
        print(json.dumps({
            "rounds": args.rounds, "threads": args.threads, "machine": h0.get("machine"),
            "date": h0.get("date"), "hqc_version": h0.get("version"), "torch_version": t0.get("version"),
            "rows": [{"figure": r[0], "unit": r[1], "hqc": dict(zip(("median", "min", "max"), r[2])),
                      "pytorch": dict(zip(("median", "min", "max"), r[3])), "ratio_kind": r[4],
                      "ratio": r[5], "goal": r[6], "met": r[7]} for r in table]}, indent=2))
        return
    m = h0.get("machine", {})
    print(f"hqc {h0.get('version')} vs PyTorch {t0.get('version')}: {m.get('cpu')} ({m.get('cores')} cores"
          f"{', ' + m['simd'] if m.get('simd') else ''}), {args.threads} threads, batch {h0.get('batch')}, "
          f"{args.rounds} alternating rounds, {h0.get('date')}")
    print("figure = median over rounds of each round's median [min-max over all windows]")
    print("")
    print(f"{'figure':<30} {'unit':>7} {'hqc':>22} {'pytorch':>22} {'ratio':>16} {'goal':>7}  ")
    for label, unit, h, t, rtext, ratio, gtext, met in table:
        hs = f"{fmt_num(h[0])} [{fmt_num(h[1])}-{fmt_num(h[2])}]"
        ts = f"{fmt_num(t[0])} [{fmt_num(t[1])}-{fmt_num(t[2])}]"
        mark = "" if met is None else ("ok" if met else "SHORT")
        print(f"{label:<30} {unit:>7} {hs:>22} {ts:>22} {ratio:>6.2f} {rtext:>9} {gtext:>7}  {mark}")


if __name__ == "__main__":
    main()
