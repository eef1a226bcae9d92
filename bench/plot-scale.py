#!/usr/bin/env python3
"""Draws docs/img/scale-gsau-rec.png from bench/results/scale-gsau-rec.json (written by bench/scale):
seconds per epoch and peak memory of gsau-rec against the data's scale, log-log, each with the
linear reference through the 1x point (and the quadratic one for time; memory also shows the
trainer's estimate). Needs matplotlib (pip install matplotlib).

usage: python3 bench/plot-scale.py [RESULT.json] [OUT.png]
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else "bench/results/scale-gsau-rec.json"
    target = sys.argv[2] if len(sys.argv) > 2 else "docs/img/scale-gsau-rec.png"
    with open(source) as f:
        result = json.load(f)
    rows = sorted((r for r in result["scales"].values() if r["scale"] is not None), key=lambda r: r["scale"])
    beauty = result["scales"].get("beauty")
    scales = [r["scale"] for r in rows]

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(10, 4.2))
    panels = [
        (time_axis, "seconds_per_epoch", "seconds per epoch (1 BLAS thread)", "training time per epoch"),
        (memory_axis, "peak_rss_mib", "MiB", "memory while training"),
    ]
    for axis, key, unit, title in panels:
        values = [r[key] for r in rows]
        axis.plot(scales, values, "o-", color="tab:blue", label="synthetic Beauty ×S, measured")
        axis.plot(scales, [values[0] * s / scales[0] for s in scales], "--", color="gray", label="linear in S (from 1×)")
        if key == "seconds_per_epoch":
            axis.plot(scales, [values[0] * (s / scales[0]) ** 2 for s in scales], ":", color="darkgray", label="quadratic in S (from 1×)")
        else:
            axis.plot(scales, [r["memory_estimate_mib"] for r in rows], "s-", color="tab:orange", label="trainer's estimate")
        if beauty is not None:
            axis.plot([1], [beauty[key]], "*", color="tab:red", markersize=12, label="real Beauty")
        for s, v in zip(scales, values):
            axis.annotate(f"{v:.0f}", (s, v), textcoords="offset points", xytext=(6, -10), fontsize=8)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(scales)
        axis.set_xticklabels([f"{s}×" for s in scales])
        axis.minorticks_off()
        axis.set_xlabel("scale S (users 22,363·S, items 12,101·S, interactions ≈198,502·S)")
        axis.set_ylabel(unit)
        axis.set_title(f"gsau-rec: {title}")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
