#!/usr/bin/python3
"""The PyTorch peer's two quantum layers (apps/bench/quantum_torch.py) compute the same function:
the batched unitary (what the peer's models run) against gate by gate, outputs and gradients to the
inputs and the weights, within 1e-5, for 1 to 5 qubits, 1 to 3 layers, with and without the CNOT
ring, padded and full inputs, in float64 and float32. The density-matrix peer (density_torch.py)
against a dense Kraus sum built here from Kronecker products (outputs and gradients, 1e-10), and
without noise against the statevector peer. Exits 77 (CTest: skipped) when this python
has no torch.

    /usr/bin/python3 tests/apps/test_quantum_torch.py
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps", "bench"))
try:
    import torch
except ImportError:
    print("HQC_TEST_SKIPPED: no torch in this python (Debian's python3-torch is for /usr/bin/python3)")
    sys.exit(77)

from peer_models import build_model  # noqa: E402
from quantum_torch import QuantumLayer, circuit_expvals, unitary_expvals  # noqa: E402
from density_torch import density_expvals  # noqa: E402

TOL = 1e-5


def outputs_and_grads(expvals, x, w, g, entangle):
    x = x.detach().clone().requires_grad_(True)
    w = w.detach().clone().requires_grad_(True)
    out = expvals(x, w, entangle)
    (out * g).sum().backward()
    return out.detach(), x.grad, w.grad


def check_same(n, layers, features, entangle, dtype, gen):
    x = torch.rand(9, features, generator=gen, dtype=torch.float64).to(dtype) * 2 - 1
    w = (torch.rand(layers, n, generator=gen, dtype=torch.float64) * 6.283).to(dtype)
    g = torch.randn(9, n, generator=gen, dtype=torch.float64).to(dtype)
    ref = outputs_and_grads(circuit_expvals, x, w, g, entangle)
    got = outputs_and_grads(unitary_expvals, x, w, g, entangle)
    case = f"{n} qubits, {layers} layers, {features} features, entangle={entangle}, {dtype}"
    for what, a, b in zip(("outputs", "input gradient", "weight gradient"), ref, got):
        assert a.shape == b.shape, f"{case}: {what} shape {tuple(b.shape)}, gate by gate {tuple(a.shape)}"
        err = (a - b).abs().max().item()
        assert err <= TOL, f"{case}: {what} differ by {err:.3g} (tolerance {TOL:g})"
    # Expectation values of Z lie in [-1, 1] and are not all equal: a test on constants could not fail.
    assert ref[0].abs().max().item() <= 1 + TOL and ref[0].std().item() > 1e-3, f"{case}: degenerate outputs"


def _kron_all(ms):
    out = ms[0]
    for m in ms[1:]:
        out = torch.kron(out, m)
    return out


def dense_density_expvals(x, w, p):
    """Dense reference: rho (D, D) per sample, U = kron of 2x2 factors, depolarizing as its four Kraus
    operators sqrt(1-p) I, sqrt(p/3) X, Y, Z on the wire."""
    layers, n = w.shape
    d = 2 ** n
    c128 = torch.complex128
    i2 = torch.eye(2, dtype=c128)
    pauli = [torch.tensor([[0, 1], [1, 0]], dtype=c128), torch.tensor([[0, -1j], [1j, 0]], dtype=c128),
             torch.tensor([[1, 0], [0, -1]], dtype=c128)]

    def on(wire, m):
        return _kron_all([m if k == wire else i2 for k in range(n)])

    def cnot(cw, tw):
        p0 = torch.tensor([[1, 0], [0, 0]], dtype=c128)
        p1 = torch.tensor([[0, 0], [0, 1]], dtype=c128)
        return _kron_all([p0 if k == cw else i2 for k in range(n)]) + \
            _kron_all([p1 if k == cw else (pauli[0] if k == tw else i2) for k in range(n)])

    def channel(rho, wire):
        ks = [math.sqrt(1 - p) * on(wire, i2)] + [math.sqrt(p / 3) * on(wire, m) for m in pauli]
        return sum(k @ rho @ k.conj().T for k in ks)

    outs = []
    for b in range(x.shape[0]):
        amp = torch.cat([x[b].abs().double(), torch.zeros(d - x.shape[1], dtype=torch.float64)])
        psi = (amp / amp.norm()).to(c128)
        rho = torch.outer(psi, psi.conj())
        for layer in range(layers):
            for wire in range(n):
                c = torch.cos(w[layer, wire] / 2).to(c128)
                s = torch.sin(w[layer, wire] / 2).to(c128)
                rx = torch.stack([torch.stack([c, -1j * s]), torch.stack([-1j * s, c])])
                u = on(wire, rx)
                rho = channel(u @ rho @ u.conj().T, wire)
            ring = [(0, 1)] if n == 2 else ([(k, (k + 1) % n) for k in range(n)] if n > 2 else [])
            for cw, tw in ring:
                u = cnot(cw, tw)
                rho = channel(channel(u @ rho @ u.conj().T, cw), tw)
        diag = rho.diagonal().real
        outs.append(torch.stack([sum(diag[j] * (1 - 2 * ((j >> (n - 1 - k)) & 1)) for j in range(d)) for k in range(n)]))
    return torch.stack(outs)


def check_density(n, layers, p, gen):
    x = torch.rand(3, 2 ** n, generator=gen, dtype=torch.float64) + 0.1
    w = torch.rand(layers, n, generator=gen, dtype=torch.float64) * 6.283
    g = torch.randn(3, n, generator=gen, dtype=torch.float64)
    ref = outputs_and_grads(lambda a, b, e: dense_density_expvals(a, b, p), x, w, g, True)
    got = outputs_and_grads(lambda a, b, e: density_expvals(a, b, p), x, w, g, True)
    case = f"density, {n} qubits, {layers} layers, p={p}"
    for what, a, b in zip(("outputs", "input gradient", "weight gradient"), ref, got):
        err = (a - b).abs().max().item()
        assert err <= 1e-10, f"{case}: {what} differ from the dense Kraus sum by {err:.3g}"
    if p == 0:
        sv = unitary_expvals(x, w, True)
        assert (sv - got[0]).abs().max().item() <= 1e-10, f"{case}: differs from the statevector peer"
    assert got[0].std().item() > 1e-3, f"{case}: degenerate outputs"


def main():
    gen = torch.Generator().manual_seed(1)
    for n in (2, 3, 4):
        for layers in (1, 2):
            for p in (0.0, 0.05):
                check_density(n, layers, p, gen)
    cases = 0
    for dtype in (torch.float64, torch.float32):
        for n in (1, 2, 3, 4, 5):
            for layers in (1, 2, 3):
                for entangle in (True, False):
                    for features in sorted({2 ** n, max(2, 2 ** n - 3)}):
                        check_same(n, layers, features, entangle, dtype, gen)
                        cases += 1
    # The peer's hybrid models run the batched unitary, and so does a default QuantumLayer.
    assert QuantumLayer().expvals is unitary_expvals, "QuantumLayer() should run the batched unitary"
    assert QuantumLayer(method="gates").expvals is circuit_expvals
    assert build_model("mnist", "hybrid").qlayer.expvals is unitary_expvals, "the peer's hybrid is gate by gate"
    print(f"ok: {cases} circuits, batched unitary = gate by gate within {TOL:g} (outputs and both gradients); "
          "density-matrix peer = dense Kraus sum within 1e-10")


if __name__ == "__main__":
    main()
