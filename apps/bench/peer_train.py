"""peer_train.py - `torch_peer.py train`: the accuracy reference on the real Fashion-MNIST of Debian's
dataset-fashion-mnist, with the study's recipes, an 80/20 seeded split and the best epoch by
validation accuracy tested once.
"""
import gzip
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

from peer_measure import BATCH, peak_rss_mb
from peer_models import Normaliser, Recipe, build_model, count_parameters


def read_idx_gz(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = int.from_bytes(data[0:4], "big")
    if got != magic:
        raise SystemExit(f"torch_peer: error: {path}: magic {got}, expected {magic}")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    count = math.prod(dims)
    if len(data) - offset != count:
        raise SystemExit(f"torch_peer: error: {path}: {len(data) - offset} data bytes, header says {count}")
    return torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8).reshape(dims)


def load_fashion(folder):
    def one(prefix):
        x = read_idx_gz(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), 2051)
        y = read_idx_gz(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), 2049)
        return x.unsqueeze(1).contiguous(), y.to(torch.int64)
    return one("train"), one("t10k")


def random_affine(u8, g, degrees=5.0, translate=0.1):
    """RandomAffine(degrees, translate) per image, nearest neighbour, zero fill, in pixel space
    (torchvision's sampling: angle uniform in [-d, d], shifts rounded to whole pixels)."""
    b, _, h, w = u8.shape
    x = u8.to(torch.float32)
    angle = (torch.rand(b, generator=g) * 2 - 1) * degrees * math.pi / 180
    tx = torch.round((torch.rand(b, generator=g) * 2 - 1) * translate * w)
    ty = torch.round((torch.rand(b, generator=g) * 2 - 1) * translate * h)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # affine_grid maps output coords to input coords in [-1, 1]: the inverse of the image motion.
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos, sin
    theta[:, 1, 0], theta[:, 1, 1] = -sin, cos
    theta[:, 0, 2] = -(cos * tx * 2 / w + sin * ty * 2 / h)
    theta[:, 1, 2] = -(-sin * tx * 2 / w + cos * ty * 2 / h)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False).round_().to(torch.uint8)


def evaluate(model, norm, images, labels, loss_fn):
    model.eval()
    correct, total_loss = 0, 0.0
    with torch.inference_mode():
        for i in range(0, images.shape[0], 256):
            out = model(norm(images[i:i + 256]))
            y = labels[i:i + 256]
            total_loss += loss_fn(out, y).item() * y.shape[0]
            correct += (out.argmax(1) == y).sum().item()
    return correct / images.shape[0], total_loss / images.shape[0]


def train_one(variant, data, args):
    (train_x, train_y), (test_x, test_y) = data
    kind, quantum = {"hybrid": ("hybrid", "circuit"), "classical": ("classical", None),
                     "linear": ("hybrid", "linear"), "rotations": ("hybrid", "rotations")}[variant]
    torch.manual_seed(args.seed)
    model = build_model("fashion-mnist", kind, quantum or "circuit")
    params = count_parameters(model)
    g = torch.Generator().manual_seed(args.seed)
    n = train_x.shape[0] if args.limit is None else min(args.limit, train_x.shape[0])
    perm = torch.randperm(n, generator=g)
    n_val = int(round(n * 0.2))
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    tr_x, tr_y = train_x[tr_idx], train_y[tr_idx]
    va_x, va_y = train_x[val_idx], train_y[val_idx]
    steps_per_epoch = math.ceil(tr_x.shape[0] / BATCH)
    recipe = Recipe(model, kind, steps_per_epoch * args.epochs)
    norm = Normaliser("fashion-mnist")
    epochs, best, best_state, best_epoch = [], -1.0, None, 0
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(tr_x.shape[0], generator=g)
        total, count = 0.0, 0
        for i in range(0, order.shape[0], BATCH):
            idx = order[i:i + BATCH]
            if idx.shape[0] < 2:  # BatchNorm cannot train on a single sample
                continue
            u8 = tr_x[idx]
            if args.augment == "on":
                u8 = random_affine(u8, g)
            loss = recipe.step(norm(u8), tr_y[idx])
            total += loss.item() * idx.shape[0]
            count += idx.shape[0]
        val_acc, val_loss = evaluate(model, norm, va_x, va_y, recipe.loss)
        secs = time.perf_counter() - t0
        epochs.append({"epoch": epoch, "train_loss": total / count, "val_loss": val_loss,
                       "val_accuracy": val_acc, "seconds": secs})
        print(f"torch_peer: {variant} seed {args.seed} epoch {epoch}: train loss {total / count:.4f}, "
              f"val loss {val_loss:.4f}, val acc {val_acc:.4f}, {secs:.1f} s", file=sys.stderr, flush=True)
        if val_acc > best:
            best, best_epoch = val_acc, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    test_acc, test_loss = evaluate(model, norm, test_x, test_y, recipe.loss)
    print(f"torch_peer: {variant} seed {args.seed}: best epoch {best_epoch} (val acc {best:.4f}), "
          f"test acc {test_acc:.4f}, test loss {test_loss:.4f}", file=sys.stderr, flush=True)
    return {"model": variant, "dataset": "fashion-mnist", "seed": args.seed, "threads": args.threads,
            "parameters": params, "epochs": epochs, "best_epoch": best_epoch, "test_accuracy": test_acc,
            "test_loss": test_loss,
            "seconds_per_epoch": sum(e["seconds"] for e in epochs) / len(epochs),
            "peak_rss_mb": peak_rss_mb()}


def run_train(args):
    torch.set_num_threads(args.threads)
    data = load_fashion(args.data)
    runs = []
    for variant in [s.strip() for s in args.models.split(",") if s.strip()]:
        if variant not in ("hybrid", "classical", "linear", "rotations"):
            raise SystemExit(f"torch_peer: error: --models: unknown variant '{variant}' "
                             "(known: hybrid, classical, linear, rotations)")
        runs.append(train_one(variant, data, args))
    if args.json:
        print(json.dumps({"runs": runs}, indent=2))
    else:
        print(f"Fashion-MNIST, PyTorch {torch.__version__}, {args.epochs} epochs, seed {args.seed}, "
              f"{args.threads} thread(s)")
        print(f"{'model':<10} {'params':>8} {'best epoch':>10} {'val acc':>8} {'test acc':>8} {'s/epoch':>8}")
        for r in runs:
            val = r["epochs"][r["best_epoch"] - 1]["val_accuracy"]
            print(f"{r['model']:<10} {r['parameters']:>8} {r['best_epoch']:>10} {val:>8.4f} "
                  f"{r['test_accuracy']:>8.4f} {r['seconds_per_epoch']:>8.1f}")
