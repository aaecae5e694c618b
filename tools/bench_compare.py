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
(the peer through environment variables); the peer runs without OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE, so that OpenBLAS picks its own best kernels. The header names both sides' kernels
(hqc's SIMD level, the peer's BLAS library and OpenBLAS core) and a WARNING says when the peer ran
the reference BLAS or OpenBLAS kernels narrower than the CPU runs (apps/bench/blas_check.py). Model
FLOP utilisation: hqc's FLOPs per image and its measured FMA peak (machine.fma_peak_gflops) give
both sides' GFLOP/s and share of the peak. Needs only the standard library: the peer needs Debian's
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
sys.path.insert(0, os.path.join(ROOT, "apps", "bench"))
import blas_check  # noqa: E402  (standard library only)

# Environment variables that weaken the peer's OpenBLAS: OPENBLAS_CORETYPE=Haswell runs the AVX2
# kernels on an AVX-512 CPU (about half the speed), OPENBLAS_L2_SIZE changes its blocking.
PEER_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# (label, side figure getter, how the ratio is formed, goal, goal text)
#   "higher": hqc / torch, good when >= goal; "lower": hqc / torch, good when <= goal;
#   "speedup": torch / hqc (for times), good when >= goal.
# The goals against the peer at its strongest: MNIST-shaped training at 2.5x, their batch-1 latency
# at 0.15 of the peer's, GEMM at OpenBLAS's speed at every model shape; the larger models at least
# the peer's speed, inference everywhere, peak memory of MNIST training at half, the quantum layer
# 10x. (The CIFAR-100 and STL-10 classical models' training MFU goal, past 100 %, is read from the
# MFU column.)
GOALS_TRAIN = {"mnist-hybrid": 2.5, "mnist-classical": 2.5, "cifar100-hybrid": 1.0,
               "cifar100-classical": 1.0, "stl10-hybrid": 1.0, "stl10-classical": 1.0}
GOAL_LATENCY_MNIST = 0.15
GOAL_GEMM = 1.0
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
            if k in q.get("gate_by_gate", {}):
                g = q["gate_by_gate"][k]
                out[("quantum", "gate_by_gate " + k)] = (g["median"], g["min"], g["max"])
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


def flops_and_peak(hqc_docs):
    """({model: forward FLOPs per image}, median FMA peak GFLOP/s) from hqc's documents (hqc counts the
    FLOPs and measures the peak; the same figures serve the peer)."""
    flops = {}
    for d in hqc_docs:
        for m in d.get("models", []):
            if m.get("forward_flops_per_image"):
                flops[m["name"]] = m["forward_flops_per_image"]
    peaks = [d["machine"]["fma_peak_gflops"] for d in hqc_docs if d.get("machine", {}).get("fma_peak_gflops")]
    return flops, (statistics.median(peaks) if peaks else None)


def mfu_of(side, name, what, flops, peak):
    """Share of the FMA peak of one side's median throughput: training counts 3x the forward FLOPs."""
    key = (name, "train_images_per_s" if what == "train" else "infer_images_per_s")
    if key not in side or name not in flops or not peak:
        return None
    return (3 if what == "train" else 1) * flops[name] * side[key][0] * 1e-9 / peak


def rows(hqc, torch, flops=None, peak=None):
    """(figure, unit, hqc, torch, ratio text, ratio, goal text, met, (hqc MFU, torch MFU) or None) for
    every figure both have."""
    out = []
    flops = flops or {}

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
        mfu = None
        if key[1] in ("train_images_per_s", "infer_images_per_s"):
            what = "train" if key[1] == "train_images_per_s" else "infer"
            pair = (mfu_of(hqc, key[0], what, flops, peak), mfu_of(torch, key[0], what, flops, peak))
            mfu = pair if None not in pair else None
        out.append((label, unit, hqc[key], torch[key], rtext, ratio, gtext, met, mfu))

    names = sorted({k[0] for k in list(hqc) + list(torch) if not k[0].startswith(("gemm", "quantum"))},
                   key=lambda n: list(GOALS_TRAIN).index(n) if n in GOALS_TRAIN else 99)
    for n in names:
        add((n, "train_images_per_s"), f"{n} train", "img/s", "higher", GOALS_TRAIN.get(n))
    for n in names:
        add((n, "infer_images_per_s"), f"{n} infer b64", "img/s", "higher", 1.0)
    for n in names:
        add((n, "latency_ms"), f"{n} latency b1", "ms", "lower", GOAL_LATENCY_MNIST if n in MNIST else None)
    for n in names:
        add((n, "peak_rss_mb"), f"{n} peak RSS", "MB", "lower", 0.5 if n in MNIST else None)
    add(("quantum", "fwd_bwd_us"), "quantum fwd+bwd b64", "us", "speedup", 10.0)
    add(("quantum", "fwd_us"), "quantum fwd b64", "us", "speedup", None)
    # The peer's quantum layer gate by gate (hqc's own figures stay the same): what the ratio was
    # against PennyLane-style code.
    for k, label in (("fwd_bwd_us", "quantum fwd+bwd b64, gates"), ("fwd_us", "quantum fwd b64, gates")):
        if ("quantum", "gate_by_gate " + k) in torch and ("quantum", k) in hqc:
            h, t = hqc[("quantum", k)], torch[("quantum", "gate_by_gate " + k)]
            ratio = t[0] / h[0] if h[0] > 0 else float("inf")
            out.append((label, "us", h, t, "torch/hqc", ratio, "", None, None))
    for k in [k for k in hqc if k[0].startswith("gemm ")]:  # the hqc table's order
        add(k, k[0], "GFLOP/s", "higher", GOAL_GEMM)
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
    ap.add_argument("--save", default=None, help="folder to keep every round's JSON documents and the comparison in")
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
    # Both run under hqc's allocator policy (nn::retain_freed_memory(), set here through glibc's
    # environment): with glibc's defaults the peer's large outputs are mmapped and faulted in afresh on
    # every call in some processes and not in others (apps/bench/README.md, conv_bench).
    env.update(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="2147483647", MALLOC_TOP_PAD_="67108864")
    peer_env = {k: v for k, v in env.items() if k not in PEER_UNSET}
    removed = [k for k in PEER_UNSET if k in env]
    if removed:
        print(f"bench_compare: the peer runs without {', '.join(f'{k}={env[k]}' for k in removed)} "
              "(OpenBLAS picks its best kernels)", file=sys.stderr)
    docs = {"hqc": [], "pytorch": []}
    for r in range(args.rounds):
        order = [("hqc", hqc_cmd, env), ("pytorch", torch_cmd, peer_env)]
        if r % 2 == 1:
            order.reverse()
        print(f"bench_compare: round {r + 1}/{args.rounds} ({order[0][0]} first)", file=sys.stderr)
        for side, cmd, side_env in order:
            docs[side].append(run_json(cmd, side_env))
    hqc = combine([figures(d) for d in docs["hqc"]])
    torch = combine([figures(d) for d in docs["pytorch"]])
    flops, peak = flops_and_peak(docs["hqc"])
    table = rows(hqc, torch, flops, peak)
    h0, t0 = docs["hqc"][0], docs["pytorch"][0]
    cpu = blas_check.cpu_isa()
    blases = [d.get("machine", {}).get("blas") for d in docs["pytorch"]]
    warns = []
    for b in blases:
        warns += [w for w in blas_check.warnings(b, cpu) if w not in warns]
    for w in warns:
        print(f"bench_compare: WARNING: {w}; the ratios below overstate hqc", file=sys.stderr)
    if args.json:
        text = json.dumps({
            "rounds": args.rounds, "threads": args.threads, "machine": h0.get("machine"),
            "date": h0.get("date"), "hqc_version": h0.get("version"), "torch_version": t0.get("version"),
            "peer_blas": blases[0], "cpu_isa": cpu, "warnings": warns, "fma_peak_gflops": peak,
            "forward_flops_per_image": flops,
            "rows": [{"figure": r[0], "unit": r[1], "hqc": dict(zip(("median", "min", "max"), r[2])),
                      "pytorch": dict(zip(("median", "min", "max"), r[3])), "ratio_kind": r[4],
                      "ratio": r[5], "goal": r[6], "met": r[7],
                      **({"hqc_mfu": r[8][0], "pytorch_mfu": r[8][1]} if r[8] else {})} for r in table]},
            indent=2)
    else:
        text = table_text(args, h0, t0, blases[0], cpu, warns, peak, table)
    print(text)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        for side, ds in docs.items():
            for i, d in enumerate(ds):
                with open(os.path.join(args.save, f"{side}-round{i + 1}.json"), "w") as f:
                    json.dump(d, f, indent=2)
        with open(os.path.join(args.save, "compare.json" if args.json else "compare.txt"), "w") as f:
            f.write(text + "\n")


def table_text(args, h0, t0, blas, cpu, warns, peak, table):
    m = h0.get("machine", {})
    lines = [f"hqc {h0.get('version')} vs PyTorch {t0.get('version')}: {m.get('cpu')} ({m.get('cores')} cores, "
             f"CPU runs {cpu}), {args.threads} threads, batch {h0.get('batch')}, {args.rounds} alternating rounds, "
             f"{h0.get('date')}",
             f"kernels: hqc {m.get('simd', '?')}; PyTorch BLAS {blas_check.describe(blas)}"]
    if peak:
        fp = m.get("fma_peak", {})
        lines.append(f"FMA peak {peak:.1f} GFLOP/s ({fp.get('threads', '?')} threads, {fp.get('simd', '?')}); "
                     "MFU = model FLOP/s (conv + linear, training 3x forward) / peak, both sides with hqc's counts")
    lines += [f"WARNING: {w}" for w in warns]
    lines += ["figure = median over rounds of each round's median [min-max over all windows]", "",
              f"{'figure':<30} {'unit':>7} {'hqc':>22} {'pytorch':>22} {'ratio':>16} {'goal':>7}  {'':5} "
              f"{'MFU hqc / torch':>16}"]
    for label, unit, h, t, rtext, ratio, gtext, met, mfu in table:
        hs = f"{fmt_num(h[0])} [{fmt_num(h[1])}-{fmt_num(h[2])}]"
        ts = f"{fmt_num(t[0])} [{fmt_num(t[1])}-{fmt_num(t[2])}]"
        mark = "" if met is None else ("ok" if met else "SHORT")
        ms = f"{100 * mfu[0]:.1f}% / {100 * mfu[1]:.1f}%" if mfu else ""
        lines.append(f"{label:<30} {unit:>7} {hs:>22} {ts:>22} {ratio:>6.2f} {rtext:>9} {gtext:>7}  {mark:5} {ms:>16}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
