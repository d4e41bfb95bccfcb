#!/usr/bin/env bash
# Installs roz into a temporary prefix, builds the example attacks against the installed RozSDK
# package alone (no include path, library or runpath from the source or build tree), and runs them
# from --plugin-path with the installed roz: random_noise (the SDK alone) and pgd_cosine (a PGD
# variant written with the support library, as the built-in attacks are), whose robust accuracy
# must match the built-in PGD's within 1 point.
set -euo pipefail
build_dir=$1 plugin_src=$2 model=$3 data=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build_dir" --prefix "$tmp/prefix" > "$tmp/install.log"
roz="$tmp/prefix/bin/roz"

cmake -S "$plugin_src" -B "$tmp/plugin-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/configure.log"
cmake --build "$tmp/plugin-build" > "$tmp/build.log"
test -f "$tmp/plugin-build/random_noise.so"
test -f "$tmp/plugin-build/pgd_cosine.so"
# What the plugin was built from: the installed prefix and system paths only.
source_tree=$(cd "$plugin_src/../.." && pwd) build_tree=$(cd "$build_dir" && pwd)
ninja -C "$tmp/plugin-build" -t commands > "$tmp/commands.txt"
readelf -d "$tmp/plugin-build/random_noise.so" "$tmp/plugin-build/pgd_cosine.so" >> "$tmp/commands.txt"
for tree in "$source_tree/sdk" "$source_tree/support" "$source_tree/core" "$source_tree/plugins" "$build_tree"; do
  if grep -F -- "$tree" "$tmp/commands.txt"; then
    echo "the out-of-tree plugin was built with a path into $tree (above), not from the installed SDK alone" >&2
    exit 1
  fi
done
grep -q -- "-isystem $tmp/prefix/include\|-I$tmp/prefix/include" "$tmp/commands.txt" || {
  echo "the out-of-tree plugin did not compile against $tmp/prefix/include" >&2
  exit 1
}

abi_major=$(sed -n 's/^#define ROZ_ABI_MAJOR \([0-9]*\).*/\1/p' "$tmp/prefix/include/roz/abi.hpp")
abi=$abi_major.$(sed -n 's/^#define ROZ_ABI_MINOR \([0-9]*\).*/\1/p' "$tmp/prefix/include/roz/abi.hpp")
fail() { echo "FAIL: $*" >&2; exit 1; }

# libroz_sdk's SONAME follows the ABI major, and the plugin needs that one.
grep -q "(SONAME).*\[libroz_sdk.so.$abi_major\]" <(readelf -d "$tmp/prefix/lib/libroz_sdk.so") ||
  fail "libroz_sdk.so's SONAME is not libroz_sdk.so.$abi_major: $(readelf -d "$tmp/prefix/lib/libroz_sdk.so" | grep SONAME)"
for p in random_noise pgd_cosine; do
  grep -q "(NEEDED).*\[libroz_sdk.so.$abi_major\]" <(readelf -d "$tmp/plugin-build/$p.so") || fail "$p.so does not need libroz_sdk.so.$abi_major"
done
# The support library is static: pgd_cosine carries its code and needs no library of it at run time.
test -f "$tmp/prefix/lib/libroz_support.a" || fail "libroz_support.a is not installed"
test -f "$tmp/prefix/include/roz/support/attacks/attack_plugin.hpp" || fail "the support headers are not installed"
if readelf -d "$tmp/plugin-build/pgd_cosine.so" | grep -q "(NEEDED).*roz_support"; then fail "pgd_cosine.so needs a roz_support library"; fi
grep -q -- "libroz_support.a" "$tmp/commands.txt" || fail "pgd_cosine did not link the installed libroz_support.a"

# What the host would refuse at load time, the package refuses when a plugin is configured: another
# ABI major, another compiler (its C++ ABI), another LibTorch.
refused() {  # refused NAME EXPECTED-TEXT cmake-arguments...
  local name=$1 expected=$2
  shift 2
  if "$@" > "$tmp/$name.log" 2>&1; then fail "$name: configured"; fi
  tr -s ' \n' ' ' < "$tmp/$name.log" | grep -qF -- "$expected" || fail "$name: no '$expected' in: $(cat "$tmp/$name.log")"
}
mkdir -p "$tmp/abi-next"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(next LANGUAGES CXX)\nfind_package(RozSDK %s REQUIRED)\n' \
  "$((abi_major + 1)).0" > "$tmp/abi-next/CMakeLists.txt"
refused abi-next "version: $abi" cmake -S "$tmp/abi-next" -B "$tmp/abi-next/build" -DCMAKE_PREFIX_PATH="$tmp/prefix"
refused clang "roz was built with GNU" env CXX=clang++ cmake -S "$plugin_src" -B "$tmp/clang-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$tmp/prefix"
torch_root=$(sed -n 's/^ *set(ROZ_TORCH_ROOT "\(.*\)").*/\1/p' "$tmp/prefix/lib/cmake/RozSDK/RozSDKConfig.cmake")
other="$tmp/libtorch-9.9.9"
mkdir -p "$other/include/torch/headeronly" "$other/lib"
printf '#define TORCH_VERSION_MAJOR 9\n#define TORCH_VERSION_MINOR 9\n#define TORCH_VERSION_PATCH 9\n' \
  > "$other/include/torch/headeronly/version.h"
for lib in libtorch.so libtorch_cpu.so libc10.so; do ln -s "$torch_root/lib/$lib" "$other/lib/$lib"; done
refused torch "is LibTorch 9.9.9" cmake -S "$plugin_src" -B "$tmp/torch-build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DROZ_TORCH_ROOT="$other"

"$roz" plugins list --json --plugin-path "$tmp/plugin-build" > "$tmp/list.json"
python3 - "$tmp/list.json" "$tmp" "$abi" <<'PY'
import json, sys
listing = json.load(open(sys.argv[1]))
plugins = {p["name"]: p for p in listing["plugins"]}
assert not listing["errors"], listing["errors"]
rn = plugins["random_noise"]
assert rn["kind"] == "attack" and rn["abi"] == sys.argv[3] and rn["capabilities"] == ["black-box"], rn
assert rn["path"].startswith(sys.argv[2] + "/plugin-build"), rn["path"]
# the support library's descriptor carries the library's own provenance, not the built-ins'
pc = plugins["pgd_cosine"]
assert pc["kind"] == "attack" and pc["capabilities"] == ["white-box"], pc
assert pc["version"] == "0.1.0" and pc["license"] == "Apache-2.0", pc
assert plugins["pgd"]["version"] == "1.0.0", plugins["pgd"]
# the built-ins come from the installed prefix, not from the build tree
assert plugins["fgsm"]["path"].startswith(sys.argv[2] + "/prefix/"), plugins["fgsm"]["path"]
PY

"$roz" plugins info random_noise --plugin-path "$tmp/plugin-build" | grep -q "tries"

"$roz" -q eval --plugin-path "$tmp/plugin-build" --model "torchscript:path=$model,resolution=32" --dataset "$data" \
  --support-per-class 10 --per-class 10 --seed 1 --attack random_noise:eps=32/255,tries=4 --json > "$tmp/eval.json"
python3 - "$tmp/eval.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
clean, noise = report["conditions"]
assert noise["condition"] == "random_noise:eps=0.12549019607843137,tries=4", noise["condition"]
assert 0 < noise["queries"] <= 4 * noise["samples"], noise
assert noise["metrics"]["top1"]["value"] < clean["metrics"]["top1"]["value"], (clean, noise)
print("random_noise: clean top1 %.3f -> %.3f with %d queries" % (
    clean["metrics"]["top1"]["value"], noise["metrics"]["top1"]["value"], noise["queries"]))
PY

# pgd_cosine against the built-in PGD: the same budget, steps and images on the trained mini-CLIP,
# at an eps where PGD leaves a robust accuracy well between 0 and the clean one (4/255: clean 0.935,
# pgd 0.595, pgd_cosine 0.588, measured 2026-12-03).
"$roz" -q eval --plugin-path "$tmp/plugin-build" --model mini_clip --dataset fashion-mnist --limit 1000 --seed 1 \
  --attack pgd:eps=4/255,steps=10 --attack pgd_cosine:eps=4/255,steps=10 --json > "$tmp/pgd.json"
python3 - "$tmp/pgd.json" <<'PY'
import json, sys
clean, pgd, cosine = json.load(open(sys.argv[1]))["conditions"]
top1 = lambda c: c["metrics"]["top1"]["value"]
assert pgd["condition"].startswith("pgd:") and cosine["condition"].startswith("pgd_cosine:"), (pgd, cosine)
assert 0.1 < top1(pgd) < top1(clean) - 0.2, (top1(clean), top1(pgd))
assert abs(top1(cosine) - top1(pgd)) <= 0.01, (top1(pgd), top1(cosine))
assert cosine["gradient_evaluations"] > 0, cosine
print("pgd_cosine: clean top1 %.3f, pgd %.3f, pgd_cosine %.3f" % (top1(clean), top1(pgd), top1(cosine)))
PY

sdk_size=$(du -cb "$tmp/prefix/include/roz" "$tmp/prefix/lib/cmake/RozSDK" "$tmp/prefix"/lib/libroz_sdk.so* \
  "$tmp/prefix/lib/libroz_support.a" | tail -1 | cut -f1)
echo "installed SDK (headers, CMake package, libroz_sdk, libroz_support): $sdk_size bytes"
echo "out-of-tree plugin test passed"
