#!/usr/bin/env bash
# roz corrupt and roz bench corruptions from the command line: the ImageNet-C-style tree, per-file
# seeds that do not depend on the thread count, one-image mode, bad input named and the rest kept.
set -euo pipefail
roz=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/in/cat" "$tmp/in/dog"
cp "$data/cat/0000.jpg" "$data/cat/0001.jpg" "$tmp/in/cat/"
cp "$data/dog/0000.jpg" "$data/dog/0001.jpg" "$tmp/in/dog/"

"$roz" --threads 2 corrupt --corruption all --severity 1 5 --in "$tmp/in" --out "$tmp/a" --seed 3 2> "$tmp/a.log"
[ "$(find "$tmp/a" -name '*.png' | wc -l)" = 152 ] || fail "19 corruptions x 2 severities x 4 images expected"
[ -f "$tmp/a/fog/5/cat/0001.png" ] || fail "tree layout corruption/severity/class/file"
[ "$(wc -l < "$tmp/a/corruptions.jsonl")" = 152 ] || fail "one manifest line per image"
"$roz" --threads 1 corrupt --corruption all --severity 1 5 --in "$tmp/in" --out "$tmp/b" --seed 3 2> /dev/null
diff -r -x corruptions.jsonl "$tmp/a" "$tmp/b" > /dev/null || fail "output depends on the thread count"
"$roz" corrupt --corruption snow:severity=3 --in "$tmp/in" --out "$tmp/c" --seed 4 2> /dev/null
cmp -s "$tmp/a/snow/5/dog/0000.png" "$tmp/c/snow/3/dog/0000.png" && fail "severities gave the same snow"
python3 - "$tmp/a/corruptions.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
seeds = {l["seed"] for l in lines}
assert len(seeds) == len(lines), "every (corruption, file) has its own seed"
assert all(l["corruption"].endswith("variant=auto") or "severity" in l["corruption"] for l in lines)
PY

# Continuous parameters name their level; a typographic attack records what it wrote.
"$roz" corrupt --corruption jpeg_compression:quality=20 --corruption typographic:text=frog --in "$tmp/in" \
  --out "$tmp/d" 2> /dev/null
[ -f "$tmp/d/jpeg_compression/quality=20/dog/0001.png" ] || fail "continuous level directory"
grep -q '"written_text":"frog"' "$tmp/d/corruptions.jsonl" || fail "typographic metadata"

# Parameter text is one folder name: a '/' is written %2F, so it neither nests folders nor leaves --out.
"$roz" corrupt --corruption gaussian_blur:sigma=8/5 --corruption "typographic:text=/../../../escaped,copies=1,font_scale=0.2" \
  --in "$tmp/in" --out "$tmp/p" 2> /dev/null
[ -f "$tmp/p/gaussian_blur/sigma=8%2F5/dog/0001.png" ] || fail "a '/' in a parameter nested folders"
[ -f "$tmp/p/typographic/text=%2F..%2F..%2F..%2Fescaped,copies=1,font_scale=0.2/dog/0001.png" ] || fail "typographic level folder"
[ -z "$(find "$tmp" -path "$tmp/p" -prune -o -name 'escaped*' -print)" ] || fail "wrote outside --out"

# Class folders whose names sort differently as ids ("cat-2/x" < "cat/x"): the typographic attack must
# write the other class on every image, never the image's own.
mkdir -p "$tmp/near/cat" "$tmp/near/cat-2"
cp "$data/cat/0000.jpg" "$data/cat/0001.jpg" "$tmp/near/cat/"
cp "$data/dog/0000.jpg" "$data/dog/0001.jpg" "$tmp/near/cat-2/"
"$roz" corrupt --corruption typographic --in "$tmp/near" --out "$tmp/n" --seed 5 2> /dev/null
python3 - "$tmp/n/corruptions.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 4, lines
for l in lines:
    own = l["source"].split("/")[0]
    other = {"cat": "cat-2", "cat-2": "cat"}[own]
    assert l["metadata"]["written_text"] == other, (l["source"], l["metadata"])
    assert l["metadata"]["written_label"] == str(sorted(["cat", "cat-2"]).index(other)), l
PY

# One image in, one image out.
"$roz" corrupt --corruption fog:severity=2 --in "$data/cat/0002.jpg" --out "$tmp/one.png" 2> /dev/null
[ -f "$tmp/one.png" ] || fail "single image output"

# A truncated image: named on stderr, exit code 1, every other image still written.
head -c 300 "$data/dog/0002.jpg" > "$tmp/in/dog/broken.jpg"
if "$roz" corrupt --corruption contrast --in "$tmp/in" --out "$tmp/e" 2> "$tmp/e.log"; then fail "broken image not reported"; fi
grep -q "broken.jpg" "$tmp/e.log" || fail "broken image not named"
[ "$(find "$tmp/e" -name '*.png' | wc -l)" = 4 ] || fail "good images lost"
if "$roz" corrupt --corruption no_such_corruption --in "$tmp/in" --out "$tmp/f" 2> "$tmp/f.log"; then fail "unknown plugin accepted"; fi
grep -q "no_such_corruption" "$tmp/f.log" || fail "unknown plugin not named"

"$roz" bench corruptions --size 32 --repeats 1 --images "$tmp/in/cat" --corruption fog --corruption pixelate:severity=2 \
  --json > "$tmp/bench.json"
python3 - "$tmp/bench.json" <<'PY'
import json, sys
bench = json.load(open(sys.argv[1]))
assert [r["corruption"] for r in bench["rows"]] == ["fog", "pixelate"], bench
assert all(r["ms_per_image"] > 0 for r in bench["rows"]) and bench["threads"] == 1 and bench["size"] == 32
PY
if "$roz" bench corruptions --reference "$tmp/missing.json" --corruption fog 2> "$tmp/g.log" > /dev/null; then fail "missing reference accepted"; fi
grep -q "missing.json" "$tmp/g.log" || fail "missing reference file not named"
echo "corrupt CLI: OK"
