#!/usr/bin/env python3
"""Compares RoZ's ImageNet-C corruption plugins with the Python reference, for fidelity and speed.

The reference is bethgelab's `imagecorruptions` 1.1.2 (Apache-2.0; the package of Hendrycks &
Dietterich's ImageNet-C code), installed from PyPI into a separate virtual environment:
    python3 -m venv .venv && .venv/bin/pip install -r tools/imagenet_c_reference/requirements.txt
    .venv/bin/python tools/imagenet_c_reference/compare.py
It is only run here as an external program; none of its code is part of RoZ.

Steps (--steps, default all four, each re-runnable on its own):
  prepare    the photos in --images -> 224x224 clean inputs: shorter side resized to --size with
             bicubic interpolation (cv2.INTER_CUBIC on RGB), centre crop; WORK/clean/<stem>.png
  reference  imagecorruptions.corrupt() for its 19 corruptions x severities 1-5 on each clean image,
             np.random.seed(--seed) before each call (--vary-seed: --seed + the image's index, so
             the random corruptions draw differently per image as RoZ's per-file seeds do);
             WORK/reference/<corruption>/<severity>/<stem>.png.
             Timed single-threaded (one warm-up call, then --repeats passes over the images); the
             median milliseconds per image of each (corruption, severity) go to
             WORK/reference_timings.json and tools/imagenet_c_reference/timings_<size>.json, the file
             `roz bench corruptions --reference` reads ("ms_per_image": corruption -> "1".."5" -> ms)
  roz        `roz corrupt --corruption all --in WORK/clean --out WORK/roz --seed 0`
  compare    per corruption and severity, over the images: mean |roz - reference| (0-255 levels) and
             the share of values differing by more than 1 level; mean |output - clean| for both and
             their ratio roz/reference (what must agree for the random corruptions, whose pixels
             cannot); PSNR against clean for both. WORK/fidelity.json, a Markdown report on stdout and
             in tools/imagenet_c_reference/fidelity_<size>.md

Optional tooling: nothing in the build, `make test` or `make demo` runs this script.
"""
import os

# Single-threaded reference timings: the thread counts must be set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
STEPS = ("prepare", "reference", "roz", "compare")
SEVERITIES = (1, 2, 3, 4, 5)
# Corruptions without randomness: their pixels should match the reference to within rounding.
DETERMINISTIC = ("brightness", "contrast", "saturate", "pixelate", "jpeg_compression", "defocus_blur",
                 "gaussian_blur", "zoom_blur")
RATIO_RANGE = (0.8, 1.25)

cv2.setNumThreads(1)


def load_imagecorruptions():
    """Imports imagecorruptions with two shims for the scikit-image it now runs on.

    skimage.filters.gaussian: imagecorruptions passes `multichannel=True`, which scikit-image 0.19
    deprecated and later releases reject; it becomes `channel_axis=-1` (the same filter).
    skimage.util.random_noise (impulse_noise): without a seed it draws from a fresh, unseeded
    numpy Generator, so np.random.seed would not make impulse_noise reproducible; the shim passes a
    seed drawn from numpy's global generator (the same noise model, reproducible draws).
    """
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    import skimage.filters
    import skimage.util

    original = skimage.filters.gaussian
    if getattr(original, "_roz_shim", False):
        import imagecorruptions
        return imagecorruptions

    def gaussian(image, *args, multichannel=None, **kwargs):
        if multichannel and "channel_axis" not in kwargs:
            kwargs["channel_axis"] = -1
        return original(image, *args, **kwargs)

    original_noise = skimage.util.random_noise

    def random_noise(image, *args, **kwargs):
        if not args and kwargs.get("seed") is None:
            kwargs["seed"] = int(np.random.randint(0, 2 ** 31 - 1))
        return original_noise(image, *args, **kwargs)

    gaussian._roz_shim = True
    skimage.filters.gaussian = gaussian
    skimage.util.random_noise = random_noise
    import imagecorruptions
    import imagecorruptions.corruptions
    imagecorruptions.corruptions.gaussian = gaussian
    return imagecorruptions


def read_rgb(path):
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit("cannot read image '{}'".format(path))
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def write_rgb(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise SystemExit("cannot write image '{}'".format(path))


def clean_images(work):
    files = sorted((work / "clean").glob("*.png"))
    if not files:
        raise SystemExit("no clean images in '{}'; run --steps prepare first".format(work / "clean"))
    return [(f.stem, read_rgb(f)) for f in files]


def resize_center_crop(rgb, size):
    h, w = rgb.shape[:2]
    scale = size / min(h, w)
    new_w, new_h = max(size, int(round(w * scale))), max(size, int(round(h * scale)))
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_CUBIC)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return np.ascontiguousarray(resized[top:top + size, left:left + size])


def step_prepare(args):
    files = sorted(p for p in args.images.iterdir()
                   if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp"))
    if not files:
        raise SystemExit("no images in '{}'".format(args.images))
    out = args.work / "clean"
    if out.exists():
        shutil.rmtree(out)
    for f in files:
        write_rgb(out / (f.stem + ".png"), resize_center_crop(read_rgb(f), args.size))
    print("prepare: {} clean {}x{} images in {}".format(len(files), args.size, args.size, out))


def versions():
    from importlib import metadata
    out = {}
    for dist in ("imagecorruptions", "numpy", "scipy", "scikit-image", "opencv-python-headless", "Pillow",
                 "numba"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def step_reference(args):
    ic = load_imagecorruptions()
    images = clean_images(args.work)
    names = ic.get_corruption_names("all")
    out_dir = args.work / "reference"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    timings = {}
    started = time.perf_counter()
    for name in names:
        timings[name] = {}
        for severity in SEVERITIES:
            np.random.seed(args.seed)  # warm-up
            ic.corrupt(images[0][1], corruption_name=name, severity=severity)
            calls = []
            for r in range(args.repeats):
                for index, (stem, rgb) in enumerate(images):
                    np.random.seed(args.seed + index if args.vary_seed else args.seed)
                    t0 = time.perf_counter()
                    out = ic.corrupt(rgb, corruption_name=name, severity=severity)
                    calls.append((time.perf_counter() - t0) * 1000.0)
                    if r == 0:
                        write_rgb(out_dir / name / str(severity) / (stem + ".png"), np.asarray(out, np.uint8))
            timings[name][str(severity)] = statistics.median(calls)
        print("reference: {:<18} {}  ({:.0f} s so far)".format(
            name, " ".join("{:9.2f}".format(timings[name][str(s)]) for s in SEVERITIES),
            time.perf_counter() - started), flush=True)
    v = versions()
    doc = {
        "tool": "imagecorruptions " + v.get("imagecorruptions", "?"),
        "python": platform.python_version(),
        "versions": v,
        "platform": platform.platform(),
        "threads": 1,
        "size": args.size,
        "images": len(images),
        "repeats": args.repeats,
        "seed": args.seed,
        "seed_mode": "seed + image index" if args.vary_seed else "same seed for every image",
        "statistic": "median over every (repeat, image) call, after one warm-up call",
        "ms_per_image": timings,
        "total_ms_per_image": sum(ms for per in timings.values() for ms in per.values()),
    }
    text = json.dumps(doc, indent=2) + "\n"
    (args.work / "reference_timings.json").write_text(text)
    (HERE / "timings_{}.json".format(args.size)).write_text(text)
    print("reference: total {:.1f} ms per image over {} corruption x severity pairs; wrote {} and {}".format(
        doc["total_ms_per_image"], sum(len(p) for p in timings.values()), args.work / "reference_timings.json",
        HERE / "timings_{}.json".format(args.size)))


def step_roz(args):
    out = args.work / "roz"
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(args.roz), "corrupt", "--corruption", "all", "--in", str(args.work / "clean"), "--out", str(out),
           "--seed", str(args.roz_seed)]
    print("roz: " + " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    print("roz: done in {:.1f} s".format(time.perf_counter() - t0))


def psnr(mse):
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def fmt(x, digits=2):
    return "inf" if x == float("inf") else "{:.{}f}".format(x, digits)


def step_compare(args):
    images = clean_images(args.work)
    ref_dir, roz_dir = args.work / "reference", args.work / "roz"
    names = sorted(p.name for p in ref_dir.iterdir() if p.is_dir()) if ref_dir.exists() else []
    if not names:
        raise SystemExit("no reference outputs in '{}'; run --steps reference first".format(ref_dir))
    ic_order = load_imagecorruptions().get_corruption_names("all")
    names = [n for n in ic_order if n in names] + [n for n in names if n not in ic_order]
    rows = []
    for name in names:
        for severity in SEVERITIES:
            diff, over, change_ref, change_roz, mse_ref, mse_roz, missing = [], [], [], [], [], [], []
            for stem, clean in images:
                rel = pathlib.Path(name) / str(severity) / (stem + ".png")
                if not (ref_dir / rel).exists() or not (roz_dir / rel).exists():
                    missing.append(str(rel))
                    continue
                c = clean.astype(np.float64)
                ref = read_rgb(ref_dir / rel).astype(np.float64)
                roz = read_rgb(roz_dir / rel).astype(np.float64)
                if ref.shape != c.shape or roz.shape != c.shape:
                    raise SystemExit("shape mismatch for {}: clean {} reference {} roz {}".format(
                        rel, c.shape, ref.shape, roz.shape))
                d = np.abs(roz - ref)
                diff.append(d.mean())
                over.append((d > 1).mean())
                change_ref.append(np.abs(ref - c).mean())
                change_roz.append(np.abs(roz - c).mean())
                mse_ref.append(((ref - c) ** 2).mean())
                mse_roz.append(((roz - c) ** 2).mean())
            if missing:
                print("compare: missing {} of {} outputs for {} severity {} (e.g. {})".format(
                    len(missing), len(images), name, severity, missing[0]), file=sys.stderr)
            if not diff:
                continue
            cr, cz = float(np.mean(change_ref)), float(np.mean(change_roz))
            rows.append({
                "corruption": name,
                "severity": severity,
                "images": len(diff),
                "abs_diff_mean": float(np.mean(diff)),
                "over_1_level_fraction": float(np.mean(over)),
                "change_ref": cr,
                "change_roz": cz,
                "change_ratio": cz / cr if cr > 0 else float("nan"),
                # PSNR of the mean squared error pooled over the images (finite unless all are identical).
                "psnr_ref_db": psnr(float(np.mean(mse_ref))),
                "psnr_roz_db": psnr(float(np.mean(mse_roz))),
                "deterministic": name in DETERMINISTIC,
            })
    summary = []
    for name in names:
        rs = [r for r in rows if r["corruption"] == name]
        if not rs:
            continue
        avg = {k: float(np.mean([r[k] for r in rs])) for k in (
            "abs_diff_mean", "over_1_level_fraction", "change_ref", "change_roz", "change_ratio", "psnr_ref_db",
            "psnr_roz_db")}
        summary.append(dict(corruption=name, deterministic=name in DETERMINISTIC, **avg))
    flags = []
    for r in rows:
        if not RATIO_RANGE[0] <= r["change_ratio"] <= RATIO_RANGE[1]:
            flags.append("{} {}: change ratio roz/ref {:.3f} outside [{}, {}]".format(
                r["corruption"], r["severity"], r["change_ratio"], *RATIO_RANGE))
        if r["deterministic"] and r["abs_diff_mean"] > 1:
            flags.append("{} {}: deterministic, mean |roz-ref| {:.2f} > 1 level".format(
                r["corruption"], r["severity"], r["abs_diff_mean"]))
    doc = {"size": args.size, "images": len(images), "ratio_range": list(RATIO_RANGE),
           "deterministic": list(DETERMINISTIC), "rows": rows, "summary": summary, "flags": flags}
    (args.work / "fidelity.json").write_text(json.dumps(doc, indent=2) + "\n")

    timings_file = args.work / "reference_timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {}
    tool = timings.get("tool", "imagecorruptions")
    seed_mode = timings.get("seed_mode", "same seed for every image")
    lines = [
        "# RoZ ImageNet-C corruptions against {} ({}x{}, {} images)".format(tool, args.size, args.size, len(images)),
        "",
        "Written by tools/imagenet_c_reference/compare.py. |roz-ref|: mean absolute difference between the",
        "outputs in 0-255 levels; >1 level: share of values differing by more than one level; change: mean",
        "|output - clean|; ratio: change roz / change ref (the statistic that must agree for the random",
        "corruptions); PSNR against clean from the MSE pooled over the images. Deterministic corruptions",
        "are marked *.",
        "",
        "Reference seeds: np.random.seed before every call, {}; RoZ: `roz corrupt --seed {}` (a seed".format(
            seed_mode, args.roz_seed),
        "per file). With one seed for every image, each random corruption of the reference is a single",
        "draw (one frost overlay and crop, one spatter field, one motion angle) repeated over the images,",
        "so its ratio is that draw's against RoZ's 8 draws, not a mean over draws; --vary-seed varies it.",
        "",
        "## Per corruption (means over severities 1-5)",
        "",
        "| corruption | \\|roz-ref\\| mean | >1 level % | change ref | change roz | ratio | PSNR ref dB | PSNR roz dB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        lines.append("| {}{} | {} | {:.1f} | {} | {} | {:.3f} | {} | {} |".format(
            s["corruption"], " *" if s["deterministic"] else "", fmt(s["abs_diff_mean"]),
            100 * s["over_1_level_fraction"], fmt(s["change_ref"]), fmt(s["change_roz"]), s["change_ratio"],
            fmt(s["psnr_ref_db"]), fmt(s["psnr_roz_db"])))
    lines += ["", "## Flags", ""]
    lines += ["- " + f for f in flags] if flags else ["none: every ratio in [{}, {}] and every deterministic "
                                                     "corruption within 1 level".format(*RATIO_RANGE)]
    lines += [
        "",
        "## Per corruption and severity",
        "",
        "| corruption | severity | \\|roz-ref\\| mean | >1 level % | change ref | change roz | ratio | PSNR ref dB | "
        "PSNR roz dB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append("| {}{} | {} | {} | {:.1f} | {} | {} | {:.3f} | {} | {} |".format(
            r["corruption"], " *" if r["deterministic"] else "", r["severity"], fmt(r["abs_diff_mean"]),
            100 * r["over_1_level_fraction"], fmt(r["change_ref"]), fmt(r["change_roz"]), r["change_ratio"],
            fmt(r["psnr_ref_db"]), fmt(r["psnr_roz_db"])))
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "fidelity_{}.md".format(args.size)).write_text(text)
    print("compare: wrote {} and {}".format(args.work / "fidelity.json", HERE / "fidelity_{}.md".format(args.size)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--images", type=pathlib.Path, default=ROOT / "datasets" / "samples" / "imagenet-photos",
                        help="folder of photos to prepare (default: %(default)s)")
    parser.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/roz_imagenet_c_compare"),
                        help="working folder for clean, reference and roz outputs (default: %(default)s)")
    parser.add_argument("--size", type=int, default=224, help="side of the square clean images (default: 224)")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help="comma-separated subset of {} (default: all)".format(",".join(STEPS)))
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over the images (default: 3)")
    parser.add_argument("--seed", type=int, default=0, help="np.random.seed before each reference call (default: 0)")
    parser.add_argument("--vary-seed", action="store_true",
                        help="seed each reference call with --seed + the image's index instead of --seed")
    parser.add_argument("--roz", type=pathlib.Path, default=ROOT / "build" / "bin" / "roz",
                        help="roz executable (default: %(default)s)")
    parser.add_argument("--roz-seed", type=int, default=0, help="roz corrupt --seed (default: 0)")
    args = parser.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        parser.error("unknown step(s) {}; choose from {}".format(", ".join(unknown), ", ".join(STEPS)))
    if args.repeats < 1 or args.size < 32:
        parser.error("--repeats must be >= 1 and --size >= 32")
    args.work.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        if step in steps:
            globals()["step_" + step](args)


if __name__ == "__main__":
    main()
