"""Write a RANDOM-WEIGHT checkpoint in the published file layouts of the `wan` kind, for tests (no
real weights can be downloaded here):

  DIR/Wan2.1-T2V-1.3B/                    as the Wan-AI/Wan2.1-T2V-1.3B folder has them:
      config.json                         WanModel's config (diffusers ConfigMixin fields)
      diffusion_pytorch_model.safetensors the DiT, Wan's layout (Conv3d patch embedding), fp32
      models_t5_umt5-xxl-enc-bf16.pth     umT5's encoder, torch.save of a bf16 state dict
      google/umt5-xxl/tokenizer.json      (tiny only) the project's tiny Unigram vocabulary
  DIR/tokenizer/golden-ids.json           (tiny only) unigram.py's ids of GOLDEN_PROMPTS on it
  DIR/rCM_Wan2.1_T2V_1.3B_480p.pt         the same DiT values in rCM's layout: `net.` keys, Linear
                                          patch embedding [dim, 64], bf16 (scripts/dcp_to_pth.py saves bf16)
  DIR/taew2_1.pth                         TAEW2.1, torch.save of its encoder + decoder state dict

    /usr/bin/python3 models/wan/make_random.py --config tiny|1.3b --out DIR [--seed 0]
        [--parts dit,rcm,umt5,taew,tokenizer]

Every tensor comes from its own generator seeded by (seed, part, Wan key name), so the safetensors
DiT and the rCM .pt hold the same values (the DiT's are rounded to bfloat16 in both) and the tiny files are the
same bytes on every run. Values: matrices N(0, 1/fan_in), biases N(0, 0.02²), norm scales 1 + N(0, 0.02²), umT5's token table N(0, 1) (its
published init), relative-position tables N(0, 0.1²), modulations N(0, 1/dim) (the published init).
At 1.3b the umT5 file is 11.4 GB of bf16 that torch.save must hold at once: leave `umt5` out of
--parts there (it does not fit this machine); the DiT streams through safetensors_io one tensor at
a time.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from animatediff.safetensors_io import write_streaming  # noqa: E402
from wan import layout  # noqa: E402
from wan.configs import WanConfig, get_config  # noqa: E402
from wan.unigram import Unigram, golden_ids, make_tiny_vocab, tokenizer_json  # noqa: E402

WAN_DIR = "Wan2.1-T2V-1.3B"
DIT_FILE = "diffusion_pytorch_model.safetensors"
UMT5_FILE = "models_t5_umt5-xxl-enc-bf16.pth"
TOKENIZER_FILE = os.path.join("google", "umt5-xxl", "tokenizer.json")
RCM_FILE = "rCM_Wan2.1_T2V_1.3B_480p.pt"
TAEW_FILE = "taew2_1.pth"
GOLDEN_IDS_FILE = os.path.join("tokenizer", "golden-ids.json")
LABEL = "TEST FIXTURE: random weights, not a trained model (zoetrope models/wan/make_random.py)"
PARTS = ("dit", "rcm", "umt5", "taew", "tokenizer")


def random_tensor(part: str, key: str, shape, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed((seed * 1_000_003 + zlib.crc32(f"{part}/{key}".encode())) % (2 ** 63))
    t = torch.randn(tuple(shape), generator=g)
    if key.endswith("modulation"):
        return t / shape[-1] ** 0.5
    if key == "token_embedding.weight":
        return t
    if key.endswith("pos_embedding.embedding.weight"):
        return 0.1 * t
    if len(shape) == 1:
        return 1.0 + 0.02 * t if (key.endswith(".weight") and "norm" in key) else 0.02 * t
    fan_in = int(np.prod(shape[1:]))
    return t * (1.0 / fan_in) ** 0.5


def dit_config_json(cfg: WanConfig) -> dict:
    d = cfg.dit
    return {"_class_name": "WanModel", "_diffusers_version": "0.30.0", "dim": d.dim, "eps": d.eps, "ffn_dim": d.ffn_dim,
            "freq_dim": d.freq_dim, "in_dim": d.in_dim, "model_type": "t2v", "num_heads": d.num_heads,
            "num_layers": d.num_layers, "out_dim": d.out_dim, "text_len": d.text_len, "zoetrope": LABEL}


def write_dit(path: str, cfg: WanConfig, seed: int) -> None:
    shapes = layout.dit_shapes(cfg.dit)
    # bf16-representable float32 values: the safetensors and the bf16 rCM .pt then hold the same numbers,
    # so both layouts must convert to the same graph (the tests check it)
    write_streaming(path, [(k, "F32", shapes[k]) for k in sorted(shapes)],
                    lambda k: random_tensor("dit", k, shapes[k], seed).to(torch.bfloat16).float(),
                    {"format": "pt", "zoetrope": LABEL})


def write_rcm(path: str, cfg: WanConfig, seed: int) -> None:
    shapes = layout.dit_shapes(cfg.dit)
    sd = {k: random_tensor("dit", k, s, seed).to(torch.bfloat16) for k, s in shapes.items()}
    torch.save(layout.wan_to_rcm(sd), path)


def write_umt5(path: str, cfg: WanConfig, seed: int) -> None:
    shapes = layout.umt5_shapes(cfg.text)
    torch.save({k: random_tensor("umt5", k, s, seed).to(torch.bfloat16) for k, s in shapes.items()}, path)


def write_taew(path: str, cfg: WanConfig, seed: int) -> None:
    shapes = layout.taew_shapes(cfg.taew)
    torch.save({k: random_tensor("taew", k, s, seed) for k, s in shapes.items()}, path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default="tiny")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parts", default=",".join(PARTS))
    a = p.parse_args(argv)
    torch.set_num_threads(2)
    cfg = get_config(a.config)
    parts = a.parts.split(",")
    unknown = set(parts) - set(PARTS)
    if unknown:
        p.error(f"--parts: unknown {sorted(unknown)}; one of {PARTS}")
    if "umt5" in parts and cfg.name != "tiny":
        p.error("--parts: umt5 at full size is an 11.4 GB torch.save that must sit in memory at once; leave it out")
    if "tokenizer" in parts and cfg.name != "tiny":
        p.error("--parts: the tokenizer is the tiny fixture's vocabulary; use the published tokenizer.json at full size")
    wan = os.path.join(a.out, WAN_DIR)
    os.makedirs(wan, exist_ok=True)
    t0 = time.time()
    if "dit" in parts:
        write_dit(os.path.join(wan, DIT_FILE), cfg, a.seed)
        with open(os.path.join(wan, "config.json"), "w") as f:
            json.dump(dit_config_json(cfg), f, indent=2)
            f.write("\n")
    if "rcm" in parts:
        write_rcm(os.path.join(a.out, RCM_FILE), cfg, a.seed)
    if "umt5" in parts:
        write_umt5(os.path.join(wan, UMT5_FILE), cfg, a.seed)
    if "tokenizer" in parts:
        os.makedirs(os.path.dirname(os.path.join(wan, TOKENIZER_FILE)), exist_ok=True)
        with open(os.path.join(wan, TOKENIZER_FILE), "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(make_tiny_vocab()), f, ensure_ascii=False)
        os.makedirs(os.path.join(a.out, "tokenizer"), exist_ok=True)
        with open(os.path.join(a.out, GOLDEN_IDS_FILE), "w", encoding="utf-8") as f:
            json.dump(golden_ids(Unigram(make_tiny_vocab()), cfg.max_length), f, ensure_ascii=False, indent=1)
            f.write("\n")
    if "taew" in parts:
        write_taew(os.path.join(a.out, TAEW_FILE), cfg, a.seed)
    print(f"make_random: {cfg.name} {parts} -> {a.out} in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
