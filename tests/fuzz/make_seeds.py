#!/usr/bin/env python3
"""Writes the fuzzers' starting inputs into tests/fuzz/seeds/<target>/ (run from the repository root).

Each seed is a small valid input of the target (the first byte of cifar/stl10/image/classnames/
checkpoint seeds selects the parser, channel count, name count or mode, as the targets read it), so the
fuzzer starts from inputs that get deep. The JPEG and GIF images are encoded here by hand (baseline
JPEG with flat 8 x 8 blocks, GIF with a clear code before every pixel), so no imaging library is needed;
the progressive JPEG is the unit tests' Pillow-written fixture. Inputs the fuzzer once found crashing
are kept beside these as they were found (not written here).
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


def jpeg(levels):
    """An 8 x 8 baseline JPEG, one flat block per component (1 = gray, 3 = YCbCr) at the given levels."""
    dc_bits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]  # the standard luminance DC table
    codes, code, k = {}, 0, 0
    for length, count in enumerate(dc_bits, 1):
        for _ in range(count):
            codes[k] = format(code, f"0{length}b")
            code, k = code + 1, k + 1
        code <<= 1
    bits = ""
    for level in levels:
        d = 8 * (level - 128)  # the DC coefficient of a flat block (quantiser 1)
        cat = abs(d).bit_length()
        bits += codes[cat] + (format(d if d > 0 else d + (1 << cat) - 1, f"0{cat}b") if cat else "")
        bits += "0"  # end of block: the AC table's only code
    bits += "1" * (-len(bits) % 8)
    scan = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).replace(b"\xff", b"\xff\x00")
    def seg(marker, body):
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
    n = len(levels)
    sof = struct.pack(">BHHB", 8, 8, 8, n) + b"".join(bytes([i + 1, 0x11, 0]) for i in range(n))
    sos = bytes([n]) + b"".join(bytes([i + 1, 0x00]) for i in range(n)) + bytes([0, 63, 0])
    return (b"\xff\xd8" + seg(0xDB, b"\x00" + bytes([1] * 64)) + seg(0xC0, sof)
            + seg(0xC4, b"\x00" + bytes(dc_bits) + bytes(range(12)))
            + seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00") + seg(0xDA, sos) + scan + b"\xff\xd9")


def gif(w, h):
    """A w x h GIF with a 4-colour palette; LZW codes of 3 bits, a clear code before every pixel."""
    codes = []
    for y in range(h):
        for x in range(w):
            codes += [4, (x + y) % 4]
    codes.append(5)
    acc, nbits, data = 0, 0, bytearray()
    for c in codes:
        acc |= c << nbits
        nbits += 3
        while nbits >= 8:
            data.append(acc & 0xFF)
            acc, nbits = acc >> 8, nbits - 8
    if nbits:
        data.append(acc)
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255))
    palette = bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255])
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0x91, 0, 0) + palette
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x02" + blocks + b"\x00\x3b")


put("image", "gray.jpg", b"\x00" + jpeg([200]))
put("image", "ycbcr.jpg", b"\x02" + jpeg([120, 90, 170]))
put("image", "palette.gif", b"\x02" + gif(5, 3))
with open("tests/fixtures/datasets/jpeg/rgb-progressive.jpg", "rb") as f:
    put("image", "progressive.jpg", b"\x02" + f.read())

put("classnames", "cifar10", b"\x0a" + b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n")
put("classnames", "crlf", b"\x02" + b"  first class \r\nsecond\r\n")


def folder(channels, resize, classes):
    """fuzz_folder's input: file bytes from the front (FuzzedDataProvider strings, ending in a
    backslash and another byte), the choices from the back (read last byte first)."""
    front, back = b"", [[0, 1, 3, 2].index(channels)]
    if resize:
        back += [1, resize[0] + 1, resize[1] + 1]
    else:
        back += [0]
    back.append(len(classes))
    for files in classes:
        back.append(len(files))
        for f in files:
            front += f.replace(b"\\", b"\\\\") + b"\\n"
    return front + bytes(reversed(back))


put("folder", "same-size", folder(0, None, [[png(8, 8, False), jpeg([40])], [gif(8, 8), jpeg([60, 128, 128])]]))
put("folder", "resized", folder(1, (6, 5), [[png(5, 4, True)], [bmp(3, 2), gif(4, 7)]]))

put("cli", "flags", b"\0".join([b"--epochs", b"12", b"--lr=0.5", b"--json", b"--model", b"hybrid", b"--eps", b"0,0.1,0.3"]))
put("cli", "positional", b"\0".join([b"--model=classical", b"a.png", b"--", b"b.png"]))


def checkpoint_payload(config, tensors):
    out = struct.pack("<I", len(config)) + config + struct.pack("<I", len(tensors))
    for name, dtype, sizes, data in tensors:
        out += struct.pack("<H", len(name)) + name + bytes([dtype, len(sizes)])
        out += b"".join(struct.pack("<q", s) for s in sizes) + data
    return out


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


config = b'{"model":"hybrid","dataset":"mnist","quantum":"circuit","qubits":4,"classes":10,"input":[1,28,28]}'
payload = checkpoint_payload(config, [(b"fc.weight", 0, [2, 3], struct.pack("<6f", *range(6))),
                                      (b"bn.num_batches_tracked", 2, [], struct.pack("<q", 7)),
                                      (b"mask", 3, [4], bytes([1, 0, 1, 1]))])
put("checkpoint", "file", b"\x00" + b"HQCCKPT\0" + struct.pack("<IIQ", 1, 0, len(payload)) + payload
    + struct.pack("<Q", fnv1a(payload)))
put("checkpoint", "payload", b"\x01" + payload)
put("checkpoint", "config", b"\x02" + config)


def safetensors(header, data):
    text = header.encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


st_header = ('{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},'
             '"h":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]},'
             '"d":{"dtype":"F16","shape":[1],"data_offsets":[28,30]},'
             '"n":{"dtype":"I64","shape":[],"data_offsets":[30,38]},'
             '"__metadata__":{"model":"hybrid","names":"original"}}')
st_data = struct.pack("<6f", *range(6)) + struct.pack("<3H", 0x3F80, 0xC040, 0x3C00) + struct.pack("<q", 7)
put("safetensors", "file", b"\x00" + safetensors(st_header, st_data))
put("safetensors", "header", b"\x01" + st_header.encode())
