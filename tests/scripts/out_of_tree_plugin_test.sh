#!/usr/bin/env bash
# Installs roz into a temporary prefix, builds the example attack against the installed RozSDK
# package alone (no include path, library or runpath from the source or build tree), and runs it
# from --plugin-path with the installed roz.
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
# What the plugin was built from: the installed prefix and system paths only.
source_tree=$(cd "$plugin_src/../.." && pwd) build_tree=$(cd "$build_dir" && pwd)
ninja -C "$tmp/plugin-build" -t commands > "$tmp/commands.txt"
readelf -d "$tmp/plugin-build/random_noise.so" >> "$tmp/commands.txt"
for tree in "$source_tree/sdk" "$source_tree/core" "$source_tree/plugins" "$build_tree"; do
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
grep -q "(NEEDED).*\[libroz_sdk.so.$abi_major\]" "$tmp/commands.txt" || fail "random_noise.so does not need libroz_sdk.so.$abi_major"

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

sdk_size=$(du -cb "$tmp/prefix/include/roz" "$tmp/prefix/lib/cmake/RozSDK" "$tmp/prefix"/lib/libroz_sdk.so* | tail -1 | cut -f1)
echo "installed SDK (headers, CMake package, libroz_sdk): $sdk_size bytes"
echo "out-of-tree plugin test passed"
