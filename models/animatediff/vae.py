"""SD 1.5's AutoencoderKL with diffusers' key names. The pipeline runs only `post_quant_conv`
and the decoder (one frame a call); the encoder and `quant_conv` are built too, but only so
that `make_random.py` writes the whole published vae/diffusion_pytorch_model.safetensors and
the tests can count its keys: `VaeDecoder.load` takes the full AutoencoderKL state dict and
ignores `encoder.*` and `quant_conv.*` by name, strict on the rest.

Decoder: conv_in, mid_block.{resnets.{0,1}, attentions.0.{group_norm,to_q,to_k,to_v,to_out.0}},
up_blocks.{i}.resnets.{0..L} (+ upsamplers.0.conv but the last), conv_norm_out, conv_out.
The mid attention is single-head over the h·w pixels, with biases, GroupNorm first, residual.
Older diffusers folders name its weights query/key/value/proj_attn: `OLD_ATTENTION_NAMES`.
"""

import re
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .blocks import Attention, Downsample2D, ResnetBlock2D, Upsample2D
from .configs import VaeConfig

OLD_ATTENTION_NAMES = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}
_OLD_RE = re.compile(r"^((?:en|de)coder\.mid_block\.attentions\.0\.)(query|key|value|proj_attn)\.")
IGNORED_PREFIXES = ("encoder.", "quant_conv.")


class _Ns(nn.Module):
    """A plain container: attribute names give key names."""


class VaeAttention(nn.Module):
    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, channels, eps=1e-6, affine=True)
        self.attn = Attention(channels, 1, channels, qkv_bias=True)

    def forward(self, x):
        n, c, h, w = x.shape
        t = self.group_norm(x).reshape(n, c, h * w).transpose(1, 2)
        t = self.attn(t).transpose(1, 2).reshape(n, c, h, w)
        return t + x



def _mid(channels: int, groups: int) -> _Ns:
    mid = _Ns()
    mid.attentions = nn.ModuleList([VaeAttention(channels, groups)])
    mid.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, None, groups, 1e-6)
                                 for _ in range(2)])
    return mid


class Decoder(nn.Module):
    def __init__(self, cfg: VaeConfig):
        super().__init__()
        ch, g, L = list(cfg.block_out_channels), cfg.norm_num_groups, cfg.layers_per_block
        self.conv_in = nn.Conv2d(cfg.latent_channels, ch[-1], 3, padding=1)
        self.mid_block = _mid(ch[-1], g)
        rev = list(reversed(ch))
        self.up_blocks = nn.ModuleList()
        out_c = rev[0]
        for i in range(len(rev)):
            prev_c, out_c = out_c, rev[i]
            blk = _Ns()
            blk.resnets = nn.ModuleList([ResnetBlock2D(prev_c if j == 0 else out_c, out_c, None, g, 1e-6)
                                         for j in range(L + 1)])
            if i < len(rev) - 1:
                blk.upsamplers = nn.ModuleList([Upsample2D(out_c)])
            self.up_blocks.append(blk)
        self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=1e-6)
        self.conv_out = nn.Conv2d(ch[0], cfg.out_channels, 3, padding=1)

    def forward(self, z):
        x = self.conv_in(z)
        x = self.mid_block.resnets[0](x)
        x = self.mid_block.attentions[0](x)
        x = self.mid_block.resnets[1](x)
        for blk in self.up_blocks:
            for res in blk.resnets:
                x = res(x)
            if hasattr(blk, "upsamplers"):
                x = blk.upsamplers[0](x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class Encoder(nn.Module):
    """Built for its keys and shapes (make_random, tests); the pipeline never runs it."""

    def __init__(self, cfg: VaeConfig):
        super().__init__()
        ch, g, L = list(cfg.block_out_channels), cfg.norm_num_groups, cfg.layers_per_block
        self.conv_in = nn.Conv2d(cfg.in_channels, ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        out_c = ch[0]
        for i in range(len(ch)):
            in_c, out_c = out_c, ch[i]
            blk = _Ns()
            blk.resnets = nn.ModuleList([ResnetBlock2D(in_c if j == 0 else out_c, out_c, None, g, 1e-6)
                                         for j in range(L)])
            if i < len(ch) - 1:
                blk.downsamplers = nn.ModuleList([Downsample2D(out_c, padding=0)])
            self.down_blocks.append(blk)
        self.mid_block = _mid(ch[-1], g)
        self.conv_norm_out = nn.GroupNorm(g, ch[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(ch[-1], 2 * cfg.latent_channels, 3, padding=1)


def _published(sd: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Our module paths -> diffusers key names (VaeAttention's inner `attn.` level removed)."""
    return {k.replace("attentions.0.attn.", "attentions.0."): v for k, v in sd.items()}


class AutoencoderKLLayout(nn.Module):
    """The whole AutoencoderKL, for its published key list (`published_state_dict`)."""

    def __init__(self, cfg: VaeConfig):
        super().__init__()
        self.encoder = Encoder(cfg)
        self.quant_conv = nn.Conv2d(2 * cfg.latent_channels, 2 * cfg.latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(cfg.latent_channels, cfg.latent_channels, 1)
        self.decoder = Decoder(cfg)

    def published_state_dict(self) -> Dict[str, torch.Tensor]:
        return _published(self.state_dict())


def normalise_vae_keys(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Old diffusers attention names (query/key/value/proj_attn) -> the current ones."""
    return {_OLD_RE.sub(lambda m: m.group(1) + OLD_ATTENTION_NAMES[m.group(2)] + ".", k): v
            for k, v in state_dict.items()}


class VaeDecoder(nn.Module):
    """post_quant_conv + decoder; forward(latent [1, 4, h, w]) -> image [1, 3, 8h, 8w]."""

    def __init__(self, cfg: VaeConfig):
        super().__init__()
        self.post_quant_conv = nn.Conv2d(cfg.latent_channels, cfg.latent_channels, 1)
        self.decoder = Decoder(cfg)

    def published_state_dict(self) -> Dict[str, torch.Tensor]:
        return _published(self.state_dict())

    def load(self, state_dict: Dict[str, torch.Tensor]) -> None:
        sd = {k: v for k, v in normalise_vae_keys(state_dict).items()
              if not k.startswith(IGNORED_PREFIXES)}
        own = self.published_state_dict()
        missing, unexpected = sorted(set(own) - set(sd)), sorted(set(sd) - set(own))
        bad = [k for k in own if k in sd and tuple(sd[k].shape) != tuple(own[k].shape)]
        if missing or unexpected or bad:
            raise KeyError(f"AutoencoderKL decoder: missing {missing[:5]}, unexpected "
                           f"{unexpected[:5]}, wrong shape {bad[:5]}")
        with torch.no_grad():
            for k, v in own.items():  # the same tensors as self.state_dict()'s, renamed
                v.copy_(sd[k].to(v.dtype))

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(latent))
