"""Golden vectors of an animatediff source folder: PyTorch's numbers for the engine to match.

Owns `<source folder>/golden/` exactly as CONTRACT.md lays it out: golden.json (prompt, input_ids
from Python's own CLIP BPE, seed, the sampler's timesteps / sigmas / initNoiseSigma, tolerances)
and float32 little-endian files: the seeded noise, PyTorch's text states, step 0's scaled input,
the UNet's noise_pred on it, x after step 0, x after every step, and the VAE decoder's image of
frame 0 of the final latent. The TypeScript tests run the exported ONNX graphs and the engine's
sampler on these inputs and compare within the tolerances written here.

Tolerances are max |a - b| over the tensor, sized from the ONNX-vs-PyTorch errors measured in
tests/unit/animatediff-graphs.test.ts on the TEST FIXTURE (fp32 ~20-35x headroom, fp16 ~5-10x),
scaled for step_output by |sigma_1 - sigma_0| (an error in noise_pred enters x multiplied by it).
They are absolute, so a full-size graph (deeper sums) may need them re-measured.
"""
from __future__ import annotations

import json
import os

import numpy as np
import torch

from .clip_tokenizer import ClipBpe
from .scheduler import EulerTrailing

from zoetrope.flow import mulberry32_gaussian  # the engine's seeded noise, bit for bit (models/ is on sys.path)

PROMPT = "a red ball bouncing on green grass"
SEED = 42
# fp32 graphs (WASM measured on the TEST FIXTURE: 1.4e-6, 4.4e-6, 3.5e-6) and the fp16 WebGPU variants
# (fp16 storage, measured in WASM through its Casts: 2.1e-3, 1.1e-2, 1.7e-3).
TOLERANCE = {"encoder_hidden_states": 5e-5, "noise_pred": 1e-4, "image": 1e-4}
TOLERANCE_FP16 = {"encoder_hidden_states": 2e-2, "noise_pred": 5e-2, "image": 2e-2}


def _write(folder: str, name: str, arr: np.ndarray) -> str:
    np.ascontiguousarray(arr, dtype="<f4").tofile(os.path.join(folder, name))
    return name


@torch.no_grad()
def write_golden(folder: str, clip, unet, vae, bpe: ClipBpe, scheduler: EulerTrailing, manifest_scheduler: dict,
                 frames: int, height: int, width: int, scaling_factor: float, max_length: int = 77,
                 prompt: str = PROMPT, seed: int = SEED) -> dict:
    """Runs PyTorch through the whole clip and writes golden/. Returns golden.json's object."""
    os.makedirs(folder, exist_ok=True)
    h, w = height // 8, width // 8
    ids = bpe.input_ids(prompt, max_length)
    text = clip(torch.tensor([ids], dtype=torch.int64)).float()
    noise = mulberry32_gaussian(seed, 4 * frames * h * w).reshape(4, frames, h, w)
    x = (noise * np.float32(scheduler.init_noise_sigma)).astype(np.float32)
    record: dict[str, np.ndarray] = {}
    for i, t in enumerate(scheduler.timesteps):
        inp = scheduler.scale_model_input(x, i)[None]
        eps = unet(torch.from_numpy(inp), torch.tensor([int(t)], dtype=torch.int64), text).numpy()[0]
        if i == 0:
            record["step_input"], record["noise_pred"] = inp, eps[None]
        x = scheduler.step(x, eps, i)
        if i == 0:
            record["step_output"] = x.copy()
    latent0 = (x[:, 0] / np.float32(scaling_factor)).astype(np.float32)[None]
    image0 = vae(torch.from_numpy(latent0)).numpy()
    files = {
        "noise": _write(folder, "noise.bin", noise),
        "encoder_hidden_states": _write(folder, "text_states.bin", text.numpy()),
        "step_input": _write(folder, "step_input.bin", record["step_input"]),
        "noise_pred": _write(folder, "noise_pred.bin", record["noise_pred"]),
        "step_output": _write(folder, "step_output.bin", record["step_output"]),
        "final_latent": _write(folder, "final_latent.bin", x),
        "image0": _write(folder, "image0.bin", image0),
    }
    dsigma = float(abs(scheduler.sigmas[1] - scheduler.sigmas[0]))
    tolerance = dict(TOLERANCE, step_output=float(np.float32(TOLERANCE["noise_pred"] * dsigma * 1.01)))
    tolerance_fp16 = dict(TOLERANCE_FP16, step_output=float(np.float32(TOLERANCE_FP16["noise_pred"] * dsigma * 1.01)))
    golden = {
        "note": "PyTorch (models/animatediff) on the source folder's checkpoint; the graphs must match within tolerance (max |a - b|)",
        "prompt": prompt,
        "input_ids": ids,
        "seed": seed,
        "scheduler": manifest_scheduler,
        "timesteps": [int(t) for t in scheduler.timesteps],
        "sigmas": [float(s) for s in scheduler.sigmas],
        "initNoiseSigma": scheduler.init_noise_sigma,
        "shapes": {"noise": [4, frames, h, w], "encoder_hidden_states": list(text.shape),
                   "step_input": [1, 4, frames, h, w], "noise_pred": [1, 4, frames, h, w],
                   "step_output": [4, frames, h, w], "final_latent": [4, frames, h, w],
                   "image0": list(image0.shape)},
        "files": files,
        "tolerance": tolerance,
        "tolerance_fp16": tolerance_fp16,  # for the graphs of variants.webgpu ("requires": ["shader-f16"])
        "magnitude": {k: float(np.abs(v).max()) for k, v in
                      (("encoder_hidden_states", text.numpy()), ("noise_pred", record["noise_pred"]), ("image", image0))},
    }
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    return golden
