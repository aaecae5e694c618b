"""blas_check.py - which BLAS library a process has loaded, which of its kernels run, and whether
that is the best this CPU can run: the PyTorch peer reports it (machine.blas) and
tools/bench_compare.py warns when the peer runs below its best. Standard library only.

Debian's python3-torch takes its BLAS from the libblas.so.3 alternative: with only libblas3 (the
reference Fortran BLAS) installed, torch.mm and the linear layers run at 2-6 GFLOP/s instead of
OpenBLAS's 50-170. OpenBLAS picks its kernels (its "core") from cpuid at load time unless
OPENBLAS_CORETYPE names one: OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU runs the AVX2 kernels at
about half the speed. Either makes every ratio against the peer look better than it is.
"""
import ctypes
import os

# OpenBLAS cores (openblas_get_corename, any case) by the widest vector instructions their kernels
# use; a core not listed counts as "sse".
_CORE_ISA = {
    "skylakex": "avx512", "cooperlake": "avx512", "sapphirerapids": "avx512",
    "haswell": "avx2", "zen": "avx2",
    "sandybridge": "avx", "bulldozer": "avx", "piledriver": "avx", "steamroller": "avx", "excavator": "avx",
}
_ISA_RANK = {"sse": 0, "avx": 1, "avx2": 2, "avx512": 3}
# What OpenBLAS's SkylakeX kernels need (its cpuid test).
_AVX512_FLAGS = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def cpu_isa(cpuinfo="/proc/cpuinfo"):
    """The widest of sse, avx, avx2, avx512 that this CPU runs (from the flags line of cpuinfo)."""
    flags = set()
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        return "unknown"
    if _AVX512_FLAGS <= flags:
        return "avx512"
    if {"avx2", "fma"} <= flags:
        return "avx2"
    return "avx" if "avx" in flags else "sse"


def core_isa(core):
    return _CORE_ISA.get((core or "").lower(), "sse")


def _mapped_libraries(maps):
    """Paths of the BLAS-like shared libraries in a /proc/PID/maps file, libblas* first."""
    paths = []
    with open(maps) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[5].startswith("/"):
                base = os.path.basename(parts[5]).lower()
                if ("blas" in base or "mkl" in base or "blis" in base) and parts[5] not in paths:
                    paths.append(parts[5])
    return sorted(paths, key=lambda p: not os.path.basename(p).startswith("libblas"))


def _openblas(path):
    """(core, config) when the library at `path` exports OpenBLAS's introspection calls, else None."""
    try:
        lib = ctypes.CDLL(path)
        corename, config = lib.openblas_get_corename, lib.openblas_get_config
    except (OSError, AttributeError):
        return None
    corename.restype = config.restype = ctypes.c_char_p
    return corename().decode(errors="replace"), config().decode(errors="replace").strip()


def loaded_blas(maps="/proc/self/maps"):
    """The BLAS this process has loaded (call it after the library ran a matrix product):
    {"library": path, "kind": "openblas" | "mkl" | "blis" | "reference" | "none", "core", "config"}
    with core and config from OpenBLAS (None for the others)."""
    paths = _mapped_libraries(maps)
    for p in paths:
        got = _openblas(p)
        if got:
            return {"library": p, "kind": "openblas", "core": got[0], "config": got[1]}
    for p in paths:
        base = os.path.basename(p).lower()
        kind = "mkl" if "mkl" in base else "blis" if "blis" in base else "reference" if "blas" in base else None
        if kind:
            return {"library": p, "kind": kind, "core": None, "config": None}
    return {"library": None, "kind": "none", "core": None, "config": None}


def describe(blas):
    """One line: "OpenBLAS Cooperlake (avx512 kernels), /usr/lib/.../libblas.so.3"."""
    if not blas:
        return "BLAS not reported"
    if blas.get("kind") == "openblas":
        return f"OpenBLAS {blas.get('core')} ({core_isa(blas.get('core'))} kernels), {blas.get('library')}"
    return f"{blas.get('kind')} BLAS, {blas.get('library')}"


def warnings(blas, cpu):
    """What makes this BLAS slower than the CPU allows, as sentences (empty when nothing does)."""
    if not blas:
        return ["the peer did not report its BLAS (machine.blas): it may be running the reference BLAS"]
    kind = blas.get("kind")
    if kind == "reference":
        return [f"the peer runs the reference BLAS ({blas.get('library')}): its GEMMs and linear layers run "
                "at a few GFLOP/s; install libopenblas0-pthread (apt-get install -y libopenblas0-pthread)"]
    if kind == "none":
        return ["no BLAS library is mapped in the peer's process; its GEMM figures are unexplained"]
    if kind == "openblas":
        have = core_isa(blas.get("core"))
        if cpu in _ISA_RANK and _ISA_RANK[have] < _ISA_RANK[cpu]:
            return [f"the peer's OpenBLAS runs its {blas.get('core')} kernels ({have}) on a CPU that runs {cpu}: "
                    "OPENBLAS_CORETYPE in the environment, or an OpenBLAS without that core, slows PyTorch's "
                    "GEMMs (run the peer with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`)"]
    return []
