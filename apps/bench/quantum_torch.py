#!/usr/bin/python3
"""The study's quantum layer in PyTorch, differentiated by autograd, written two ways.

The one Python copy of the layer the benchmarks use: torch_peer.py's models import QuantumLayer and
the circuit functions from here, and apps/bench/quantum_bench.cpp runs this file (--torch) beside the
library on the same circuit:
|x| -> zero-pad -> L2-normalise -> amplitude embedding -> BasicEntanglerLayers(RX) -> <Z_i>.

circuit_expvals (gate by gate) is how PennyLane's default.qubit runs the layer under its torch
interface (backprop): the batch of states is a (B, 2, ..., 2) complex tensor, axis 1 + w is wire w
(wire 0 = most significant bit of the basis index, docs/quantum.md), one einsum per rotation, CNOT as
slicing and rolling, and autograd records every step.

unitary_expvals (batched unitary) is what a PyTorch user writes by hand for a few qubits: the whole
circuit as one 2^n x 2^n matrix U = U_{L-1} ... U_0, U_l = P_ring (RX(w_0) x ... x RX(w_{n-1})), built
from the weights with torch ops (so autograd differentiates it), then applied to the whole batch with
one real matmul (the embedded state is real: psi = x U^T = [x Re(U)^T, x Im(U)^T]) and
<Z_w> = |psi|^2 S with S[j, w] = +1 / -1 for bit w of j equal to 0 / 1. Same outputs and gradients
(tests/apps/test_quantum_torch.py), about 3x faster at the study's size; the peer's models use it.

float32 inputs run in complex64 (the models), float64 inputs in complex128.
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


def _embed(x, n):
    """|x| zero-padded to 2^n features and L2-normalised (AmplitudeEmbedding(normalize=True)), (B, 2^n)."""
    batch, dim = x.shape
    if dim > 2 ** n:
        raise ValueError(f"quantum layer: input has {dim} features, {n} qubits hold at most {2 ** n}")
    amp = x.abs()
    if dim < 2 ** n:
        amp = torch.cat([amp, torch.zeros(batch, 2 ** n - dim, dtype=amp.dtype)], dim=1)
    return amp / amp.norm(dim=1, keepdim=True)


def _ring(n):
    """The CNOT ring of BasicEntanglerLayers as (control, target) pairs: none for 1 wire, one for 2."""
    if n == 2:
        return [(0, 1)]
    return [(w, (w + 1) % n) for w in range(n)] if n > 2 else []


def circuit_expvals(x, weights, entangle=True):
    """Gate by gate. x: (B, K) real inputs, K <= 2^n (zero-padded); weights: (L, n). Returns <Z_w> per
    wire, (B, n) in x's dtype. entangle=False drops the CNOT ring (the rotations-only ablation)."""
    batch = x.shape[0]
    n = weights.shape[1]
    cdtype = torch.complex128 if x.dtype == torch.float64 else torch.complex64
    state = _embed(x, n).to(cdtype).reshape((batch,) + (2,) * n)
    for layer in range(weights.shape[0]):
        for wire in range(n):
            state = _apply_single(state, _rx_matrix(weights[layer, wire], cdtype), wire, n)
        if entangle:
            for control, target in _ring(n):
                state = _apply_cnot(state, control, target)
    probs = (state.real ** 2 + state.imag ** 2)
    outs = []
    for wire in range(n):
        other = [1 + w for w in range(n) if w != wire]
        marg = probs.sum(dim=other) if other else probs  # (B, 2)
        outs.append(marg[:, 0] - marg[:, 1])
    return torch.stack(outs, dim=1)


_CONSTANTS = {}


def _constants(n, entangle, dtype):
    """(src, signs) for n wires: the CNOT ring as a row gather, psi'[j] = psi[src[j]], and the
    (2^n, n) matrix of Z eigenvalues, signs[j, w] = +1 if bit w of j (wire 0 most significant) is 0
    else -1. Built once per (n, entangle, dtype)."""
    key = (n, entangle, dtype)
    if key not in _CONSTANTS:
        bit = lambda j, w: (j >> (n - 1 - w)) & 1
        src = []
        for j in range(2 ** n):
            # The ring maps |b> to |f(b)>, f = last CNOT o ... o first; each CNOT is its own inverse,
            # so f^-1 applies them in reverse order.
            b = j
            for control, target in (reversed(_ring(n)) if entangle else []):
                if bit(b, control):
                    b ^= 1 << (n - 1 - target)
            src.append(b)
        signs = torch.tensor([[1.0 - 2.0 * bit(j, w) for w in range(n)] for j in range(2 ** n)], dtype=dtype)
        _CONSTANTS[key] = (torch.tensor(src, dtype=torch.int64), signs)
    return _CONSTANTS[key]


def circuit_unitary(weights, entangle=True, cdtype=torch.complex64):
    """U = U_{L-1} ... U_0 with U_l = P_ring (RX(w_l0) x ... x RX(w_l,n-1)) (wire 0 the leftmost
    Kronecker factor, the most significant bit), (2^n, 2^n) complex, differentiable in `weights`.
    Every RX of every layer is built at once and each layer's Kronecker product is one einsum, so the
    graph holds a few dozen ops whatever the size."""
    layers, n = weights.shape
    src, _ = _constants(n, entangle, torch.float32)
    c = torch.cos(weights / 2).to(cdtype)  # (L, n)
    mis = -1j * torch.sin(weights / 2).to(cdtype)
    rx = torch.stack([c, mis, mis, c], dim=-1).reshape(layers, n, 2, 2)  # RX = [[c, -i s], [-i s, c]]
    rows, cols = _EINSUM_LETTERS[1:1 + n], _EINSUM_LETTERS[1 + n:1 + 2 * n]
    spec = ",".join(f"a{r}{k}" for r, k in zip(rows, cols)) + f"->a{rows}{cols}"
    u_layers = torch.einsum(spec, *rx.unbind(1)).reshape(layers, 2 ** n, 2 ** n)
    u_layers = u_layers.index_select(1, src)  # P k: the ring permutes the rows
    u = u_layers[0]
    for layer in range(1, layers):
        u = u_layers[layer] @ u
    return u


def unitary_expvals(x, weights, entangle=True):
    """Batched unitary: the same function as circuit_expvals (same arguments, same result)."""
    n = weights.shape[1]
    real = torch.float64 if x.dtype == torch.float64 else torch.float32
    cdtype = torch.complex128 if real == torch.float64 else torch.complex64
    amp = _embed(x, n)  # (B, 2^n), real
    ut = circuit_unitary(weights, entangle, cdtype).transpose(0, 1)
    y = amp @ torch.cat([ut.real, ut.imag], dim=1)  # (B, 2 * 2^n): Re psi, Im psi
    d = 2 ** n
    probs = y[:, :d] ** 2 + y[:, d:] ** 2
    return probs @ _constants(n, entangle, real)[1]


class QuantumLayer(nn.Module):
    """AmplitudeEmbedding(|x| normalised) -> BasicEntanglerLayers(RX, CNOT ring) -> <Z_i>, run as one
    batched unitary (method="unitary", the models' default) or gate by gate (method="gates")."""

    def __init__(self, qubits=4, layers=2, entangle=True, method="unitary"):
        super().__init__()
        if method not in ("unitary", "gates"):
            raise ValueError(f"quantum layer: method must be 'unitary' or 'gates', got {method!r}")
        self.entangle = entangle
        self.expvals = unitary_expvals if method == "unitary" else circuit_expvals
        self.weights = nn.Parameter(torch.rand(layers, qubits) * TWO_PI)  # uniform on [0, 2 pi)

    def forward(self, x):
        return self.expvals(x, self.weights, self.entangle)


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

    def timing(expvals):
        def step():
            x.grad = None
            w.grad = None
            e = expvals(x.double(), w)
            (e * g).sum().backward()

        for _ in range(10):
            step()
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        times.sort()
        return {"median_us": times[len(times) // 2] * 1e6, "min_us": times[0] * 1e6}

    gates, unitary = timing(circuit_expvals), timing(unitary_expvals)
    if a.json:
        # median_us / min_us: the batched unitary (the peer's figure); gate_by_gate: the same for
        # circuit_expvals.
        print(json.dumps({"qubits": n, "layers": a.layers, "batch": a.batch, "threads": a.threads,
                          "median_us": unitary["median_us"], "min_us": unitary["min_us"],
                          "gate_by_gate": gates, "torch": torch.__version__}))
    else:
        print("torch %s: %d qubits, %d layers, batch %d, %d thread(s), forward+backward:"
              % (torch.__version__, n, a.layers, a.batch, a.threads))
        for label, t in (("batched unitary", unitary), ("gate by gate", gates)):
            print("  %-16s median %.1f us (min %.1f)" % (label, t["median_us"], t["min_us"]))


if __name__ == "__main__":
    main()
