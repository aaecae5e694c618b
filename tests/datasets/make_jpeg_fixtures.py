#!/usr/bin/python3
"""Writes the JPEG fixtures of tests/datasets/test_images.cpp with Pillow (libjpeg), an encoder and
decoder independent of stb (run from the repository root with Debian's /usr/bin/python3):

  tests/fixtures/datasets/jpeg/rgb-baseline.jpg     16 x 12 RGB, baseline, 4:2:0, quality 90
  tests/fixtures/datasets/jpeg/rgb-progressive.jpg  the same image, progressive
  tests/fixtures/datasets/jpeg/gray-baseline.jpg    its luma, one component
  tests/fixtures/datasets/jpeg.txt                  libjpeg's decoding of each, as uint8 (C, H, W)
                                                    tensors "rgb_baseline", "rgb_progressive", "gray_baseline"

The image is v(x, y, c) = x * 8 + y * 5 + c * 40, a smooth ramp (at most 255): on it
stb's decoding equals libjpeg's exactly (on sharp edges the two may round a level apart).
"""
import io
import os
import sys

import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures_io import write_bytes, write_fixtures  # noqa: E402

W, H = 16, 12
rgb = Image.new("RGB", (W, H))
rgb.putdata([tuple(x * 8 + y * 5 + c * 40 for c in range(3)) for y in range(H) for x in range(W)])

decoded = {}
for name, image, options in [("rgb_baseline", rgb, {}),
                             ("rgb_progressive", rgb, {"progressive": True}),
                             ("gray_baseline", rgb.convert("L"), {})]:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=90, subsampling=2, **options)
    data = buf.getvalue()
    write_bytes("datasets/jpeg/" + name.replace("_", "-") + ".jpg", data)
    back = Image.open(io.BytesIO(data))
    back.load()
    t = torch.tensor(list(back.getdata()), dtype=torch.float64).reshape(H, W, -1).permute(2, 0, 1)
    decoded[name] = t

write_fixtures("datasets/jpeg.txt", decoded, header="libjpeg's (Pillow) decoding of tests/fixtures/datasets/jpeg/*.jpg, (C, H, W)")
