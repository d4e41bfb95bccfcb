#!/usr/bin/env python3
"""What a researcher runs instead of roz for a clean zero-shot evaluation: open_clip and a plain
PyTorch loop (a DataLoader over an ImageFolder with open_clip's own preprocessing transforms, the
class head from prompts, top-1), as CLIP_benchmark does. It reports images/s of the evaluation loop
(the head is built before the clock starts), so `roz bench throughput` on the same model, images,
batch size and threads can be set beside it (tools/bench/vs_open_clip.sh runs both).

  open_clip_zero_shot_loop.py --images DIR [--model ViT-B-32] [--seed 0] [--batch-size 32]
      [--threads 2] [--workers 1] [--repeats 3] [--device cpu]

The model has random weights from --seed, the same ones tools/export_open_clip.py --seed exports.
"""
import argparse
import json
import statistics
import time

import open_clip
import torch
import torchvision


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", required=True, help="ImageFolder: one folder per class")
    p.add_argument("--model", default="ViT-B-32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=1, help="DataLoader decode workers")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model, _, preprocess = open_clip.create_model_and_transforms(args.model, pretrained=None)
    model = model.eval().to(args.device)
    tokenizer = open_clip.get_tokenizer(args.model)
    dataset = torchvision.datasets.ImageFolder(args.images, transform=preprocess)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, num_workers=args.workers)
    with torch.no_grad():
        prompts = tokenizer(["a photo of a %s." % c for c in dataset.classes]).to(args.device)
        head = torch.nn.functional.normalize(model.encode_text(prompts), dim=-1)
    rates, correct = [], 0
    for _ in range(args.repeats):
        correct, start = 0, time.perf_counter()
        with torch.no_grad():
            for images, labels in loader:
                features = torch.nn.functional.normalize(model.encode_image(images.to(args.device)), dim=-1)
                logits = 100.0 * features @ head.T
                correct += (logits.argmax(dim=-1).cpu() == labels).sum().item()
        rates.append(len(dataset) / (time.perf_counter() - start))
    print(json.dumps({"model": args.model, "images": len(dataset), "batch_size": args.batch_size,
                      "threads": args.threads, "workers": args.workers, "repeats": args.repeats,
                      "eval_img_per_s": statistics.median(rates), "runs": rates, "top1": correct / len(dataset),
                      "torch": torch.__version__, "open_clip": open_clip.__version__}, indent=2))


if __name__ == "__main__":
    main()
