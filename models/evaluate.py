"""Score prompt adherence on held-out prompts, beside the renderer's ceiling and shuffled-caption chance.

    # quick check of a checkpoint, sampling with PyTorch:
    /usr/bin/python3 models/evaluate.py --weights models/runs/shapes-v1/ema.pt --n 24
    # the issue's measurement, through the exported ONNX graphs (clips made by tools/sample-onnx.mjs):
    /usr/bin/python3 models/evaluate.py --write-prompts /tmp/eval.json --n 200
    node tools/sample-onnx.mjs models/src/zoetrope-shapes /tmp/eval.json /tmp/clips.bin
    /usr/bin/python3 models/evaluate.py --prompts /tmp/eval.json --clips /tmp/clips.bin
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
import struct

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()  # before torch loads: see cpu_env.py

import numpy as np
import torch  # noqa: E402

from zoetrope import world  # noqa: E402
from zoetrope.configs import get_config  # noqa: E402
from zoetrope.data import make_tokenizer  # noqa: E402
from zoetrope.evalset import ATTRS, eval_set, sample_clips, score  # noqa: E402
from zoetrope.flow import SAMPLERS, parse_interval  # noqa: E402


def write_png(img: np.ndarray, path: str) -> None:
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)  # noqa
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def contact_sheet(clips, path, rows=8):
    sheet = np.concatenate([np.concatenate(list(c[::2]), axis=1) for c in clips[:rows]], axis=0)
    write_png(np.repeat(np.repeat(sheet, 2, 0), 2, 1), path)


def sample_torch(weights, items, steps, guidance, batch, shift=1.0, sampler="euler", guidance_interval=(0.0, 1.0)):
    from train import load_ema
    from zoetrope.model import Denoiser, TextEncoder
    blob = torch.load(weights, map_location="cpu")
    cfg = get_config(blob["config"])
    te, dn = TextEncoder(cfg, len(make_tokenizer(cfg.max_tokens).vocab)), Denoiser(cfg)
    load_ema(weights, te, dn)
    te.eval(); dn.eval()
    return (sample_clips(te, dn, cfg, items, steps, guidance, shift, batch, sampler, guidance_interval),
            blob.get("meta", {}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights")
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=4.0)
    ap.add_argument("--shift", type=float, default=1.0, help="timestep shift (the manifest's scheduler.shift)")
    ap.add_argument("--sampler", choices=SAMPLERS, default="euler",
                    help="PyTorch sampling: the sampler (the manifest's scheduler.kind without 'rectified-flow-'); "
                         "for --clips, only the label of the report")
    ap.add_argument("--guidance-interval", type=parse_interval, default=(0.0, 1.0),
                    help="'lo,hi': guidance only on steps with t in (lo, hi] (the manifest's scheduler.guidanceInterval)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--write-prompts")
    ap.add_argument("--prompts")
    ap.add_argument("--clips", help="uint8 clips [N, T, H, W, 3] written by tools/sample-onnx.mjs")
    ap.add_argument("--sheet", default=None, help="write a PNG contact sheet of the first samples")
    ap.add_argument("--report", default=None, help="write the scores as JSON")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    if args.write_prompts:
        tok = make_tokenizer(get_config("shapes-v1").max_tokens)
        items = eval_set(args.n)
        for it in items:
            it["input_ids"] = tok.encode(it["prompt"])
        with open(args.write_prompts, "w") as f:
            json.dump({"steps": args.steps, "guidance": args.guidance, "items": items}, f, indent=1)
        print(f"wrote {len(items)} prompts to {args.write_prompts}")
        return

    t0 = time.time()
    meta = {}
    if args.clips:
        with open(args.prompts) as f:
            items = json.load(f)["items"]
        raw = np.fromfile(args.clips, np.uint8)
        clips = list(raw.reshape(len(items), 16, 64, 64, 3))
        source = f"ONNX clips {args.clips}"
    else:
        items = eval_set(args.n)
        clips, meta = sample_torch(args.weights, items, args.steps, args.guidance, args.batch, args.shift,
                                   args.sampler, args.guidance_interval)
        source = f"PyTorch sampling of {args.weights} ({meta})"
    scenes = [it["scene"] for it in items]
    model = score(clips, scenes)
    rng = np.random.default_rng(0)
    ceiling = score([world.render(world.Scene(**s), rng) for s in scenes], scenes)
    chance = score(clips, [scenes[i] for i in rng.permutation(len(scenes))])
    print(f"{source}: {len(items)} held-out prompts, {args.sampler}, {args.steps} steps, guidance {args.guidance}, "
          f"shift {args.shift}, guidance interval {args.guidance_interval}, "
          f"{time.time() - t0:.0f} s")
    print(f"{'attribute':<12}{'model':>8}{'ceiling':>9}{'chance':>8}")
    for a in (*ATTRS, "all", "stable"):
        print(f"{a:<12}{model[a]:>8.1%}{ceiling[a]:>9.1%}{chance[a]:>8.1%}")
    if args.sheet:
        contact_sheet(clips, args.sheet)
        for it in items[:8]:
            print("  sheet row:", it["prompt"])
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"source": source, "model": model, "ceiling": ceiling, "chance": chance, "meta": meta,
                       "sampler": args.sampler, "steps": args.steps, "guidance": args.guidance,
                       "shift": args.shift}, f, indent=1)


if __name__ == "__main__":
    main()
