#!/usr/bin/env python3
"""Export a torchvision or timm image classifier to a TorchScript archive that RoZ's `torchscript` model
plugin loads as an image classifier: a supervised baseline evaluated on every condition a CLIP model is
(clean, corruptions, attacks, natural shifts with imagenet-testbed's class subsets) and a `transfer`
attack's source model. Run it where you have network access (pretrained weights download on first use);
RoZ itself never downloads anything.

  python3 tools/export_classifier.py --torchvision resnet152 --weights IMAGENET1K_V2 --out rn152.pt
  python3 tools/export_classifier.py --timm resnet50.a1_in1k --pretrained --out rn50_a1.pt

The archive has two methods on normalised NCHW input (roz normalises [0,1] pixels with the recorded
mean/std, so an attack's epsilon means the same for every model): forward(x) -> logits and
encode_image(x) -> the features the last linear layer reads (pre-logits). Its extra file `roz.json`
records the model's evaluation preprocessing as its own library defines it (torchvision's weights
transforms: Resize(resize_size) + CenterCrop(crop_size); timm's: Resize(floor(size / crop_pct)) +
CenterCrop(size); the interpolation, mean and std) and its label set, `class_names`: by default the 1000
ImageNet classes as RoZ's ImageNet manifests name them (datasets/manifests/imagenet/classes.txt), so
ImageNet, -V2, -Sketch, and the class subsets of -R, -A, ObjectNet and the video sets match by name.
With --check (default on) the saved archive must reproduce the original model's logits and have input
gradients.
"""
import argparse
import copy
import json
import math
import os
import sys

import torch

import archive_check

IMAGENET_CLASSES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "manifests",
                                "imagenet", "classes.txt")


class Exported(torch.nn.Module):
    """The classifier split at its last linear layer: encode_image = body, forward = head(body)."""

    def __init__(self, body, head):
        super().__init__()
        self.body, self.head = body, head

    def encode_image(self, image):
        return self.body(image)

    def forward(self, image):
        return self.head(self.body(image))


class TimmExported(torch.nn.Module):
    """A timm model: its own forward, and forward_head(pre_logits=True) as the features."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def encode_image(self, image):
        return self.model.forward_head(self.model.forward_features(image), pre_logits=True)

    def forward(self, image):
        return self.model(image)


def interpolation_name(mode):
    name = str(mode).split(".")[-1].lower()
    if name not in ("bicubic", "bilinear"):
        sys.exit("the model resizes with %s: roz reproduces PIL's bicubic and bilinear filters" % name)
    return name


def split_at_last_linear(model):
    """Replaces the model's last nn.Linear (in module order) by Identity and returns (body, that layer)."""
    path = None
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            path = name
    if path is None:
        sys.exit("the model has no linear layer to read its features before")
    parent = model
    *parents, last = path.split(".")
    for part in parents:
        parent = getattr(parent, part)
    head = getattr(parent, last)
    setattr(parent, last, torch.nn.Identity())
    return model, head


def from_torchvision(name, weights):
    import torchvision

    if weights:
        weights = torchvision.models.get_model_weights(name)[weights]  # e.g. IMAGENET1K_V2 or DEFAULT
    model = torchvision.models.get_model(name, weights=weights).eval()
    if weights:
        t = weights.transforms()
        crop, resize = t.crop_size[0], t.resize_size[0]
        mean, std, interpolation = list(t.mean), list(t.std), interpolation_name(t.interpolation)
    else:  # random weights: torchvision's ImageNet evaluation defaults (ImageClassification's)
        crop, resize = 224, 256
        mean, std, interpolation = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], "bilinear"
    return model, crop, resize, mean, std, interpolation


def from_timm(name, pretrained):
    import timm

    model = timm.create_model(name, pretrained=pretrained).eval()
    config = timm.data.resolve_model_data_config(model)
    if config.get("crop_mode", "center") != "center":
        sys.exit("%s crops with crop_mode=%s: roz reproduces Resize(shorter side) + CenterCrop only"
                 % (name, config["crop_mode"]))
    size = config["input_size"][-1]
    if config["input_size"][-2] != size:
        sys.exit("%s takes %s inputs: roz feeds square crops" % (name, config["input_size"]))
    resize = math.floor(size / config["crop_pct"])  # timm's transforms_factory (eval)
    return model, size, resize, list(config["mean"]), list(config["std"]), interpolation_name(config["interpolation"])


def export(model, wrapper, resolution, resize, mean, std, interpolation, class_names, out, source, check=True):
    """Traces forward and encode_image of `wrapper` and saves them with roz.json; with check, the saved
    archive's logits must equal `model`'s (the unsplit original) and have input gradients."""
    image = torch.randn(2, 3, resolution, resolution)
    with torch.no_grad():
        want = model(image)
    if want.shape[1] != len(class_names):
        sys.exit("the model has %d outputs but %d class names were given" % (want.shape[1], len(class_names)))
    # Traced with gradients enabled, as tools/export_open_clip.py does: under no_grad torch takes inference
    # fast paths (nn.MultiheadAttention's) that have no derivative.
    traced = torch.jit.trace_module(wrapper, {"forward": image, "encode_image": image}, check_trace=False)
    conventions = {"format": "roz-torchscript/1", "resolution": int(resolution), "resize": int(resize),
                   "interpolation": interpolation, "mean": [float(m) for m in mean], "std": [float(v) for v in std],
                   "class_names": class_names, "source": source, "torch": torch.__version__}
    torch.jit.save(traced, out, _extra_files={"roz.json": json.dumps(conventions)})
    if check:
        loaded = torch.jit.load(out)
        other = torch.randn(3, 3, resolution, resolution, requires_grad=True)
        got = loaded(other)
        with torch.no_grad():
            want = model(other)
        archive_check.check_close(got, want, "logits")
        archive_check.check_input_gradient(got.logsumexp(1).sum(), other, "logits")
    return conventions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--torchvision", metavar="NAME", help="torchvision model name, e.g. resnet152")
    source.add_argument("--timm", metavar="NAME", help="timm model name, e.g. resnet50.a1_in1k")
    parser.add_argument("--weights", default=None, help="torchvision weights, e.g. IMAGENET1K_V2 (None: random)")
    parser.add_argument("--pretrained", action="store_true", help="timm: load the pretrained weights")
    parser.add_argument("--class-names", default=IMAGENET_CLASSES,
                        help="the label set, one name per line in logit order (default: RoZ's ImageNet-1k names)")
    parser.add_argument("--seed", type=int, default=0, help="seed of random weights and of the check's inputs")
    parser.add_argument("--out", required=True, help="output TorchScript archive (.pt)")
    parser.add_argument("--no-check", action="store_true", help="skip comparing the archive with the original")
    args = parser.parse_args()

    with open(args.class_names, encoding="utf-8") as f:
        class_names = [line.rstrip("\n") for line in f if line.strip()]
    torch.manual_seed(args.seed)
    if args.torchvision:
        model, resolution, resize, mean, std, interpolation = from_torchvision(args.torchvision, args.weights)
        reference = model
        body, head = split_at_last_linear(copy.deepcopy(model))
        wrapper = Exported(body, head).eval()
        source = "torchvision:%s:%s" % (args.torchvision, args.weights)
    else:
        model, resolution, resize, mean, std, interpolation = from_timm(args.timm, args.pretrained)
        reference, wrapper = model, TimmExported(model).eval()
        source = "timm:%s:%s" % (args.timm, "pretrained" if args.pretrained else "random")
    conventions = export(reference, wrapper, resolution, resize, mean, std, interpolation, class_names, args.out,
                         source, check=not args.no_check)
    conventions["class_names"] = "%d names" % len(class_names)
    print(json.dumps({"archive": args.out, "conventions": conventions, "roz_spec": "torchscript:path=" + args.out},
                     indent=2))


if __name__ == "__main__":
    main()
