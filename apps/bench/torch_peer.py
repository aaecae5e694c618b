#!/usr/bin/python3
"""torch_peer.py - the PyTorch side of hqc's benchmark: the study's six models, its recipes and the
quantum layer written in PyTorch, measured with the same protocol and printed with the same JSON keys
as `hqc bench` (schema in apps/bench/README.md).

PyTorch is a benchmark peer only: nothing in hqc imports or links it. Debian's python3-torch lives in
/usr/lib/python3/dist-packages, so run this with /usr/bin/python3 (a pyenv python will not see it).

    /usr/bin/python3 apps/bench/torch_peer.py [bench] [--threads 2] [--json] [--models mnist-hybrid,...]
    /usr/bin/python3 apps/bench/torch_peer.py train --epochs 10 --seed 0 [--threads 1] [--json]

`bench` measures training throughput (images/s: uint8 batch -> float -> normalise -> forward -> loss ->
backward -> [clip] -> optimiser step -> scheduler step, batch 64), inference throughput at batch 64,
latency at batch 1, the quantum layer's forward+backward at batch 64, GEMM GFLOP/s at the models'
shapes (torch.mm, which is OpenBLAS in Debian's build) and the peak RSS of a fresh training process per
model. Each figure is the median, min and max of several timed windows after a warm-up.

`train` trains the MNIST-sized models (hybrid, classical, and the hybrid with Linear(16,4) in place of
the circuit) on the real Fashion-MNIST of Debian's dataset-fashion-mnist, with the study's recipes, an
80/20 seeded split, the best epoch by validation accuracy tested once: the reference accuracy the
hqc implementation is compared against.
"""
import argparse
import datetime
import json
import os
import sys

try:
    import torch
except ImportError:  # a pyenv or venv python does not see Debian's dist-packages
    sys.exit("torch_peer: error: cannot import torch; run with /usr/bin/python3 "
             "(Debian's python3-torch), e.g. /usr/bin/python3 apps/bench/torch_peer.py")

# The modules beside this file: peer_models (models, recipes), quantum_torch (the quantum layer),
# peer_measure (protocol and measurements), peer_train (the Fashion-MNIST accuracy reference).
from blas_check import describe
from peer_measure import (BATCH, Protocol, bench_gemm, bench_model, bench_quantum, blas_json, cpu_name,
                          measure_memory, memory_child)
from peer_models import MODELS
from peer_train import run_train

SCHEMA = "hqc-bench/1"


def print_table(doc, out):
    p = lambda *a: print(*a, file=out)
    p(f"PyTorch {doc['version']} peer, {doc['threads']} threads, batch {doc['batch']}, "
      f"{doc['machine']['cpu']} ({doc['machine']['cores']} cores), {doc['date']}")
    p(f"BLAS: {describe(doc['machine'].get('blas'))}")
    p(f"median [min-max] of {doc['protocol']['windows']} windows of ~{doc['protocol']['window_seconds']} s "
      f"after {doc['protocol']['warmup']} warm-up calls")
    p("")
    p(f"{'model':<20} {'params':>9} {'train img/s':>24} {'infer64 img/s':>24} {'latency b1 ms':>22} "
      f"{'peak RSS MB':>11}")
    fmt = lambda s, d: f"{s['median']:.{d}f} [{s['min']:.{d}f}-{s['max']:.{d}f}]"
    for m in doc["models"]:
        rss = m.get("peak_rss_mb")
        p(f"{m['name']:<20} {m['parameters']:>9} {fmt(m['train_images_per_s'], 0):>24} "
          f"{fmt(m['infer_images_per_s'], 0):>24} {fmt(m['latency_ms'], 3):>22} "
          f"{(f'{rss:.0f}' if rss is not None else '-'):>11}")
    if doc.get("quantum"):
        q = doc["quantum"]
        p("")
        p(f"quantum layer, batch {q['batch']}, {q['qubits']} qubits, {q['layers']} layers: "
          f"fwd+bwd {fmt(q['fwd_bwd_us'], 1)} us, fwd {fmt(q['fwd_us'], 1)} us (batched unitary)")
        g = q["gate_by_gate"]
        p(f"{'':>42}fwd+bwd {fmt(g['fwd_bwd_us'], 1)} us, fwd {fmt(g['fwd_us'], 1)} us (gate by gate)")
    if doc.get("gemm"):
        p("")
        p(f"{'GEMM (torch.mm = OpenBLAS)':<24} {'op':>2} {'M':>5} {'N':>5} {'K':>5} {'GFLOP/s':>22}")
        for g in doc["gemm"]:
            op = ("T" if g["trans_a"] else "N") + ("T" if g["trans_b"] else "N")
            p(f"{g['name']:<24} {op:>2} {g['m']:>5} {g['n']:>5} {g['k']:>5} {fmt(g['gflops'], 1):>22}")


def run_bench(args):
    torch.set_num_threads(args.threads)
    blas = blas_json()
    proto = Protocol(args.warmup, args.windows, args.window_seconds)
    names = [m[0] for m in MODELS]
    if args.models == "all":
        chosen = names
    elif args.models == "none":
        chosen = []
    else:
        chosen = [s.strip() for s in args.models.split(",") if s.strip()]
    for c in chosen:
        if c not in names:
            raise SystemExit(f"torch_peer: error: --models: unknown model '{c}' (known: {', '.join(names)})")
    doc = {
        "schema": SCHEMA, "implementation": "pytorch", "version": torch.__version__,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "blas": blas},
        "threads": args.threads, "batch": BATCH,
        "protocol": {"warmup": args.warmup, "windows": args.windows, "window_seconds": args.window_seconds},
        "models": [],
    }
    for name in chosen:
        print(f"torch_peer: {name} ...", file=sys.stderr, flush=True)
        entry = bench_model(name, proto, args.seed)
        if not args.no_memory:
            entry["peak_rss_mb"] = measure_memory(name, args.threads, args.memory_steps, args.seed)
        doc["models"].append(entry)
    if not args.no_quantum:
        print("torch_peer: quantum layer ...", file=sys.stderr, flush=True)
        doc["quantum"] = bench_quantum(proto, args.seed)
    if not args.no_gemm:
        print("torch_peer: gemm ...", file=sys.stderr, flush=True)
        doc["gemm"] = bench_gemm(proto, args.seed)
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        print_table(doc, sys.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", nargs="?", default="bench", choices=["bench", "train"])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", default=None,
                    help="bench: comma list of model names, all or none; train: hybrid,classical,linear[,rotations]")
    ap.add_argument("--warmup", type=int, default=3, help="bench: untimed calls before the windows")
    ap.add_argument("--windows", type=int, default=5, help="bench: timed windows per figure")
    ap.add_argument("--window-seconds", type=float, default=1.0, help="bench: target length of one window")
    ap.add_argument("--quick", action="store_true", help="bench: 1 warm-up, 3 windows of 0.2 s (smoke test)")
    ap.add_argument("--no-memory", action="store_true", help="bench: skip the peak-RSS subprocesses")
    ap.add_argument("--no-quantum", action="store_true")
    ap.add_argument("--no-gemm", action="store_true")
    ap.add_argument("--memory-steps", type=int, default=5, help="bench: training steps of the memory child")
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--epochs", type=int, default=10, help="train: epochs")
    ap.add_argument("--limit", type=int, default=None, help="train: use the first N training images")
    ap.add_argument("--augment", default="on", choices=["on", "off"], help="train: RandomAffine(5, 0.1)")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="train: Fashion-MNIST folder")
    args = ap.parse_args()
    if args.threads < 1:
        ap.error("--threads must be >= 1")
    if args.memory_child:
        memory_child(args.memory_child, args.threads, args.memory_steps, args.seed)
        return
    if args.mode == "bench":
        if args.quick:
            args.warmup, args.windows, args.window_seconds = 1, 3, 0.2
        args.models = args.models or "all"
        run_bench(args)
    else:
        args.models = args.models or "hybrid,classical,linear"
        run_train(args)


if __name__ == "__main__":
    main()
