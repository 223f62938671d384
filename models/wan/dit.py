"""The Wan 2.1 T2V DiT (wan/modules/model.py WanModel, model_type 't2v') for one static grid.

Owns the module whose state_dict is exactly Wan's diffusion_pytorch_model.safetensors
(layout.dit_shapes; rCM's checkpoint goes through layout.rcm_to_wan first), and its forward:
sample [1, 16, F, h, w] (x_t), timestep [1] float32, context [1, L, text_dim] -> velocity.

Written for export (torch 1.13 -> ONNX opset 17 -> onnxruntime-web WebGPU):
  - The patch embedding keeps the Conv3d's parameter [dim, 16, 1, 2, 2] but runs as reshape ->
    MatMul: a (1, 2, 2) kernel with stride (1, 2, 2) is a Linear over each patch's 64 values in the
    (c, kt, kh, kw) order that rCM's rearrange also uses. No Conv3d in the graph.
  - RoPE: the published code multiplies complex numbers in float64 (rope_apply). Here the angles of
    the static grid are computed once in float64 (Wan's rope_params: per axis 1 / 10000^(2j / d_axis),
    d_axis = d - 4 (d // 6) for frames and 2 (d // 6) for height and width) and baked as float32 cos /
    sin tables [tokens, 1, d / 2]; the graph rotates each (even, odd) pair with real Muls and Adds.
  - Attention is MatMul -> Softmax -> MatMul with the 1/sqrt(d) scale (flash_attention's default).
    Self-attention sees every token (one clip, no padding); cross-attention sees all L context rows,
    zeros included, as Wan does (context_lens=None: the padded rows are text_embedding(0), not masked).
  - The timestep sinusoid (cat[cos, sin] of t · 10000^(-k / 128)) is float64 in the published code;
    `time_sinusoid.float64` keeps that for PyTorch's golden numbers and the export turns it off (no
    float64 on WebGPU), which golden.json's tolerance covers; the fp16 variant keeps it float32.
LayerNorms without affine (norm1, norm2, head.norm) and the affine cross-attention norm3 are
LayerNorm(eps 1e-6); q / k norms are RMSNorm over the full width (before the heads split).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import DiTConfig
from .layout import strict_load


def rope_angles(grid, head_dim: int, theta: float = 10000.0) -> torch.Tensor:
    """[f·h·w, head_dim / 2] float64 angles of Wan's 3-D RoPE, axes (frame, height, width)."""
    d = head_dim
    dims = (d - 4 * (d // 6), 2 * (d // 6), 2 * (d // 6))
    per_axis = []
    for n, dd in zip(grid, dims):
        inv = 1.0 / torch.pow(torch.tensor(theta, dtype=torch.float64),
                              torch.arange(0, dd, 2, dtype=torch.float64) / dd)
        per_axis.append(torch.outer(torch.arange(n, dtype=torch.float64), inv))
    f, h, w = grid
    return torch.cat([per_axis[0].view(f, 1, 1, -1).expand(f, h, w, -1),
                      per_axis[1].view(1, h, 1, -1).expand(f, h, w, -1),
                      per_axis[2].view(1, 1, w, -1).expand(f, h, w, -1)], dim=-1).reshape(f * h * w, -1)


def sinusoid(t: torch.Tensor, dim: int, float64: bool) -> torch.Tensor:
    """[B] -> [B, dim]: cat[cos, sin] of t · 10000^(-k / (dim / 2)), the frequencies computed in float64."""
    half = dim // 2
    dtype = torch.float64 if float64 else torch.float32
    freqs = torch.tensor([10000.0 ** (-k / half) for k in range(half)], dtype=dtype)  # a constant of the graph
    arg = t.to(dtype).unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.cos(arg), torch.sin(arg)], dim=1).float()


# The name part of the timestep sinusoid's ONNX nodes (torch names nodes by module path): the fp16
# variant keeps them fp32 (onnx_fp16.to_fp16 keep=), because fp16 holds t · f ≈ 988 to ±0.25 and the
# high frequencies' cos / sin would be noise (measured: velocity max error 0.09 with it in fp16).
FP32_SCOPE = "time_sinusoid"


class TimestepSinusoid(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim
        self.float64 = True

    def forward(self, t):
        return sinusoid(t, self.dim, self.float64)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight


class LayerNorm(nn.Module):
    """nn.LayerNorm(elementwise_affine=False), which torch 1.13 exports as a LayerNormalization without
    its scale (invalid at opset 17): the same op with constant scale ones and bias zeros (not weights).
    The bias is there too because onnxruntime-node 1.30's extended optimisations crash (SIGSEGV at
    session run) on this DiT when its LayerNormalizations have no bias input."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.register_buffer("ones", torch.ones(dim), persistent=False)
        self.register_buffer("zeros", torch.zeros(dim), persistent=False)

    def forward(self, x):
        return F.layer_norm(x, self.ones.shape, self.ones, self.zeros, self.eps)


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x [B, L, heads, d] with pairs (2j, 2j + 1) as complex numbers, times e^{i·angle}."""
    b, l, n, d = x.shape
    pairs = x.reshape(b, l, n, d // 2, 2)
    re, im = pairs[..., 0], pairs[..., 1]
    return torch.stack([re * cos - im * sin, re * sin + im * cos], dim=-1).reshape(b, l, n, d)


def attention(q, k, v):
    """[B, Lq, heads, d] x [B, Lk, heads, d] -> [B, Lq, heads·d]."""
    b, lq, n, d = q.shape
    scores = torch.matmul(q.transpose(1, 2), k.permute(0, 2, 3, 1)) * (1.0 / math.sqrt(d))
    out = torch.matmul(torch.softmax(scores, dim=-1), v.transpose(1, 2))
    return out.transpose(1, 2).reshape(b, lq, n * d)


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int, eps: float):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))
        self.norm_q = RMSNorm(dim, eps)
        self.norm_k = RMSNorm(dim, eps)

    def forward(self, x, cos, sin):
        b, l, _ = x.shape
        shape = (b, l, self.heads, self.head_dim)
        q = rotate(self.norm_q(self.q(x)).view(shape), cos, sin)
        k = rotate(self.norm_k(self.k(x)).view(shape), cos, sin)
        return self.o(attention(q, k, self.v(x).view(shape)))


class CrossAttention(SelfAttention):
    def forward(self, x, context):
        b = x.shape[0]
        q = self.norm_q(self.q(x)).view(b, -1, self.heads, self.head_dim)
        k = self.norm_k(self.k(context)).view(b, -1, self.heads, self.head_dim)
        v = self.v(context).view(b, -1, self.heads, self.head_dim)
        return self.o(attention(q, k, v))


class Block(nn.Module):
    def __init__(self, c: DiTConfig):
        super().__init__()
        d = c.dim
        self.norm1 = LayerNorm(d, c.eps)
        self.self_attn = SelfAttention(d, c.num_heads, c.eps)
        self.norm3 = nn.LayerNorm(d, eps=c.eps, elementwise_affine=True)
        self.cross_attn = CrossAttention(d, c.num_heads, c.eps)
        self.norm2 = LayerNorm(d, c.eps)
        self.ffn = nn.Sequential(nn.Linear(d, c.ffn_dim), nn.GELU(approximate="tanh"), nn.Linear(c.ffn_dim, d))
        self.modulation = nn.Parameter(torch.zeros(1, 6, d))

    def forward(self, x, e0, cos, sin, context):
        e = (self.modulation + e0).chunk(6, dim=1)
        x = x + self.self_attn(self.norm1(x) * (1 + e[1]) + e[0], cos, sin) * e[2]
        x = x + self.cross_attn(self.norm3(x), context)
        return x + self.ffn(self.norm2(x) * (1 + e[4]) + e[3]) * e[5]


class Head(nn.Module):
    def __init__(self, c: DiTConfig):
        super().__init__()
        self.norm = LayerNorm(c.dim, c.eps)
        self.head = nn.Linear(c.dim, math.prod(c.patch_size) * c.out_dim)
        self.modulation = nn.Parameter(torch.zeros(1, 2, c.dim))

    def forward(self, x, e):
        m = (self.modulation + e.unsqueeze(1)).chunk(2, dim=1)
        return self.head(self.norm(x) * (1 + m[1]) + m[0])


class PatchEmbedding(nn.Module):
    """Conv3d(16, dim, (1, 2, 2), stride (1, 2, 2))'s parameters, applied as reshape + MatMul."""

    def __init__(self, c: DiTConfig):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(c.dim, c.in_dim, *c.patch_size))
        self.bias = nn.Parameter(torch.zeros(c.dim))

    def forward(self, patches):  # [L, 64] in (c, kt, kh, kw) order
        return torch.matmul(patches, self.weight.reshape(self.weight.shape[0], -1).t()) + self.bias


class WanDiT(nn.Module):
    def __init__(self, c: DiTConfig, latent_grid):
        """latent_grid: (F, h, w) of the latent; the token grid is (F, h / 2, w / 2)."""
        super().__init__()
        if c.patch_size[0] != 1:
            raise ValueError("only the temporal patch 1 of Wan 2.1 T2V is written here")
        self.config = c
        f, h, w = latent_grid
        kh, kw = c.patch_size[1:]
        if h % kh or w % kw:
            raise ValueError(f"latent height and width must be multiples of the patch ({kh}, {kw}): {h} x {w}")
        self.grid = (f, h // kh, w // kw)
        self.time_sinusoid = TimestepSinusoid(c.freq_dim)   # no parameters: not in the state dict
        d = c.dim
        self.patch_embedding = PatchEmbedding(c)
        self.text_embedding = nn.Sequential(nn.Linear(c.text_dim, d), nn.GELU(approximate="tanh"), nn.Linear(d, d))
        self.time_embedding = nn.Sequential(nn.Linear(c.freq_dim, d), nn.SiLU(), nn.Linear(d, d))
        self.time_projection = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.num_layers)])
        self.head = Head(c)
        angles = rope_angles(self.grid, d // c.num_heads)
        self.register_buffer("rope_cos", torch.cos(angles).float().unsqueeze(1), persistent=False)
        self.register_buffer("rope_sin", torch.sin(angles).float().unsqueeze(1), persistent=False)

    def load(self, sd, what: str = "Wan DiT") -> None:
        strict_load(self, sd, what)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        c = self.config
        f, gh, gw = self.grid
        kh, kw = c.patch_size[1:]
        cin = sample.shape[1]
        # [1, C, F, h, w] -> [L, C·kh·kw], token order (f, gh, gw), patch order (c, kh, kw)
        x = sample.reshape(cin, f, gh, kh, gw, kw).permute(1, 2, 4, 0, 3, 5).reshape(f * gh * gw, cin * kh * kw)
        x = self.patch_embedding(x).unsqueeze(0)
        e = self.time_embedding(self.time_sinusoid(timestep))
        e0 = self.time_projection(e).view(-1, 6, c.dim)
        ctx = self.text_embedding(context)
        for block in self.blocks:
            x = block(x, e0, self.rope_cos, self.rope_sin, ctx)
        x = self.head(x, e)[0]  # [L, kh·kw·C_out] in (kh, kw, c) order (Wan's unpatchify: 'fhwpqrc->cfphqwr')
        x = x.reshape(f, gh, gw, kh, kw, c.out_dim).permute(5, 0, 1, 3, 2, 4)
        return x.reshape(1, c.out_dim, f, gh * kh, gw * kw)
