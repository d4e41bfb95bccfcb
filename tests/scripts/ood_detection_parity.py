#!/usr/bin/env python3
"""ood_detection against an independent computation in Python, on the same stored logits.

Runs `roz run` on the demo's pairing (the embedded mini-CLIP, Fashion-MNIST test as the
in-distribution set, MNIST test digits as the OOD set, scored with the Fashion-MNIST head), reads the
records from results.db and recomputes every value of the ood_detection row with numpy, scipy and
scikit-learn, the implementations the OOD literature reports with: AUROC = roc_auc_score, AUPR-In =
average_precision_score with the in-distribution samples positive, AUPR-Out = the same with the OOD
samples positive on negated scores, FPR95 = the FPR of the first roc_curve point with TPR >= 0.95.
Scores: MSP, MCM (softmax of logits / (logit_scale * tau)), max logit, energy (logsumexp).

Usage: ood_detection_parity.py ROZ
"""
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.special import logsumexp, softmax
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

TOLERANCE = 0.002  # the bound; the differences seen are float rounding of tied scores

CONFIG = """seed: 0
batch_size: 100
models: [mini_clip]
datasets:
  - {name: fashion-mnist, role: in_distribution, per_class: 30}
  - {name: mnist, role: ood, limit: 300}
metrics: [ood_detection]
bootstrap: 0
"""


def stored_logits(db, condition_id):
    rows = db.execute("SELECT logits FROM records WHERE condition_id = ? AND status = 'ok'", (condition_id,))
    return np.stack([np.frombuffer(blob, dtype="<f4") for (blob,) in rows]).astype(np.float64)


def scores(logits, logit_scale, tau=1.0):
    return {
        "msp": softmax(logits, axis=1).max(axis=1),
        "mcm": softmax(logits / (logit_scale * tau), axis=1).max(axis=1),
        "max_logit": logits.max(axis=1),
        "energy": logsumexp(logits, axis=1),
    }


def reference_values(id_scores, ood_scores):
    out = {}
    for name in id_scores:
        s = np.concatenate([id_scores[name], ood_scores[name]])
        is_id = np.concatenate([np.ones(len(id_scores[name])), np.zeros(len(ood_scores[name]))])
        fpr, tpr, _ = roc_curve(is_id, s, drop_intermediate=False)
        out["auroc_" + name] = roc_auc_score(is_id, s)
        out["fpr95_" + name] = fpr[np.argmax(tpr >= 0.95)]
        out["aupr_in_" + name] = average_precision_score(is_id, s)
        out["aupr_out_" + name] = average_precision_score(1 - is_id, -s)
    return out


def main():
    roz = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "ood.yaml").write_text(CONFIG)
        subprocess.run([roz, "-q", "--threads", "1", "run", str(tmp / "ood.yaml"), "--out", str(tmp / "run")],
                       check=True)
        db = sqlite3.connect(tmp / "run" / "results.db")
        conditions = {dataset: (cid, json.loads(attributes))
                      for cid, dataset, attributes in db.execute("SELECT id, dataset, attributes FROM conditions")}
        id_cid, id_attributes = conditions["fashion-mnist"]
        ood_cid, ood_attributes = conditions["mnist"]
        assert ood_attributes.get("label_space") == "fashion-mnist", ood_attributes
        labels = [label for (label,) in db.execute("SELECT label FROM records WHERE condition_id = ?", (ood_cid,))]
        assert labels and set(labels) == {-1}, "OOD records keep a label: %s" % sorted(set(labels))
        id_logits, ood_logits = stored_logits(db, id_cid), stored_logits(db, ood_cid)
        assert id_logits.shape == (300, 10) and ood_logits.shape == (300, 10), (id_logits.shape, ood_logits.shape)
        want = reference_values(scores(id_logits, float(id_attributes["logit_scale"])),
                                scores(ood_logits, float(ood_attributes["logit_scale"])))

        report = json.loads((tmp / "run" / "report.json").read_text())
        got = {r["name"]: r["value"] for r in report["summaries"]
               if r["metric"].startswith("ood_detection:") and r["dataset"] == "mnist"}
        assert set(got) == set(want), "values: roz %s, reference %s" % (sorted(got), sorted(want))
        worst = max(abs(got[k] - want[k]) for k in want)
        for k in sorted(want):
            print("%-18s roz %.6f  reference %.6f" % (k, got[k], want[k]))
        print("largest difference %.2e (tolerance %g)" % (worst, TOLERANCE))
        if worst > TOLERANCE:
            sys.exit("FAIL: ood_detection differs from the Python reference by %.4f" % worst)


if __name__ == "__main__":
    main()
