"""peer_models.py - the PyTorch side's models and recipes for torch_peer.py: the study's datasets as
the models see them, the six models of docs/study.md (parameter counts fixed there), the training
recipes of the original and the input normalisation. The quantum layer is apps/bench/quantum_torch.py.
"""
import torch
import torch.nn as nn

from quantum_torch import QuantumLayer

# Datasets as the models see them: (channels, height, width), classes, normalisation of pixel/255.
DATASETS = {
    "mnist": dict(shape=(1, 28, 28), classes=10, mean=(0.1307,), std=(0.3081,)),
    "fashion-mnist": dict(shape=(1, 28, 28), classes=10, mean=(0.2860,), std=(0.3530,)),
    "cifar100": dict(shape=(3, 32, 32), classes=100, mean=(0.5071, 0.4865, 0.4409),
                     std=(0.2673, 0.2564, 0.2762)),
    "stl10": dict(shape=(3, 96, 96), classes=10, mean=(0.4467, 0.4398, 0.4066),
                  std=(0.2603, 0.2566, 0.2713)),
}

# The six benchmarked models, in the order of docs/study.md's results table, with the parameter counts
# docs/study.md fixes (BatchNorm weights and biases and the 8 circuit weights included).
MODELS = [
    ("mnist-hybrid", "mnist", "hybrid", 142530),
    ("mnist-classical", "mnist", "classical", 151754),
    ("cifar100-hybrid", "cifar100", "hybrid", 1164796),
    ("cifar100-classical", "cifar100", "classical", 1710436),
    ("stl10-hybrid", "stl10", "hybrid", 4603298),
    ("stl10-classical", "stl10", "classical", 1687306),
]


# The models of docs/study.md (the authors' code: conv 3x3 pad 1 -> BatchNorm2d -> ReLU [-> MaxPool2d(2)]).

def _conv_block(cin, cout, pool):
    layers = [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return layers


class Hybrid(nn.Module):
    def __init__(self, dataset, quantum="circuit"):
        super().__init__()
        spec = DATASETS[dataset]
        cin, classes = spec["shape"][0], spec["classes"]
        if spec["shape"][1] == 28:
            widths, pools, hidden = [16, 32], [True, True], 256
        elif spec["shape"][1] == 32:
            widths, pools, hidden = [32, 64, 128], [True, True, False], 512
        else:
            widths, pools, hidden = [32, 64, 128, 256], [True, True, True, False], 1024
        layers, c = [], cin
        for w, p in zip(widths, pools):
            layers += _conv_block(c, w, p)
            c = w
        layers.append(nn.AdaptiveAvgPool2d((4, 4)))
        self.classical_net = nn.Sequential(*layers)
        self.feature_reducer = nn.Sequential(nn.Linear(c * 16, hidden), nn.ReLU(), nn.Linear(hidden, 16),
                                             nn.Softmax(dim=1))
        if quantum == "circuit":
            self.qlayer = QuantumLayer(4, 2, entangle=True)
        elif quantum == "rotations":
            self.qlayer = QuantumLayer(4, 2, entangle=False)
        elif quantum == "linear":
            self.qlayer = nn.Linear(16, 4)
        else:
            raise ValueError(f"unknown --quantum {quantum}")
        self.head = nn.Sequential(nn.Linear(4, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3),
                                  nn.Linear(128, classes))

    def forward(self, x):
        x = self.classical_net(x).flatten(1)
        return self.head(self.qlayer(self.feature_reducer(x)))


class Classical(nn.Module):
    def __init__(self, dataset):
        super().__init__()
        spec = DATASETS[dataset]
        cin, classes = spec["shape"][0], spec["classes"]
        if spec["shape"][1] == 28:
            widths, pools, avg, hidden, drop = [32, 64], [True, True], 4, 128, 0.3
        else:
            widths, pools, avg, hidden = [64, 128, 256, 512], [True, True, True, False], 1, 256
            drop = 0.3 if spec["shape"][1] == 32 else 0.4
        layers, c = [], cin
        for w, p in zip(widths, pools):
            layers += _conv_block(c, w, p)
            c = w
        layers.append(nn.AdaptiveAvgPool2d((avg, avg)))
        self.conv_net = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(c * avg * avg, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                  nn.Dropout(drop), nn.Linear(hidden, classes))

    def forward(self, x):
        return self.head(self.conv_net(x).flatten(1))


def build_model(dataset, kind, quantum="circuit"):
    return Hybrid(dataset, quantum) if kind == "hybrid" else Classical(dataset)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------------------------
# Recipes of the original (docs/study.md): cross-entropy with label smoothing 0.1; hybrid: AdamW 1e-3,
# wd 0.01, OneCycleLR(max 2e-3, pct 0.3) per batch, clip grad norm 1.0; classical: Adam 3e-3, wd 5e-3
# (coupled L2), CosineAnnealingWarmRestarts(T_0=5, T_mult=1, eta_min=1e-5) stepped per batch.

class Recipe:
    def __init__(self, model, kind, total_steps):
        self.model, self.kind = model, kind
        self.loss = nn.CrossEntropyLoss(label_smoothing=0.1)
        if kind == "hybrid":
            self.opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
            self.sched = torch.optim.lr_scheduler.OneCycleLR(self.opt, max_lr=2e-3, total_steps=total_steps,
                                                             pct_start=0.3)
        else:
            self.opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=5e-3)
            self.sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(self.opt, T_0=5, T_mult=1,
                                                                              eta_min=1e-5)

    def step(self, x, y):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(self.model(x), y)
        loss.backward()
        if self.kind == "hybrid":
            nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=1.0)
        self.opt.step()
        self.sched.step()
        return loss


class Normaliser:
    """uint8 (B, C, H, W) -> float32 (pixel/255 - mean) / std, per channel."""

    def __init__(self, dataset):
        spec = DATASETS[dataset]
        c = spec["shape"][0]
        self.mean = torch.tensor(spec["mean"], dtype=torch.float32).view(1, c, 1, 1)
        self.std = torch.tensor(spec["std"], dtype=torch.float32).view(1, c, 1, 1)

    def __call__(self, u8):
        return (u8.to(torch.float32).div_(255.0) - self.mean).div_(self.std)
