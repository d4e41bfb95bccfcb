#!/usr/bin/env bash
# roz train killed with SIGKILL after its first checkpoint, then resumed, ends with the same weights
# file as an uninterrupted run of the same seed.
set -euo pipefail
roz=$1 python=$2  # python: the venv's, whose torch reads the archives
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(--threads 2 train --model mini_clip:weights=random,seed=5,embed_dim=32,text_width=32,text_layers=1,text_heads=2
      --dataset fashion-mnist-train --limit 4096 --batch-size 128 --epochs 3 --seed 9)

"$roz" "${args[@]}" --out "$tmp/straight.pt" 2> /dev/null

"$roz" "${args[@]}" --out "$tmp/killed.pt" 2> /dev/null &
pid=$!
for _ in $(seq 600); do
  compgen -G "$tmp/killed.pt.checkpoints/step-*.json" > /dev/null && break
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2> /dev/null || true
[ ! -f "$tmp/killed.pt" ] || { echo "FAIL: the killed run finished before the kill"; exit 1; }

"$roz" "${args[@]}" --out "$tmp/killed.pt" --resume 2> "$tmp/resume.err" || { cat "$tmp/resume.err"; exit 1; }
grep -q "resuming after epoch" "$tmp/resume.err" || { echo "FAIL: the second run did not resume"; exit 1; }
# The archives' bytes differ between any two saves (zip metadata); their tensors must not.
"$python" - "$tmp/straight.pt" "$tmp/killed.pt" <<'PY'
import sys
import torch
a, b = (torch.jit.load(p) for p in sys.argv[1:])
ta = dict(list(a.named_parameters()) + list(a.named_buffers()))
tb = dict(list(b.named_parameters()) + list(b.named_buffers()))
assert ta.keys() == tb.keys() and len(ta) > 10, (len(ta), len(tb))
different = [k for k in ta if not torch.equal(ta[k], tb[k])]
assert not different, "resumed weights differ from the uninterrupted run: %s" % different
print("train kill/resume test passed: %d tensors identical" % len(ta))
PY
