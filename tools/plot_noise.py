#!/usr/bin/python3
"""plot_noise.py RESULTS.csv OUT.png — the figure of docs/results/noise/: test accuracy of the hybrid
trained ideally and under depolarizing(0.01) and (0.05), against the depolarizing probability at evaluation
(left) and against the number of shots per expectation value (right; mean over the shot seeds, bars
from the lowest to the highest seed). The ideal evaluation of each model is a dashed line.

Reads the results.csv that tools/noise_study.sh writes (trained, noise, shots, seed, accuracy, loss).
Needs PIL only (Debian's python3-pil).
"""
import csv
import math
import statistics
import sys

from PIL import Image, ImageDraw, ImageFont

W, H = 1200, 540
COLORS = {"ideal": (31, 119, 180), "depolarizing-0.01": (214, 96, 20), "depolarizing-0.05": (44, 160, 44)}
NAMES = {"ideal": "trained ideal", "depolarizing-0.01": "trained with dep. 0.01", "depolarizing-0.05": "trained with dep. 0.05"}


def font(size):
    try:
        return ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def nice_ticks(lo, hi, target=6):
    step = (hi - lo) / target
    mag = 10 ** math.floor(math.log10(step))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= step)
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)], step


def panel(draw, box, title, xlabel, xs_ticks, series, ideal_lines, ylo, yhi):
    """box = (x0, y0, x1, y1) of the plot area; x on a log10 axis through xs_ticks' range."""
    x0, y0, x1, y1 = box
    f, fs = font(16), font(13)
    lx0, lx1 = math.log10(xs_ticks[0][0]) - 0.15, math.log10(xs_ticks[-1][0]) + 0.15
    px = lambda v: x0 + (math.log10(v) - lx0) / (lx1 - lx0) * (x1 - x0)
    py = lambda v: y1 - (v - ylo) / (yhi - ylo) * (y1 - y0)
    draw.rectangle(box, outline=(0, 0, 0))
    draw.text(((x0 + x1) / 2, y0 - 28), title, fill=(0, 0, 0), font=f, anchor="mm")
    ticks, step = nice_ticks(ylo, yhi)
    for t in ticks:
        draw.line([(x0, py(t)), (x1, py(t))], fill=(225, 225, 225))
        draw.text((x0 - 6, py(t)), f"{t:.{max(0, -int(math.floor(math.log10(step))))}f}", fill=(0, 0, 0), font=fs, anchor="rm")
    for v, label in xs_ticks:
        draw.line([(px(v), y1), (px(v), y1 + 5)], fill=(0, 0, 0))
        draw.text((px(v), y1 + 8), label, fill=(0, 0, 0), font=fs, anchor="mt")
    draw.text(((x0 + x1) / 2, y1 + 34), xlabel, fill=(0, 0, 0), font=fs, anchor="mt")
    # Dashes of the models interleaved (phase 0, 5, 10 of 15 px): lines at the same height all show.
    for k, (key, y) in enumerate(ideal_lines.items()):
        for xa in range(int(x0) + 5 * k, int(x1), 15):
            draw.line([(xa, py(y)), (min(xa + 5, x1), py(y))], fill=COLORS[key], width=2)
    for key, pts in series.items():
        c = COLORS[key]
        xy = [(px(x), py(m)) for x, m, lo, hi in pts]
        draw.line(xy, fill=c, width=3)
        for (x, m, lo, hi), (a, b) in zip(pts, xy):
            if hi > lo:
                draw.line([(a, py(lo)), (a, py(hi))], fill=c, width=2)
                draw.line([(a - 5, py(lo)), (a + 5, py(lo))], fill=c, width=2)
                draw.line([(a - 5, py(hi)), (a + 5, py(hi))], fill=c, width=2)
            draw.ellipse([a - 5, b - 5, a + 5, b + 5], fill=c)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_noise.py RESULTS.csv OUT.png")
    rows = list(csv.DictReader(open(sys.argv[1])))
    acc = lambda r: 100 * float(r["accuracy"])
    ideal = {k: acc(r) for r in rows for k in [r["trained"]] if r["noise"] == "none" and r["shots"] == "exact"}
    noise, shots = {}, {}
    for r in rows:
        if r["shots"] == "exact" and r["noise"].startswith("depolarizing="):
            noise.setdefault(r["trained"], []).append((float(r["noise"].split("=")[1]), acc(r)))
        if r["noise"] == "none" and r["shots"] != "exact":
            shots.setdefault(r["trained"], {}).setdefault(int(r["shots"]), []).append(acc(r))
    noise_series = {k: [(p, a, a, a) for p, a in sorted(v)] for k, v in noise.items()}
    shot_series = {k: [(s, statistics.mean(v), min(v), max(v)) for s, v in sorted(d.items())] for k, d in shots.items()}
    values = list(ideal.values()) + [a for v in noise.values() for _, a in v] + [a for d in shots.values() for v in d.values() for a in v]
    ylo, yhi = min(values) - 1.5, max(values) + 1.5

    img = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.text((W / 2, 22), "hybrid on Fashion-MNIST (3 epochs, 12,000 images): test accuracy on a noisy device",
              fill=(0, 0, 0), font=font(18), anchor="mm")
    panel(draw, (90, 90, 560, 440), "evaluated under depolarizing noise (exact expectations)",
          "depolarizing probability p after every gate (log scale)",
          [(0.001, "0.001"), (0.01, "0.01"), (0.05, "0.05")], noise_series, ideal, ylo, yhi)
    panel(draw, (680, 90, 1150, 440), "evaluated with finite shots (no noise)",
          "shots per expectation value (log scale; bars: 3 shot seeds, min to max)",
          [(100, "100"), (1000, "1,000"), (10000, "10,000")], shot_series, ideal, ylo, yhi)
    label = Image.new("RGB", (200, 20), (255, 255, 255))
    ImageDraw.Draw(label).text((100, 10), "test accuracy (%)", fill=(0, 0, 0), font=font(13), anchor="mm")
    img.paste(label.rotate(90, expand=True), (18, 165))
    lx = 90
    for key in COLORS:
        if key in ideal:
            draw.line([(lx, 505), (lx + 30, 505)], fill=COLORS[key], width=3)
            draw.text((lx + 38, 505), NAMES[key], fill=(0, 0, 0), font=font(14), anchor="lm")
            lx += 235
    draw.text((lx, 505), "dashed: the same model evaluated ideally", fill=(0, 0, 0), font=font(14), anchor="lm")
    img.save(sys.argv[2])


if __name__ == "__main__":
    main()
