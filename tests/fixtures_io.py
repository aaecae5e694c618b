"""fixtures_io.py - the one writer of the reference fixtures under tests/fixtures/: every
make_fixtures.py under tests/ writes through it, and tests/fixtures.hpp is the one reader.

Tensor files: one tensor per line, `<name> <ndim> <d0> ... <v0> <v1> ...`, values row-major as the
shortest decimal that reads back as the same float64 (repr: "nan", "inf" and "-inf" included),
'#' lines are comments. Byte files (inputs of the decompressors' tests) are written as given.

Values that go through a matrix product (matmul, conv, linear, the quantum layer's dense unitaries)
depend on the BLAS in their last bits. The committed files were computed with Debian's OpenBLAS
(libopenblas0-pthread) on its Haswell kernels; to regenerate them bit for bit elsewhere run the
scripts with OPENBLAS_CORETYPE=Haswell (the reference libblas3 or the SkylakeX kernels round
differently, well inside the tests' tolerances).
"""
import os

import torch

FIXTURES_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))


def _target(relative_path):
    path = os.path.join(FIXTURES_DIR, relative_path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write_fixtures(relative_path, tensors, header=""):
    """Writes tests/fixtures/<relative_path>. tensors: dict name -> torch.Tensor or number (any real
    dtype, written as float64), in the order the file keeps. Returns the path written."""
    path = _target(relative_path)
    with open(path, "w") as f:
        for line in header.strip().splitlines():
            f.write("# " + line + "\n")
        for name, t in tensors.items():
            if not name or any(ch.isspace() for ch in name):
                raise ValueError(f"fixture name {name!r}: names must be non-empty and hold no whitespace")
            t = torch.as_tensor(t).detach().to(torch.float64).contiguous()
            parts = [name, str(t.dim())] + [str(d) for d in t.shape]
            parts += [repr(float(v)) for v in t.reshape(-1).tolist()]
            f.write(" ".join(parts) + "\n")
    return path


def write_bytes(relative_path, data):
    """Writes tests/fixtures/<relative_path> with the bytes `data`. Returns the path written."""
    path = _target(relative_path)
    with open(path, "wb") as f:
        f.write(data)
    return path
