#!/usr/bin/env bash
# The demo: `roz run` on tools/demo/benchmark.yaml with RoZ's embedded mini-CLIP (trained by
# `roz train`, docs/training.md): Fashion-MNIST test clean, under the 19 ImageNet-C corruptions at
# severities 1, 3 and 5, the typographic attack, FGSM and PGD at two budgets, a text-prompt attack and
# the multimodal attack, with calibration and OOD metrics against MNIST digits. Every number is
# computed by the plugins; nothing is canned. Then the contamination audit: the evaluated test images
# against the 60,000 Fashion-MNIST training images, embedded by the trained `copy_detector` descriptor
# into a Flat FAISS index, calibrated with 200 planted copies of test images (roz overlap calibrate),
# which also chooses the stage that decides (the descriptor, on these look-alike 28 px images); the
# report splits every metric into copied and clean test images.
# The report lands in BUILD/demo/.
set -euo pipefail
build=${1:-build}
out="$build/demo"
rm -rf "$out"
"$build/bin/roz" embed --model copy_detector --dataset fashion-mnist-train --out "$out/overlap/train.npy"
"$build/bin/roz" overlap build --embeddings "$out/overlap/train.npy" --index Flat --out "$out/overlap/index"
"$build/bin/roz" overlap calibrate --index "$out/overlap/index" --model copy_detector --dataset fashion-mnist --copies 200 --seed 1
config=tools/demo/benchmark.yaml
if [[ "$out" != build/demo ]]; then  # the config names the index under build/
  sed "s#build/demo/overlap/index#$out/overlap/index#" "$config" > "$out/benchmark.yaml"
  config="$out/benchmark.yaml"
fi
"$build/bin/roz" run "$config" --out "$out"
echo
echo "Open $out/report.html (also report.md, summary.csv, report.json; results in results.db)."
