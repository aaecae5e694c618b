#!/usr/bin/python3
"""Writes the reference fixtures of the datasets tests (run from the repository root with Debian's
/usr/bin/python3, which has python3-torch):

  tests/fixtures/datasets/labels.deflate        raw deflate (zlib, wbits=-15) of a 10,008-byte IDX label file
  tests/fixtures/datasets/labels-idx1-ubyte.gz  the same file gzipped by Python's gzip module (mtime 0)
  tests/fixtures/datasets/resize.txt            PyTorch bilinear resizes (align_corners=False, no antialias)

The label values are label(i) = ((i * 2654435761) mod 2^32 >> 13) mod 10, which the C++ test recomputes.
"""
import gzip
import os
import struct
import zlib

import torch
import torch.nn.functional as F

OUT = "tests/fixtures/datasets"
os.makedirs(OUT, exist_ok=True)

n = 10000
labels = bytes((((i * 2654435761) & 0xFFFFFFFF) >> 13) % 10 for i in range(n))
idx = struct.pack(">II", 2049, n) + labels
c = zlib.compressobj(9, zlib.DEFLATED, -15)
with open(f"{OUT}/labels.deflate", "wb") as f:
    f.write(c.compress(idx) + c.flush())
with open(f"{OUT}/labels-idx1-ubyte.gz", "wb") as f:
    f.write(gzip.compress(idx, compresslevel=6, mtime=0))

# Input: a 2-channel 5 x 7 image with values v(c, y, x) = ((c * 35 + y * 7 + x) * 37 % 101) / 100.
inp = torch.tensor([[[((c * 35 + y * 7 + x) * 37 % 101) / 100.0 for x in range(7)] for y in range(5)]
                    for c in range(2)], dtype=torch.float64)
with open(f"{OUT}/resize.txt", "w") as f:
    f.write("# out_h out_w then the (2, out_h, out_w) values row-major; input in make_fixtures.py\n")
    for oh, ow in [(3, 4), (9, 11), (5, 7), (1, 1), (10, 3)]:
        out = F.interpolate(inp[None], size=(oh, ow), mode="bilinear", align_corners=False, antialias=False)[0]
        f.write(f"{oh} {ow}\n" + " ".join(f"{v:.17g}" for v in out.flatten().tolist()) + "\n")
