#!/usr/bin/env bash
# RoZ's input handling under AddressSanitizer + UndefinedBehaviorSanitizer (clang): builds
# tests/fuzz/ in build-fuzz/, runs the sanitized unit tests, then fuzzes each harness with
# libFuzzer for SECONDS (default 60) on its committed seed corpus. Any crash, sanitizer report, leak, escaped non-roz exception or 10 s input fails;
# the input is kept as build-fuzz/findings/HARNESS-*; add it to tests/fuzz/corpus/HARNESS/ with the
# fix, and the fuzz_replay_HARNESS test keeps it fixed. New inputs the fuzzer finds stay in
# build-fuzz/grown/HARNESS (not committed; copy the interesting ones into the corpus).
#
#   tools/fuzz.sh            # every harness, 60 s each
#   tools/fuzz.sh 600 spec   # the spec parser for ten minutes
#
# ROZ_FUZZ_SEED=N fixes libFuzzer's seed, so that a run retraces the same inputs (CI does: a gate
# that passes or fails by chance blocks work that did not cause it; explore with random seeds, the
# default, and commit what they find).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${ROZ_FUZZ_BUILD:-build-fuzz}
command -v clang++ > /dev/null || { echo "fuzz: clang++ is needed (Debian: clang)" >&2; exit 1; }
CXX=clang++ cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build"
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzzer.cpp; do harnesses+=("$(basename "$f" _fuzzer.cpp)"); done
fi
mkdir -p "$build/findings"
# A leak is a finding too; UBSan stops at its first report, as ASan does.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# OpenCV's decoder cap, read when its library loads: a 54-byte header may otherwise ask for 3 GB,
# over the harness's memory limit. roz's own cap (ROZ_MAX_IMAGE_PIXELS) is checked after decoding.
export OPENCV_IO_MAX_IMAGE_PIXELS=$((1 << 24))
failed=()
"$build/sanitized_tests" --gtest_brief=1 || failed+=(sanitized_tests)
for h in "${harnesses[@]}"; do
  mkdir -p "$build/grown/$h"
  echo "fuzz: $h for ${seconds}s"
  if ! "$build/${h}_fuzzer" -seed="${ROZ_FUZZ_SEED:-0}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=65536 \
      -artifact_prefix="$build/findings/$h-" -print_final_stats=1 "$build/grown/$h" "tests/fuzz/corpus/$h" \
      > "$build/$h.log" 2>&1; then
    failed+=("$h")
    tail -n 60 "$build/$h.log" >&2
  fi
  grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$build/$h.log" | tail -n 2 | sed "s/^/fuzz: $h: /" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $build/findings/)" >&2
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds}s each, no findings"
