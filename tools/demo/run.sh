#!/usr/bin/env bash
# The demo: `roz run` on tools/demo/benchmark.yaml with RoZ's embedded mini-CLIP (trained by
# `roz train`, docs/training.md): Fashion-MNIST test clean, under the 19 ImageNet-C corruptions at
# severities 1, 3 and 5, the typographic attack, FGSM and PGD at two budgets, a text-prompt attack and
# the multimodal attack, with calibration and OOD metrics against MNIST digits. Every number is
# computed by the plugins; nothing is canned. The report lands in BUILD/demo/.
set -euo pipefail
build=${1:-build}
out="$build/demo"
rm -rf "$out"
"$build/bin/roz" run tools/demo/benchmark.yaml --out "$out"
echo
echo "Open $out/report.html (also report.md, summary.csv, report.json; results in results.db)."
