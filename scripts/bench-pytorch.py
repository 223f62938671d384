"""Native references for `npm run bench` (scripts/bench.mjs runs this with Debian's /usr/bin/python3):

  - PyTorch eager: the built-in model's text encoder and one batch-2 denoiser call (what a Python user
    would run), from the fp16 EMA weights in models/weights/, at each requested thread count;
  - an fp32 copy of the shipped int8 denoiser graph (--fp32-out), made by folding every constant
    DequantizeLinear into an fp32 initializer, so the bench can time both precisions on the same weights.

    /usr/bin/python3 scripts/bench-pytorch.py --threads 1,2 --runs 5 [--fp32-out /tmp/denoiser.fp32.onnx]
    /usr/bin/python3 scripts/bench-pytorch.py --fold-only <denoiser.onnx> --fp32-out <out.onnx>   # the fold alone

The last line of the output is JSON: {"torch": "...", "threads": {"1": {"text_ms": .., "step_ms": ..}, ..}}.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()  # before torch loads: OpenBLAS on one thread, glibc keeping freed memory (see cpu_env.py)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
import torch  # noqa: E402

from train import build, load_ema  # noqa: E402
from zoetrope.configs import get_config  # noqa: E402
from zoetrope.flow import VelocityModel  # noqa: E402

PACK = os.path.join(ROOT, "models", "zoetrope-shapes")
WEIGHTS = os.path.join(ROOT, "models", "weights", "shapes-v1.ema.pt")


def fold_dequantize(src: str, dst: str) -> int:
    """Writes `src` with every DequantizeLinear of constant inputs replaced by its fp32 result."""
    model = onnx.load(src)
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    keep, folded = [], 0
    for node in g.node:
        if node.op_type == "DequantizeLinear" and all(name in inits for name in node.input if name):
            x = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
            scale = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            zero = numpy_helper.to_array(inits[node.input[2]]).astype(np.float32) if len(node.input) > 2 and node.input[2] else 0
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            if np.ndim(scale) == 1:
                shape = [1] * x.ndim
                shape[axis] = -1
                scale = scale.reshape(shape)
                zero = np.reshape(zero, shape) if np.ndim(zero) == 1 else zero
            g.initializer.append(numpy_helper.from_array(((x - zero) * scale).astype(np.float32), node.output[0]))
            folded += 1
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    used = {name for node in g.node for name in node.input} | {o.name for o in g.output}
    live = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    onnx.save(model, dst)
    return folded


def pack_file(path: str) -> str:
    manifest = json.load(open(os.path.join(PACK, "manifest.json")))
    entry = next(f for f in manifest["files"] if f["path"] == path)
    if len(entry["shards"]) != 1:
        raise SystemExit(f"{path} spans several shards; join them first")
    return os.path.join(PACK, "shards", entry["shards"][0]["sha256"])


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up: first-call allocations and OpenBLAS start-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fp32-out", default=None)
    ap.add_argument("--fold-only", default=None, metavar="GRAPH", help="only fold GRAPH into --fp32-out (scripts/bench-ops.mjs)")
    args = ap.parse_args()
    if args.fold_only:
        if not args.fp32_out:
            ap.error("--fold-only needs --fp32-out")
        fold_dequantize(args.fold_only, args.fp32_out)
        return

    out = {"torch": torch.__version__, "threads": {}}
    if args.fp32_out:
        out["fp32_folded"] = fold_dequantize(pack_file("denoiser.onnx"), args.fp32_out)
        out["fp32_bytes"] = os.path.getsize(args.fp32_out)

    cfg = get_config("shapes-v1")
    te, dn = build(cfg)
    load_ema(WEIGHTS, te, dn)
    te.eval()
    model = VelocityModel(dn).eval()
    ids = torch.zeros(2, cfg.max_tokens, dtype=torch.long)
    ids[0, :7] = torch.tensor([3, 55, 11, 19, 48, 37, 36])  # "a red ball bouncing on green grass", the golden prompt
    sample = torch.randn(2, cfg.channels, cfg.frames, cfg.height, cfg.width, generator=torch.Generator().manual_seed(0))
    t = torch.full((2,), 0.5)
    with torch.inference_mode():
        states, mask = te(ids)
        for n in [int(x) for x in args.threads.split(",")]:
            torch.set_num_threads(n)
            out["threads"][str(n)] = {
                "text_ms": median_ms(lambda: te(ids), args.runs),
                "step_ms": median_ms(lambda: model(sample, t, states, mask), args.runs),
            }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
