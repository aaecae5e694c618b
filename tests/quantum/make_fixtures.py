#!/usr/bin/env python3
"""Writes tests/fixtures/quantum/layer_reference.txt: the quantum layer computed independently.

A dense reference in PyTorch (complex128): every gate is a full 2^n x 2^n matrix built with
torch.kron (wire 0 leftmost), the template is their product in docs/quantum.md's order, and the gradients
with respect to the weights and the raw inputs come from torch.autograd through abs, zero padding
and normalisation -- PennyLane's backprop path, the one the original study used.

Run from the repository root:  /usr/bin/python3 tests/quantum/make_fixtures.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures_io import write_fixtures  # noqa: E402

torch.manual_seed(2026)
DT = torch.complex128
I2 = torch.eye(2, dtype=DT)
X = torch.tensor([[0, 1], [1, 0]], dtype=DT)
Y = torch.tensor([[0, -1j], [1j, 0]], dtype=DT)
Z = torch.tensor([[1, 0], [0, -1]], dtype=DT)
P0 = torch.tensor([[1, 0], [0, 0]], dtype=DT)
P1 = torch.tensor([[0, 0], [0, 1]], dtype=DT)


def rot(P, t):  # exp(-i t P / 2), differentiable in t
    return torch.cos(t / 2).to(DT) * I2 - 1j * torch.sin(t / 2).to(DT) * P


def on_wires(n, factors):
    m = torch.ones((1, 1), dtype=DT)
    for w in range(n):
        m = torch.kron(m, factors.get(w, I2))
    return m


def cnot(n, c, t):
    return on_wires(n, {c: P0}) + on_wires(n, {c: P1, t: X})


def template_unitary(n, layers, template, rotation, w):
    U = torch.eye(2 ** n, dtype=DT)
    for l in range(layers):
        if template == "basic":
            P = {"X": X, "Y": Y, "Z": Z}[rotation]
            for i in range(n):
                U = on_wires(n, {i: rot(P, w[l, i])}) @ U
            pairs = [] if n == 1 else [(0, 1)] if n == 2 else [(i, (i + 1) % n) for i in range(n)]
        else:
            for i in range(n):
                a, b, c = w[l, i, 0], w[l, i, 1], w[l, i, 2]
                U = on_wires(n, {i: rot(Z, c) @ rot(Y, b) @ rot(Z, a)}) @ U
            r = (l % (n - 1)) + 1 if n > 1 else 0
            pairs = [(i, (i + r) % n) for i in range(n)] if n > 1 else []
        for c, t in pairs:
            U = cnot(n, c, t) @ U
    return U


def layer(x, w, n, layers, template, rotation):
    B, K = x.shape
    v = torch.cat([x.abs(), torch.zeros(B, 2 ** n - K, dtype=x.dtype)], dim=1)
    psi0 = (v / v.norm(dim=1, keepdim=True)).to(DT)
    psi = psi0 @ template_unitary(n, layers, template, rotation, w).T
    probs = psi.abs() ** 2
    cols = []
    for k in range(n):
        sign = torch.tensor([1.0 - 2 * ((i >> (n - 1 - k)) & 1) for i in range(2 ** n)], dtype=torch.float64)
        cols.append(probs @ sign)
    return torch.stack(cols, dim=1)


CASES = [  # template, rotation, qubits, layers, batch, features
    ("basic", "X", 4, 2, 5, 16),
    ("basic", "X", 4, 2, 3, 10),
    ("basic", "Y", 3, 3, 2, 5),
    ("basic", "Z", 2, 1, 2, 4),
    ("basic", "X", 1, 2, 2, 2),
    ("basic", "X", 5, 2, 2, 32),
    ("strong", "-", 4, 2, 3, 16),
    ("strong", "-", 2, 3, 2, 3),
    ("strong", "-", 3, 1, 2, 8),
    ("strong", "-", 1, 2, 2, 2),
]


def main():
    # One group of tensors per case, named "case<i>-<template>-<rotation>/<field>"; the shapes give
    # the rest: x (B, K), w (L, n) or (L, n, 3), g and expval (B, n).
    out = {}
    for i, (template, rotation, n, L, B, K) in enumerate(CASES):
        x = (torch.rand(B, K, dtype=torch.float64) * 2 - 1).requires_grad_()
        shape = (L, n) if template == "basic" else (L, n, 3)
        w = (torch.rand(shape, dtype=torch.float64) * 2 * math.pi).requires_grad_()
        g = torch.rand(B, n, dtype=torch.float64) * 2 - 1
        e = layer(x, w, n, L, template, rotation)
        (e * g).sum().backward()
        for name, t in (("x", x), ("w", w), ("g", g), ("expval", e), ("grad_w", w.grad), ("grad_x", x.grad)):
            out[f"case{i}-{template}-{rotation}/{name}"] = t
    path = write_fixtures("quantum/layer_reference.txt", out,
                          header="quantum layer reference: written by tests/quantum/make_fixtures.py "
                                 f"(PyTorch {torch.__version__})")
    print("wrote", os.path.normpath(path), len(CASES), "cases")


if __name__ == "__main__":
    main()
