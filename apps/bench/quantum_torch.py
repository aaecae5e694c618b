#!/usr/bin/python3
"""The study's quantum layer as batched PyTorch tensor operations differentiated by autograd.

The one Python copy of the layer the benchmarks use: torch_peer.py's models import QuantumLayer and
circuit_expvals from here, and apps/bench/quantum_bench.cpp runs this file (--torch) beside the
library on the same circuit:
|x| -> zero-pad -> L2-normalise -> amplitude embedding -> BasicEntanglerLayers(RX) -> <Z_i>.

This is how PennyLane's default.qubit runs the layer under its torch interface (backprop): the batch
of states is a (B, 2, ..., 2) complex tensor, axis 1 + w is wire w (wire 0 = most significant bit of
the basis index, docs/quantum.md), one einsum per rotation, CNOT as slicing and rolling, and autograd
records every step. float32 inputs run in complex64 (the models), float64 inputs in complex128.
(tests/quantum/make_fixtures.py is deliberately not this code: it builds dense 2^n x 2^n matrices
from Kronecker products, an independent check of the library.)

Usage: quantum_torch.py [--qubits 4] [--layers 2] [--batch 64] [--reps 200] [--threads 1] [--json]
"""
import argparse
import json
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:  # a pyenv or venv python does not see Debian's dist-packages
    sys.exit("quantum_torch: error: cannot import torch; run with /usr/bin/python3 (Debian's python3-torch)")

TWO_PI = 2.0 * math.pi
_EINSUM_LETTERS = "bcdefghijklmnopqrstuvwxy"  # b = batch, then one letter per wire (z is reserved)


def _rx_matrix(theta, cdtype):
    """RX(t) = [[c, -i s], [-i s, c]] as a differentiable (2, 2) complex tensor."""
    c = torch.cos(theta / 2).to(cdtype)
    s = torch.sin(theta / 2).to(cdtype)
    mis = -1j * s
    return torch.stack([torch.stack([c, mis]), torch.stack([mis, c])])


def _apply_single(state, matrix, wire, n):
    """Applies a 2x2 matrix to wire `wire` of a (B, 2, ..., 2) state."""
    idx = _EINSUM_LETTERS[: n + 1]
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
    """x: (B, K) real inputs, K <= 2^n (zero-padded); weights: (L, n). Returns <Z_w> per wire, (B, n)
    in x's dtype. entangle=False drops the CNOT ring (the rotations-only ablation)."""
    batch, dim = x.shape
    n = weights.shape[1]
    if dim > 2 ** n:
        raise ValueError(f"quantum layer: input has {dim} features, {n} qubits hold at most {2 ** n}")
    cdtype = torch.complex128 if x.dtype == torch.float64 else torch.complex64
    amp = x.abs()
    if dim < 2 ** n:
        amp = torch.cat([amp, torch.zeros(batch, 2 ** n - dim, dtype=amp.dtype)], dim=1)
    amp = amp / amp.norm(dim=1, keepdim=True)  # AmplitudeEmbedding(normalize=True)
    state = amp.to(cdtype).reshape((batch,) + (2,) * n)
    for layer in range(weights.shape[0]):
        for wire in range(n):
            state = _apply_single(state, _rx_matrix(weights[layer, wire], cdtype), wire, n)
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
        marg = probs.sum(dim=other) if other else probs  # (B, 2)
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
    w = (torch.rand(a.layers, n, dtype=torch.float64) * TWO_PI).requires_grad_()
    g = torch.rand(a.batch, n, dtype=torch.float64)

    def step():
        x.grad = None
        w.grad = None
        e = circuit_expvals(x.double(), w)
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
