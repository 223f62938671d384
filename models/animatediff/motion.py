"""AnimateDiff's motion modules in diffusers' MotionAdapter layout (the layout of ByteDance's
`animatediff_lightning_{1,2,4,8}step_diffusers.safetensors`).

A motion module is diffusers' TransformerTemporalModel: GroupNorm (eps 1e-6) over
[batch, C, frames, h, w] (statistics span the frames), `proj_in` Linear, one
BasicTransformerBlock whose two attentions are both self-attention along the frame axis
(double_self_attention, no cross-attention), `proj_out` Linear, plus the residual. The block
adds a fixed sinusoidal `pos_embed.pe` [1, max_seq_length, C] before each attention; it is a
persistent buffer in diffusers, so it is in the published files and in our state dict.

Key names, for UNet channels c_i: down_blocks.{i}.motion_modules.{0,1}, mid_block.motion_modules.0,
up_blocks.{i}.motion_modules.{0,1,2}, each with
  norm.{weight,bias} proj_in.{weight,bias} proj_out.{weight,bias}
  transformer_blocks.0.{norm1,norm2,norm3}.{weight,bias}
  transformer_blocks.0.attn{1,2}.to_{q,k,v}.weight  .to_out.0.{weight,bias}
  transformer_blocks.0.ff.net.0.proj.{weight,bias}  .ff.net.2.{weight,bias}
  transformer_blocks.0.pos_embed.pe
"""

import math

import torch
import torch.nn as nn

from .blocks import BasicTransformerBlock


class SinusoidalPositionalEmbedding(nn.Module):
    """pe[0, p, 2i] = sin(p·10000^(-2i/C)), pe[0, p, 2i+1] = cos(…); added to [N, L, C]."""

    def __init__(self, dim: int, max_seq_length: int):
        super().__init__()
        position = torch.arange(max_seq_length, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
        pe = torch.zeros(1, max_seq_length, dim)
        pe[0, :, 0::2] = torch.sin(position * div)
        pe[0, :, 1::2] = torch.cos(position * div)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, : x.shape[1]]


def sinusoidal_pe(dim: int, max_seq_length: int) -> torch.Tensor:
    """The value of `pos_embed.pe` a fresh module has (make_random writes it as published)."""
    return SinusoidalPositionalEmbedding(dim, max_seq_length).pe


class TemporalTransformer(nn.Module):
    def __init__(self, channels: int, heads: int, groups: int, max_seq_length: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6, affine=True)
        self.proj_in = nn.Linear(channels, channels)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(
            channels, heads, channels // heads, cross_dim=None,
            pos_embed=SinusoidalPositionalEmbedding(channels, max_seq_length))])
        self.proj_out = nn.Linear(channels, channels)

    def forward(self, x: torch.Tensor, frames: int) -> torch.Tensor:
        """x: [B·F, C, h, w] with the frame index fastest (as the UNet folds them)."""
        bf, c, hh, ww = x.shape
        b = bf // frames
        h = x.reshape(b, frames, c, hh, ww).permute(0, 2, 1, 3, 4)      # [B, C, F, h, w]
        h = self.norm(h)
        h = h.permute(0, 3, 4, 2, 1).reshape(b * hh * ww, frames, c)    # tokens = frames
        h = self.proj_in(h)
        for block in self.transformer_blocks:
            h = block(h)
        h = self.proj_out(h)
        h = h.reshape(b, hh, ww, frames, c).permute(0, 3, 4, 1, 2).reshape(bf, c, hh, ww)
        return h + x


def motion_modules(channels: int, count: int, cfg) -> nn.ModuleList:
    """`count` motion modules of width `channels` for one UNet block (cfg: MotionConfig)."""
    return nn.ModuleList([
        TemporalTransformer(channels, cfg.motion_num_attention_heads, cfg.motion_norm_num_groups,
                            cfg.motion_max_seq_length) for _ in range(count)])


def is_motion_key(key: str) -> bool:
    """Whether a UNetMotion state-dict key belongs to the MotionAdapter (all of them, and only
    them, have a `motion_modules` path component)."""
    return ".motion_modules." in key


def original_motion_to_diffusers(state_dict):
    """The original AnimateDiff layout (guoyww's mm_sd_v15_v2.ckpt, the Lightning `_comfyui`
    files): `…motion_modules.{j}.temporal_transformer.transformer_blocks.0.attention_blocks.{0,1}`,
    `norms.{0,1}`, `ff_norm`, one `pos_encoder.pe` per attention block -> diffusers names, as
    diffusers' convert_animatediff_checkpoint_to_diffusers renames them. The two pe buffers of
    a block are the same sinusoid; the first becomes `pos_embed.pe` (diffusers drops both and
    keeps its own, the same values) and the second must equal it."""
    out = {}
    for k, v in state_dict.items():
        nk = (k.replace(".temporal_transformer", "").replace(".norms.0", ".norm1")
              .replace(".norms.1", ".norm2").replace(".ff_norm", ".norm3")
              .replace(".attention_blocks.0", ".attn1").replace(".attention_blocks.1", ".attn2"))
        if nk.endswith(".pos_encoder.pe"):
            base = nk[: -len(".attn1.pos_encoder.pe")] + ".pos_embed.pe"
            if base in out:
                if out[base].shape != v.shape or not torch.equal(out[base].float(), v.float()):
                    raise ValueError(f"{k}: differs from its block's other pos_encoder.pe")
                continue
            nk = base
        out[nk] = v
    return out
