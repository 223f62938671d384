"""The published checkpoint layouts of the `wan` kind as {key: shape}, and strict loading into them.

Owns the key lists of the four files a user downloads, computed from a config (so the full-size
lists are known without allocating a weight):
  - umT5 encoder, Wan's own layout (models_t5_umt5-xxl-enc-bf16.pth): wan/modules/t5.py T5Encoder
    with shared_pos=False, i.e. a relative-position table in every block and none at the top;
  - the Wan DiT (diffusion_pytorch_model.safetensors): wan/modules/model.py WanModel, T2V, with its
    Conv3d patch embedding [dim, 16, 1, 2, 2];
  - rCM's distilled DiT (rCM_Wan2.1_T2V_1.3B_480p.pt): the same names behind `net.`, but
    rcm/networks/wan2pt1.py makes the patch embedding an nn.Linear [dim, 16·1·2·2]. Its input is
    rearranged "c (t kt) (h kh) (w kw) -> (t h w) (c kt kh kw)", the same (c, kt, kh, kw) order in
    which Conv3d's weight flattens, so weight.reshape(dim, 16, 1, 2, 2) is the Conv3d weight;
  - TAEW2.1 (taew2_1.pth): taehv.py TAEHV's encoder and decoder nn.Sequential, by index.
`strict_load` copies a state dict into a module only when the key sets are equal and every shape
matches, naming what is missing, unexpected or misshapen; values are cast to float32 (the published
files are bf16 / fp32 / fp16).
"""
from __future__ import annotations

import math
from typing import Dict, Tuple

import torch

from .configs import DiTConfig, TaewConfig, UMT5Config

Shapes = Dict[str, Tuple[int, ...]]
RCM_PREFIX = "net."


def umt5_shapes(c: UMT5Config) -> Shapes:
    s: Shapes = {"token_embedding.weight": (c.vocab_size, c.dim)}
    for i in range(c.num_layers):
        b = f"blocks.{i}."
        s[b + "norm1.weight"] = (c.dim,)
        for n in ("q", "k", "v"):
            s[b + f"attn.{n}.weight"] = (c.dim_attn, c.dim)
        s[b + "attn.o.weight"] = (c.dim, c.dim_attn)
        s[b + "norm2.weight"] = (c.dim,)
        s[b + "ffn.gate.0.weight"] = (c.dim_ffn, c.dim)
        s[b + "ffn.fc1.weight"] = (c.dim_ffn, c.dim)
        s[b + "ffn.fc2.weight"] = (c.dim, c.dim_ffn)
        s[b + "pos_embedding.embedding.weight"] = (c.num_buckets, c.num_heads)
    s["norm.weight"] = (c.dim,)
    return s


def dit_shapes(c: DiTConfig) -> Shapes:
    """Wan's own layout (Conv3d patch embedding)."""
    d, p = c.dim, c.patch_size
    s: Shapes = {"patch_embedding.weight": (d, c.in_dim, *p), "patch_embedding.bias": (d,),
                 "text_embedding.0.weight": (d, c.text_dim), "text_embedding.0.bias": (d,),
                 "text_embedding.2.weight": (d, d), "text_embedding.2.bias": (d,),
                 "time_embedding.0.weight": (d, c.freq_dim), "time_embedding.0.bias": (d,),
                 "time_embedding.2.weight": (d, d), "time_embedding.2.bias": (d,),
                 "time_projection.1.weight": (6 * d, d), "time_projection.1.bias": (6 * d,)}
    for i in range(c.num_layers):
        b = f"blocks.{i}."
        for attn in ("self_attn", "cross_attn"):
            for n in ("q", "k", "v", "o"):
                s[b + f"{attn}.{n}.weight"] = (d, d)
                s[b + f"{attn}.{n}.bias"] = (d,)
            if c.qk_norm:
                s[b + f"{attn}.norm_q.weight"] = (d,)
                s[b + f"{attn}.norm_k.weight"] = (d,)
        if c.cross_attn_norm:
            s[b + "norm3.weight"] = (d,)
            s[b + "norm3.bias"] = (d,)
        s[b + "ffn.0.weight"] = (c.ffn_dim, d)
        s[b + "ffn.0.bias"] = (c.ffn_dim,)
        s[b + "ffn.2.weight"] = (d, c.ffn_dim)
        s[b + "ffn.2.bias"] = (d,)
        s[b + "modulation"] = (1, 6, d)
    s["head.head.weight"] = (math.prod(p) * c.out_dim, d)
    s["head.head.bias"] = (math.prod(p) * c.out_dim,)
    s["head.modulation"] = (1, 2, d)
    return s


def rcm_dit_shapes(c: DiTConfig) -> Shapes:
    """rCM's distilled checkpoint: `net.` + Wan's names, Linear patch embedding."""
    s = dit_shapes(c)
    s["patch_embedding.weight"] = (c.dim, c.in_dim * math.prod(c.patch_size))
    return {RCM_PREFIX + k: v for k, v in s.items()}


def rcm_to_wan(sd: Dict[str, torch.Tensor], c: DiTConfig) -> Dict[str, torch.Tensor]:
    """An rCM state dict in Wan's layout. Every key must carry `net.` (rCM's inference strips it and
    loads with strict=False; we are strict, so a stray key is an error, not silently dropped)."""
    stray = [k for k in sd if not k.startswith(RCM_PREFIX)]
    if stray:
        raise KeyError(f"rCM checkpoint: {len(stray)} keys without the '{RCM_PREFIX}' prefix, e.g. {stray[:3]}")
    out = {k[len(RCM_PREFIX):]: v for k, v in sd.items()}
    w = out.get("patch_embedding.weight")
    if w is not None and w.ndim == 2 and w.shape[1] == c.in_dim * math.prod(c.patch_size):
        out["patch_embedding.weight"] = w.reshape(w.shape[0], c.in_dim, *c.patch_size)  # dim from the file
    return out


def wan_to_rcm(sd: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    out = {}
    for k, v in sd.items():
        out[RCM_PREFIX + k] = v.reshape(v.shape[0], -1) if k == "patch_embedding.weight" else v
    return out


def _conv(s: Shapes, key: str, n_in: int, n_out: int, k: int = 3, bias: bool = True) -> None:
    s[key + ".weight"] = (n_out, n_in, k, k)
    if bias:
        s[key + ".bias"] = (n_out,)


def _memblock(s: Shapes, key: str, n_in: int, n_out: int) -> None:
    _conv(s, key + ".conv.0", 2 * n_in, n_out)
    _conv(s, key + ".conv.2", n_out, n_out)
    _conv(s, key + ".conv.4", n_out, n_out)
    if n_in != n_out:
        _conv(s, key + ".skip", n_in, n_out, 1, bias=False)


# taehv.py's Sequential, index by index: ("conv", n_in, n_out, bias) / ("mem", n) / ("tpool"|"tgrow", n, stride)
# / a parameterless layer (ReLU, Clamp, Upsample) as None.
def encoder_plan(c: TaewConfig):
    w, td = c.encoder_width, c.encoder_time_downscale
    plan = [("conv", c.image_channels * c.patch_size ** 2, w, True), None]
    for k in range(3):
        plan += [("tpool", w, 2 if td[k] else 1), ("conv_s2", w, w, False), ("mem", w), ("mem", w), ("mem", w)]
    plan.append(("conv", w, c.latent_channels, True))
    return plan


def decoder_plan(c: TaewConfig):
    n, tu = c.n_f, c.decoder_time_upscale
    plan = [None, ("conv", c.latent_channels, n[0], True), None]          # Clamp, conv, ReLU
    for k in range(3):
        plan += [("mem", n[k]), ("mem", n[k]), ("mem", n[k]), None,        # 3 MemBlocks, Upsample
                 ("tgrow", n[k], 2 if tu[k] else 1), ("conv", n[k], n[k + 1], False)]
    plan += [None, ("conv", n[3], c.image_channels * c.patch_size ** 2, True)]  # ReLU, conv
    return plan


def _plan_shapes(s: Shapes, prefix: str, plan) -> None:
    for i, item in enumerate(plan):
        if item is None:
            continue
        key = f"{prefix}.{i}"
        kind = item[0]
        if kind in ("conv", "conv_s2"):
            _conv(s, key, item[1], item[2], 3, item[3])
        elif kind == "mem":
            _memblock(s, key, item[1], item[1])
        elif kind == "tpool":
            s[key + ".conv.weight"] = (item[1], item[1] * item[2], 1, 1)
        elif kind == "tgrow":
            s[key + ".conv.weight"] = (item[1] * item[2], item[1], 1, 1)


def taew_shapes(c: TaewConfig) -> Shapes:
    s: Shapes = {}
    _plan_shapes(s, "encoder", encoder_plan(c))
    _plan_shapes(s, "decoder", decoder_plan(c))
    return s


def param_count(shapes: Shapes) -> int:
    return sum(math.prod(v) for v in shapes.values())


def strict_load(module: torch.nn.Module, sd: Dict[str, torch.Tensor], what: str) -> None:
    """module.load_state_dict(strict=True), with the shapes checked first and every difference named."""
    want = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    missing = sorted(set(want) - set(sd))
    unexpected = sorted(set(sd) - set(want))
    if missing or unexpected:
        raise KeyError(f"{what}: {len(missing)} keys missing (e.g. {missing[:3]}), "
                       f"{len(unexpected)} unexpected (e.g. {unexpected[:3]})")
    wrong = [(k, tuple(sd[k].shape), want[k]) for k in want if tuple(sd[k].shape) != want[k]]
    if wrong:
        raise ValueError(f"{what}: {len(wrong)} tensors of the wrong shape, e.g. "
                         + "; ".join(f"{k} is {a}, expected {b}" for k, a, b in wrong[:3]))
    module.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
