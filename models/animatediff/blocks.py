"""The building blocks SD 1.5's UNet, its motion modules and its VAE share, with diffusers'
attribute names (so that `state_dict()` keys are the published ones):

  Attention              to_q / to_k / to_v / to_out.0, written as matmul -> softmax -> matmul
                         (a fused attention op does not export from torch 1.13)
  FeedForward            GEGLU: net.0.proj, net.2
  BasicTransformerBlock  norm1 attn1 norm2 attn2 norm3 ff (+ pos_embed for motion modules)
  Transformer2D          norm proj_in(1x1 conv) transformer_blocks.0 proj_out(1x1 conv)
  ResnetBlock2D          norm1 conv1 [time_emb_proj] norm2 conv2 [conv_shortcut]
  Downsample2D / Upsample2D  conv
  timestep_embedding     the sinusoidal embedding of diffusers' Timesteps
"""

import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


# The largest attention-score tensor one slice may make, in bytes of fp32 (see Attention.forward).
SCORE_SLICE_BYTES = 64 * 2 ** 20


class Attention(nn.Module):
    """Multi-head attention on [N, L, C] tokens. `kv_dim` is the key/value input width
    (cross-attention), None for self-attention. q/k/v carry a bias only where the published
    module does (`qkv_bias`): False in the UNet and motion modules, True in the VAE."""

    def __init__(self, dim: int, heads: int, dim_head: int, kv_dim: Optional[int] = None,
                 qkv_bias: bool = False):
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.dim_head = dim_head
        self.scale = dim_head ** -0.5
        self.to_q = nn.Linear(dim, inner, bias=qkv_bias)
        self.to_k = nn.Linear(kv_dim or dim, inner, bias=qkv_bias)
        self.to_v = nn.Linear(kv_dim or dim, inner, bias=qkv_bias)
        # diffusers' to_out is ModuleList([Linear, Dropout]): index 0 is the key name.
        self.to_out = nn.ModuleList([nn.Linear(inner, dim, bias=True), nn.Dropout(0.0)])

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        ctx = x if context is None else context
        n, lq, _ = x.shape
        lk = ctx.shape[1]
        h, d = self.heads, self.dim_head
        q = self.to_q(x).reshape(n, lq, h, d).permute(0, 2, 1, 3).reshape(n * h, lq, d)
        k = self.to_k(ctx).reshape(n, lk, h, d).permute(0, 2, 3, 1).reshape(n * h, d, lk)
        v = self.to_v(ctx).reshape(n, lk, h, d).permute(0, 2, 1, 3).reshape(n * h, lk, d)
        # Sliced attention: the scores of (frame, head) pairs are made a slice at a time, so that
        # no score tensor exceeds SCORE_SLICE_BYTES. At 16 frames of 256 x 256 the UNet's first
        # level has 1024 tokens: all scores at once are 512 MiB, twice over with the softmax.
        # Measured on the full-size int8 UNet alone in onnxruntime-web's WASM heap (4 GB): unsliced,
        # one call failed with std::bad_alloc; with 64 MiB slices it ran (the heap grew to 4053 MiB);
        # 16 MiB slices saved no more (4026 MiB). Same arithmetic per slice; the export unrolls the
        # slices into static Split -> MatMul -> Softmax -> MatMul -> Concat.
        per = max(1, SCORE_SLICE_BYTES // (lq * lk * 4))
        if per >= n * h:
            out = torch.matmul(torch.softmax(torch.matmul(q * self.scale, k), dim=-1), v)
        else:
            out = torch.cat([torch.matmul(torch.softmax(torch.matmul(qs * self.scale, ks), dim=-1), vs)
                             for qs, ks, vs in zip(q.split(per), k.split(per), v.split(per))])
        out = out.reshape(n, h, lq, d).permute(0, 2, 1, 3).reshape(n, lq, h * d)
        return self.to_out[0](out)


class GEGLU(nn.Module):
    def __init__(self, dim_in: int, dim_out: int):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4):
        super().__init__()
        inner = dim * mult
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Dropout(0.0), nn.Linear(inner, dim)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    """diffusers' BasicTransformerBlock (layer_norm type). attn2 is cross-attention over
    `context` when `cross_dim` is set, else a second self-attention (double_self_attention,
    as in the motion modules). `pos_embed` (motion modules) is added before each attention."""

    def __init__(self, dim: int, heads: int, dim_head: int, cross_dim: Optional[int],
                 pos_embed: Optional[nn.Module] = None):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn1 = Attention(dim, heads, dim_head)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.attn2 = Attention(dim, heads, dim_head, kv_dim=cross_dim)
        self.norm3 = nn.LayerNorm(dim, eps=1e-5)
        self.ff = FeedForward(dim)
        self.cross = cross_dim is not None
        if pos_embed is not None:
            self.pos_embed = pos_embed
        else:
            self.pos_embed = None

    def forward(self, x: torch.Tensor, context: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.norm1(x)
        if self.pos_embed is not None:
            h = self.pos_embed(h)
        x = self.attn1(h) + x
        h = self.norm2(x)
        if self.pos_embed is not None:
            h = self.pos_embed(h)
        x = self.attn2(h, context if self.cross else None) + x
        return self.ff(self.norm3(x)) + x


class Transformer2D(nn.Module):
    """diffusers' Transformer2DModel as SD 1.5 uses it: GroupNorm (eps 1e-6), 1x1-conv
    projections (use_linear_projection False), one transformer block."""

    def __init__(self, channels: int, heads: int, cross_dim: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6, affine=True)
        self.proj_in = nn.Conv2d(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(channels, heads, channels // heads, cross_dim)])
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        n, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x))
        h = h.permute(0, 2, 3, 1).reshape(n, hh * ww, c)
        for block in self.transformer_blocks:
            h = block(h, context)
        h = h.reshape(n, hh, ww, c).permute(0, 3, 1, 2)
        return self.proj_out(h) + x


class ResnetBlock2D(nn.Module):
    """diffusers' ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1).
    `temb_channels` None: no time_emb_proj (the VAE's)."""

    def __init__(self, cin: int, cout: int, temb_channels: Optional[int], groups: int, eps: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        if temb_channels is not None:
            self.time_emb_proj = nn.Linear(temb_channels, cout)
        else:
            self.time_emb_proj = None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps, affine=True)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor, temb: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None and temb is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Downsample2D(nn.Module):
    """3x3 conv, stride 2. padding 1 (UNet); padding 0 after a (0,1,0,1) pad (VAE encoder)."""

    def __init__(self, channels: int, padding: int = 1):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Upsample2D(nn.Module):
    """Nearest-neighbour ×2, then a 3x3 conv."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def timestep_embedding(timesteps: torch.Tensor, dim: int, flip_sin_to_cos: bool = True,
                       freq_shift: float = 0.0, max_period: float = 10000.0) -> torch.Tensor:
    """diffusers' get_timestep_embedding: exp(-ln(max_period)·i/(half - shift)), [sin, cos],
    flipped to [cos, sin] for SD 1.5 (flip_sin_to_cos True, shift 0)."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32) / (half - freq_shift)
    args = timesteps.to(torch.float32)[:, None] * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    return emb
