#!/usr/bin/env bash
# roz under an address-space limit (ulimit -v): a warning on start when the limit leaves little room
# beyond what LibTorch's libraries map, an out-of-memory error that says so (without LibTorch's C++
# backtrace), and no hang. The limits are set relative to what this build maps on start, which roz
# logs at -vv.
set -euo pipefail
roz=$1
# Each thread reserves a stack and a malloc arena of address space: fixed, so the margins below do
# not depend on the machine's core count.
export MALLOC_ARENA_MAX=2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$roz" --threads 2 -vv plugins list > /dev/null 2> "$tmp/start.err"
mapped=$(sed -n 's/.*address space: \([0-9]*\) MiB mapped on start, limit none.*/\1/p' "$tmp/start.err")
[ -n "$mapped" ] || fail "no 'address space: N MiB mapped on start, limit none' line at -vv: $(cat "$tmp/start.err")"
grep -q "address-space limit" "$tmp/start.err" && fail "a warning without a limit"

# Room to spare: no warning, and an evaluation finishes.
small_eval=(--threads 2 eval --model mini_clip --dataset fashion-mnist --attack fgsm --limit 100)
if ! (ulimit -v $(((mapped + 4096) * 1024)); "$roz" "${small_eval[@]}" > /dev/null 2> "$tmp/roomy.err"); then
  fail "an evaluation with 4 GiB to spare failed: $(cat "$tmp/roomy.err")"
fi
grep -q "address-space limit" "$tmp/roomy.err" && fail "a warning with 4 GiB to spare: $(cat "$tmp/roomy.err")"

# Little room: the warning on start, and whatever happens next ends within two minutes (this hung
# in OpenBLAS once), with an exit code, not a signal.
set +e
(ulimit -v $(((mapped + 300) * 1024)); timeout 120 "$roz" "${small_eval[@]}" > /dev/null 2> "$tmp/tight.err")
rc=$?
set -e
[ "$rc" -le 2 ] || fail "300 MiB to spare: exit code $rc (124 is a hang): $(tail -n 5 "$tmp/tight.err")"
grep -q "the address-space limit (ulimit -v) is $((mapped + 300)) MiB and roz has mapped .* MiB of it on start" \
  "$tmp/tight.err" || fail "no warning with 300 MiB to spare: $(cat "$tmp/tight.err")"

# Out of memory: a 512-image batch of 1024 x 1024 images (1.5 GiB packed) past a 2 GiB margin fails
# in LibTorch's allocator, 2048 of them (6 GiB decoded) in OpenCV's. Either is one line that names
# the limit.
for n in 512 2048; do
  set +e
  (ulimit -v $(((mapped + 2048) * 1024))
   timeout 120 "$roz" --threads 2 embed --model pixels:resolution=1024 --dataset fashion-mnist --batch-size $n --limit $n \
     --out "$tmp/big.npy" > /dev/null 2> "$tmp/oom.err")
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$n images at 1024 px past a 2 GiB margin: exit code $rc, expected 1: $(tail -n 5 "$tmp/oom.err")"
  grep -q "allocate.*(the address-space limit, ulimit -v, is $((mapped + 2048)) MiB, of which roz maps" "$tmp/oom.err" ||
    fail "$n images: the error does not name the limit: $(cat "$tmp/oom.err")"
  grep -q "^frame #" "$tmp/oom.err" && fail "$n images: a C++ backtrace in the error: $(head -n 3 "$tmp/oom.err")"
done
echo "memory limit: ok"
