#!/usr/bin/env python3
"""Writes the fuzzers' starting inputs into tests/fuzz/seeds/<target>/ (run from the repository root).

Each seed is a small valid file of the format (the first byte of cifar/stl10/image seeds selects the
parser or channel count, as the targets read it), so the fuzzer starts from inputs that get deep.
"""
import gzip
import os
import struct
import zlib

ROOT = "tests/fuzz/seeds"


def put(target, name, data):
    os.makedirs(f"{ROOT}/{target}", exist_ok=True)
    with open(f"{ROOT}/{target}/{name}", "wb") as f:
        f.write(data)


images = struct.pack(">IIII", 2051, 2, 4, 4) + bytes(range(32))
labels = struct.pack(">II", 2049, 3) + bytes([0, 9, 4])
put("idx", "images", images)
put("idx", "labels", labels)
put("idx", "images.gz", gzip.compress(images, mtime=0))
put("idx", "labels.gz", gzip.compress(labels, mtime=0))
put("gzip", "labels.gz", gzip.compress(labels * 20, mtime=0))
put("gzip", "stored.gz", gzip.compress(bytes(300), compresslevel=0, mtime=0))
put("gzip", "named.gz", b"\x1f\x8b\x08\x1c\x00\x00\x00\x00\x00\x03" + b"\x03\x00abc" + b"f.idx\x00" + b"hi\x00"
    + zlib.compress(labels, 9)[2:-4] + struct.pack("<II", zlib.crc32(labels), len(labels)))

pixels = bytes((i * 7) % 256 for i in range(3072))
put("cifar", "cifar10", b"\x00" + bytes([3]) + pixels + bytes([9]) + pixels)
put("cifar", "cifar100", b"\x01" + bytes([19, 99]) + pixels)

put("stl10", "images", b"\x00" + bytes((i * 13) % 256 for i in range(27648)))
put("stl10", "labels", b"\x01" + bytes([1, 10, 5]))
put("stl10", "folds", b"\x02" + "".join(f"{i} {i + 10} {i + 20}\n" for i in range(10)).encode())


def png(w, h, color):
    comp = 3 if color else 1
    raw = b"".join(b"\x00" + bytes((x * 40 + y * 9 + c) % 256 for x in range(w) for c in range(comp)) for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2 if color else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def bmp(w, h):
    row = (3 * w + 3) // 4 * 4
    data = b"".join(bytes((x * 30 + y) % 256 for x in range(3 * w)) + bytes(row - 3 * w) for y in range(h))
    header = struct.pack("<2sIHHI", b"BM", 54 + len(data), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    return header + info + data


put("image", "gray.png", b"\x00" + png(5, 4, False))
put("image", "rgb.png", b"\x02" + png(6, 3, True))
put("image", "rgb.bmp", b"\x01" + bmp(3, 2))
put("image", "gray.pgm", b"\x00" + b"P5\n3 2\n255\n" + bytes([0, 50, 100, 150, 200, 250]))
