#!/usr/bin/env bash
# roz run end to end: a run killed with SIGKILL and resumed ends with the same records and report as
# an uninterrupted one; two shards merged give it too; bad input is one clear error line, exit code
# non-zero, nothing stored lost; the HTML report renders its charts in headless Chromium.
set -euo pipefail
roz=$1 config=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export ROZ_CACHE_DIR="$tmp/cache"
count() { /usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM records').fetchone()[0])" "$1" 2> /dev/null || echo 0; }

"$roz" --threads 1 run "$config" --out "$tmp/straight" 2> "$tmp/straight.err" > "$tmp/straight.out" || { cat "$tmp/straight.err"; fail "uninterrupted run"; }
grep -q "report.html" "$tmp/straight.out" || fail "roz run does not say where the report is"
# The first run fills the prompt-head cache, a second reads it, --no-cache neither reads nor needs it.
! grep -q "cache hit" "$tmp/straight.err" || fail "cache hit on the first run"
"$roz" --threads 1 run "$config" --out "$tmp/cached" --no-report 2> "$tmp/cached.err" > /dev/null || fail "second run"
grep -q "zero-shot head: cache hit" "$tmp/cached.err" || fail "a second run did not read the prompt-head cache"
"$roz" --threads 1 run "$config" --out "$tmp/uncached" --no-report --no-cache 2> "$tmp/uncached.err" > /dev/null || fail "run --no-cache"
! grep -q "cache hit" "$tmp/uncached.err" || fail "run --no-cache read the prompt-head cache"
total=$(count "$tmp/straight/results.db")

# Killed in the middle (inside the PGD condition), then resumed.
"$roz" --threads 1 run "$config" --out "$tmp/killed" 2> /dev/null > /dev/null &
pid=$!
for _ in $(seq 1200); do
  [ "$(count "$tmp/killed/results.db")" -ge 1700 ] && break
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2> /dev/null || true
stored=$(count "$tmp/killed/results.db")
[ "$stored" -lt "$total" ] || fail "the killed run had finished before the kill ($stored of $total records)"
[ "$stored" -gt 0 ] || fail "nothing stored before the kill"

# roz report --to reads a finished run read-only (read-only storage): the run directory is left
# exactly as it was, and the report is the one roz run wrote.
ls -l --time-style=+%s.%N "$tmp/straight" > "$tmp/before.ls"
sum_before=$(sha256sum "$tmp/straight/results.db")
"$roz" report "$tmp/straight" --to "$tmp/elsewhere" > /dev/null 2> "$tmp/elsewhere.err" || { cat "$tmp/elsewhere.err"; fail "report --to"; }
ls -l --time-style=+%s.%N "$tmp/straight" > "$tmp/after.ls"
cmp -s "$tmp/before.ls" "$tmp/after.ls" || fail "report --to changed the run directory: $(diff "$tmp/before.ls" "$tmp/after.ls")"
[ "$(sha256sum "$tmp/straight/results.db")" = "$sum_before" ] || fail "report --to changed results.db"
cmp -s "$tmp/straight/summary.csv" "$tmp/elsewhere/summary.csv" || fail "report --to: another summary.csv"

# A store damaged on disk (garbage over its middle) is refused before --resume computes anything into
# it, naming the file; an empty (truncated) one is not taken for a new run.
mkdir "$tmp/damaged" "$tmp/empty"
cp "$tmp/straight/results.db" "$tmp/damaged/"
size=$(stat -c %s "$tmp/damaged/results.db")
head -c 65536 /dev/zero | tr '\0' 'Z' | dd of="$tmp/damaged/results.db" bs=1 seek=$((size / 2)) conv=notrunc status=none
if "$roz" run "$config" --out "$tmp/damaged" --resume 2> "$tmp/damaged.err" > /dev/null; then fail "resumed into a damaged store"; fi
grep -q "$tmp/damaged/results.db" "$tmp/damaged.err" || fail "the damaged store is not named: $(cat "$tmp/damaged.err")"
: > "$tmp/empty/results.db"
if "$roz" run "$config" --out "$tmp/empty" --resume 2> "$tmp/empty.err" > /dev/null; then fail "ran into an empty store"; fi
grep -q "the file is empty (0 bytes)" "$tmp/empty.err" || fail "empty store message: $(cat "$tmp/empty.err")"

# SIGTERM (kill, a scheduler's time limit) stops it like Ctrl-C: the batch in flight finishes, the
# exit code is non-zero and the message says how to go on.
"$roz" --threads 1 run "$config" --out "$tmp/terminated" 2> "$tmp/terminated.err" > /dev/null &
pid=$!
for _ in $(seq 1200); do
  [ "$(count "$tmp/terminated/results.db")" -ge 200 ] && break
  sleep 0.05
done
# Meanwhile a second run on the same --out stops at once, naming the first.
if "$roz" run "$config" --out "$tmp/terminated" --resume 2> "$tmp/second.err" > /dev/null; then fail "two runs wrote one store"; fi
grep -q "is being written by another roz run (pid $pid)" "$tmp/second.err" || fail "second writer: $(cat "$tmp/second.err")"
kill -TERM "$pid"
if wait "$pid"; then fail "a terminated run exited 0"; fi
grep -q "rerun with --resume" "$tmp/terminated.err" || fail "SIGTERM: no resume hint: $(tail -3 "$tmp/terminated.err")"
[ "$(count "$tmp/terminated/results.db")" -lt "$total" ] || fail "the terminated run had finished"

# Without --resume the stored run is refused and kept.
if "$roz" run "$config" --out "$tmp/killed" 2> "$tmp/again.err" > /dev/null; then fail "a second run over a stored one must fail"; fi
grep -q -- "--resume" "$tmp/again.err" || fail "the refusal does not mention --resume: $(cat "$tmp/again.err")"
[ "$(count "$tmp/killed/results.db")" = "$stored" ] || fail "the refused run changed the store"

# Resuming at another precision would mix bf16 and fp32 records: refused, the store kept.
if "$roz" --precision bf16 run "$config" --out "$tmp/killed" --resume 2> "$tmp/prec.err" > /dev/null; then
  fail "a bf16 resume of an fp32 run must fail"
fi
grep -q "was computed at precision fp32, not bf16" "$tmp/prec.err" || fail "precision refusal: $(cat "$tmp/prec.err")"
[ "$(count "$tmp/killed/results.db")" = "$stored" ] || fail "the refused resume changed the store"

# Resuming a condition stored with other attributes (here: another preprocessing, as an older roz
# resized) would mix two measurements: refused, naming the attribute.
cp -r "$tmp/killed" "$tmp/tampered"
/usr/bin/python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE conditions SET attributes = json_set(attributes, '\$.preprocessing', 'resize 28 bilinear, crop 28')\"); c.commit()" "$tmp/tampered/results.db"
if "$roz" --threads 1 run "$config" --out "$tmp/tampered" --resume 2> "$tmp/tampered.err" > /dev/null; then
  fail "a resume over records of another preprocessing must fail"
fi
grep -q "preprocessing: stored 'resize 28 bilinear, crop 28', now 'resize 28 bicubic, crop 28'" "$tmp/tampered.err" ||
  fail "attribute refusal: $(cat "$tmp/tampered.err")"

"$roz" --threads 1 run "$config" --out "$tmp/killed" --resume 2> "$tmp/resume.err" > /dev/null || { cat "$tmp/resume.err"; fail "resume"; }
grep -q "finished earlier, kept\|resuming" "$tmp/resume.err" || fail "the second run did not resume"

# Two shards, merged.
"$roz" --threads 1 run "$config" --out "$tmp/sharded" --shard 0/2 2> /dev/null > /dev/null || fail "shard 0/2"
"$roz" --threads 1 run "$config" --out "$tmp/sharded" --shard 1/2 2> /dev/null > /dev/null || fail "shard 1/2"
"$roz" merge "$tmp/sharded" 2> "$tmp/merge.err" > /dev/null || { cat "$tmp/merge.err"; fail "merge"; }

/usr/bin/python3 - "$tmp/straight" "$tmp/killed" "$tmp/sharded" <<'PY'
import json, sqlite3, sys
def records(d):
    db = sqlite3.connect(d + "/results.db")
    rows = db.execute("SELECT c.key, r.sample_id, r.status, r.label, r.accepted, r.logits, r.embedding, r.linf, r.l2,"
                      " r.metadata FROM records r JOIN conditions c ON c.id = r.condition_id").fetchall()
    done = db.execute("SELECT COUNT(*) FROM conditions WHERE status != 'done'").fetchone()[0]
    assert done == 0, d + ": unfinished conditions"
    return sorted(rows)
straight = records(sys.argv[1])
assert len(straight) > 1500, len(straight)
for other in sys.argv[2:]:
    o = records(other)
    assert o == straight, "%s: %d records differ from the uninterrupted run's" % (other, sum(a != b for a, b in zip(o, straight)))
    a, b = (open(p + "/summary.csv").read() for p in (sys.argv[1], other))
    assert a == b, other + ": summary.csv differs"
report = json.load(open(sys.argv[1] + "/report.json"))
kinds = {c["kind"] for c in report["conditions"]}
assert kinds == {"clean", "corruption", "attack", "text_attack"}, kinds
clean = [c for c in report["conditions"] if c["kind"] == "clean" and c["dataset"] == "fashion-mnist"][0]
top1 = clean["metrics"]["top1"]
assert top1["value"] > 0.8 and top1["bootstrap95"][0] < top1["value"] < top1["bootstrap95"][1], top1
for c in report["conditions"]:
    if c["kind"] != "clean":
        assert c["metrics"]["top1"]["value"] < top1["value"], (c["condition"], c["metrics"]["top1"])
assert report["run"]["seed"] == "3"
print("run kill/resume and shard/merge: %d records identical" % len(straight))
PY

# Bad input: one error line naming the key, plugin or path; exit code non-zero.
expect_error() {  # name, fragment, config text
  printf '%s\n' "$3" > "$tmp/$1.yaml"
  if "$roz" run "$tmp/$1.yaml" --out "$tmp/bad-$1" 2> "$tmp/$1.err" > /dev/null; then fail "$1: exit code 0"; fi
  [ "$(grep -c "error" "$tmp/$1.err")" = 1 ] || fail "$1: not one error line: $(cat "$tmp/$1.err")"
  grep -q -- "$2" "$tmp/$1.err" || fail "$1: the error does not name '$2': $(cat "$tmp/$1.err")"
}
expect_error malformed "line 2" $'models: [mini_clip\ndatasets: ]]'
expect_error unknown_key "sead" $'models: [mini_clip]\ndatasets: [fashion-mnist]\nsead: 3'
expect_error unknown_plugin "no_such_attack" $'models: [mini_clip]\ndatasets: [fashion-mnist]\nattacks: [no_such_attack]'
expect_error unknown_param "epsilon" $'models: [mini_clip]\ndatasets: [fashion-mnist]\nattacks: ["fgsm:epsilon=1"]'
expect_error missing_dataset "/nonexistent/data" $'models: [mini_clip]\ndatasets: [/nonexistent/data]'
expect_error bad_role "role" $'models: [mini_clip]\ndatasets: [{name: mnist, role: train}]'

# The HTML report renders its charts in headless Chromium (no network).
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --virtual-time-budget=5000 \
  --dump-dom "file://$tmp/straight/report.html" > "$tmp/dom.html" 2> "$tmp/chromium.err" || { cat "$tmp/chromium.err"; fail "chromium"; }
/usr/bin/python3 - "$tmp/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
charts = re.search(r'data-charts="(\d+)"', dom)
rendered = re.search(r'data-charts-rendered="(\d+)"', dom)
assert charts and rendered, "the report's check script did not run"
assert int(charts.group(1)) >= 4 and charts.group(1) == rendered.group(1), (charts.group(1), rendered.group(1))
for title in ("top-1 accuracy per condition", "gaussian_noise", "robust accuracy vs eps"):
    assert title in dom, title
print("report renders %s charts" % rendered.group(1))
PY
echo "run test passed"
