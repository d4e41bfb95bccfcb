#!/usr/bin/env bash
# GPU check (ctest label gpu): every command on --device cuda agrees with the CPU on mini-CLIP and
# Fashion-MNIST: roz eval (clean, a corruption, PGD) top-1 within 0.5 point, bf16 clean top-1 within
# 0.5 point of fp32 (2 points under attack), roz embed embeddings within 1e-3, roz run, roz train and roz bench complete on the GPU
# (the bench figures are printed for the note).
set -euo pipefail
roz=$1 python=$2 config=$3
device=${ROZ_TEST_DEVICE:-cuda}  # cpu: a dry run of this script where there is no GPU
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

eval_args=(eval --model mini_clip --dataset fashion-mnist --limit 512 --corruption gaussian_noise:severity=3
           --attack pgd:eps=2/255,steps=10 --json)
"$roz" -q --device cpu "${eval_args[@]}" > "$tmp/cpu.json"
"$roz" -q --device "$device" "${eval_args[@]}" > "$tmp/cuda.json"
"$roz" -q --device "$device" --precision bf16 "${eval_args[@]}" > "$tmp/bf16.json"
"$python" - "$tmp" <<'PY' || fail "roz eval: cuda or bf16 disagrees with the cpu"
import json, sys
d = sys.argv[1]
def top1(name):
    r = json.load(open(f"{d}/{name}.json"))
    return {c["condition"]: c["metrics"]["top1"]["value"] for c in r["conditions"]}
cpu, cuda, bf16 = top1("cpu"), top1("cuda"), top1("bf16")
for c in cpu:
    print(f"{c[:40]:40s} cpu {100*cpu[c]:6.2f}  cuda {100*cuda[c]:6.2f}  cuda bf16 {100*bf16[c]:6.2f}")
    assert abs(cuda[c] - cpu[c]) <= 0.005, c
    # bf16: clean top-1 within 0.5 point; under attack the gradients are bf16's too: 2 points
    assert abs(bf16[c] - cuda[c]) <= (0.005 if c == "clean" else 0.02), c
PY

"$roz" -q --device cpu embed --model mini_clip --dataset fashion-mnist --limit 512 --out "$tmp/cpu.npy"
"$roz" -q --device "$device" embed --model mini_clip --dataset fashion-mnist --limit 512 --out "$tmp/cuda.npy"
"$python" -c "
import numpy as np, sys
a, b = np.load('$tmp/cpu.npy'), np.load('$tmp/cuda.npy')
print('embed: max |cpu - cuda|', abs(a - b).max())
sys.exit(0 if a.shape == b.shape and abs(a - b).max() < 1e-3 else 1)" || fail "roz embed: cuda disagrees with the cpu"

"$roz" -q --device "$device" run "$config" --out "$tmp/run" > /dev/null || fail "roz run --device $device"
"$roz" -q --device "$device" train --model mini_clip:weights=random,seed=0 --limit 512 --epochs 1 --batch-size 64 \
  --eval-dataset fashion-mnist --eval-limit 256 --out "$tmp/trained.pt" > /dev/null || fail "roz train --device $device"
"$roz" -q --device "$device" --precision bf16 train --model mini_clip --objective adversarial --limit 256 --epochs 1 \
  --batch-size 64 --out "$tmp/robust.pt" > /dev/null || fail "roz train --device $device --precision bf16 --objective adversarial"

"$roz" --device "$device" bench throughput --model mini_clip --dataset fashion-mnist --limit 4096 --batch-size 256 --repeats 3
"$roz" --device "$device" bench attack --model mini_clip --dataset fashion-mnist --attack pgd:eps=1/255,steps=10 \
  --batch-size 256 --repeats 3
echo "gpu pipeline: ok"
