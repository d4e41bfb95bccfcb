#!/usr/bin/env bash
# The demo: RoZ's embedded mini-CLIP (trained by `roz train`, docs/training.md) classifies Fashion-MNIST
# test images zero-shot from prompts, clean, under JPEG compression (ImageNet-C severities 1, 3, 5)
# and under FGSM at three budgets (tools/demo/eval.yaml). Every number is computed by the plugins;
# nothing is canned.
set -euo pipefail
build=${1:-build}
mkdir -p "$build/demo"
"$build/bin/roz" plugins list
echo
"$build/bin/roz" eval --config tools/demo/eval.yaml --out "$build/demo/report.json"
echo
echo "JSON report: $build/demo/report.json"
