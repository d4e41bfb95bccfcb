#!/usr/bin/env bash
# The demo: the longest real end-to-end path that exists today. A tiny TorchScript CLIP-format model
# (random-feature image tower, built with torch::jit::Module::define) classifies 1,500 CIFAR-10 test
# images through class prototypes from 50 support images per class, clean, under JPEG compression
# (ImageNet-C severities 1, 3, 5) and under FGSM at three budgets (tools/demo/eval.yaml). Every
# number is computed by the plugins; nothing is canned.
set -euo pipefail
build=${1:-build}
model="$build/demo/tiny_clip.pt"
mkdir -p "$build/demo"
[ -f "$model" ] || "$build/bin/roz_make_tiny_model" "$model" --seed 0 > /dev/null

"$build/bin/roz" plugins list
echo
"$build/bin/roz" eval --config tools/demo/eval.yaml \
  --model "torchscript:path=$model,resolution=32" \
  --out "$build/demo/report.json"
echo
echo "JSON report: $build/demo/report.json"
