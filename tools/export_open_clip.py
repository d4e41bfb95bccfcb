#!/usr/bin/env python3
"""Export an open_clip or Hugging Face (transformers) CLIP model to a TorchScript archive that RoZ's
`torchscript` model plugin loads: methods encode_image(normalised NCHW) and encode_text(token ids),
attribute logit_scale (log scale, as CLIP stores it). Run it where you have network access (the
weights download on first use); RoZ itself never downloads anything.

  pip install open_clip_torch            # or: pip install transformers
  python3 tools/export_open_clip.py --open-clip ViT-B-32 --pretrained laion2b_s34b_b79k --out vit_b32.pt
  python3 tools/export_open_clip.py --hf openai/clip-vit-base-patch32 --out hf_vit_b32.pt

The archive is self-describing: its extra file `roz.json` records the model's preprocessing and text
conventions (input resolution, mean, std, resize interpolation, context length, tokenizer, logit
scale), which the plugin reads, so `torchscript:path=vit_b32.pt` is the whole roz model spec. With
--check (default on) it verifies that the archive reproduces the original model's outputs. Only models
with CLIP's BPE tokenizer are accepted: roz tokenizes prompts with it.
"""
import argparse
import json
import sys

import torch

import archive_check


class Exported(torch.nn.Module):
    """The two towers behind the method names roz calls, plus the log logit scale."""

    def __init__(self, image_fn, text_fn, modules, log_scale):
        super().__init__()
        self.towers = torch.nn.ModuleList(modules)
        self.image_fn, self.text_fn = image_fn, text_fn
        self.logit_scale = torch.nn.Parameter(log_scale.detach().clone().float(), requires_grad=False)

    def encode_image(self, image):
        return self.image_fn(image)

    def encode_text(self, text):
        return self.text_fn(text)


def from_open_clip(name, pretrained):
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=pretrained)
    tokenizer = open_clip.get_tokenizer(name)
    # open_clip returns its CLIP BPE tokenizer as the `tokenize` function (older) or a SimpleTokenizer.
    kind = getattr(tokenizer, "__name__", type(tokenizer).__name__)
    if kind not in ("tokenize", "SimpleTokenizer"):
        sys.exit("%s uses %s, not CLIP's BPE tokenizer: roz cannot tokenize its prompts" % (name, kind))
    normalize = [t for t in preprocess.transforms if type(t).__name__ == "Normalize"][0]
    # roz reproduces open_clip's default eval pipeline, Resize(shorter side) + CenterCrop, bit for bit; its
    # "longest" (ResizeKeepRatio + CenterCropOrPad) and "squash" (Resize((h, w))) modes are not that.
    names = [type(t).__name__ for t in preprocess.transforms]
    resize = [t for t in preprocess.transforms if type(t).__name__ == "Resize"]
    if "ResizeKeepRatio" in names or "CenterCropOrPad" in names or not resize or not isinstance(resize[0].size, int) \
            and len(resize[0].size) != 1:
        sys.exit("%s preprocesses with %s: roz reproduces Resize(shorter side) + CenterCrop only" % (name, names))
    interpolation = str(resize[0].interpolation).split(".")[-1].lower()
    if interpolation not in ("bicubic", "bilinear"):
        sys.exit("%s resizes with %s: roz reproduces PIL's bicubic and bilinear filters" % (name, interpolation))
    size = model.visual.image_size
    resolution = size[0] if isinstance(size, (tuple, list)) else size
    wrapper = Exported(lambda x: model.encode_image(x), lambda t: model.encode_text(t), [model], model.logit_scale)
    return model.eval(), wrapper.eval(), resolution, list(normalize.mean), list(normalize.std), model.context_length, \
        interpolation


def projected(features):
    """The projected embeddings of get_image_features / get_text_features: a tensor up to transformers 4,
    the pooler_output of a BaseModelOutputWithPooling from transformers 5 on."""
    return features if isinstance(features, torch.Tensor) else features.pooler_output


def from_hf(name):
    from transformers import CLIPImageProcessor, CLIPModel

    model = CLIPModel.from_pretrained(name).eval()
    try:
        processor = CLIPImageProcessor.from_pretrained(name)
        mean, std = list(processor.image_mean), list(processor.image_std)
    except OSError:  # no preprocessor config saved with the model: CLIP's constants
        mean, std = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]
    if model.config.text_config.vocab_size != 49408:
        sys.exit("%s has a %d-token vocabulary, not CLIP's BPE: roz cannot tokenize its prompts"
                 % (name, model.config.text_config.vocab_size))
    wrapper = Exported(lambda x: projected(model.get_image_features(pixel_values=x)),
                       lambda t: projected(model.get_text_features(input_ids=t, attention_mask=(t != 0).long())),
                       [model], model.logit_scale)
    return model, wrapper.eval(), model.config.vision_config.image_size, mean, std, \
        model.config.text_config.max_position_embeddings, "bicubic"  # CLIPImageProcessor's resample=3


def export(wrapper, resolution, mean, std, context, interpolation, out, source, pretrained=None, check=True):
    """Traces the wrapper's two methods and saves them with their conventions (roz.json) at `out`.
    Returns the conventions. With check, the saved archive must reproduce the wrapper's outputs."""
    image = torch.randn(2, 3, resolution, resolution)
    text = torch.zeros(2, context, dtype=torch.long)
    text[:, 0], text[0, 1:4], text[0, 4], text[1, 1:3], text[1, 3] = 49406, 320, 49407, 1125, 49407
    # Traced with gradients enabled: under no_grad, torch 2.x's nn.MultiheadAttention takes its inference
    # fast path (aten::_native_multi_head_attention), which has no derivative, and the archive could not
    # be attacked. With gradients on it records the differentiable path (scaled_dot_product_attention).
    # The tracer's own check re-runs under no_grad, takes the fast path and so sees another graph: the
    # check below compares outputs and input gradients of the saved archive instead.
    traced = torch.jit.trace_module(wrapper, {"encode_image": image, "encode_text": text}, check_trace=False)
    conventions = {"format": "roz-torchscript/1", "resolution": int(resolution), "mean": [float(m) for m in mean],
                   "std": [float(v) for v in std], "interpolation": interpolation, "context_length": int(context),
                   "tokenizer": "clip_bpe", "logit_scale": float(wrapper.logit_scale.exp()),
                   "source": source, "pretrained": pretrained, "torch": torch.__version__}
    torch.jit.save(traced, out, _extra_files={"roz.json": json.dumps(conventions)})
    if check:
        loaded = torch.jit.load(out)
        other = torch.randn(3, 3, resolution, resolution, requires_grad=True)
        got_image = loaded.encode_image(other)
        with torch.no_grad():
            want_image, want_text = wrapper.encode_image(other), wrapper.encode_text(text)
            got_text = loaded.encode_text(text)
        archive_check.check_close(got_image, want_image, "encode_image")
        archive_check.check_close(got_text, want_text, "encode_text")
        archive_check.check_input_gradient(got_image.pow(2).sum(), other, "encode_image")
    return conventions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--open-clip", metavar="NAME", help="open_clip model name, e.g. ViT-B-32 or hf-hub:org/repo")
    source.add_argument("--hf", metavar="NAME_OR_DIR", help="Hugging Face transformers CLIP model")
    parser.add_argument("--pretrained", default=None, help="open_clip pretrained tag (None: random weights)")
    parser.add_argument("--seed", type=int, default=0, help="seed of random weights and of the check's inputs")
    parser.add_argument("--out", required=True, help="output TorchScript archive (.pt)")
    parser.add_argument("--no-check", action="store_true", help="skip comparing the archive with the original")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    if args.open_clip:
        _, wrapper, resolution, mean, std, context, interpolation = from_open_clip(args.open_clip, args.pretrained)
    else:
        _, wrapper, resolution, mean, std, context, interpolation = from_hf(args.hf)
    conventions = export(wrapper, resolution, mean, std, context, interpolation, args.out,
                         args.open_clip or args.hf, args.pretrained, check=not args.no_check)
    print(json.dumps({"archive": args.out, "conventions": conventions, "roz_spec": "torchscript:path=" + args.out},
                     indent=2))


if __name__ == "__main__":
    main()
