#!/usr/bin/python3
"""The PyTorch peer's two quantum layers (apps/bench/quantum_torch.py) compute the same function:
the batched unitary (what the peer's models run) against gate by gate, outputs and gradients to the
inputs and the weights, within 1e-5, for 1 to 5 qubits, 1 to 3 layers, with and without the CNOT
ring, padded and full inputs, in float64 and float32. Exits 77 (CTest: skipped) when this python
has no torch.

    /usr/bin/python3 tests/apps/test_quantum_torch.py
"""
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


def main():
    gen = torch.Generator().manual_seed(1)
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
    print(f"ok: {cases} circuits, batched unitary = gate by gate within {TOL:g} (outputs and both gradients)")


if __name__ == "__main__":
    main()
