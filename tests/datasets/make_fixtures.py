#!/usr/bin/python3
"""Writes the reference fixtures of the datasets tests (run from the repository root with Debian's
/usr/bin/python3, which has python3-torch):

  tests/fixtures/datasets/labels.deflate        raw deflate (zlib, wbits=-15) of a 10,008-byte IDX label file
  tests/fixtures/datasets/labels-idx1-ubyte.gz  the same file gzipped by Python's gzip module (mtime 0)
  tests/fixtures/datasets/resize.txt            PyTorch bilinear resizes (align_corners=False, no antialias),
                                                one tensor "resize_<out_h>x<out_w>" of shape (2, out_h, out_w) each

All of them are written through tests/fixtures_io.py (resize.txt in the format tests/fixtures.hpp reads).

The label values are label(i) = ((i * 2654435761) mod 2^32 >> 13) mod 10, which the C++ test recomputes.
"""
import gzip
import os
import struct
import sys
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures_io import write_bytes, write_fixtures  # noqa: E402

n = 10000
labels = bytes((((i * 2654435761) & 0xFFFFFFFF) >> 13) % 10 for i in range(n))
idx = struct.pack(">II", 2049, n) + labels
c = zlib.compressobj(9, zlib.DEFLATED, -15)
write_bytes("datasets/labels.deflate", c.compress(idx) + c.flush())
write_bytes("datasets/labels-idx1-ubyte.gz", gzip.compress(idx, compresslevel=6, mtime=0))

# Input: a 2-channel 5 x 7 image with values v(c, y, x) = ((c * 35 + y * 7 + x) * 37 % 101) / 100.
inp = torch.tensor([[[((c * 35 + y * 7 + x) * 37 % 101) / 100.0 for x in range(7)] for y in range(5)]
                    for c in range(2)], dtype=torch.float64)
resized = {}
for oh, ow in [(3, 4), (9, 11), (5, 7), (1, 1), (10, 3)]:
    resized[f"resize_{oh}x{ow}"] = F.interpolate(inp[None], size=(oh, ow), mode="bilinear", align_corners=False,
                                                 antialias=False)[0]
write_fixtures("datasets/resize.txt", resized,
               header="bilinear resizes of the (2, 5, 7) input in tests/datasets/make_fixtures.py, "
                      f"torch {torch.__version__}")
