#!/usr/bin/env bash
# roz overlap end to end: a sharded index searched by one process and by `mpirun -n 2` (each rank
# its share of the shards, top-k merged on rank 0) gives identical neighbours; an IVF index
# (memory-mapped) agrees with the exact one; dedup within a set and between test and train; the
# calibration and the verified audit; bad input is one clear error line and a non-zero exit on every
# rank, never a hang.
set -euo pipefail
roz=$1
cifar=$2  # the shipped CIFAR-10 sample (an ImageFolder)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun -n 2 --allow-run-as-root --oversubscribe)

"$roz" -q embed --model pixels --dataset fashion-mnist-train --limit 6000 --out "$tmp/train.npy"
"$roz" -q overlap build --embeddings "$tmp/train.npy" --index Flat --shard-vectors 2000 --out "$tmp/flat"
[ "$(ls "$tmp"/flat/shard-*.faiss | wc -l)" -eq 3 ] || fail "expected 3 index shards"
# Uncalibrated, with the embedding threshold given: the nearest cosine decides (no verification).
audit=(overlap audit --model pixels --dataset fashion-mnist --limit 300 --k 5 --threshold 0.95)

"$roz" --threads 1 "${audit[@]}" --index "$tmp/flat" --out "$tmp/one" > /dev/null 2> "$tmp/one.err" || { cat "$tmp/one.err"; fail "single-process audit"; }
timeout 300 "${mpi[@]}" "$roz" --threads 1 "${audit[@]}" --index "$tmp/flat" --out "$tmp/two" > /dev/null 2> "$tmp/two.err" || { cat "$tmp/two.err"; fail "mpirun -n 2 audit"; }
grep -q "2 rank(s)" "$tmp/two.err" || fail "the mpirun audit did not run on 2 ranks"
cmp "$tmp/one/overlap-fashion-mnist.csv" "$tmp/two/overlap-fashion-mnist.csv" || fail "2 ranks differ from 1"
[ "$(wc -l < "$tmp/one/overlap-fashion-mnist.csv")" -eq 301 ] || fail "expected 300 audited images"

# IVF (memory-mapped inverted lists) against the exact index: the same nearest neighbour for >= 95%.
"$roz" -q overlap build --embeddings "$tmp/train.npy" --index IVF16,Flat --out "$tmp/ivf"
"$roz" --threads 1 "${audit[@]}" --index "$tmp/ivf" --nprobe 4 --out "$tmp/ivf-audit" > /dev/null 2>&1
same=$(paste -d, <(cut -d, -f6 "$tmp/one/overlap-fashion-mnist.csv") <(cut -d, -f6 "$tmp/ivf-audit/overlap-fashion-mnist.csv") | awk -F, 'NR > 1 && $1 == $2' | wc -l)
[ "$same" -ge 285 ] || fail "IVF16,Flat nprobe=4 recall@1 $same/300 against Flat"

# The other index families the docs name: a graph (HNSW) and a rotated product quantiser (OPQ,
# re-ranked exactly), each finding the exact nearest neighbour for >= 90% of the images.
for spec in HNSW32 OPQ16,IVF16,PQ16,RFlat; do
  "$roz" -q overlap build --embeddings "$tmp/train.npy" --index "$spec" --out "$tmp/$spec" 2> /dev/null
  "$roz" --threads 1 "${audit[@]}" --index "$tmp/$spec" --out "$tmp/$spec-audit" > /dev/null 2>&1
  same=$(paste -d, <(cut -d, -f6 "$tmp/one/overlap-fashion-mnist.csv") <(cut -d, -f6 "$tmp/$spec-audit/overlap-fashion-mnist.csv") | awk -F, 'NR > 1 && $1 == $2' | wc -l)
  [ "$same" -ge 270 ] || fail "$spec recall@1 $same/300 against Flat"
done

# Dedup: within the training subset, and the test images against it.
"$roz" -q overlap dedup --embeddings "$tmp/train.npy" --out "$tmp/dedup" > /dev/null
python3 - "$tmp/dedup" << 'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/dedup.json"))
assert d["items"] == 6000, d
assert d["pairs"] > 0 and d["groups"] > 0 and d["removable"] == d["items_in_groups"] - d["groups"] > 0, d
rows = open(sys.argv[1] + "/duplicates.csv").read().splitlines()[1:]
assert len(rows) == d["pairs"], (len(rows), d)
assert all(float(r.split(",")[4]) >= 0.95 for r in rows)
assert all(int(r.split(",")[0]) < int(r.split(",")[2]) for r in rows), "a within-set pair is listed twice or with itself"
PY
"$roz" -q embed --model pixels --dataset fashion-mnist --limit 300 --out "$tmp/test.npy"
"$roz" -q overlap dedup --embeddings "$tmp/test.npy" --against "$tmp/flat" --out "$tmp/cross" > /dev/null
flagged=$(awk -F, 'NR > 1 && $3 != "none"' "$tmp/one/overlap-fashion-mnist.csv" | wc -l)
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['items_with_duplicate'] == int(sys.argv[2]), d" "$tmp/cross/dedup.json" "$flagged" || fail "dedup --against disagrees with the audit"

# Calibration: copies of 50 test images planted among the 6,000 training vectors; then the audit
# takes its thresholds from it and verifies every neighbour on the pixels.
"$roz" overlap calibrate --index "$tmp/flat" --model pixels --dataset fashion-mnist --copies 50 --seed 3 > "$tmp/cal.out" 2> "$tmp/cal.err" || { cat "$tmp/cal.err"; fail "calibrate"; }
grep -q "calibration: $tmp/flat/calibration.json" "$tmp/cal.out" || fail "calibrate did not name its file"
python3 - "$tmp/flat/calibration.json" << 'PY' || fail "calibration.json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["copies"] == 50 and c["queries"] == 100 and c["seed"] == 3, c
for stage in ("embedding", "verification"):
    s = c[stage]
    assert s["threshold"] is not None and s["precision"] >= 0.99 and s["positives"] == 50, (stage, s)
    curve = s["curve"]
    assert all(a[0] > b[0] for a, b in zip(curve, curve[1:])), "thresholds not descending"
    assert all(a[2] <= b[2] for a, b in zip(curve, curve[1:])), "recall not growing as the threshold falls"
assert set(c["recall_by_edit"]) <= {"jpeg", "rescale", "crop", "photometric", "rotation", "text"}, c
PY
"$roz" overlap calibrate --index "$tmp/flat" --model pixels --dataset fashion-mnist --copies 50 --seed 4 --check 2> "$tmp/check.err" > /dev/null
grep -q "on seed 4 (50 planted copies of 'fashion-mnist'): precision" "$tmp/check.err" || fail "calibrate --check"
cmp -s <(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seed'])" "$tmp/flat/calibration.json") <(echo 3) || fail "--check rewrote the calibration"
calibrated=(overlap audit --model pixels --dataset fashion-mnist --limit 300 --k 5)
"$roz" "${calibrated[@]}" --index "$tmp/flat" --out "$tmp/verified" > /dev/null 2> "$tmp/verified.err" || { cat "$tmp/verified.err"; fail "calibrated audit"; }
grep -q "copies verified" "$tmp/verified.err" || fail "the audit does not report verified copies"
awk -F, 'NR > 1 && $5 == ""' "$tmp/verified/overlap-fashion-mnist.csv" | grep -q . && fail "a readable neighbour was not verified"
flagged=$(awk -F, 'NR > 1 && $3 != "none"' "$tmp/verified/overlap-fashion-mnist.csv" | wc -l)

# roz run with an overlap section: the audit lands in the run's store and the report splits by it;
# a resumed run keeps the finished audit.
export ROZ_CACHE_DIR="$tmp/cache"
cat > "$tmp/run.yaml" << YAML
models: [mini_clip]
datasets: [{name: fashion-mnist, limit: 300}]
attacks: [{name: fgsm, eps: 2/255, limit: 100}]
bootstrap: 0
overlap: {index: $tmp/flat, model: pixels}
YAML
"$roz" --threads 1 run "$tmp/run.yaml" --out "$tmp/run" > /dev/null 2> "$tmp/run.err" || { cat "$tmp/run.err"; fail "roz run with overlap"; }
grep -q "overlap audit of fashion-mnist: 300 images" "$tmp/run.err" || fail "roz run did not audit"
grep -q "## Contamination audit: fashion-mnist" "$tmp/run/report.md" || fail "no contamination section in report.md"
grep -q "verified on the pixels .* thresholds calibrated on 50 planted copies of 'fashion-mnist' (seed 3" "$tmp/run/report.md" || fail "the report does not say how copies were verified"
python3 - "$tmp/run/summary.csv" "$flagged" << 'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
n = {(r["scope"], r["condition"]): float(r["value"]) for r in rows if r["name"] == "samples"}
assert n[("overlap_subset", "clean")] == int(sys.argv[2]), n
assert n[("overlap_subset", "clean")] + n[("clean_subset", "clean")] == 300, n
fgsm = [k for k in n if k[1].startswith("fgsm")]
assert sum(n[k] for k in fgsm) == 100, n  # the attack's 100 images, split the same way
top1 = {r["scope"]: float(r["value"]) for r in rows if r["name"] == "top1" and r["condition"] == "clean"}
assert set(top1) == {"condition", "overlap_subset", "clean_subset"}, top1
share = n[("overlap_subset", "clean")] / 300
assert abs(share * top1["overlap_subset"] + (1 - share) * top1["clean_subset"] - top1["condition"]) < 1e-9, top1
PY
"$roz" --threads 1 run "$tmp/run.yaml" --out "$tmp/run" --resume > /dev/null 2> "$tmp/resume.err"
grep -q "overlap audit of fashion-mnist: finished earlier, kept" "$tmp/resume.err" || fail "the resumed run audited again"

# Bad input: one error line naming it, non-zero exit. An uncalibrated index needs --threshold; a
# calibration of another model is refused.
expect_error() {
  local pattern=$1; shift
  if "$@" > /dev/null 2> "$tmp/err"; then fail "accepted: $*"; fi
  grep -q "$pattern" "$tmp/err" || { cat "$tmp/err"; fail "error does not name '$pattern': $*"; }
}
expect_error "has no calibration" "$roz" overlap audit --model pixels --dataset fashion-mnist --limit 10 --index "$tmp/ivf" --out "$tmp/bad"
expect_error "hash" "$roz" overlap calibrate --model mini_clip --dataset fashion-mnist --index "$tmp/flat"

# A pre-training image that cannot be read any more is skipped by verification, counted and named.
mkdir -p "$tmp/pre/airplane" "$tmp/pre/ship"
for c in airplane ship; do ln -s "$cifar"/$c/*.jpg "$tmp/pre/$c/"; done
"$roz" -q embed --model pixels --dataset "$tmp/pre" --out "$tmp/pre.npy"
"$roz" -q overlap build --embeddings "$tmp/pre.npy" --out "$tmp/pre-index"
gone=$(ls "$tmp/pre/airplane" | head -n 1)
rm "$tmp/pre/airplane/$gone"
"$roz" overlap audit --model pixels --dataset "$cifar" --per-class 2 --index "$tmp/pre-index" --threshold 0.95 --verify-threshold 0.98 --out "$tmp/gone" > /dev/null 2> "$tmp/gone.err" || { cat "$tmp/gone.err"; fail "audit with an unreadable pre-training image"; }
grep -q "not verified: .*$gone" "$tmp/gone.err" || { cat "$tmp/gone.err"; fail "the unreadable image is not named"; }
python3 - "$tmp/gone/results.db" "$gone" << 'PY' || fail "the stored audit does not count and name the unreadable image"
import json, sqlite3, sys
(audit,), = sqlite3.connect(sys.argv[1]).execute("SELECT audit FROM overlap_audits")
a = json.loads(audit)
assert a["unreadable_neighbours"] == 1 and sys.argv[2] in a["unreadable_examples"][0], a
PY

expect_error "IVF0,Nope" "$roz" overlap build --embeddings "$tmp/train.npy" --index IVF0,Nope --out "$tmp/bad"
expect_error "already holds an index" "$roz" overlap build --embeddings "$tmp/train.npy" --out "$tmp/flat"
expect_error "no file matches" "$roz" overlap build --embeddings "$tmp/none-*.npy" --out "$tmp/bad"
expect_error "hash" "$roz" overlap audit --model mini_clip --dataset fashion-mnist --limit 10 --index "$tmp/flat" --out "$tmp/bad"
mv "$tmp/flat/shard-00001.faiss" "$tmp/moved.faiss"
expect_error "shard-00001.faiss" timeout 300 "${mpi[@]}" "$roz" --threads 1 "${audit[@]}" --index "$tmp/flat" --out "$tmp/bad"
echo "overlap: ok"
