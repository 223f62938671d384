"""Sample clips from trained weights with PyTorch, exactly as the browser does (seeded mulberry32 noise, batch
[cond; uncond], classifier-free guidance, Euler), and write them as a PNG contact sheet: one row per prompt,
every other frame.

    /usr/bin/python3 models/sample.py --weights models/weights/shapes-v1.ema.pt \\
        --prompt "a red ball bouncing on green grass" --prompt "a blue square moves to the left" --out /tmp/s.png
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()  # before torch loads: see cpu_env.py

import torch  # noqa: E402

from evaluate import contact_sheet, sample_torch  # noqa: E402
from zoetrope.flow import SAMPLERS, parse_interval  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True, help="EMA weights .pt written by train.py")
    ap.add_argument("--prompt", action="append", required=True, help="repeat for several rows")
    ap.add_argument("--seed", type=int, default=1, help="row i uses seed + i")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=4.0)
    ap.add_argument("--shift", type=float, default=1.0, help="timestep shift (the manifest's scheduler.shift)")
    ap.add_argument("--sampler", choices=SAMPLERS, default="euler", help="the manifest's scheduler.kind, short")
    ap.add_argument("--guidance-interval", type=parse_interval, default=(0.0, 1.0),
                    help="'lo,hi': guidance only on steps with t in (lo, hi] (the manifest's scheduler.guidanceInterval)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, help="PNG contact sheet")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps: expected 1 or more")
    torch.set_num_threads(args.threads)
    items = [{"prompt": p, "seed": args.seed + i} for i, p in enumerate(args.prompt)]
    clips, meta = sample_torch(args.weights, items, args.steps, args.guidance, batch=4, shift=args.shift,
                               sampler=args.sampler, guidance_interval=args.guidance_interval)
    contact_sheet(clips, args.out, rows=len(clips))
    print(f"wrote {args.out}: {len(clips)} rows from {args.weights} ({meta})")


if __name__ == "__main__":
    main()
