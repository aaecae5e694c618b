#!/usr/bin/python3
"""apps/bench/blas_check.py tells a weakened BLAS from the best one: the CPU's widest instructions
from its flags, the BLAS a process mapped (reference, OpenBLAS with its core), and a warning exactly
when the peer runs the reference BLAS or OpenBLAS kernels narrower than the CPU runs. Standard
library only (the OpenBLAS case runs when Debian's libopenblas0-pthread is installed).

    python3 tests/apps/test_blas_check.py
"""
import atexit
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps", "bench"))
import blas_check  # noqa: E402

OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"
MAPS_LINE = "7f00a0000000-7f00a0100000 r-xp 00000000 08:01 1234                       {}\n"


TMP = tempfile.mkdtemp(prefix="blas_check.")
atexit.register(shutil.rmtree, TMP, True)


def write(text):
    path = os.path.join(TMP, f"{len(os.listdir(TMP))}.txt")
    with open(path, "w") as f:
        f.write(text)
    return path


def check(cond, what):
    if not cond:
        sys.exit(f"FAILED: {what}")


def main():
    flags = "fpu sse sse2 avx avx2 fma"
    check(blas_check.cpu_isa(write(f"model name\t: x\nflags\t\t: {flags}\n")) == "avx2", "avx2 CPU")
    check(blas_check.cpu_isa(write(f"flags\t\t: {flags} avx512f avx512cd avx512bw avx512dq avx512vl\n")) == "avx512",
          "AVX-512 CPU")
    check(blas_check.cpu_isa(write(f"flags\t\t: {flags} avx512f\n")) == "avx2", "avx512f alone is not SkylakeX's set")
    check(blas_check.cpu_isa("/nonexistent/cpuinfo") == "unknown", "no cpuinfo")

    haswell = {"library": OPENBLAS, "kind": "openblas", "core": "Haswell", "config": ""}
    cooper = dict(haswell, core="Cooperlake")
    w = blas_check.warnings(haswell, "avx512")
    check(len(w) == 1 and "Haswell" in w[0] and "OPENBLAS_CORETYPE" in w[0], f"Haswell on AVX-512 warns: {w}")
    check(blas_check.warnings(cooper, "avx512") == [], "Cooperlake on AVX-512 is the best")
    check(blas_check.warnings(haswell, "avx2") == [], "Haswell on an AVX2 CPU is the best")
    check(blas_check.warnings(dict(haswell, core="Prescott"), "avx2") != [], "SSE kernels on AVX2 warn")
    check(blas_check.warnings(haswell, "unknown") == [], "no warning when the CPU is unknown")
    check(blas_check.warnings(None, "avx512") != [], "an unreported BLAS warns")

    ref = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"
    maps = write(MAPS_LINE.format("/usr/lib/x86_64-linux-gnu/libc.so.6") + MAPS_LINE.format(ref) * 2)
    b = blas_check.loaded_blas(maps)
    check(b["kind"] == "reference" and b["library"] == ref, f"reference BLAS found: {b}")
    w = blas_check.warnings(b, "avx512")
    check(len(w) == 1 and "reference" in w[0] and "libopenblas0-pthread" in w[0], f"reference BLAS warns: {w}")
    b = blas_check.loaded_blas(write(MAPS_LINE.format("/usr/lib/x86_64-linux-gnu/libc.so.6")))
    check(b["kind"] == "none" and blas_check.warnings(b, "avx512") != [], f"no BLAS mapped: {b}")

    if os.path.exists(OPENBLAS):
        lib = os.path.join(os.path.dirname(OPENBLAS), "libopenblasp-r0.3.21.so")
        b = blas_check.loaded_blas(write(MAPS_LINE.format(lib) + MAPS_LINE.format(OPENBLAS)))
        check(b["kind"] == "openblas" and b["library"] == OPENBLAS, f"OpenBLAS found, libblas first: {b}")
        check(b["core"] and b["config"].startswith("OpenBLAS"), f"OpenBLAS reports its core and config: {b}")
        print(f"ok (this machine: {blas_check.describe(b)}, CPU {blas_check.cpu_isa()})")
    else:
        print(f"ok (OpenBLAS case not run: no {OPENBLAS})")


if __name__ == "__main__":
    main()
