#!/usr/bin/env python3
"""The study's quantum layer as batched PyTorch tensor operations differentiated by autograd.

This is how PennyLane's default.qubit runs the layer under its torch interface (backprop): the
batch of states is a (B, 2, ..., 2) complex tensor, each gate a small matrix contracted into one
axis (RX) or an index permutation (CNOT), and autograd records every step. It is the peer of
apps/bench/quantum_bench.cpp, which runs it side by side (--torch) on the same circuit:
|x| -> zero-pad -> L2-normalise -> amplitude embedding -> BasicEntanglerLayers(RX) -> <Z_i>.

Usage: quantum_torch.py [--qubits 4] [--layers 2] [--batch 64] [--reps 200] [--threads 1] [--json]
"""
import argparse
import json
import math
import time

import torch


def rx(t):
    c, s = torch.cos(t / 2).to(torch.complex128), torch.sin(t / 2).to(torch.complex128)
    return torch.stack([torch.stack([c, -1j * s]), torch.stack([-1j * s, c])])


def apply_1q(psi, U, wire):
    # psi: (B, 2, ..., 2); contract U's column index with axis 1 + wire.
    psi = torch.tensordot(psi, U, dims=([1 + wire], [1]))  # new axis last
    return torch.movedim(psi, -1, 1 + wire)


def apply_cnot(psi, c, t):
    # Flip the target where the control is 1: swap the two halves of the target axis there.
    ax_c, ax_t = 1 + c, 1 + t
    zero = psi.select(ax_c, 0)
    one = psi.select(ax_c, 1)
    one = one.flip(ax_t - (1 if ax_t > ax_c else 0))
    return torch.stack([zero, one], dim=ax_c)


def layer(x, w, n):
    B, K = x.shape
    v = torch.cat([x.abs(), torch.zeros(B, 2 ** n - K, dtype=x.dtype)], dim=1)
    psi = (v / v.norm(dim=1, keepdim=True)).to(torch.complex128).reshape((B,) + (2,) * n)
    L = w.shape[0]
    for l in range(L):
        for i in range(n):
            psi = apply_1q(psi, rx(w[l, i]), i)
        pairs = [] if n == 1 else [(0, 1)] if n == 2 else [(i, (i + 1) % n) for i in range(n)]
        for c, t in pairs:
            psi = apply_cnot(psi, c, t)
    probs = (psi.real ** 2 + psi.imag ** 2)
    outs = []
    for k in range(n):
        p = probs.sum(dim=[d for d in range(1, n + 1) if d != 1 + k])  # (B, 2)
        outs.append(p[:, 0] - p[:, 1])
    return torch.stack(outs, dim=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qubits", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n = a.qubits
    x = torch.rand(a.batch, 2 ** n, dtype=torch.float32).requires_grad_()
    w = (torch.rand(a.layers, n, dtype=torch.float64) * 2 * math.pi).requires_grad_()
    g = torch.rand(a.batch, n, dtype=torch.float64)

    def step():
        x.grad = None
        w.grad = None
        e = layer(x.double(), w, n)
        (e * g).sum().backward()
        return e

    for _ in range(10):
        step()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2] * 1e6
    best = times[0] * 1e6
    if a.json:
        print(json.dumps({"qubits": n, "layers": a.layers, "batch": a.batch, "threads": a.threads,
                          "median_us": med, "min_us": best, "torch": torch.__version__}))
    else:
        print("torch %s: %d qubits, %d layers, batch %d, %d thread(s): forward+backward median %.1f us (min %.1f)"
              % (torch.__version__, n, a.layers, a.batch, a.threads, med, best))


if __name__ == "__main__":
    main()
