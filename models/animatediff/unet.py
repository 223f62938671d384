"""SD 1.5's UNet2DConditionModel with AnimateDiff's motion modules inside its blocks: diffusers'
UNetMotionModel, whose state dict is exactly UNet2DConditionModel's keys plus MotionAdapter's.

  conv_in, time_embedding.linear_{1,2}
  down_blocks.{i}: resnets.{j}, attentions.{j} (cross-attn blocks), motion_modules.{j},
                   downsamplers.0.conv (all but the last)
  mid_block: resnets.{0,1}, attentions.0, motion_modules.0
  up_blocks.{i}: resnets.{0..L}, attentions.{0..L} (cross-attn blocks), motion_modules.{0..L},
                 upsamplers.0.conv (all but the last)
  conv_norm_out, conv_out

forward takes the video latent [B, 4, F, h, w]; the F frames are folded into the batch
(frame index fastest, as diffusers does), the text states and the time embedding are repeated
per frame with unsqueeze/expand/reshape (repeat_interleave does not export cleanly from torch
1.13), 2-D layers see frames independently and each motion module attends along F.
"""

from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F

from .blocks import Downsample2D, ResnetBlock2D, Transformer2D, Upsample2D, timestep_embedding
from .configs import FamilyConfig
from .motion import is_motion_key, motion_modules, original_motion_to_diffusers


class _Block(nn.Module):
    """One down or up block: the container whose attribute names give the keys."""


class TimestepEmbedding(nn.Module):
    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class UNetMotion(nn.Module):
    def __init__(self, config: FamilyConfig):
        super().__init__()
        u, m = config.unet, config.motion
        if tuple(m.block_out_channels) != tuple(u.block_out_channels):
            raise ValueError("motion.block_out_channels must equal unet.block_out_channels")
        ch = list(u.block_out_channels)
        L, g, eps = u.layers_per_block, u.norm_num_groups, u.norm_eps
        heads = u.attention_head_dim  # diffusers: num_attention_heads defaults to attention_head_dim
        temb = ch[0] * 4
        self.time_channels = ch[0]
        self.conv_in = nn.Conv2d(u.in_channels, ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], temb)

        self.down_blocks = nn.ModuleList()
        out_c = ch[0]
        for i, kind in enumerate(u.down_block_types):
            in_c, out_c = out_c, ch[i]
            blk = _Block()
            blk.resnets = nn.ModuleList(
                [ResnetBlock2D(in_c if j == 0 else out_c, out_c, temb, g, eps) for j in range(L)])
            if kind.startswith("CrossAttn"):
                blk.attentions = nn.ModuleList(
                    [Transformer2D(out_c, heads, u.cross_attention_dim, g) for _ in range(L)])
            blk.motion_modules = motion_modules(out_c, m.motion_layers_per_block, m)
            if i < len(ch) - 1:
                blk.downsamplers = nn.ModuleList([Downsample2D(out_c)])
            self.down_blocks.append(blk)

        mid = _Block()
        mid.attentions = nn.ModuleList([Transformer2D(ch[-1], heads, u.cross_attention_dim, g)])
        mid.resnets = nn.ModuleList([ResnetBlock2D(ch[-1], ch[-1], temb, g, eps) for _ in range(2)])
        if m.use_motion_mid_block:
            mid.motion_modules = motion_modules(ch[-1], m.motion_mid_block_layers_per_block, m)
        self.mid_block = mid

        self.up_blocks = nn.ModuleList()
        rev = list(reversed(ch))
        out_c = rev[0]
        for i, kind in enumerate(u.up_block_types):
            prev_c, out_c = out_c, rev[i]
            in_c = rev[min(i + 1, len(ch) - 1)]
            blk = _Block()
            res = []
            for j in range(L + 1):
                skip_c = in_c if j == L else out_c
                res.append(ResnetBlock2D((prev_c if j == 0 else out_c) + skip_c, out_c, temb, g, eps))
            blk.resnets = nn.ModuleList(res)
            if kind.startswith("CrossAttn"):
                blk.attentions = nn.ModuleList(
                    [Transformer2D(out_c, heads, u.cross_attention_dim, g) for _ in range(L + 1)])
            blk.motion_modules = motion_modules(out_c, m.motion_layers_per_block + 1, m)
            if i < len(ch) - 1:
                blk.upsamplers = nn.ModuleList([Upsample2D(out_c)])
            self.up_blocks.append(blk)

        self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=eps)
        self.conv_out = nn.Conv2d(ch[0], u.out_channels, 3, padding=1)

    # ---- loading -------------------------------------------------------------------------

    def base_keys(self) -> List[str]:
        return [k for k in self.state_dict() if not is_motion_key(k)]

    def motion_keys(self) -> List[str]:
        return [k for k in self.state_dict() if is_motion_key(k)]

    def _load_part(self, state_dict: Dict[str, torch.Tensor], keys: List[str], what: str) -> None:
        own = self.state_dict()
        want = set(keys)
        got = set(state_dict)
        missing, unexpected = sorted(want - got), sorted(got - want)
        bad = [f"{k}: {tuple(state_dict[k].shape)} != {tuple(own[k].shape)}"
               for k in sorted(want & got) if tuple(state_dict[k].shape) != tuple(own[k].shape)]
        if missing or unexpected or bad:
            raise KeyError(f"{what}: {len(missing)} missing {missing[:5]}, {len(unexpected)} "
                           f"unexpected {unexpected[:5]}, {len(bad)} wrong shape {bad[:5]}")
        with torch.no_grad():
            for k in keys:
                own[k].copy_(state_dict[k].to(own[k].dtype))

    def load_base_unet(self, state_dict: Dict[str, torch.Tensor]) -> None:
        """A UNet2DConditionModel state dict (diffusers names): strict on exactly its keys."""
        self._load_part(state_dict, self.base_keys(), "UNet2DConditionModel")

    def load_motion(self, state_dict: Dict[str, torch.Tensor]) -> None:
        """A MotionAdapter state dict (diffusers names, without the UNet's own): strict. A file in
        the original AnimateDiff layout (`temporal_transformer`, `attention_blocks`) is renamed
        first (motion.original_motion_to_diffusers), then held to the same strict check."""
        if any(".temporal_transformer." in k for k in state_dict):
            state_dict = original_motion_to_diffusers(state_dict)
        self._load_part(state_dict, self.motion_keys(), "MotionAdapter")

    # ---- forward ---------------------------------------------------------------------------

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor,
                encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        b, c, f, hh, ww = sample.shape
        t = timestep.reshape(-1).expand(b)
        emb = self.time_embedding(timestep_embedding(t, self.time_channels))
        # per frame: [B, D] -> [B·F, D] and [B, 77, D] -> [B·F, 77, D], frame index fastest
        emb = emb.unsqueeze(1).expand(b, f, emb.shape[-1]).reshape(b * f, emb.shape[-1])
        _, lt, dt = encoder_hidden_states.shape
        ctx = encoder_hidden_states.unsqueeze(1).expand(b, f, lt, dt).reshape(b * f, lt, dt)
        x = sample.permute(0, 2, 1, 3, 4).reshape(b * f, c, hh, ww)

        x = self.conv_in(x)
        skips = [x]
        for blk in self.down_blocks:
            attns = getattr(blk, "attentions", None)
            for j, res in enumerate(blk.resnets):
                x = res(x, emb)
                if attns is not None:
                    x = attns[j](x, ctx)
                x = blk.motion_modules[j](x, f)
                skips.append(x)
            if hasattr(blk, "downsamplers"):
                x = blk.downsamplers[0](x)
                skips.append(x)

        mid = self.mid_block
        x = mid.resnets[0](x, emb)
        x = mid.attentions[0](x, ctx)
        if hasattr(mid, "motion_modules"):
            x = mid.motion_modules[0](x, f)
        x = mid.resnets[1](x, emb)

        for blk in self.up_blocks:
            attns = getattr(blk, "attentions", None)
            for j, res in enumerate(blk.resnets):
                x = res(torch.cat([x, skips.pop()], dim=1), emb)
                if attns is not None:
                    x = attns[j](x, ctx)
                x = blk.motion_modules[j](x, f)
            if hasattr(blk, "upsamplers"):
                x = blk.upsamplers[0](x)

        x = self.conv_out(F.silu(self.conv_norm_out(x)))
        return x.reshape(b, f, x.shape[1], hh, ww).permute(0, 2, 1, 3, 4)
