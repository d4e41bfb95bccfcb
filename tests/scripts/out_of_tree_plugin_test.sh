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

"$roz" plugins list --json --plugin-path "$tmp/plugin-build" > "$tmp/list.json"
abi=$(sed -n 's/^#define ROZ_ABI_MAJOR \([0-9]*\).*/\1/p' "$tmp/prefix/include/roz/abi.hpp").$(sed -n 's/^#define ROZ_ABI_MINOR \([0-9]*\).*/\1/p' "$tmp/prefix/include/roz/abi.hpp")
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
