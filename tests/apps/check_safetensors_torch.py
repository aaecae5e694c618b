#!/usr/bin/python3
"""check_safetensors_torch.py - an `hqc export --names original` file in the original's PyTorch modules.

Loads W.safetensors (read here with struct + json: Debian's python3-torch has no safetensors package)
into the original study's module (apps/bench/peer_models.py: classical_net / feature_reducer / qlayer
/ head, or conv_net / head) with load_state_dict(strict=True), runs it in eval mode on the images of
tests/fixtures/apps/safetensors.txt normalised with the dataset's constants, and compares its logits
with hqc's (print_logits' lines, the same images as PNG files). Exit 1 on any difference above the
tolerance, with the largest one printed.

Usage: check_safetensors_torch.py W.safetensors MODEL DATASET HQC_LOGITS.txt
"""
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "apps", "bench"))
from peer_models import DATASETS, build_model  # noqa: E402

TORCH_DTYPES = {"F32": torch.float32, "I64": torch.int64}
ATOL = 1e-5


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    state = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=TORCH_DTYPES[info["dtype"]]) if e > b else \
            torch.zeros(0, dtype=TORCH_DTYPES[info["dtype"]])
        state[name] = t.reshape(info["shape"])
    return state, meta


def fixture_images():
    with open(os.path.join(ROOT, "tests", "fixtures", "apps", "safetensors.txt")) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "images":
                ndim = int(parts[1])
                shape = [int(d) for d in parts[2:2 + ndim]]
                return torch.tensor([float(v) for v in parts[2 + ndim:]]).reshape(shape)
    raise SystemExit("check_safetensors_torch: no images in tests/fixtures/apps/safetensors.txt")


def main():
    path, model_kind, dataset, hqc_logits = sys.argv[1:5]
    state, meta = read_safetensors(path)
    if meta.get("names") != "original" or meta.get("model") != model_kind:
        raise SystemExit(f"check_safetensors_torch: {path}: metadata {meta} is not an original-named {model_kind}")
    model = build_model(dataset, model_kind)
    model.load_state_dict(state, strict=True)  # every name and shape, nothing missing or extra
    model.eval()
    spec = DATASETS[dataset]
    images = fixture_images()  # (N, 28, 28) uint8 values
    x = (images.unsqueeze(1).to(torch.float32) / 255.0 - spec["mean"][0]) * (1.0 / spec["std"][0])
    with torch.no_grad():
        torch_logits = model(x)
    with open(hqc_logits) as f:
        ours = torch.tensor([[float(v) for v in line.split()] for line in f if line.strip()])
    if ours.shape != torch_logits.shape:
        raise SystemExit(f"check_safetensors_torch: hqc gave {tuple(ours.shape)} logits, PyTorch {tuple(torch_logits.shape)}")
    worst = (ours - torch_logits).abs().max().item()
    print(f"{model_kind}: {len(state)} tensors loaded strictly; largest logit difference hqc - PyTorch {worst:.3g}"
          f" (logits up to {torch_logits.abs().max().item():.3g})")
    if worst > ATOL:
        print(f"FAIL: {model_kind}: hqc's logits differ from PyTorch's by {worst:.3g} > {ATOL}")
        sys.exit(1)


if __name__ == "__main__":
    main()
