#!/usr/bin/env python3
"""A supervised image classifier and a CLIP-style model side by side in one `roz run`, checked against
the same classifier run in PyTorch on the same images.

The classifier is tests/fixtures' Fashion-MNIST CNN (a TorchScript archive with class_names in its
roz.json); the CLIP-style model is the embedded mini-CLIP. The run: Fashion-MNIST test (in
distribution) clean, under gaussian_noise, FGSM and a text-prompt attack; MNIST as the OOD set. Checked:
- the classifier is evaluated on every image condition, its head is `label_set` (no logit_scale), and
  the prompt attack is not applicable to it (no condition stored), while mini-CLIP has all of them;
- per image, roz's stored clean logits equal the archive's logits in PyTorch on the IDX pixels
  (|difference| <= 1e-4), and roz's FGSM predictions equal PyTorch's FGSM (x + eps sign grad CE,
  clipped to [0,1]) on >= 99% of the images, with every perturbation within eps;
- the metrics: top-1 from the records, OOD detection without MCM for the classifier (no cosines)
  and its MSP AUROC equal to scikit-learn's on the stored logits.

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
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
from make_classifier_models import idx  # noqa: E402  (the fixture's IDX reader)

FASHION = Path("/usr/share/datasets/fashion-mnist")
EPS = 2 / 255
CONFIG = """seed: 4
batch_size: 50
models: [mini_clip, "torchscript:path={archive}"]
datasets:
  - {{name: fashion-mnist, role: in_distribution, per_class: 20}}
  - {{name: mnist, role: ood, limit: 100}}
corruptions:
  - {{name: gaussian_noise, severities: [3]}}
attacks:
  - {{name: fgsm, eps: 2/255}}
  - {{name: word_substitution, k: 1, limit: 40}}
metrics: [accuracy, attack_success, ood_detection]
bootstrap: 0
"""


def fail(message):
    sys.exit("FAIL: " + message)


def main():
    roz, fixtures = sys.argv[1], Path(sys.argv[2])
    archive = fixtures / "fashion_mnist_classifier.pt"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "run.yaml").write_text(CONFIG.format(archive=archive))
        subprocess.run([roz, "-q", "--threads", "2", "run", str(tmp / "run.yaml"), "--out", str(tmp / "run")],
                       check=True)
        db = sqlite3.connect(tmp / "run" / "results.db")
        conditions = {}
        for cid, model, dataset, condition, status, attributes in db.execute(
                "SELECT id, model, dataset, condition, status, attributes FROM conditions"):
            conditions[("classifier" if model.startswith("torchscript") else "clip", dataset,
                        condition.split(":")[0])] = (cid, status, json.loads(attributes))
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
            want = "label_set" if key[0] == "classifier" else "prompts"
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
                    if c["model"].startswith("torchscript") and c["dataset"] == "fashion-mnist"
                    and c["condition"] == "clean"]
        if len(got_top1) != 1 or abs(got_top1[0] - top1) > 1e-12:
            fail("the report's clean top-1 %s, the records' %s" % (got_top1, top1))
        ood = {r["name"]: r["value"] for r in report["summaries"]
               if r["model"].startswith("torchscript") and r["metric"].startswith("ood_detection")
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


if __name__ == "__main__":
    main()
