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
import gzip
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # a pyenv or venv python does not see Debian's dist-packages
    sys.exit("torch_peer: error: cannot import torch; run with /usr/bin/python3 "
             "(Debian's python3-torch), e.g. /usr/bin/python3 apps/bench/torch_peer.py")

SCHEMA = "hqc-bench/1"
BATCH = 64
TWO_PI = 2.0 * math.pi

# ----------------------------------------------------------------------------------------------
# Datasets as the models see them: (channels, height, width), classes, normalisation of pixel/255.
DATASETS = {
    "mnist": dict(shape=(1, 28, 28), classes=10, mean=(0.1307,), std=(0.3081,)),
    "fashion-mnist": dict(shape=(1, 28, 28), classes=10, mean=(0.2860,), std=(0.3530,)),
    "cifar100": dict(shape=(3, 32, 32), classes=100, mean=(0.5071, 0.4865, 0.4409),
                     std=(0.2673, 0.2564, 0.2762)),
    "stl10": dict(shape=(3, 96, 96), classes=10, mean=(0.4467, 0.4398, 0.4066),
                  std=(0.2603, 0.2566, 0.2713)),
}

# The six benchmarked models, in the order of docs/study.md's results table, with the parameter counts
# docs/study.md fixes (BatchNorm weights and biases and the 8 circuit weights included).
MODELS = [
    ("mnist-hybrid", "mnist", "hybrid", 142530),
    ("mnist-classical", "mnist", "classical", 151754),
    ("cifar100-hybrid", "cifar100", "hybrid", 1164796),
    ("cifar100-classical", "cifar100", "classical", 1710436),
    ("stl10-hybrid", "stl10", "hybrid", 4603298),
    ("stl10-classical", "stl10", "classical", 1687306),
]


# ----------------------------------------------------------------------------------------------
# The quantum layer as batched statevector tensor ops, differentiated by autograd the way
# PennyLane's default.qubit does with the torch interface (backprop through the simulation):
# the state is a (B, 2, 2, 2, 2) complex tensor, axis 1 + w is wire w (wire 0 = most significant
# bit of the basis index, docs/quantum.md), one einsum per rotation, CNOT as slicing and stacking.

def _rx_matrix(theta):
    """RX(t) = [[c, -i s], [-i s, c]] as a differentiable (2, 2) complex64 tensor."""
    c = torch.cos(theta / 2).to(torch.complex64)
    s = torch.sin(theta / 2).to(torch.complex64)
    mis = -1j * s
    return torch.stack([torch.stack([c, mis]), torch.stack([mis, c])])


_EINSUM_LETTERS = "bcdefghijklmn"


def _apply_single(state, matrix, wire, n):
    """Applies a 2x2 matrix to wire `wire` of a (B, 2, ..., 2) state."""
    idx = _EINSUM_LETTERS[: n + 1]  # b + one letter per wire
    target = idx[1 + wire]
    out = idx.replace(target, "z")
    return torch.einsum(f"z{target},{idx}->{out}", matrix, state)


def _apply_cnot(state, control, target):
    """CNOT(control, target): where the control bit is 1, flip the target bit."""
    ca, ta = 1 + control, 1 + target
    s0 = state.narrow(ca, 0, 1)
    s1 = state.narrow(ca, 1, 1)
    # Within the control=1 slice the target axis keeps its position (the control axis is size 1).
    s1 = torch.roll(s1, 1, dims=ta)
    return torch.cat([s0, s1], dim=ca)


def circuit_expvals(x, weights, entangle=True):
    """x: (B, 2^n) real inputs; weights: (L, n). Returns <Z_w> per wire, (B, n) float32."""
    batch, dim = x.shape
    n = weights.shape[1]
    if dim != 2 ** n:
        raise ValueError(f"quantum layer: input has {dim} features, {n} qubits need {2 ** n}")
    amp = x.abs()
    amp = amp / amp.norm(dim=1, keepdim=True)  # AmplitudeEmbedding(normalize=True)
    state = amp.to(torch.complex64).reshape((batch,) + (2,) * n)
    for layer in range(weights.shape[0]):
        for wire in range(n):
            state = _apply_single(state, _rx_matrix(weights[layer, wire]), wire, n)
        if entangle:
            if n == 2:
                state = _apply_cnot(state, 0, 1)
            elif n > 2:
                for wire in range(n):
                    state = _apply_cnot(state, wire, (wire + 1) % n)
    probs = (state.real ** 2 + state.imag ** 2)
    outs = []
    for wire in range(n):
        other = [1 + w for w in range(n) if w != wire]
        marg = probs.sum(dim=other)  # (B, 2)
        outs.append(marg[:, 0] - marg[:, 1])
    return torch.stack(outs, dim=1)


class QuantumLayer(nn.Module):
    """AmplitudeEmbedding(|x| normalised) -> BasicEntanglerLayers(RX, CNOT ring) -> <Z_i>."""

    def __init__(self, qubits=4, layers=2, entangle=True):
        super().__init__()
        self.entangle = entangle
        self.weights = nn.Parameter(torch.rand(layers, qubits) * TWO_PI)  # uniform on [0, 2 pi)

    def forward(self, x):
        return circuit_expvals(x, self.weights, self.entangle)


# ----------------------------------------------------------------------------------------------
# The models of docs/study.md (the authors' code: conv 3x3 pad 1 -> BatchNorm2d -> ReLU [-> MaxPool2d(2)]).

def _conv_block(cin, cout, pool):
    layers = [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return layers


class Hybrid(nn.Module):
    def __init__(self, dataset, quantum="circuit"):
        super().__init__()
        spec = DATASETS[dataset]
        cin, classes = spec["shape"][0], spec["classes"]
        if spec["shape"][1] == 28:
            widths, pools, hidden = [16, 32], [True, True], 256
        elif spec["shape"][1] == 32:
            widths, pools, hidden = [32, 64, 128], [True, True, False], 512
        else:
            widths, pools, hidden = [32, 64, 128, 256], [True, True, True, False], 1024
        layers, c = [], cin
        for w, p in zip(widths, pools):
            layers += _conv_block(c, w, p)
            c = w
        layers.append(nn.AdaptiveAvgPool2d((4, 4)))
        self.classical_net = nn.Sequential(*layers)
        self.feature_reducer = nn.Sequential(nn.Linear(c * 16, hidden), nn.ReLU(), nn.Linear(hidden, 16),
                                             nn.Softmax(dim=1))
        if quantum == "circuit":
            self.qlayer = QuantumLayer(4, 2, entangle=True)
        elif quantum == "rotations":
            self.qlayer = QuantumLayer(4, 2, entangle=False)
        elif quantum == "linear":
            self.qlayer = nn.Linear(16, 4)
        else:
            raise ValueError(f"unknown --quantum {quantum}")
        self.head = nn.Sequential(nn.Linear(4, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3),
                                  nn.Linear(128, classes))

    def forward(self, x):
        x = self.classical_net(x).flatten(1)
        return self.head(self.qlayer(self.feature_reducer(x)))


class Classical(nn.Module):
    def __init__(self, dataset):
        super().__init__()
        spec = DATASETS[dataset]
        cin, classes = spec["shape"][0], spec["classes"]
        if spec["shape"][1] == 28:
            widths, pools, avg, hidden, drop = [32, 64], [True, True], 4, 128, 0.3
        else:
            widths, pools, avg, hidden = [64, 128, 256, 512], [True, True, True, False], 1, 256
            drop = 0.3 if spec["shape"][1] == 32 else 0.4
        layers, c = [], cin
        for w, p in zip(widths, pools):
            layers += _conv_block(c, w, p)
            c = w
        layers.append(nn.AdaptiveAvgPool2d((avg, avg)))
        self.conv_net = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(c * avg * avg, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                  nn.Dropout(drop), nn.Linear(hidden, classes))

    def forward(self, x):
        return self.head(self.conv_net(x).flatten(1))


def build_model(dataset, kind, quantum="circuit"):
    return Hybrid(dataset, quantum) if kind == "hybrid" else Classical(dataset)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------------------------
# Recipes of the original (docs/study.md): cross-entropy with label smoothing 0.1; hybrid: AdamW 1e-3,
# wd 0.01, OneCycleLR(max 2e-3, pct 0.3) per batch, clip grad norm 1.0; classical: Adam 3e-3, wd 5e-3
# (coupled L2), CosineAnnealingWarmRestarts(T_0=5, T_mult=1, eta_min=1e-5) stepped per batch.

class Recipe:
    def __init__(self, model, kind, total_steps):
        self.model, self.kind = model, kind
        self.loss = nn.CrossEntropyLoss(label_smoothing=0.1)
        if kind == "hybrid":
            self.opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
            self.sched = torch.optim.lr_scheduler.OneCycleLR(self.opt, max_lr=2e-3, total_steps=total_steps,
                                                             pct_start=0.3)
        else:
            self.opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=5e-3)
            self.sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(self.opt, T_0=5, T_mult=1,
                                                                              eta_min=1e-5)

    def step(self, x, y):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(self.model(x), y)
        loss.backward()
        if self.kind == "hybrid":
            nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=1.0)
        self.opt.step()
        self.sched.step()
        return loss


class Normaliser:
    """uint8 (B, C, H, W) -> float32 (pixel/255 - mean) / std, per channel."""

    def __init__(self, dataset):
        spec = DATASETS[dataset]
        c = spec["shape"][0]
        self.mean = torch.tensor(spec["mean"], dtype=torch.float32).view(1, c, 1, 1)
        self.std = torch.tensor(spec["std"], dtype=torch.float32).view(1, c, 1, 1)

    def __call__(self, u8):
        return (u8.to(torch.float32).div_(255.0) - self.mean).div_(self.std)


# ----------------------------------------------------------------------------------------------
# Timing protocol (shared with hqc bench): `warmup` untimed calls, then the calls per window are
# chosen so that one window lasts about `window_seconds`, then `windows` timed windows; each window
# gives one rate; the figure is their median, min and max.

class Protocol:
    def __init__(self, warmup=3, windows=5, window_seconds=1.0):
        self.warmup, self.windows, self.window_seconds = warmup, windows, window_seconds

    def run(self, call):
        """Returns (seconds per call for each window)."""
        for _ in range(self.warmup):
            call()
        t0 = time.perf_counter()
        call()
        one = max(time.perf_counter() - t0, 1e-7)
        per_window = max(1, int(self.window_seconds / one))
        out = []
        for _ in range(self.windows):
            t0 = time.perf_counter()
            for _ in range(per_window):
                call()
            out.append((time.perf_counter() - t0) / per_window)
        return out


def stat(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def pool_for(dataset, size, seed):
    """A seeded pool of random uint8 images and labels: throughput does not depend on the pixels."""
    spec = DATASETS[dataset]
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (size,) + spec["shape"], dtype=torch.uint8, generator=g)
    labels = torch.randint(0, spec["classes"], (size,), dtype=torch.int64, generator=g)
    return images, labels, g


class BatchSource:
    """Gathers batches from the pool by a shuffled index, as a shuffling data loader would."""

    def __init__(self, dataset, batch, pool=1024, seed=0):
        self.images, self.labels, self.g = pool_for(dataset, pool, seed)
        self.batch, self.order, self.pos = batch, None, 0

    def next(self):
        if self.order is None or self.pos + self.batch > len(self.order):
            self.order = torch.randperm(self.images.shape[0], generator=self.g)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return self.images.index_select(0, idx), self.labels.index_select(0, idx)


# Steps of one epoch of the original's MNIST split (48,000 / 64), times 50 epochs: the OneCycle
# schedule the benchmark steps through (its position changes no cost).
BENCH_TOTAL_STEPS = 750 * 50


def make_trainer(name, seed):
    _, dataset, kind, expected = next(m for m in MODELS if m[0] == name)
    torch.manual_seed(seed)
    model = build_model(dataset, kind)
    got = count_parameters(model)
    assert got == expected, f"{name}: {got} parameters, docs/study.md says {expected}"
    model.train()
    recipe = Recipe(model, kind, BENCH_TOTAL_STEPS)
    norm = Normaliser(dataset)
    return model, recipe, norm, dataset, kind, got


def bench_model(name, proto, seed):
    model, recipe, norm, dataset, kind, params = make_trainer(name, seed)
    src = BatchSource(dataset, BATCH, seed=seed)

    def train_step():
        u8, y = src.next()
        recipe.step(norm(u8), y)

    train = proto.run(train_step)

    model.eval()
    u8_64, _ = src.next()
    u8_1 = u8_64[:1].clone()

    def infer(u8):
        with torch.inference_mode():
            return model(norm(u8)).argmax(1)

    infer64 = proto.run(lambda: infer(u8_64))
    lat = proto.run(lambda: infer(u8_1))
    spec = DATASETS[dataset]
    return {
        "name": name, "dataset": dataset, "model": kind, "input_shape": list(spec["shape"]),
        "classes": spec["classes"], "parameters": params,
        "train_images_per_s": stat([BATCH / t for t in train]),
        "infer_images_per_s": stat([BATCH / t for t in infer64]),
        "latency_ms": stat([t * 1e3 for t in lat]),
    }


def bench_quantum(proto, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.softmax(torch.randn(BATCH, 16, generator=g), dim=1).requires_grad_(True)
    w = (torch.rand(2, 4, generator=g) * TWO_PI).requires_grad_(True)
    up = torch.randn(BATCH, 4, generator=g)

    def fwd_bwd():
        x.grad = None
        w.grad = None
        out = circuit_expvals(x, w)
        out.backward(up)

    def fwd():
        with torch.inference_mode():
            circuit_expvals(x, w)

    fb = proto.run(fwd_bwd)
    f = proto.run(fwd)
    return {"batch": BATCH, "qubits": 4, "layers": 2,
            "fwd_bwd_us": stat([t * 1e6 for t in fb]),
            "fwd_us": stat([t * 1e6 for t in f])}


# GEMM shapes of the models (row-major C(M,N) = op(A)(M,K) op(B)(K,N)). Convolutions as im2col per
# image: forward W(Cout, Cin*9) x cols(Cin*9, H*W); weight gradient dY(Cout, HW) x cols^T; column
# gradient W^T x dY. Linear layers at batch 64 with the weight stored (out, in): forward x W^T,
# input gradient dY W, weight gradient dY^T x.
GEMM_SHAPES = [  # the same table as apps/bench/gemm_shapes.hpp (matched by name)
    ("lin 512->256 fwd", False, True, 64, 256, 512),
    ("lin 512->256 dX", False, False, 64, 512, 256),
    ("lin 512->256 dW", True, False, 256, 512, 64),
    ("lin 1024->128 fwd", False, True, 64, 128, 1024),
    ("lin 1024->128 dX", False, False, 64, 1024, 128),
    ("lin 1024->128 dW", True, False, 128, 1024, 64),
    ("lin 2048->512 fwd", False, True, 64, 512, 2048),
    ("lin 2048->512 dX", False, False, 64, 2048, 512),
    ("lin 2048->512 dW", True, False, 512, 2048, 64),
    ("lin 4096->1024 fwd", False, True, 64, 1024, 4096),
    ("lin 4096->1024 dX", False, False, 64, 4096, 1024),
    ("lin 4096->1024 dW", True, False, 1024, 4096, 64),
    ("mnist conv1 16", False, False, 16, 784, 9),
    ("mnist conv1 32", False, False, 32, 784, 9),
    ("mnist conv2 32<-16", False, False, 32, 196, 144),
    ("mnist conv2 64<-32", False, False, 64, 196, 288),
    ("mnist conv2 dW", False, True, 64, 288, 196),
    ("mnist conv2 dcols", True, False, 288, 196, 64),
    ("cifar conv1 32<-3", False, False, 32, 1024, 27),
    ("cifar conv 128<-64", False, False, 128, 256, 576),
    ("cifar conv 256<-128", False, False, 256, 64, 1152),
    ("cifar conv 512<-256", False, False, 512, 16, 2304),
    ("cifar conv 128 dW", False, True, 128, 576, 256),
    ("cifar conv 128 dcols", True, False, 576, 256, 128),
    ("stl conv1 32<-3", False, False, 32, 9216, 27),
    ("stl conv 64<-32", False, False, 64, 2304, 288),
    ("stl conv 128<-64", False, False, 128, 2304, 576),
    ("stl conv 256<-128", False, False, 256, 576, 1152),
    ("stl conv 256 dW", False, True, 256, 1152, 576),
    ("stl conv 256 dcols", True, False, 1152, 576, 256),
]


def bench_gemm(proto, seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for name, ta, tb, m, n, k in GEMM_SHAPES:
        # Stored as the row-major operands the BLAS call sees; .t() views hand OpenBLAS a transposed
        # operand without a copy.
        a = torch.rand((k, m) if ta else (m, k), generator=g) * 2 - 1
        b = torch.rand((n, k) if tb else (k, n), generator=g) * 2 - 1
        a_op, b_op = (a.t() if ta else a), (b.t() if tb else b)
        c = torch.empty(m, n)
        times = proto.run(lambda: torch.mm(a_op, b_op, out=c))
        flops = 2.0 * m * n * k
        out.append({"name": name, "trans_a": ta, "trans_b": tb, "m": m, "n": n, "k": k,
                    "gflops": stat([flops / t * 1e-9 for t in times])})
    return out


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def memory_child(name, threads, steps, seed):
    """Runs in a fresh process: import, build, train `steps` batches; prints the peak RSS."""
    torch.set_num_threads(threads)
    model, recipe, norm, dataset, _, _ = make_trainer(name, seed)
    src = BatchSource(dataset, BATCH, seed=seed)
    for _ in range(steps):
        u8, y = src.next()
        recipe.step(norm(u8), y)
    print(json.dumps({"name": name, "peak_rss_mb": peak_rss_mb()}))


def measure_memory(name, threads, steps, seed):
    cmd = [sys.executable, os.path.abspath(__file__), "--memory-child", name, "--threads", str(threads),
           "--memory-steps", str(steps), "--seed", str(seed)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"memory child for {name} failed: {res.stderr.strip()}")
    return json.loads(res.stdout.strip().splitlines()[-1])["peak_rss_mb"]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def warn_reference_blas():
    """Debian's python3-torch takes its BLAS from the libblas.so.3 alternative: with only libblas3
    (the reference Fortran BLAS) installed, torch.mm and the linear layers run at 3-6 GFLOP/s on the
    2-core Zen 5 machine instead of OpenBLAS's 50-170, and every ratio against this peer is inflated."""
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        lib = os.path.join(d, "libblas.so.3")
        if os.path.exists(lib):
            real = os.path.realpath(lib)
            if "/blas/" in real:  # Debian's reference implementation lives in .../blas/
                print(f"torch_peer: warning: libblas.so.3 is the reference BLAS ({real}); PyTorch's GEMMs will be "
                      "far slower than with OpenBLAS: install libopenblas0-pthread (apt-get install -y "
                      "libopenblas0-pthread) for a fair peer", file=sys.stderr, flush=True)
            return


def print_table(doc, out):
    p = lambda *a: print(*a, file=out)
    p(f"PyTorch {doc['version']} peer, {doc['threads']} threads, batch {doc['batch']}, "
      f"{doc['machine']['cpu']} ({doc['machine']['cores']} cores), {doc['date']}")
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
          f"fwd+bwd {fmt(q['fwd_bwd_us'], 1)} us, fwd {fmt(q['fwd_us'], 1)} us")
    if doc.get("gemm"):
        p("")
        p(f"{'GEMM (torch.mm = OpenBLAS)':<24} {'op':>2} {'M':>5} {'N':>5} {'K':>5} {'GFLOP/s':>22}")
        for g in doc["gemm"]:
            op = ("T" if g["trans_a"] else "N") + ("T" if g["trans_b"] else "N")
            p(f"{g['name']:<24} {op:>2} {g['m']:>5} {g['n']:>5} {g['k']:>5} {fmt(g['gflops'], 1):>22}")


def run_bench(args):
    warn_reference_blas()
    torch.set_num_threads(args.threads)
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
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count()},
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


# ----------------------------------------------------------------------------------------------
# Accuracy reference on real Fashion-MNIST.

def read_idx_gz(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = int.from_bytes(data[0:4], "big")
    if got != magic:
        raise SystemExit(f"torch_peer: error: {path}: magic {got}, expected {magic}")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    count = math.prod(dims)
    if len(data) - offset != count:
        raise SystemExit(f"torch_peer: error: {path}: {len(data) - offset} data bytes, header says {count}")
    return torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8).reshape(dims)


def load_fashion(folder):
    def one(prefix):
        x = read_idx_gz(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), 2051)
        y = read_idx_gz(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), 2049)
        return x.unsqueeze(1).contiguous(), y.to(torch.int64)
    return one("train"), one("t10k")


def random_affine(u8, g, degrees=5.0, translate=0.1):
    """RandomAffine(degrees, translate) per image, nearest neighbour, zero fill, in pixel space
    (torchvision's sampling: angle uniform in [-d, d], shifts rounded to whole pixels)."""
    b, _, h, w = u8.shape
    x = u8.to(torch.float32)
    angle = (torch.rand(b, generator=g) * 2 - 1) * degrees * math.pi / 180
    tx = torch.round((torch.rand(b, generator=g) * 2 - 1) * translate * w)
    ty = torch.round((torch.rand(b, generator=g) * 2 - 1) * translate * h)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # affine_grid maps output coords to input coords in [-1, 1]: the inverse of the image motion.
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos, sin
    theta[:, 1, 0], theta[:, 1, 1] = -sin, cos
    theta[:, 0, 2] = -(cos * tx * 2 / w + sin * ty * 2 / h)
    theta[:, 1, 2] = -(-sin * tx * 2 / w + cos * ty * 2 / h)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False).round_().to(torch.uint8)


def evaluate(model, norm, images, labels, loss_fn):
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.inference_mode():
        for i in range(0, images.shape[0], 256):
            out = model(norm(images[i:i + 256]))
            y = labels[i:i + 256]
            total_loss += loss_fn(out, y).item() * y.shape[0]
            correct += (out.argmax(1) == y).sum().item()
    return correct / images.shape[0], total_loss / images.shape[0]


def train_one(variant, data, args):
    (train_x, train_y), (test_x, test_y) = data
    kind, quantum = {"hybrid": ("hybrid", "circuit"), "classical": ("classical", None),
                     "linear": ("hybrid", "linear"), "rotations": ("hybrid", "rotations")}[variant]
    torch.manual_seed(args.seed)
    model = build_model("fashion-mnist", kind, quantum or "circuit")
    params = count_parameters(model)
    g = torch.Generator().manual_seed(args.seed)
    n = train_x.shape[0] if args.limit is None else min(args.limit, train_x.shape[0])
    perm = torch.randperm(n, generator=g)
    n_val = int(round(n * 0.2))
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    tr_x, tr_y = train_x[tr_idx], train_y[tr_idx]
    va_x, va_y = train_x[val_idx], train_y[val_idx]
    steps_per_epoch = math.ceil(tr_x.shape[0] / BATCH)
    recipe = Recipe(model, kind, steps_per_epoch * args.epochs)
    norm = Normaliser("fashion-mnist")
    epochs, best, best_state, best_epoch = [], -1.0, None, 0
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(tr_x.shape[0], generator=g)
        total, count = 0.0, 0
        for i in range(0, order.shape[0], BATCH):
            idx = order[i:i + BATCH]
            if idx.shape[0] < 2:  # BatchNorm cannot train on a single sample
                continue
            u8 = tr_x[idx]
            if args.augment == "on":
                u8 = random_affine(u8, g)
            loss = recipe.step(norm(u8), tr_y[idx])
            total += loss.item() * idx.shape[0]
            count += idx.shape[0]
        val_acc, val_loss = evaluate(model, norm, va_x, va_y, recipe.loss)
        secs = time.perf_counter() - t0
        epochs.append({"epoch": epoch, "train_loss": total / count, "val_loss": val_loss,
                       "val_accuracy": val_acc, "seconds": secs})
        print(f"torch_peer: {variant} seed {args.seed} epoch {epoch}: train loss {total / count:.4f}, "
              f"val loss {val_loss:.4f}, val acc {val_acc:.4f}, {secs:.1f} s", file=sys.stderr, flush=True)
        if val_acc > best:
            best, best_epoch = val_acc, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    test_acc, test_loss = evaluate(model, norm, test_x, test_y, recipe.loss)
    print(f"torch_peer: {variant} seed {args.seed}: best epoch {best_epoch} (val acc {best:.4f}), "
          f"test acc {test_acc:.4f}, test loss {test_loss:.4f}", file=sys.stderr, flush=True)
    return {"model": variant, "dataset": "fashion-mnist", "seed": args.seed, "threads": args.threads,
            "parameters": params, "epochs": epochs, "best_epoch": best_epoch, "test_accuracy": test_acc,
            "test_loss": test_loss,
            "seconds_per_epoch": sum(e["seconds"] for e in epochs) / len(epochs),
            "peak_rss_mb": peak_rss_mb()}


def run_train(args):
    torch.set_num_threads(args.threads)
    data = load_fashion(args.data)
    runs = []
    for variant in [s.strip() for s in args.models.split(",") if s.strip()]:
        if variant not in ("hybrid", "classical", "linear", "rotations"):
            raise SystemExit(f"torch_peer: error: --models: unknown variant '{variant}' "
                             "(known: hybrid, classical, linear, rotations)")
        runs.append(train_one(variant, data, args))
    if args.json:
        print(json.dumps({"runs": runs}, indent=2))
    else:
        print(f"Fashion-MNIST, PyTorch {torch.__version__}, {args.epochs} epochs, seed {args.seed}, "
              f"{args.threads} thread(s)")
        print(f"{'model':<10} {'params':>8} {'best epoch':>10} {'val acc':>8} {'test acc':>8} {'s/epoch':>8}")
        for r in runs:
            val = r["epochs"][r["best_epoch"] - 1]["val_accuracy"]
            print(f"{r['model']:<10} {r['parameters']:>8} {r['best_epoch']:>10} {val:>8.4f} "
                  f"{r['test_accuracy']:>8.4f} {r['seconds_per_epoch']:>8.1f}")


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
