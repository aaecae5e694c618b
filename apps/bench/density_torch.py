#!/usr/bin/python3
"""The study's quantum layer under depolarizing noise in PyTorch, batched density matrices + autograd.

The peer of hqc's density-matrix layer (quantum/density.cpp), the same function:
|x| -> zero-pad -> L2-normalise -> rho_0 = psi psi^T -> BasicEntanglerLayers(RX, CNOT ring), after
every gate on each wire it acts on (CNOT: control, then target) depolarizing(p) -> <Z_i>
(docs/quantum.md, "Noise and shots"; PennyLane's default.mixed with qml.transforms.insert).

Written as a PyTorch user would for speed: the batch of density matrices is one (B, 2, ..., 2) complex
tensor with n row axes then n column axes (wire 0 = most significant bit), an RX is one einsum on the
row axis and one on the column axis (rho -> U rho U^dagger), a CNOT is slicing and rolling on both,
and depolarizing is the fused form rho -> (1 - 4p/3) rho + (4p/3) (tr_w rho) (x) I/2 rather than the
four-term Kraus sum. Autograd differentiates inputs and weights.

Usage: density_torch.py [--qubits 4] [--layers 2] [--batch 64] [--p 0.01] [--reps 100] [--threads 1] [--json]
       density_torch.py --expvals --input a,b,... --weights w,... [--p 0.01]   (one sample, for checks)
"""
import argparse
import json
import math
import sys
import time

try:
    import torch
except ImportError:  # a pyenv or venv python does not see Debian's dist-packages
    sys.exit("density_torch: error: cannot import torch; run with /usr/bin/python3 (Debian's python3-torch)")

_LETTERS = "abcdefghijklmnopqrstuvwxy"  # a = batch, then n row axes, then n column axes (z reserved)


def _ring(n):
    """The CNOT ring of BasicEntanglerLayers as (control, target) pairs: none for 1 wire, one for 2."""
    if n == 2:
        return [(0, 1)]
    return [(w, (w + 1) % n) for w in range(n)] if n > 2 else []


def _rx(theta):
    c = torch.cos(theta / 2).to(torch.complex128)
    mis = -1j * torch.sin(theta / 2).to(torch.complex128)
    return torch.stack([torch.stack([c, mis]), torch.stack([mis, c])])


def _apply(rho, m, axis, n):
    """m (2x2) on axis `axis` (1..2n) of rho: sum_k m[z, k] rho[..., k, ...]."""
    idx = _LETTERS[: 2 * n + 1]
    out = idx.replace(idx[axis], "z")
    return torch.einsum(f"z{idx[axis]},{idx}->{out}", m, rho)


def _cnot(rho, control_axis, target_axis):
    s0 = rho.narrow(control_axis, 0, 1)
    s1 = torch.roll(rho.narrow(control_axis, 1, 1), 1, dims=target_axis)
    return torch.cat([s0, s1], dim=control_axis)


def _depolarize(rho, wire, n, p):
    """(1 - 4p/3) rho + (4p/3) (tr_w rho) (x) I/2 on wire `wire`."""
    r, c = 1 + wire, 1 + n + wire
    t = rho.diagonal(dim1=r, dim2=c).sum(-1)  # (B, other axes), wire w traced out
    eye = torch.eye(2, dtype=rho.dtype)
    mixed = torch.einsum("...,rc->...rc", t, eye).movedim((-2, -1), (r, c))
    return (1 - 4 * p / 3) * rho + (2 * p / 3) * mixed


def density_expvals(x, weights, p):
    """x: (B, K) real, K <= 2^n; weights: (L, n). Returns <Z_w>, (B, n) float64."""
    batch, k = x.shape
    layers, n = weights.shape
    d = 2 ** n
    amp = x.abs().double()
    if k < d:
        amp = torch.cat([amp, torch.zeros(batch, d - k, dtype=amp.dtype)], dim=1)
    psi = amp / amp.norm(dim=1, keepdim=True)
    rho = (psi[:, :, None] * psi[:, None, :]).to(torch.complex128).reshape((batch,) + (2,) * (2 * n))
    for layer in range(layers):
        for wire in range(n):
            u = _rx(weights[layer, wire])
            rho = _apply(_apply(rho, u, 1 + wire, n), u.conj(), 1 + n + wire, n)
            rho = _depolarize(rho, wire, n, p)
        for control, target in _ring(n):
            rho = _cnot(_cnot(rho, 1 + control, 1 + target), 1 + n + control, 1 + n + target)
            rho = _depolarize(_depolarize(rho, control, n, p), target, n, p)
    probs = rho.reshape(batch, d, d).diagonal(dim1=1, dim2=2).real  # (B, D)
    signs = torch.tensor([[1.0 - 2.0 * ((j >> (n - 1 - w)) & 1) for w in range(n)] for j in range(d)],
                         dtype=torch.float64)
    return probs @ signs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qubits", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--p", type=float, default=0.01)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--expvals", action="store_true", help="print <Z_i> of one sample (--input, --weights)")
    ap.add_argument("--input", default="")
    ap.add_argument("--weights", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.expvals:
        x = torch.tensor([[float(v) for v in a.input.split(",")]], dtype=torch.float64)
        w = torch.tensor([float(v) for v in a.weights.split(",")], dtype=torch.float64).reshape(a.layers, a.qubits)
        print(json.dumps(density_expvals(x, w, a.p)[0].tolist()))
        return
    torch.manual_seed(0)
    n = a.qubits
    x = torch.rand(a.batch, 2 ** n, dtype=torch.float32).requires_grad_()
    w = (torch.rand(a.layers, n, dtype=torch.float64) * 2 * math.pi).requires_grad_()
    g = torch.rand(a.batch, n, dtype=torch.float64)

    def step():
        x.grad = None
        w.grad = None
        (density_expvals(x, w, a.p) * g).sum().backward()

    for _ in range(5):
        step()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    t = {"median_us": times[len(times) // 2] * 1e6, "min_us": times[0] * 1e6}
    if a.json:
        print(json.dumps({"qubits": n, "layers": a.layers, "batch": a.batch, "p": a.p, "threads": a.threads,
                          "median_us": t["median_us"], "min_us": t["min_us"], "torch": torch.__version__}))
    else:
        print("torch %s: %d qubits, %d layers, batch %d, depolarizing %g, %d thread(s), forward+backward: "
              "median %.1f us (min %.1f)" % (torch.__version__, n, a.layers, a.batch, a.p, a.threads,
                                             t["median_us"], t["min_us"]))


if __name__ == "__main__":
    main()
