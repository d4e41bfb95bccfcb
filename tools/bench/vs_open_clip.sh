#!/usr/bin/env bash
# RoZ against what a user runs instead, in one run on one machine: `roz bench throughput` (roz eval's
# clean condition and the bare forward pass) and open_clip + a plain PyTorch zero-shot loop
# (tools/bench/open_clip_zero_shot_loop.py), same model (open_clip ViT-B-32, random weights, seed 0,
# exported by tools/export_open_clip.py), same images, batch size and threads.
# Usage: tools/bench/vs_open_clip.sh IMAGES_DIR [THREADS] [BATCH] [REPEATS] [DEVICE]
#   IMAGES_DIR: JPEG/PNG files; each becomes its own class folder (an ImageFolder both tools read).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
images=$1 threads=${2:-2} batch=${3:-32} repeats=${4:-3} device=${5:-cpu}
python="${ROZ_PYTHON:-$root/.venv/bin/python3}"
roz="${ROZ:-$root/build/bin/roz}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for f in "$images"/*; do
  name=$(basename "$f"); mkdir -p "$work/images/${name%.*}"; cp "$f" "$work/images/${name%.*}/"
done
"$python" -W ignore "$root/tools/export_open_clip.py" --open-clip ViT-B-32 --seed 0 --out "$work/vit_b32.pt" > /dev/null
n=$(find "$work/images" -type f | wc -l)
echo "== roz bench throughput ($n images, batch $batch, $threads threads, $device)" >&2
"$roz" -q --threads "$threads" --device "$device" bench throughput --model "torchscript:path=$work/vit_b32.pt" \
  --dataset "$work/images" --limit "$n" --batch-size "$batch" --repeats "$repeats" --json > "$work/roz.json"
echo "== open_clip + PyTorch loop" >&2
"$python" -W ignore "$root/tools/bench/open_clip_zero_shot_loop.py" --images "$work/images" --batch-size "$batch" \
  --threads "$threads" --workers 1 --repeats "$repeats" --device "$device" > "$work/python.json"
"$python" - "$work/roz.json" "$work/python.json" <<'PY'
import json, sys
roz, py = (json.load(open(p)) for p in sys.argv[1:])
print(json.dumps({"roz": roz, "open_clip_loop": py,
                  "roz_eval_over_forward": roz["eval_over_forward"],
                  "roz_eval_over_open_clip_loop": roz["eval_img_per_s"] / py["eval_img_per_s"]}, indent=2))
PY
