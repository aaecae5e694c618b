#!/usr/bin/python3
"""PyTorch peer of apps/bench/conv_bench.cpp: times conv2d forward + backward (input and weight
gradients), or with --forward the forward alone under no_grad, for the given shapes with a given
thread count, and prints one line per shape:
    <name> <wall milliseconds> <process CPU milliseconds>
Run by conv_bench (which prints both side by side); usable alone:
    /usr/bin/python3 apps/bench/conv_torch.py --threads 1 --reps 3 mnist_c1:64,1,28,28,32
"""
import argparse
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--forward", action="store_true", help="the forward alone, under no_grad")
    ap.add_argument("shapes", nargs="+", help="name:N,C,H,W,OC (3x3 kernel, stride 1, padding 1)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for spec in args.shapes:
        name, dims = spec.split(":")
        n, c, h, w, oc = (int(v) for v in dims.split(","))
        x = torch.randn(n, c, h, w, requires_grad=True)
        wt = (torch.randn(oc, c, 3, 3) * 0.1).requires_grad_()
        b = torch.zeros(oc, requires_grad=True)
        gy = torch.randn(n, oc, h, w)
        best, best_cpu = float("inf"), float("inf")
        def call():
            if args.forward:
                with torch.no_grad():
                    F.conv2d(x, wt, b, stride=1, padding=1)
                return
            x.grad = wt.grad = b.grad = None
            F.conv2d(x, wt, b, stride=1, padding=1).backward(gy)

        # Warm-up: at least 2 calls and 0.2 s (a fresh process's first calls pay for page faults and
        # algorithm choice), then `reps` timed calls.
        warm, t_warm = 0, time.perf_counter()
        while warm < 2 or time.perf_counter() - t_warm < 0.2:
            call()
            warm += 1
        for rep in range(args.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            call()
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            best, best_cpu = min(best, dt), min(best_cpu, dc)
        print("%s %.3f %.3f" % (name, best * 1e3, best_cpu * 1e3), flush=True)


if __name__ == "__main__":
    main()
