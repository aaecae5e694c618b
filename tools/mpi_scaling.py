#!/usr/bin/env python3
"""mpi_scaling.py — the scaling estimate of docs/mpi.md: data-parallel `hqc train` on 4, 16 and 64
nodes over 10 and 100 Gbit/s networks, from figures measured on one machine.

Inputs (the table below, measured as docs/mpi.md says): per model, the seconds one node takes for a
training step of 64 images (one process, --threads 2), and what one step exchanges between ranks
(the `data-parallel over 2 ranks` line `hqc train` prints under mpirun: the number of sums and the
bytes each rank sends).

Model of one step on R nodes (each node one rank):
  compute  = t64 * share / 64          share: images of the global batch a rank computes
  exchange = E * alpha * ceil(log2 m)  latency, E sums per step, m ranks sharing the batch
           + (m - 1) * S / beta        MPI_Allgather of S bytes from each of the m ranks (ring)
  where alpha = 20 us (10 Gbit/s Ethernet, TCP) or 3 us (100 Gbit/s RDMA), beta = the link rate.
  Computing and exchanging do not overlap (the exchange sits inside backward and BatchNorm).
Scenarios:
  A  the study's recipe, batch 64: 4 chunks of 16 images, so at most 4 ranks share a batch
     (m = min(R, 4)); more nodes than 4 add nothing to one run.
  B  batch 16*R (one chunk per node; not the study's recipe: the learning rate would need retuning)
  C  whole runs per node (`hqc compare --seeds` or separate `hqc train` jobs): no exchange at all,
     R times one node's images/s, as long as there are R runs.
Also printed for A and B: the same exchange by recursive doubling (log2 m steps of S bytes each,
each pair adding its two subtrees, the same bits when m is a power of two), which hqc does not do.
"""
import math

# model: (seconds per step of 64 images on one node, sums exchanged per step, bytes sent per rank per step)
# t64 = 64 / the best train images/s of one process with --threads 2 in docs/mpi.md's runs (a loaded
# 2-core machine: an idle one is faster, which makes the exchange weigh more); sums and bytes from
# `mpirun -np 2 hqc bench` (exchange_sums_per_step, exchange_bytes_sent_per_step).
MEASURED = {
    "mnist-hybrid": (64 / 1240, 17, 574384),
    "mnist-classical": (64 / 948, 14, 612400),
    "cifar100-hybrid": (64 / 524, 21, 4667672),
    "cifar100-classical": (64 / 130, 22, 6870936),
    "stl10-hybrid": (64 / 45, 25, 18427824),
    "stl10-classical": (64 / 20, 22, 6778416),
}

NETWORKS = {"10 Gbit/s": (20e-6, 10e9 / 8), "100 Gbit/s": (3e-6, 100e9 / 8)}


def step_time(t64, sums, bytes_, share, m, alpha, beta, doubling=False):
    compute = t64 * share / 64
    if m < 2:
        return compute
    lat = sums * alpha * math.ceil(math.log2(m))
    vol = (math.log2(m) if doubling else (m - 1)) * bytes_ / beta
    return compute + lat + vol


def table(measured):
    rows = []
    for model, (t64, sums, bytes_) in measured.items():
        one = 64 / t64
        for net, (alpha, beta) in NETWORKS.items():
            for R in (4, 16, 64):
                m = min(R, 4)
                a = 64 / step_time(t64, sums, bytes_, 64 / m, m, alpha, beta)
                ad = 64 / step_time(t64, sums, bytes_, 64 / m, m, alpha, beta, doubling=True)
                b = 16 * R / step_time(t64, sums, bytes_, 16, R, alpha, beta)
                bd = 16 * R / step_time(t64, sums, bytes_, 16, R, alpha, beta, doubling=True)
                rows.append((model, net, R, one, a, ad, b, bd, R * one))
    return rows


def main():
    print("| model | network | nodes | 1 node img/s | A: batch 64 | A, doubling | B: batch 16R | B, doubling | C: whole runs |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for model, net, R, one, a, ad, b, bd, c in table(MEASURED):
        print(f"| {model} | {net} | {R} | {one:.0f} | {a:.0f} ({a / one:.1f}x) | {ad:.0f} | {b:.0f} ({b / one:.1f}x) | {bd:.0f} | {c:.0f} |")


if __name__ == "__main__":
    main()
