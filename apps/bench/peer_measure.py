"""peer_measure.py - torch_peer.py's measurements: the timing protocol shared with `hqc bench`, the
seeded batch source, training / inference / latency of one model, the quantum layer, GEMM at the
models' shapes, the peak RSS of a fresh training process, and the machine description (with the
BLAS library that ran).
"""
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import torch

import blas_check
from peer_models import DATASETS, MODELS, Normaliser, Recipe, build_model, count_parameters
from quantum_torch import TWO_PI, circuit_expvals, unitary_expvals

BATCH = 64
# The script a memory child runs: a fresh interpreter, so its peak RSS is the model's alone.
PEER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_peer.py")


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
    """The layer as the models run it (batched unitary: fwd_bwd_us, fwd_us) and gate by gate
    (gate_by_gate), on the same inputs and weights."""
    g = torch.Generator().manual_seed(seed)
    x = torch.softmax(torch.randn(BATCH, 16, generator=g), dim=1).requires_grad_(True)
    w = (torch.rand(2, 4, generator=g) * TWO_PI).requires_grad_(True)
    up = torch.randn(BATCH, 4, generator=g)

    def figures(expvals):
        def fwd_bwd():
            x.grad = None
            w.grad = None
            out = expvals(x, w)
            out.backward(up)

        def fwd():
            with torch.inference_mode():
                expvals(x, w)

        return {"fwd_bwd_us": stat([t * 1e6 for t in proto.run(fwd_bwd)]),
                "fwd_us": stat([t * 1e6 for t in proto.run(fwd)])}

    out = {"batch": BATCH, "qubits": 4, "layers": 2}
    out.update(figures(unitary_expvals))
    out["gate_by_gate"] = figures(circuit_expvals)
    return out


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
    cmd = [sys.executable, PEER_SCRIPT, "--memory-child", name, "--threads", str(threads),
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


def blas_json():
    """The BLAS torch.mm runs on (apps/bench/blas_check.py), found after one product has run; its
    shortcomings are printed on stderr."""
    a = torch.rand(64, 64)
    torch.mm(a, a)
    blas = blas_check.loaded_blas()
    for w in blas_check.warnings(blas, blas_check.cpu_isa()):
        print(f"torch_peer: warning: {w}", file=sys.stderr, flush=True)
    return blas
