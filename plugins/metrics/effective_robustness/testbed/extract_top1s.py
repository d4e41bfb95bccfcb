#!/usr/bin/env python3
"""Extracts from imagenet-testbed (modestyachts/imagenet-testbed, MIT) what the baseline fits need:
per model, its type (plotting/model_types.py) and its top-1 (%) on ImageNet val, on val restricted to
each shift's classes and on each natural shift (robustness_top1s.csv). Run once on a checkout of the
testbed; its output, top1s.csv, is committed beside this script, and make_fits.py derives the fits.

Usage: extract_top1s.py TESTBED_CHECKOUT OUT_CSV
"""
import csv
import sys
from pathlib import Path

COLUMNS = ["val", "imagenetv2-matched-frequency-format-val", "imagenet-sketch", "val-on-imagenet-r-classes",
           "imagenet-r", "val-on-imagenet-a-classes", "imagenet-a", "val-on-objectnet-classes", "objectnet-1.0-beta",
           "val-on-vid-robust-classes", "imagenet-vid-robust_pm0", "val-on-ytbb-robust-classes", "ytbb-robust_pm0"]


def main():
    testbed, out = Path(sys.argv[1]), Path(sys.argv[2])
    namespace = {}
    exec((testbed / "plotting" / "model_types.py").read_text(), namespace)
    types = namespace["model_types_map"]
    with open(testbed / "robustness_top1s.csv", newline="") as f:
        rows = [{k.lower() if k.lower() == "model" else k: v for k, v in r.items()} for r in csv.DictReader(f)]
    with open(out, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["model", "type"] + COLUMNS)
        for row in rows:
            kind = types[row["model"]].name if row["model"] in types else ""
            writer.writerow([row["model"], kind] + [row[c] for c in COLUMNS])


if __name__ == "__main__":
    main()
