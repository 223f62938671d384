"""The networks: a small text encoder and a spacetime-patch diffusion transformer (DiT).

The denoiser maps (noisy clip, noise level, text) to a prediction of the clean clip. It knows nothing
about the diffusion process itself: `flow.py` turns its prediction into a velocity and a loss.
Written for ONNX export with torch 1.13: attention is matmul -> softmax -> matmul, LayerNorms are
affine, tensors stay at rank 6 or less, and every shape is static.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import ModelConfig

NEG = -1e4  # additive mask value; finite so an all-masked row cannot produce NaN


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, kv_dim: int | None = None):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(kv_dim or dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, ctx=None, bias=None):
        b, n, d = x.shape
        ctx = x if ctx is None else ctx
        m = ctx.shape[1]
        q = self.q(x).reshape(b, n, self.heads, self.head_dim).permute(0, 2, 1, 3)
        kv = self.kv(ctx).reshape(b, m, 2, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        if x.is_cuda and hasattr(F, "scaled_dot_product_attention"):
            # Training on a GPU (torch 2.x): the fused kernel computes the same function as the explicit
            # matmul -> softmax -> matmul below, which is what the ONNX export (torch 1.13, CPU) traces.
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None if bias is None else bias.to(q.dtype))
            return self.out(y.permute(0, 2, 1, 3).reshape(b, n, d))
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        if bias is not None:
            att = att + bias
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).permute(0, 2, 1, 3).reshape(b, n, d)
        return self.out(y)


class Mlp(nn.Module):
    def __init__(self, dim: int, ratio: float):
        super().__init__()
        hidden = int(dim * ratio)
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.approximate = "none"  # "tanh" at export time: see use_tanh_gelu

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate=self.approximate))


class TextEncoder(nn.Module):
    """Word ids [B, L] -> states [B, L+1, dim] and mask [B, L+1]; slot 0 is a learned always-on token."""

    def __init__(self, cfg: ModelConfig, vocab_size: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, cfg.text_dim)
        self.start = nn.Parameter(torch.zeros(1, 1, cfg.text_dim))
        self.pos = nn.Parameter(torch.randn(1, cfg.max_tokens + 1, cfg.text_dim) * 0.02)
        self.blocks = nn.ModuleList()
        for _ in range(cfg.text_depth):
            self.blocks.append(nn.ModuleList([nn.LayerNorm(cfg.text_dim), Attention(cfg.text_dim, cfg.text_heads),
                                              nn.LayerNorm(cfg.text_dim), Mlp(cfg.text_dim, 4.0)]))
        self.norm = nn.LayerNorm(cfg.text_dim)
        self.proj = nn.Linear(cfg.text_dim, cfg.dim)

    def forward(self, input_ids):
        b = input_ids.shape[0]
        mask = torch.cat([torch.ones(b, 1, device=input_ids.device), (input_ids != 0).float()], dim=1)
        x = torch.cat([self.start.expand(b, -1, -1), self.embed(input_ids)], dim=1) + self.pos
        bias = ((1.0 - mask) * NEG)[:, None, None, :]
        for ln1, att, ln2, mlp in self.blocks:
            x = x + att(ln1(x), bias=bias)
            x = x + mlp(ln2(x))
        return self.proj(self.norm(x)), mask


def timestep_embedding(t, dim: int = 256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = (t * 1000.0)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class DiTBlock(nn.Module):
    """Self-attention over all spacetime tokens, cross-attention to the text, MLP; adaLN-zero modulated."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d = cfg.dim
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d, cfg.heads)
        self.cross = Attention(d, cfg.heads)
        self.mlp = Mlp(d, cfg.mlp_ratio)
        self.ada = nn.Linear(d, 9 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, x, c, text, text_bias):
        m = self.ada(c)[:, None, :].chunk(9, dim=-1)
        x = x + m[2] * self.attn(self.n1(x) * (1 + m[1]) + m[0])
        x = x + m[5] * self.cross(self.n2(x) * (1 + m[4]) + m[3], text, text_bias)
        x = x + m[8] * self.mlp(self.n3(x) * (1 + m[7]) + m[6])
        return x


class Denoiser(nn.Module):
    """(noisy clip [B,C,T,H,W], noise level t [B], text states, text mask) -> predicted clean clip."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.dim
        gt, gh, gw = cfg.grid
        self.patch_dim = cfg.channels * cfg.patch_t * cfg.patch_hw ** 2
        self.embed = nn.Linear(self.patch_dim, d)
        self.pos_t = nn.Parameter(torch.randn(gt, 1, 1, d) * 0.02)
        self.pos_h = nn.Parameter(torch.randn(1, gh, 1, d) * 0.02)
        self.pos_w = nn.Parameter(torch.randn(1, 1, gw, d) * 0.02)
        self.t_mlp = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d))
        self.text_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.blocks = nn.ModuleList([DiTBlock(cfg) for _ in range(cfg.depth)])
        self.final_norm = nn.LayerNorm(d)
        self.final_ada = nn.Linear(d, 2 * d)
        self.final = nn.Linear(d, self.patch_dim)
        for lin in (self.final_ada, self.final):
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)
        rc = cfg.refine_channels
        self.refine = None
        if rc:
            self.refine = nn.Sequential(nn.Conv2d(cfg.channels, rc, 3, padding=1), nn.GELU(),
                                        nn.Conv2d(rc, cfg.channels, 3, padding=1))
            nn.init.zeros_(self.refine[2].weight)
            nn.init.zeros_(self.refine[2].bias)

    def patchify(self, x):
        c, (gt, gh, gw), pt, p = self.cfg.channels, self.cfg.grid, self.cfg.patch_t, self.cfg.patch_hw
        b = x.shape[0]
        x = x.reshape(b * c * gt, pt, gh, p, gw, p).permute(0, 2, 4, 1, 3, 5)
        x = x.reshape(b, c, gt, gh, gw, pt * p * p).permute(0, 2, 3, 4, 1, 5)
        return x.reshape(b, gt * gh * gw, self.patch_dim)

    def unpatchify(self, x):
        cfg = self.cfg
        c, (gt, gh, gw), pt, p = cfg.channels, cfg.grid, cfg.patch_t, cfg.patch_hw
        b = x.shape[0]
        x = x.reshape(b, gt, gh, gw, c, pt * p * p).permute(0, 4, 1, 2, 3, 5)
        x = x.reshape(b * c * gt, gh, gw, pt, p, p).permute(0, 3, 1, 4, 2, 5)
        return x.reshape(b, c, cfg.frames, cfg.height, cfg.width)

    def forward(self, sample, timestep, text_states, text_mask):
        d = self.cfg.dim
        pos = (self.pos_t + self.pos_h + self.pos_w).reshape(1, -1, d)
        x = self.embed(self.patchify(sample)) + pos
        pooled = (text_states * text_mask[:, :, None]).sum(1) / text_mask.sum(1, keepdim=True)
        c = F.silu(self.t_mlp(timestep_embedding(timestep)) + self.text_mlp(pooled))
        bias = ((1.0 - text_mask) * NEG)[:, None, None, :]
        for blk in self.blocks:
            x = blk(x, c, text_states, bias)
        shift, scale = self.final_ada(c)[:, None, :].chunk(2, dim=-1)
        out = self.unpatchify(self.final(self.final_norm(x) * (1 + scale) + shift))
        if self.refine is not None:
            b, ch, t, h, w = out.shape
            frames = out.permute(0, 2, 1, 3, 4).reshape(b * t, ch, h, w)
            frames = frames + self.refine(frames)
            out = frames.reshape(b, t, ch, h, w).permute(0, 2, 1, 3, 4)
        return out


def use_tanh_gelu(m: nn.Module) -> int:
    """Switches every GELU of `m` to its tanh approximation (at most 4.7e-4 from the exact one), for export.
    The exact GELU exports as Erf, which onnxruntime's WASM build computes in scalar code: measured at
    about 8x the time of the tanh form (FastGelu after onnxruntime's fusion), and 10% of a denoiser call.
    Training keeps the exact GELU; the golden vectors are written with the same switch, so they are the
    shipped graph's. Returns how many GELUs were switched."""
    n = 0
    for mod in m.modules():
        if isinstance(mod, (Mlp, nn.GELU)):
            mod.approximate = "tanh"
            n += 1
    return n


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
