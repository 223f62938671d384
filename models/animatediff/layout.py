"""The published key -> shape lists of each checkpoint file, computed from our modules without
allocating their weights (the full-size UNet alone is 3.4 GB in fp32).

torch 1.13 has no `with torch.device("meta")`; every layer we build (Linear, Conv2d, GroupNorm,
LayerNorm, Embedding) allocates its parameters with `torch.empty`, so `meta_init()` makes
`torch.empty` put them on the meta device for the duration. Buffers we compute (the motion
modules' `pe`, CLIP's mask) stay real; they are small.
"""

from contextlib import contextmanager
from typing import Dict, Tuple

import torch

from .clip_text import POSITION_IDS, ClipTextModel
from .configs import FamilyConfig
from .unet import UNetMotion
from .vae import AutoencoderKLLayout, VaeDecoder

Shapes = Dict[str, Tuple[int, ...]]


@contextmanager
def meta_init():
    real = torch.empty

    def empty(*args, **kwargs):
        kwargs["device"] = "meta"
        return real(*args, **kwargs)

    torch.empty = empty
    try:
        yield
    finally:
        torch.empty = real


def _shapes(sd) -> Shapes:
    return {k: tuple(v.shape) for k, v in sd.items()}


def build_unet(cfg: FamilyConfig, meta: bool = False) -> UNetMotion:
    if meta:
        with meta_init():
            return UNetMotion(cfg)
    return UNetMotion(cfg)


def unet_shapes(cfg: FamilyConfig) -> Shapes:
    """unet/diffusion_pytorch_model.safetensors (UNet2DConditionModel)."""
    m = build_unet(cfg, meta=True)
    sd = m.state_dict()
    return {k: tuple(sd[k].shape) for k in m.base_keys()}


def motion_shapes(cfg: FamilyConfig) -> Shapes:
    """animatediff_lightning_*_diffusers.safetensors (MotionAdapter)."""
    m = build_unet(cfg, meta=True)
    sd = m.state_dict()
    return {k: tuple(sd[k].shape) for k in m.motion_keys()}


def clip_shapes(cfg: FamilyConfig, position_ids: bool = True) -> Shapes:
    """text_encoder/model.safetensors (CLIPTextModel); with the int64 position_ids buffer the
    SD 1.5 files carry, unless `position_ids` is False."""
    with meta_init():
        out = _shapes(ClipTextModel(cfg.text).state_dict())
    if position_ids:
        out[POSITION_IDS] = (1, cfg.text.max_position_embeddings)
    return out


def vae_shapes(cfg: FamilyConfig) -> Shapes:
    """vae/diffusion_pytorch_model.safetensors (the whole AutoencoderKL)."""
    with meta_init():
        return _shapes(AutoencoderKLLayout(cfg.vae).published_state_dict())


def vae_decoder_shapes(cfg: FamilyConfig) -> Shapes:
    """The part VaeDecoder keeps: post_quant_conv.* and decoder.*."""
    with meta_init():
        return _shapes(VaeDecoder(cfg.vae).published_state_dict())


def param_count(shapes: Shapes) -> int:
    n = 0
    for s in shapes.values():
        p = 1
        for d in s:
            p *= d
        n += p
    return n
