"""fixtures_io.py — writes tensors in the text format that tests/fixtures.hpp reads."""
import torch


def write_fixtures(path, tensors, header=""):
    """tensors: dict name -> torch.Tensor (any float/int dtype); written as float64 text."""
    with open(path, "w") as f:
        for line in header.strip().splitlines():
            f.write("# " + line + "\n")
        for name, t in tensors.items():
            t = t.detach().to(torch.float64).contiguous()
            dims = " ".join(str(d) for d in t.shape)
            vals = " ".join(repr(float(v)) if v == v else "nan" for v in t.reshape(-1).tolist())
            f.write(f"{name} {t.dim()} {dims} {vals}\n".replace("  ", " "))
