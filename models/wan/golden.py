"""Golden vectors of a `wan` source folder: PyTorch's numbers for the engine to match.

Owns `<source folder>/golden/` as CONTRACT.md lays it out: golden.json (prompt, input_ids and
attention_mask from unigram.py, seed, steps, the manifest's scheduler, the RF times `s` and the DiT's
timestep inputs, tolerances) and float32 little-endian files: the token rows (`inputs_embeds`, as the
float32 table gives them), PyTorch's umT5 `context`, the seeded `noise` (N · steps values, workers'
mulberry32 stream), the DiT's `velocity0` at step 0, `step_output0` (x after step 0),
`final_latent`, and `video` (PyTorch's TAEW on the final latent, trimmed, unclamped).

Tolerances are max |a − b| over the tensor, sized from the ONNX-vs-PyTorch errors measured on the
TEST FIXTURE by models/tests/test_wan_graphs.py (onnxruntime-node and onnxruntime-web's WASM: see
models/convert/README.md, "Wan" / "Measured"), with ~10-40x headroom for fp32 (WebGPU sums in
another order) and ~5x for the fp16 variants; step_output0's is velocity0's times |(1 − s_1) · s_0|, the factor an error in v enters x
with. They are absolute: a full-size graph (deeper sums, real weights) may need them re-measured.
"""
from __future__ import annotations

import json
import os

import numpy as np
import torch

from zoetrope.flow import mulberry32_gaussian  # the engine's seeded noise, bit for bit (models/ is on sys.path)

from .scheduler import RcmTimes, sample
from .unigram import Unigram

PROMPT = "a red ball bouncing on green grass"
SEED = 42
STEPS = 4
# Measured on the TEST FIXTURE (onnxruntime-node / onnxruntime-web WASM, max |ONNX - PyTorch|): fp32 context
# 1.1e-6 / 1.3e-6, velocity0 2.3e-5 / 2.2e-5 (mostly the float32 timestep sinusoid), video 1.3e-6 / 2.1e-6;
# fp16 variants (fp16 storage, run through Casts): velocity0 1.5e-3 / 2.0e-3, video 1.7e-3 / 1.7e-3.
TOLERANCE = {"context": 5e-5, "velocity0": 2e-4, "video": 5e-5}
TOLERANCE_FP16 = {"velocity0": 1e-2, "video": 1e-2}


def _write(folder: str, name: str, arr) -> str:
    np.ascontiguousarray(np.asarray(arr), dtype="<f4").tofile(os.path.join(folder, name))
    return name


@torch.no_grad()
def write_golden(folder: str, tok: Unigram, enc, dit, taew, manifest_scheduler: dict, latent_grid, max_length: int,
                 prompt: str = PROMPT, seed: int = SEED, steps: int = STEPS) -> dict:
    os.makedirs(folder, exist_ok=True)
    f, h, w = latent_grid
    n = 16 * f * h * w
    times = RcmTimes(steps, manifest_scheduler["sigmaMax"], tuple(manifest_scheduler["midT"]))
    ids, mask = tok.input_ids(prompt, max_length)
    ids_t = torch.tensor([ids], dtype=torch.int64)
    embeds = enc.embed(ids_t).float()
    context = enc(embeds, torch.tensor([mask], dtype=torch.int64)).float()
    noise = mulberry32_gaussian(seed, n * steps)
    record = {}

    def velocity(x, t, i):
        v = dit(torch.from_numpy(x.reshape(1, 16, f, h, w)), torch.tensor([t], dtype=torch.float32), context)
        return v.numpy().reshape(-1)

    def keep(i, v, x):
        if i == 0:
            record["velocity0"], record["step_output0"] = v.reshape(1, 16, f, h, w), x.reshape(16, f, h, w)

    final = sample(times, noise, velocity, keep).reshape(16, f, h, w)
    video = taew.decode_video(torch.from_numpy(final)).numpy()
    files = {
        "inputs_embeds": _write(folder, "inputs_embeds.bin", embeds.numpy()),
        "context": _write(folder, "context.bin", context.numpy()),
        "noise": _write(folder, "noise.bin", noise),
        "velocity0": _write(folder, "velocity0.bin", record["velocity0"]),
        "step_output0": _write(folder, "step_output0.bin", record["step_output0"]),
        "final_latent": _write(folder, "final_latent.bin", final),
        "video": _write(folder, "video.bin", video),
    }
    s = times.s
    into_x = float(abs((1.0 - s[1]) * s[0]))
    tol = dict(TOLERANCE, step_output0=float(np.float32(TOLERANCE["velocity0"] * into_x * 1.01)))
    tol16 = dict(TOLERANCE_FP16, step_output0=float(np.float32(TOLERANCE_FP16["velocity0"] * into_x * 1.01)))
    golden = {
        "note": "PyTorch (models/wan) on the source folder's checkpoint; the graphs and the engine's sampler must "
                "match within tolerance (max |a - b|). video is PyTorch's TAEW after the trim, not clamped.",
        "prompt": prompt,
        "input_ids": ids,
        "attention_mask": mask,
        "seed": seed,
        "steps": steps,
        "scheduler": manifest_scheduler,
        "s": [float(x) for x in s],
        "timesteps": times.timesteps,
        "shapes": {"inputs_embeds": list(embeds.shape), "context": list(context.shape), "noise": [n * steps],
                   "velocity0": [1, 16, f, h, w], "step_output0": [16, f, h, w], "final_latent": [16, f, h, w],
                   "video": list(video.shape)},
        "files": files,
        "tolerance": tol,
        "tolerance_fp16": tol16,  # for the graphs of variants.webgpu ("requires": ["shader-f16"])
        "magnitude": {k: float(np.abs(v).max()) for k, v in
                      (("context", context.numpy()), ("velocity0", record["velocity0"]), ("video", video))},
    }
    with open(os.path.join(folder, "golden.json"), "w") as fh:
        json.dump(golden, fh, indent=1)
        fh.write("\n")
    return golden
