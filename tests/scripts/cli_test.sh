#!/usr/bin/env bash
# The roz command line as a script sees it: JSON on stdout alone, one-line errors, exit codes.
set -euo pipefail
roz=$1 model=$2 data=$3 broken=$4 clip_like=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

abi=$(sed -n 's/^#define ROZ_ABI_MAJOR \([0-9]*\).*/\1/p' "$(dirname "$0")/../../sdk/include/roz/abi.hpp").$(sed -n 's/^#define ROZ_ABI_MINOR \([0-9]*\).*/\1/p' "$(dirname "$0")/../../sdk/include/roz/abi.hpp")
"$roz" --version | grep -q "plugin ABI $abi" || fail "--version (expected plugin ABI $abi)"
"$roz" --version | grep -q "LibTorch 2\.15\." || fail "--version: LibTorch 2.15 expected ($("$roz" --version))"

[ "$("$roz" tokenize "a diagram")" = "49406 320 22697 49407" ] || fail "tokenize"
[ "$("$roz" tokenize --json "a photo of a" "Café")" = '{"ids":[49406,320,1125,539,320,49407],"text":"a photo of a"}
{"ids":[49406,15304,49407],"text":"Café"}' ] || fail "tokenize --json"

# A device this machine does not have: one line naming it, exit code 2, before any work.
cuda=$("$roz" --version | sed -n 's/.*CUDA devices: \([0-9]*\).*/\1/p')
[ -n "$cuda" ] || fail "--version does not report the CUDA device count: $("$roz" --version)"
if [ "$cuda" = 0 ]; then
  missing=cuda want="--device 'cuda': this machine (or this LibTorch build) has no usable CUDA device"
else
  missing=cuda:$cuda want="--device 'cuda:$cuda': there are $cuda CUDA devices"
fi
if "$roz" --device "$missing" eval --model mini_clip --dataset "$data" 2> "$tmp/dev.err"; then fail "--device $missing accepted"; else rc=$?; fi
[ "$rc" = 2 ] || fail "--device $missing: exit code $rc"
grep -qF -- "$want" "$tmp/dev.err" || fail "--device $missing: $(cat "$tmp/dev.err")"
if "$roz" --device gpu0 tokenize a 2> "$tmp/dev2.err"; then fail "--device gpu0 accepted"; fi
grep -qF -- "--device 'gpu0': not a device (cpu, cuda or cuda:N)" "$tmp/dev2.err" || fail "--device gpu0: $(cat "$tmp/dev2.err")"
# --precision: one line naming the option, exit 2; fp16 training is refused by name (no loss scaling).
if "$roz" --precision half tokenize a 2> "$tmp/prec.err"; then fail "--precision half accepted"; else rc=$?; fi
[ "$rc" = 2 ] || fail "--precision half: exit code $rc"
grep -qF -- "--precision 'half': not a precision (fp32, bf16 or fp16)" "$tmp/prec.err" || fail "--precision half: $(cat "$tmp/prec.err")"
if "$roz" --precision fp16 train --model mini_clip --limit 8 --batch-size 4 --out "$tmp/t.pt" 2> "$tmp/fp16.err"; then
  fail "roz train --precision fp16 accepted"
fi
grep -qF "fp16 needs loss scaling" "$tmp/fp16.err" || fail "roz train --precision fp16: $(cat "$tmp/fp16.err")"
# ECE is written by its unit (a fraction: percent) in roz eval's table and in the report alike, and
# report.json and summary.csv name the unit.
"$roz" -q eval --model mini_clip --dataset fashion-mnist --limit 64 --metric calibration --out "$tmp/cal" > "$tmp/cal.txt"
python3 - "$tmp/cal.txt" "$tmp/cal" <<'PY' || fail "ECE printed differently by roz eval and the report"
import csv, json, re, sys
table = open(sys.argv[1]).read().splitlines()
header = next(l for l in table if l.startswith("CONDITION")).split()
clean = next(l for l in table if l.startswith("clean")).split()
eval_ece, eval_nll = clean[header.index("ece")], clean[header.index("nll")]
md = open(sys.argv[2] + "/report.md").read().splitlines()
cols = [c.strip() for c in next(l for l in md if l.startswith("| condition")).split("|")]
row = [c.strip() for c in next(l for l in md if l.startswith("| `clean`")).split("|")]
report_ece, report_nll = row[cols.index("ece")].split(" ")[0], row[cols.index("nll")].split(" ")[0]
ece = json.load(open(sys.argv[2] + "/report.json"))["conditions"][0]["metrics"]["ece"]
assert ece["unit"] == "fraction" and 0 < ece["value"] < 1, ece
assert eval_ece == report_ece == "%.2f" % (100 * ece["value"]), (eval_ece, report_ece, ece)
assert eval_nll == report_nll and "." in eval_nll and len(eval_nll.split(".")[1]) == 4, (eval_nll, report_nll)
units = {r["name"]: r["unit"] for r in csv.DictReader(open(sys.argv[2] + "/summary.csv"))}
assert units["ece"] == "fraction" and units["nll"] == "nats", units
PY
# bf16 evaluation says so in its report.
"$roz" -q --precision bf16 eval --model mini_clip --dataset fashion-mnist --limit 8 --json > "$tmp/bf16.json"
python3 -c "import json,sys; r=json.load(open('$tmp/bf16.json'))['run']; sys.exit(r['precision'] != 'bf16' or r['device'] != 'cpu')" ||
  fail "roz eval --precision bf16: the report does not record it"

"$roz" plugins list --json > "$tmp/list.json" 2> "$tmp/list.err"
python3 - "$tmp/list.json" "$abi" <<'PY'
import json, sys
listing = json.load(open(sys.argv[1]))
kinds = {p["kind"] for p in listing["plugins"]}
assert kinds == {"model", "attack", "corruption", "metric"}, kinds
for p in listing["plugins"]:
    assert p["abi"] == sys.argv[2] and p["path"].endswith(".so") and p["version"], p
PY

# A broken plugin on the path: stdout is still valid JSON listing the good plugins, the error is
# one line on stderr naming the file.
ROZ_BROKEN_DEFECT=abi_major "$roz" plugins list --json --plugin-path "$broken/defective" > "$tmp/list2.json" 2> "$tmp/list2.err"
python3 - "$tmp/list2.json" "$broken/defective/defective.so" <<'PY'
import json, sys
listing = json.load(open(sys.argv[1]))
assert len(listing["plugins"]) >= 4
assert listing["errors"][0]["path"] == sys.argv[2], listing["errors"]
PY
[ "$(grep -c "defective.so': ABI major version mismatch" "$tmp/list2.err")" = 1 ] || fail "abi error line"

# ROZ_PLUGIN_PATH is searched too.
# (listed to a file first: grep -q leaving early would end a long listing with SIGPIPE under pipefail)
ROZ_BROKEN_DEFECT=factory_throws ROZ_PLUGIN_PATH="$broken/defective" "$roz" plugins list > "$tmp/path_list.txt"
grep -q throwing_factory "$tmp/path_list.txt" || fail "ROZ_PLUGIN_PATH"

"$roz" plugins info jpeg_compression --json > "$tmp/info.json"
python3 - "$tmp/info.json" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
params = {p["name"]: p for p in info["params"]}
assert params["severity"]["default"] == "1" and params["severity"]["max"] == 5, params
assert params["quality"]["default"] is None and not params["quality"]["required"], params
assert info["capabilities"] == ["deterministic"]
PY
"$roz" plugins info fgsm | grep -q "range \[0, 1\]" || fail "info text"
# Column widths follow the content: the longest names keep two spaces before the next column.
"$roz" plugins list | grep -Eq "^metric +effective_robustness  +[0-9]" || fail "plugins list runs a long name into the next column"
"$roz" plugins info char_edit | grep -Eq "^    edits +string list  +" || fail "plugins info runs a long type into the next column"
if "$roz" plugins info no_such_plugin 2> "$tmp/info.err"; then fail "unknown plugin accepted"; fi
grep -q "no plugin named 'no_such_plugin'" "$tmp/info.err" || fail "unknown plugin message"

eval_args=(eval --model "torchscript:path=$model,resolution=32" --dataset "$data" --support-per-class 5 --per-class 5)

# roz bench attack: one attack step against a bare forward+backward, overall and marginal.
"$roz" bench attack --model mini_clip --dataset fashion-mnist --batch-size 16 --repeats 1 \
  --attack bim:eps=1/255,steps=2 --json > "$tmp/bench_attack.json"
python3 - "$tmp/bench_attack.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
assert b["batch_size"] == 16 and b["gradient_evaluations"] > 0, b
assert b["step_over_bare"] > 0 and b["marginal_step_over_bare"] != 0, b
PY
# roz bench preprocess: every stage timed on the 21 shipped photographs.
"$roz" bench preprocess --repeats 1 --json > "$tmp/bench_preprocess.json"
python3 - "$tmp/bench_preprocess.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
assert b["images"] == 21 and b["threads"] == 1, b
assert all(b["ms_per_image"][k] > 0 for k in ("decode", "pil_bicubic_224", "pil_bilinear_256_224", "opencv_224_before")), b
assert b["pil_over_opencv"] > 0, b
PY
if "$roz" "${eval_args[@]}" --attack fgsm:epsilon=0.1 > /dev/null 2> "$tmp/e1.err"; then fail "unknown parameter accepted"; fi
grep -q "attack plugin 'fgsm': unknown parameter 'epsilon' (known: eps, norm)" "$tmp/e1.err" || fail "unknown parameter message"
if "$roz" "${eval_args[@]}" --corruption "jpeg_compression:severity=(3" > /dev/null 2> "$tmp/e2.err"; then fail "bad spec accepted"; fi
grep -q "key 'severity'" "$tmp/e2.err" || fail "malformed spec message"
if ROZ_BROKEN_DEFECT=factory_throws "$roz" "${eval_args[@]}" --attack throwing_factory --plugin-path "$broken/defective" > /dev/null 2> "$tmp/e3.err"; then
  fail "throwing factory accepted"
fi
grep -q "attack plugin 'throwing_factory' ($broken/defective/defective.so): create failed: deliberate failure in the factory" \
  "$tmp/e3.err" || fail "factory message"

# An --out that cannot be written is refused before anything is computed.
touch "$tmp/a_file"
if "$roz" "${eval_args[@]}" --out "$tmp/a_file/dir" > /dev/null 2> "$tmp/out.err"; then fail "unwritable --out accepted"; fi
grep -q "roz eval --out '$tmp/a_file/dir': cannot write there" "$tmp/out.err" || fail "--out message: $(cat "$tmp/out.err")"
grep -q "clean" "$tmp/out.err" && fail "roz eval computed before refusing --out"
# --out keeps the results store and writes the run report there; --json prints report.json.
"$roz" -v "${eval_args[@]}" --corruption jpeg_compression:quality=10 --json --out "$tmp/evalrun" > "$tmp/eval.json" 2> "$tmp/eval.err"
[ -f "$tmp/evalrun/results.db" ] && [ -f "$tmp/evalrun/report.html" ] || fail "roz eval --out: no store or report in it"
python3 - "$tmp/eval.json" "$tmp/evalrun/report.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a == b
assert [c["condition"] for c in a["conditions"]] == ["clean", "jpeg_compression:severity=1,variant=auto,quality=10"]
assert len(a["conditions"][0]["model_sha256"]) == 64 and a["run"]["seed"] == "0", a["run"]
assert a["unfinished"] == [] and "bootstrap95" in a["conditions"][0]["metrics"]["top1"], a["conditions"][0]
PY
# The store holds a run: without --resume it is refused, with it nothing is recomputed.
if "$roz" "${eval_args[@]}" --corruption jpeg_compression:quality=10 --out "$tmp/evalrun" > /dev/null 2> "$tmp/again.err"; then
  fail "roz eval into a store that holds a run accepted without --resume"
fi
grep -q "already holds a run: add --resume" "$tmp/again.err" || fail "eval rerun message: $(cat "$tmp/again.err")"
"$roz" "${eval_args[@]}" --corruption jpeg_compression:quality=10 --json --out "$tmp/evalrun" --resume \
  > "$tmp/resumed.json" 2> "$tmp/resumed.err"
[ "$(grep -c "finished earlier, kept" "$tmp/resumed.err")" = 2 ] || fail "eval --resume recomputed: $(cat "$tmp/resumed.err")"
python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a['conditions'] != b['conditions'])" \
  "$tmp/eval.json" "$tmp/resumed.json" || fail "eval --resume: other numbers"
# The same store reads like a run's: roz report recomputes the same report.
"$roz" -q report "$tmp/evalrun" --to "$tmp/evalreport" > /dev/null
python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a != b)" \
  "$tmp/eval.json" "$tmp/evalreport/report.json" || fail "roz report of an eval store differs from roz eval's"

# An attack that throws after the clean condition costs that condition only: clean and the
# corruption are printed and written to --out, the failure is named, and the exit code is 1.
if "$roz" "${eval_args[@]}" --corruption jpeg_compression:quality=10 --attack broken_attack --plugin-path "$broken/defective" \
    --json --out "$tmp/partial" > "$tmp/partial.out" 2> "$tmp/partial.err"; then
  fail "an attack that throws did not fail roz eval"
fi
grep -q "1 of 3 conditions did not finish" "$tmp/partial.err" || fail "partial eval message: $(cat "$tmp/partial.err")"
python3 - "$tmp/partial.out" "$tmp/partial/report.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a == b
clean, jpeg = a["conditions"]
assert "top1" in clean["metrics"] and "top1" in jpeg["metrics"] and "error" not in clean, clean
[attack] = a["unfinished"]
assert attack["condition"] == "broken_attack" and attack["metrics"] == {} and attack["samples"] == 0
assert attack["status"] == "failed" and "perturb failed: deliberate failure inside perturb" in attack["error"], attack
PY
# A YAML config with the same keys; flags override it.
cat > "$tmp/eval.yaml" <<YAML
model: {name: torchscript, path: "$model", resolution: 32}
dataset: $data
seed: 5
support_per_class: 5
per_class: 3
attacks: [{name: fgsm, eps: 2/255}]
YAML
"$roz" -q eval --config "$tmp/eval.yaml" --per-class 2 --json > "$tmp/cfg.json"
python3 - "$tmp/cfg.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
config = json.loads(r["run"]["config"])  # the run the evaluation is (JSON is YAML)
assert r["run"]["seed"] == "5" and config["datasets"][0]["support_per_class"] == 5, r["run"]
assert [c["samples"] for c in r["conditions"]] == [20, 20], r["conditions"]
assert r["conditions"][1]["condition"] == "fgsm:eps=0.00784313725490196,norm=linf"
PY
printf 'sead: 1\n' > "$tmp/bad.yaml"
if "$roz" eval --config "$tmp/bad.yaml" 2> "$tmp/bad.err"; then fail "bad config accepted"; fi
grep -q "config '$tmp/bad.yaml': key 'sead': unknown key" "$tmp/bad.err" || fail "bad config message"
# Zero-shot (prompt ensemble) with a CLIP-like archive stored like OpenAI's (fp16, cuda constants).
# The second run finds the prompt head in the cache (and says so).
for run in 1 2; do
  "$roz" eval --model "torchscript:path=$clip_like,resolution=32" --dataset cifar10-sample --per-class 2 \
    --template "a photo of a {}." --template "a sketch of a {}." --cache-dir "$tmp/cache" --json \
    > "$tmp/zs$run.json" 2> "$tmp/zs$run.err"
done
! grep -q "cache hit" "$tmp/zs1.err" || fail "cache hit on the first run"
grep -q "zero-shot head: cache hit" "$tmp/zs2.err" || fail "no cache hit on the second run"
python3 - "$tmp/zs1.json" "$tmp/zs2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert len(json.loads(a["run"]["config"])["templates"]) == 2 and a["conditions"][0]["samples"] == 20, a
assert a["conditions"][0]["metrics"] == b["conditions"][0]["metrics"]
PY
# roz embed and roz bench run end to end.
"$roz" -q embed --model "torchscript:path=$model,resolution=32" --dataset "$data" --limit 20 --out "$tmp/e.npy"
[ "$(wc -l < "$tmp/e.ids.jsonl")" = 20 ] || fail "embed ids"
[ "$(head -c 6 "$tmp/e.npy" | tail -c 5)" = "NUMPY" ] || fail "embed npy"
"$roz" -q bench throughput --model "torchscript:path=$model,resolution=32" --dataset "$data" --limit 64 --repeats 1 \
  --json > "$tmp/bench.json"
python3 - "$tmp/bench.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
assert b["forward_img_per_s"] > 0 and b["eval_img_per_s"] > 0 and b["images"] == 64, b
PY
echo "cli test passed"
