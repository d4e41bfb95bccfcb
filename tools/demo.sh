#!/usr/bin/env bash
# The demo: the longest real end-to-end path that exists today. A tiny TorchScript CLIP-format model
# (random-feature image tower, built with torch::jit::Module::define) classifies 1,500 CIFAR-10 test
# images through class prototypes from 50 support images per class; then the same evaluation under
# JPEG compression (ImageNet-C severities 1, 3, 5) and FGSM at three budgets. Every number comes
# from the plugins, nothing is canned.
set -euo pipefail
build=${1:-build}
model="$build/demo/tiny_clip.pt"
mkdir -p "$build/demo"
[ -f "$model" ] || "$build/bin/roz_make_tiny_model" "$model" --seed 0 > /dev/null

"$build/bin/roz" plugins list
echo
"$build/bin/roz" eval \
  --model "torchscript:path=$model,resolution=32" \
  --dataset datasets/samples/cifar10-test \
  --support-per-class 50 \
  --seed 0 \
  --corruption jpeg_compression:severity=1 \
  --corruption jpeg_compression:severity=3 \
  --corruption jpeg_compression:severity=5 \
  --attack fgsm:eps=1/255 \
  --attack fgsm:eps=4/255 \
  --attack fgsm:eps=8/255 \
  --out "$build/demo/report.json"
echo
echo "JSON report: $build/demo/report.json"
