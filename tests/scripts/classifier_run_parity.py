#!/usr/bin/env python3
"""Supervised image classifiers and a CLIP-style model side by side in one `roz run`, checked against
the same classifier run in PyTorch on the same images, and effective robustness against the
classifiers' trend checked against scipy on the stored records.

The classifier is tests/fixtures' Fashion-MNIST CNN (a TorchScript archive with class_names in its
roz.json); the CLIP-style model is the embedded mini-CLIP. The run: Fashion-MNIST test (in
distribution) clean, under gaussian_noise, FGSM and a text-prompt attack; MNIST as the OOD set. Checked:
- the classifier is evaluated on every image condition, its head is `label_set` (no logit_scale), and
  the prompt attack is not applicable to it (no condition stored), while mini-CLIP has all of them;
- per image, roz's stored clean logits equal the archive's logits in PyTorch on the IDX pixels
  (|difference| <= 1e-4), and roz's FGSM predictions equal PyTorch's FGSM (x + eps sign grad CE,
  clipped to [0,1]) on >= 99% of the images, with every perturbation within eps;
- the metrics: top-1 from the records, OOD detection without MCM for the classifier (no cosines)
  and its MSP AUROC equal to scikit-learn's on the stored logits;
- effective robustness on a class-subset shift (Fashion-MNIST training images of 5 of the 10
  classes): in-distribution top-1 restricted to those classes (samples and logits), the trend
  fitted by scipy.stats.linregress in logit space over the two classifiers only, mini-CLIP's
  effective robustness against it and relative robustness to the first classifier, within 1e-9.

Usage: classifier_run_parity.py ROZ FIXTURE_DIR
"""
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from scipy.stats import linregress
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
from make_classifier_models import idx  # noqa: E402  (the fixture's IDX reader)

FASHION = Path("/usr/share/datasets/fashion-mnist")
EPS = 2 / 255
SHIFT_CLASSES = [1, 3, 5, 7, 9]
SHIFT_MANIFEST = """name: fm-shift
reader: idx
root: {root}
images: train-images-idx3-ubyte.gz
labels: train-labels-idx1-ubyte.gz
classes: {{file: classes.txt, subset: subset.txt}}
class_keys: {{file: keys.txt, subset: subset.txt}}
"""
CONFIG = """seed: 4
batch_size: 50
models: [mini_clip, "torchscript:path={archive}", "torchscript:path={weak}"]
datasets:
  - {{name: fashion-mnist, role: in_distribution, per_class: 20}}
  - {{name: {shift}, role: shift, per_class: 30}}
  - {{name: mnist, role: ood, limit: 100}}
corruptions:
  - {{name: gaussian_noise, severities: [3]}}
attacks:
  - {{name: fgsm, eps: 2/255}}
  - {{name: word_substitution, k: 1, limit: 40}}
metrics: [accuracy, attack_success, ood_detection, effective_robustness]
bootstrap: 0
"""


def fail(message):
    sys.exit("FAIL: " + message)


def main():
    roz, fixtures = sys.argv[1], Path(sys.argv[2])
    archive, weak = fixtures / "fashion_mnist_classifier.pt", fixtures / "fashion_mnist_classifier_weak.pt"
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "classes.txt").write_text("\n".join(names) + "\n")
        (tmp / "keys.txt").write_text("\n".join(str(i) for i in range(10)) + "\n")
        (tmp / "subset.txt").write_text("\n".join(str(i) for i in SHIFT_CLASSES) + "\n")
        (tmp / "shift.yaml").write_text(SHIFT_MANIFEST.format(root=FASHION))
        (tmp / "run.yaml").write_text(CONFIG.format(archive=archive, weak=weak, shift=tmp / "shift.yaml"))
        subprocess.run([roz, "-q", "--threads", "2", "run", str(tmp / "run.yaml"), "--out", str(tmp / "run")],
                       check=True)
        db = sqlite3.connect(tmp / "run" / "results.db")
        conditions = {}
        for cid, model, dataset, condition, status, attributes in db.execute(
                "SELECT id, model, dataset, condition, status, attributes FROM conditions"):
            kind = "clip" if not model.startswith("torchscript") else "weak" if "weak" in model else "classifier"
            conditions[(kind, dataset, condition.split(":")[0])] = (cid, status, json.loads(attributes))
        for model in ("clip", "classifier"):
            for key in [("fashion-mnist", "clean"), ("mnist", "clean"), ("fashion-mnist", "gaussian_noise"),
                        ("fashion-mnist", "fgsm")]:
                if conditions.get((model, *key), (0, ""))[1] != "done":
                    fail("%s: no finished condition %s: %s" % (model, key, sorted(conditions)))
        if ("clip", "fashion-mnist", "word_substitution") not in conditions:
            fail("mini-CLIP has no prompt-attack condition")
        if ("classifier", "fashion-mnist", "word_substitution") in conditions:
            fail("a prompt attack was stored for the image classifier")
        for key, (_, _, attributes) in conditions.items():
            want = "prompts" if key[0] == "clip" else "label_set"
            if attributes.get("head") != want or (("logit_scale" in attributes) != (key[0] == "clip")):
                fail("%s: head %s, logit_scale %s" % (key, attributes.get("head"), attributes.get("logit_scale")))

        def records(key):
            rows = db.execute("SELECT sample_id, label, logits FROM records WHERE condition_id = ? AND status = 'ok' "
                              "ORDER BY sample_id", (conditions[key][0],))
            ids, labels, logits = zip(*[(s, l, np.frombuffer(b, dtype="<f4")) for s, l, b in rows])
            return [int(s.split("#")[1]) for s in ids], np.array(labels), np.stack(logits)

        # Per image: the archive in PyTorch on the same IDX pixels (28 px: no resize), normalised as its
        # roz.json says.
        model = torch.jit.load(str(archive)).eval()
        pixels = idx(FASHION / "t10k-images-idx3-ubyte.gz")
        truth = idx(FASHION / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
        index, labels, clean = records(("classifier", "fashion-mnist", "clean"))
        if len(index) != 200 or not (labels == truth[index]).all():
            fail("clean records: %d images, labels equal to the IDX labels: %s" % (len(index), labels == truth[index]))
        x = torch.from_numpy(pixels[index].astype(np.float32) / 255).unsqueeze(1).expand(-1, 3, -1, -1).contiguous()
        with torch.no_grad():
            want = model((x - 0.5) / 0.5).numpy()
        worst = np.abs(clean - want).max()
        print("clean logits: largest difference to PyTorch %.2e over %d images" % (worst, len(index)))
        if worst > 1e-4:
            fail("roz's clean logits differ from PyTorch's by %g" % worst)
        top1 = (clean.argmax(1) == labels).mean()
        print("classifier clean top-1 %.3f" % top1)
        if top1 < 0.7:
            fail("the trained classifier's clean top-1 is %.3f" % top1)

        attacked_index, _, attacked = records(("classifier", "fashion-mnist", "fgsm"))
        xa = x[[index.index(i) for i in attacked_index]].clone().requires_grad_(True)
        y = torch.from_numpy(truth[attacked_index])
        loss = torch.nn.functional.cross_entropy(model((xa - 0.5) / 0.5), y)
        (grad,) = torch.autograd.grad(loss, xa)
        with torch.no_grad():
            adversarial = (xa + EPS * grad.sign()).clamp(0, 1)
            reference = model((adversarial - 0.5) / 0.5).argmax(1).numpy()
        agree = (attacked.argmax(1) == reference).mean()
        print("FGSM predictions equal to PyTorch's on %.1f%% of %d images; robust top-1 roz %.3f, PyTorch %.3f"
              % (100 * agree, len(reference), (attacked.argmax(1) == y.numpy()).mean(), (reference == y.numpy()).mean()))
        if agree < 0.99:
            fail("FGSM agrees with PyTorch's on %.3f of the images" % agree)
        linf = max(v for (v,) in db.execute("SELECT linf FROM records WHERE condition_id = ?",
                                            (conditions[("classifier", "fashion-mnist", "fgsm")][0],)))
        if linf > EPS + 1e-6:
            fail("an FGSM perturbation of %g exceeds eps %g" % (linf, EPS))

        report = json.loads((tmp / "run" / "report.json").read_text())
        got_top1 = [c["metrics"]["top1"]["value"] for c in report["conditions"]
                    if c["model"].startswith("torchscript") and "weak" not in c["model"] and c["dataset"] == "fashion-mnist"
                    and c["condition"] == "clean"]
        if len(got_top1) != 1 or abs(got_top1[0] - top1) > 1e-12:
            fail("the report's clean top-1 %s, the records' %s" % (got_top1, top1))
        ood = {r["name"]: r["value"] for r in report["summaries"]
               if r["model"].startswith("torchscript") and "weak" not in r["model"] and r["metric"].startswith("ood_detection")
               and r["dataset"] == "mnist"}
        if "auroc_msp" not in ood or any("mcm" in name for name in ood):
            fail("the classifier's OOD row: %s" % sorted(ood))
        _, _, ood_logits = records(("classifier", "mnist", "clean"))

        def msp(logits):
            e = np.exp(logits - logits.max(1, keepdims=True))
            return (e / e.sum(1, keepdims=True)).max(1)

        s = np.concatenate([msp(clean.astype(np.float64)), msp(ood_logits.astype(np.float64))])
        auroc = roc_auc_score(np.r_[np.ones(len(clean)), np.zeros(len(ood_logits))], s)
        print("classifier OOD AUROC (MSP): roz %.6f, scikit-learn %.6f" % (ood["auroc_msp"], auroc))
        if abs(ood["auroc_msp"] - auroc) > 0.002:
            fail("OOD AUROC differs from scikit-learn's")

        # Effective robustness against the classifiers' trend, from the stored records.
        points = {}
        for kind in ("clip", "classifier", "weak"):
            _, id_labels, id_logits = records((kind, "fashion-mnist", "clean"))
            keep = np.isin(id_labels, SHIFT_CLASSES)
            restricted = id_logits[keep][:, SHIFT_CLASSES].argmax(1)
            id_top1 = (np.array(SHIFT_CLASSES)[restricted] == id_labels[keep]).mean()
            _, shift_labels, shift_logits = records((kind, "fm-shift", "clean"))
            points[kind] = (id_top1, (shift_logits.argmax(1) == shift_labels).mean())

        def logit(p):
            return np.log(p / (1 - p))

        fit = linregress([logit(points[k][0]) for k in ("classifier", "weak")],
                         [logit(points[k][1]) for k in ("classifier", "weak")])
        rows = {}
        for r in report["summaries"]:
            if r["metric"].startswith("effective_robustness") and r["dataset"] == "fm-shift":
                kind = "clip" if not r["model"].startswith("torchscript") else "weak" if "weak" in r["model"] \
                    else "classifier"
                rows.setdefault(kind, {})[r["name"]] = r["value"]
        for kind, (id_top1, shift_top1) in points.items():
            predicted = 1 / (1 + np.exp(-(fit.slope * logit(id_top1) + fit.intercept)))
            want = {"id_top1": id_top1, "shift_top1": shift_top1, "fit_slope": fit.slope,
                    "fit_intercept": fit.intercept, "effective_robustness": shift_top1 - predicted,
                    "accuracy_drop": id_top1 - shift_top1,
                    "relative_robustness": shift_top1 - points["classifier"][1]}
            got = rows.get(kind, {})
            for name, value in want.items():
                if name not in got or abs(got[name] - value) > 1e-9:
                    fail("effective_robustness of %s: %s roz %s, scipy %s" % (kind, name, got.get(name), value))
        print("effective robustness on fm-shift: mini-CLIP %.4f against the classifiers' line (slope %.4f, "
              "intercept %.4f); in-distribution top-1 on the shift's classes %.3f, all classes %.3f"
              % (rows["clip"]["effective_robustness"], fit.slope, fit.intercept, points["clip"][0],
                 (records(("clip", "fashion-mnist", "clean"))[2].argmax(1)
                  == records(("clip", "fashion-mnist", "clean"))[1]).mean()))


if __name__ == "__main__":
    main()
