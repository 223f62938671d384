"""Write a RANDOM-WEIGHT checkpoint in the published file layouts of the AnimateDiff-Lightning
family, for tests (no real weights can be downloaded here):

  DIR/sd15-diffusers/   model_index.json, scheduler/scheduler_config.json,
                        unet/{config.json, diffusion_pytorch_model.safetensors},
                        text_encoder/{config.json, model.safetensors},
                        vae/{config.json, diffusion_pytorch_model.safetensors}
  DIR/sd15-single-file.safetensors                      the same weights in the ldm layout
  DIR/animatediff_lightning_4step_diffusers.safetensors  a MotionAdapter

    /usr/bin/python3 models/animatediff/make_random.py --config tiny|sd15 --out DIR \
        [--dtype fp32|fp16] [--seed N] [--vocab-size N] [--old-vae-names]

Every tensor is drawn from its own generator, seeded by (seed, diffusers key name), so a value
does not depend on file order and the single file is written by drawing the same tensors again
under their ldm names (ldm_keys.diffusers_to_ldm's naming): nothing is held but the tensor being
written, which keeps the full-size sd15 run (1.4 B values) within a few hundred MB.
Values: weights N(0, 1/fan_in) (activations stay O(1) through the whole UNet),
embeddings N(0, 0.02²), biases N(0, 0.02²), norm scales 1 + N(0, 0.02²); `pos_embed.pe` the
sinusoid and `position_ids` the arange the published files hold.

Measured here (2 shared cores): `--config sd15 --dtype fp32` writes 10.3 GB in 2 min 17 s with a
peak RSS of 591 MB; its single file is 4,265,146,396 bytes (the published
v1-5-pruned-emaonly.safetensors is listed as 4,265,146,304, a value recalled, not checked here:
it would be the same tensor bytes and a header 92 bytes shorter), and its motion file
1,815,329,904 (the published Lightning files are fp16, about half). That output belongs in /tmp,
never in git. `--config tiny --dtype fp16 --seed 0` is the committed TEST FIXTURE.
"""

import argparse
import json
import os
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from animatediff import layout, ldm_keys  # noqa: E402
from animatediff.clip_text import POSITION_IDS  # noqa: E402
from animatediff.configs import FamilyConfig, get_config  # noqa: E402
from animatediff.motion import sinusoidal_pe  # noqa: E402
from animatediff.safetensors_io import write_streaming  # noqa: E402

MOTION_FILE = "animatediff_lightning_4step_diffusers.safetensors"
SINGLE_FILE = "sd15-single-file.safetensors"
GAIN = 1.0  # weights N(0, GAIN²/fan_in): activations stay O(1) and the timestep, the text and
#             the other frames each move the UNet's output by 15-30% of its size (tiny fixture)
LABEL = "TEST FIXTURE: random weights, not a trained model (zoetrope make_random.py)"


def random_tensor(part: str, key: str, shape, seed: int, dtype: torch.dtype,
                  cfg: FamilyConfig) -> torch.Tensor:
    if key == POSITION_IDS:
        return torch.arange(shape[1], dtype=torch.int64).reshape(shape)
    if key.endswith("pos_embed.pe"):
        return sinusoidal_pe(shape[2], shape[1]).to(dtype)
    g = torch.Generator().manual_seed((seed * 1_000_003 + zlib.crc32(f"{part}/{key}".encode())) % (2**63))
    t = torch.randn(tuple(shape), generator=g)
    if len(shape) == 1 and key.endswith(".weight"):      # GroupNorm / LayerNorm scales
        t = 1.0 + 0.02 * t
    elif len(shape) == 1 or key.endswith("_embedding.weight"):  # biases; token/position tables
        t = 0.02 * t
    else:
        fan_in = int(np.prod(shape[1:]))
        t = t * (GAIN / fan_in ** 0.5)
    return t.to(dtype)


def _dtype_name(dtype: torch.dtype) -> str:
    return {torch.float32: "F32", torch.float16: "F16"}[dtype]


def old_vae_name(key: str) -> str:
    """The name older diffusers folders (e.g. runwayml's SD 1.5) give a VAE attention weight."""
    for new, old in (("to_q.", "query."), ("to_k.", "key."), ("to_v.", "value."), ("to_out.0.", "proj_attn.")):
        key = key.replace("mid_block.attentions.0." + new, "mid_block.attentions.0." + old)
    return key


def write_part(path: str, part: str, shapes, seed: int, dtype: torch.dtype, cfg, rename=None) -> None:
    """`rename` gives each tensor its name in the file; values are drawn under the current name."""
    rename = rename or (lambda k: k)
    by_name = {rename(k): k for k in shapes}
    specs = [(n, "I64" if k == POSITION_IDS else _dtype_name(dtype), shapes[k]) for n, k in sorted(by_name.items())]
    write_streaming(path, specs, lambda n: random_tensor(part, by_name[n], shapes[by_name[n]], seed, dtype, cfg),
                    {"format": "pt", "zoetrope": LABEL})


def ddpm_buffers() -> dict:
    """The schedule buffers an SD 1.5 ldm file carries (scaled_linear 0.00085..0.012, 1000
    steps), float32 as published; the converter must skip them."""
    betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=np.float64) ** 2
    alphas = 1.0 - betas
    ac = np.cumprod(alphas)
    prev = np.append(1.0, ac[:-1])
    pv = betas * (1.0 - prev) / (1.0 - ac)
    out = {"betas": betas, "alphas_cumprod": ac, "alphas_cumprod_prev": prev,
           "sqrt_alphas_cumprod": np.sqrt(ac), "sqrt_one_minus_alphas_cumprod": np.sqrt(1 - ac),
           "log_one_minus_alphas_cumprod": np.log(1 - ac), "sqrt_recip_alphas_cumprod": np.sqrt(1 / ac),
           "sqrt_recipm1_alphas_cumprod": np.sqrt(1 / ac - 1), "posterior_variance": pv,
           "posterior_log_variance_clipped": np.log(np.maximum(pv, 1e-20)),
           "posterior_mean_coef1": betas * np.sqrt(prev) / (1 - ac),
           "posterior_mean_coef2": (1 - prev) * np.sqrt(alphas) / (1 - ac)}
    out = {k: torch.from_numpy(v.astype(np.float32)) for k, v in out.items()}
    out["model_ema.decay"] = torch.tensor(0.9999, dtype=torch.float32)
    out["model_ema.num_updates"] = torch.tensor(0, dtype=torch.int32)
    return out


def write_single_file(path: str, parts, seed: int, dtype: torch.dtype, cfg) -> None:
    extra = ddpm_buffers()
    rows = {}
    for part, shapes in parts.items():
        for k, s in shapes.items():
            if part == "unet":
                name = ldm_keys.UNET_PREFIX + ldm_keys.unet_key_to_ldm(k, cfg)
            elif part == "vae":
                name = ldm_keys.VAE_PREFIX + ldm_keys.vae_key_to_ldm(k, cfg)
            else:
                name = ldm_keys.CLIP_PREFIX + k
            rows[name] = (part, k, s)
    specs = []
    for name in sorted(set(rows) | set(extra)):
        if name in extra:
            t = extra[name]
            specs.append((name, {torch.float32: "F32", torch.int32: "I32"}[t.dtype], tuple(t.shape)))
        else:
            part, k, s = rows[name]
            specs.append((name, "I64" if k == POSITION_IDS else _dtype_name(dtype),
                          ldm_keys.ldm_shape(part, k, s)))

    def produce(name):
        if name in extra:
            return extra[name]
        part, k, s = rows[name]
        t = random_tensor(part, k, s, seed, dtype, cfg)
        return t.reshape(ldm_keys.ldm_shape(part, k, s))

    write_streaming(path, specs, produce, {"format": "pt", "zoetrope": LABEL})


def configs_json(cfg: FamilyConfig) -> dict:
    u, t, v = cfg.unet, cfg.text, cfg.vae
    unet = {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.6.0",
            "act_fn": "silu", "attention_head_dim": u.attention_head_dim,
            "block_out_channels": list(u.block_out_channels), "center_input_sample": False,
            "cross_attention_dim": u.cross_attention_dim, "down_block_types": list(u.down_block_types),
            "downsample_padding": 1, "flip_sin_to_cos": True, "freq_shift": 0,
            "in_channels": u.in_channels, "layers_per_block": u.layers_per_block,
            "mid_block_scale_factor": 1, "norm_eps": u.norm_eps, "norm_num_groups": u.norm_num_groups,
            "out_channels": u.out_channels, "sample_size": u.sample_size,
            "up_block_types": list(u.up_block_types)}
    text = {"architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
            "attention_dropout": 0.0, "bos_token_id": t.bos_token_id, "eos_token_id": t.eos_token_id,
            "pad_token_id": t.pad_token_id, "dropout": 0.0, "hidden_act": t.hidden_act,
            "hidden_size": t.hidden_size, "initializer_factor": 1.0, "initializer_range": 0.02,
            "intermediate_size": t.intermediate_size, "layer_norm_eps": t.layer_norm_eps,
            "max_position_embeddings": t.max_position_embeddings,
            "num_attention_heads": t.num_attention_heads, "num_hidden_layers": t.num_hidden_layers,
            "projection_dim": t.hidden_size, "torch_dtype": "float32", "vocab_size": t.vocab_size}
    n = len(v.block_out_channels)
    vae = {"_class_name": "AutoencoderKL", "_diffusers_version": "0.6.0", "act_fn": "silu",
           "block_out_channels": list(v.block_out_channels),
           "down_block_types": ["DownEncoderBlock2D"] * n, "in_channels": v.in_channels,
           "latent_channels": v.latent_channels, "layers_per_block": v.layers_per_block,
           "norm_num_groups": v.norm_num_groups, "out_channels": v.out_channels,
           "sample_size": v.sample_size, "up_block_types": ["UpDecoderBlock2D"] * n,
           "scaling_factor": v.scaling_factor}
    sched = {"_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012,
             "beta_schedule": "scaled_linear", "beta_start": 0.00085, "num_train_timesteps": 1000,
             "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
             "trained_betas": None, "clip_sample": False}
    index = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.6.0",
             "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
             "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
             "_zoetrope": LABEL + f"; config {cfg.name}"}
    return {"model_index.json": index, "unet/config.json": unet, "text_encoder/config.json": text,
            "vae/config.json": vae, "scheduler/scheduler_config.json": sched}


def make(cfg: FamilyConfig, out: str, dtype: torch.dtype, seed: int, old_vae_names: bool = False) -> None:
    dif = os.path.join(out, "sd15-diffusers")
    for sub in ("unet", "text_encoder", "vae", "scheduler"):
        os.makedirs(os.path.join(dif, sub), exist_ok=True)
    for name, obj in configs_json(cfg).items():
        with open(os.path.join(dif, name), "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write("\n")
    parts = {"unet": layout.unet_shapes(cfg), "vae": layout.vae_shapes(cfg),
             "text_encoder": layout.clip_shapes(cfg, position_ids=True)}
    files = {"unet": "unet/diffusion_pytorch_model.safetensors", "vae": "vae/diffusion_pytorch_model.safetensors",
             "text_encoder": "text_encoder/model.safetensors"}
    for part, shapes in parts.items():
        t0 = time.time()
        write_part(os.path.join(dif, files[part]), part, shapes, seed, dtype, cfg,
                   old_vae_name if part == "vae" and old_vae_names else None)
        print(f"{files[part]}: {len(shapes)} tensors, {layout.param_count(shapes):,} values, "
              f"{time.time() - t0:.1f} s", flush=True)
    t0 = time.time()
    motion = layout.motion_shapes(cfg)
    write_part(os.path.join(out, MOTION_FILE), "motion", motion, seed, dtype, cfg)
    print(f"{MOTION_FILE}: {len(motion)} tensors, {layout.param_count(motion):,} values, "
          f"{time.time() - t0:.1f} s", flush=True)
    t0 = time.time()
    write_single_file(os.path.join(out, SINGLE_FILE), parts, seed, dtype, cfg)
    print(f"{SINGLE_FILE}: {time.time() - t0:.1f} s", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, choices=["tiny", "sd15"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "fp16"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab-size", type=int, default=None,
                    help="the text model's vocabulary (the tokenizer's size); default the config's")
    ap.add_argument("--old-vae-names", action="store_true",
                    help="the VAE attention as older diffusers folders name it (query/key/value/proj_attn)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    overrides = {}
    if a.vocab_size is not None:
        overrides = {"vocab_size": a.vocab_size, "bos_token_id": a.vocab_size - 2,
                     "eos_token_id": a.vocab_size - 1}
    cfg = get_config(a.config, **overrides)
    make(cfg, a.out, torch.float16 if a.dtype == "fp16" else torch.float32, a.seed, a.old_vae_names)


if __name__ == "__main__":
    main()
