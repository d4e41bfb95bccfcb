#!/usr/bin/env bash
# The caps on what file contents may make roz allocate (datasets/include/roz/datasets/resource_limits.hpp)
# are set by environment variables: each one changes what roz accepts, and a malformed one is one error.
set -euo pipefail
roz=$1 model=$2 data=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
eval_args=(eval --model "torchscript:path=$model,resolution=32" --dataset "$data" --support-per-class 1 --per-class 1 --json)

# The sample images are 32 x 32: a 1,024-pixel cap takes them, a 1,023-pixel one skips each, by name.
ROZ_MAX_IMAGE_PIXELS=1024 "$roz" "${eval_args[@]}" > "$tmp/ok.json" 2> "$tmp/ok.err" || fail "1024-pixel cap: $(cat "$tmp/ok.err")"
python3 -c "import json,sys; r=json.load(open('$tmp/ok.json')); sys.exit(any(c['unreadable'] for c in r['conditions']) or not r['conditions'])" ||
  fail "1024-pixel cap skipped images"
ROZ_MAX_IMAGE_PIXELS=1023 "$roz" "${eval_args[@]}" > "$tmp/capped.json" 2> "$tmp/capped.err" || true
grep -q "32 x 32 pixels, more than the 1023 an image may have (ROZ_MAX_IMAGE_PIXELS)" "$tmp/capped.json" "$tmp/capped.err" ||
  fail "a 1023-pixel cap did not name the image and the variable: $(cat "$tmp/capped.err")"
grep -q "$data/" "$tmp/capped.json" "$tmp/capped.err" || fail "the skipped image is not named"

# A decompressed IDX file over its cap is an error naming the file (the Fashion-MNIST test images
# are 7.8 MB once inflated).
if ROZ_MAX_DATA_FILE_MIB=1 "$roz" eval --model "torchscript:path=$model,resolution=32" --dataset fashion-mnist --support-per-class 1 --limit 4 > /dev/null 2> "$tmp/idx.err"; then
  fail "a 7.8 MB IDX file passed a 1 MiB cap"
fi
grep -q "t10k-images-idx3-ubyte.gz': more than the 1048576 bytes a dataset file may have once decompressed (ROZ_MAX_DATA_FILE_MIB)" \
  "$tmp/idx.err" || fail "data file cap message: $(cat "$tmp/idx.err")"

# A malformed value: exit code 2 and the variable's name, before any work.
for bad in lots 0 -5; do
  if ROZ_MAX_IMAGE_PIXELS=$bad "$roz" "${eval_args[@]}" > /dev/null 2> "$tmp/bad.err"; then rc=0; else rc=$?; fi
  [ "$rc" = 2 ] || fail "ROZ_MAX_IMAGE_PIXELS=$bad: exit code $rc, expected 2"
  grep -q "environment variable ROZ_MAX_IMAGE_PIXELS='$bad': expected a positive integer" "$tmp/bad.err" ||
    fail "ROZ_MAX_IMAGE_PIXELS=$bad message: $(cat "$tmp/bad.err")"
done
echo "resource limits: ok"
