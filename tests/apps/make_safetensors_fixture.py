#!/usr/bin/python3
"""make_safetensors_fixture.py - PyTorch weights for `hqc import`'s tests, and what PyTorch computes
with them.

Builds the original study's PyTorch modules for the MNIST-shaped hybrid and classical models (the
nn.Sequential layouts of its code, as apps/bench/peer_models.py holds them: classical_net,
feature_reducer, qlayer, head; conv_net, head; the quantum layer as batched torch ops from
apps/bench/quantum_torch.py), gives every parameter AND every BatchNorm running statistic a random
value, and writes, under tests/fixtures/apps/safetensors/:
  hybrid.safetensors     the hybrid's state_dict as BF16 (num_batches_tracked I64), with __metadata__
                         naming the model (model, dataset, quantum, qubits), as `hqc export` writes it
  classical.safetensors  the classical model's state_dict as F16, without metadata (import needs flags)
  img0.png ... img4.png  the first five Fashion-MNIST test images (8-bit grey PNG)
and tests/fixtures/apps/safetensors.txt: those images (uint8), and per model the logits and softmax
of the module in eval mode on them, normalised as hqc normalises Fashion-MNIST ((x/255 - 0.2860) /
0.3530). The weights are rounded to BF16 / F16 before the forward pass, so PyTorch computes with
exactly the values the files hold. Half-width files keep the fixture under 1 MB.

The safetensors files are written here with struct + json (Debian's python3-torch has no safetensors
package): u64 header size, JSON header padded with spaces to a multiple of 8, raw little-endian data.

Run: /usr/bin/python3 tests/apps/make_safetensors_fixture.py
"""
import gzip
import json
import os
import struct
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "apps", "bench"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from fixtures_io import FIXTURES_DIR, write_fixtures  # noqa: E402
from peer_models import Classical, Hybrid  # noqa: E402

IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
MEAN, STD = 0.2860, 0.3530
COUNT = 5
OUT = os.path.join(FIXTURES_DIR, "apps", "safetensors")

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
          torch.int64: "I64"}


def safetensors_bytes(tensors, metadata=None):
    """tensors: dict name -> torch.Tensor; returns the file's bytes."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype in (torch.float16, torch.bfloat16) \
            else t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def png_bytes(img):
    """img: (H, W) uint8 tensor -> an 8-bit greyscale PNG."""
    h, w = img.shape
    rows = b"".join(b"\x00" + bytes(img[r].tolist()) for r in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def randomise(model, gen):
    """Random parameters and BatchNorm running statistics (the default init leaves BatchNorm at 1, 0)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("qlayer.weights"):
                p.copy_(torch.rand(p.shape, generator=gen) * 2 * torch.pi)
            elif p.dim() == 1 and "weight" in name:  # BatchNorm scale
                p.copy_(0.5 + torch.rand(p.shape, generator=gen))
            elif p.dim() == 1:  # biases, BatchNorm shift
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.3 * torch.randn(b.shape, generator=gen))
            elif name.endswith("running_var"):
                b.copy_(0.5 + 1.5 * torch.rand(b.shape, generator=gen))
            elif name.endswith("num_batches_tracked"):
                b.fill_(int(torch.randint(1, 10000, (1,), generator=gen)))


def stored(model, dtype):
    """The state_dict as the file stores it, and the model set to exactly those values."""
    state = {}
    for name, t in model.state_dict().items():
        state[name] = t.clone() if t.dtype == torch.int64 else t.to(dtype)
    model.load_state_dict({n: (t if t.dtype == torch.int64 else t.to(torch.float32)) for n, t in state.items()})
    return state


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2025)
    with gzip.open(IMAGES, "rb") as f:
        raw = f.read()
    magic, n, h, w = struct.unpack(">IIII", raw[:16])
    assert magic == 2051 and (h, w) == (28, 28), "not an IDX image file"
    images = torch.frombuffer(bytearray(raw[16:16 + COUNT * h * w]), dtype=torch.uint8).reshape(COUNT, 1, h, w)
    x = (images.to(torch.float32) / 255.0 - MEAN) * (1.0 / STD)

    os.makedirs(OUT, exist_ok=True)
    for i in range(COUNT):
        with open(os.path.join(OUT, f"img{i}.png"), "wb") as f:
            f.write(png_bytes(images[i, 0]))
    fixtures = {"images": images.reshape(COUNT, h, w)}
    specs = [("hybrid", Hybrid("fashion-mnist"), torch.bfloat16,
              {"format": "pt", "model": "hybrid", "dataset": "fashion-mnist", "quantum": "circuit", "qubits": "4"}),
             ("classical", Classical("fashion-mnist"), torch.float16, None)]
    for kind, model, dtype, meta in specs:
        randomise(model, gen)
        state = stored(model, dtype)
        model.eval()
        with torch.no_grad():
            logits = model(x)
        with open(os.path.join(OUT, f"{kind}.safetensors"), "wb") as f:
            f.write(safetensors_bytes(state, meta))
        fixtures[f"{kind}/logits"] = logits
        fixtures[f"{kind}/softmax"] = torch.softmax(logits, dim=1)
    path = write_fixtures("apps/safetensors.txt", fixtures, header=(
        "tests/apps/make_safetensors_fixture.py: the first five Fashion-MNIST test images, and the logits and\n"
        "softmax of the original's PyTorch modules (eval mode) with the weights of safetensors/*.safetensors"))
    print("wrote", path, "and", OUT)


if __name__ == "__main__":
    main()
