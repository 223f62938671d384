"""umT5's encoder in Wan's own layout (wan/modules/t5.py T5Encoder, config `umt5_xxl`), for export.

Owns the module whose state_dict is exactly models_t5_umt5-xxl-enc-bf16.pth (layout.umt5_shapes),
and its forward from token *embeddings* (the contract keeps the 256384 × 4096 table outside the
graph; `embed` looks rows up for PyTorch's own golden run).

What is kept from the published code, and why it is written this way here:
  - T5LayerNorm is RMS only (no mean, no bias): x · rsqrt(mean(x²) + 1e-6) · weight.
  - Attention has no 1/sqrt(d) scale (T5 folds it into the weights) and no biases.
  - Every block has its own relative-position table (shared_pos=False), bidirectional, 32 buckets,
    max_dist 128. The bucket of each (query, key) pair depends only on L, so it is computed once here
    as a constant int64 [L, L] index (not a parameter: it is not in the file) and the graph only
    gathers from each block's table: no log / min / where on positions inside the graph.
  - The mask is key-side: a padded key gets float32's most negative value instead of its position bias
    (masked_fill in the published code), so padding never changes a real token's state. Padded rows
    themselves are computed and then zeroed at the output, because Wan keeps only the first seq_len rows
    of the states and pads the DiT's context with zeros (T5EncoderModel.__call__, WanModel.forward).
  - FFN: fc2(fc1(x) · gelu_tanh(gate(x))), GELU written out with tanh as Wan writes it.
fp16_clamp (fp16 only) and dropout (training only) are no-ops in float32 eval and are left out.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn

from .configs import UMT5Config
from .layout import strict_load


def relative_buckets(length: int, num_buckets: int, max_dist: int) -> torch.Tensor:
    """[L, L] int64: T5RelativeEmbedding._relative_position_bucket (bidirectional) of key − query,
    with the same float32 log as the published code so the buckets are the same integers."""
    rel = torch.arange(length).unsqueeze(0) - torch.arange(length).unsqueeze(1)
    half = num_buckets // 2
    buckets = (rel > 0).long() * half
    rel = rel.abs()
    max_exact = half // 2
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_dist / max_exact)
                         * (half - max_exact)).long()
    large = torch.min(large, torch.full_like(large, half - 1))
    return buckets + torch.where(rel < max_exact, rel, large)


class T5LayerNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps))


class T5Attention(nn.Module):
    def __init__(self, dim: int, dim_attn: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, dim_attn // heads
        self.q = nn.Linear(dim, dim_attn, bias=False)
        self.k = nn.Linear(dim, dim_attn, bias=False)
        self.v = nn.Linear(dim, dim_attn, bias=False)
        self.o = nn.Linear(dim_attn, dim, bias=False)

    def forward(self, x, bias):
        b, l, _ = x.shape
        q = self.q(x).view(b, l, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(x).view(b, l, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(b, l, self.heads, self.head_dim).transpose(1, 2)
        attn = torch.softmax(torch.matmul(q, k.transpose(2, 3)) + bias, dim=-1)   # no 1/sqrt(d): T5
        return self.o(torch.matmul(attn, v).transpose(1, 2).reshape(b, l, -1))


class GELUTanh(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class T5FeedForward(nn.Module):
    def __init__(self, dim: int, dim_ffn: int):
        super().__init__()
        self.gate = nn.Sequential(nn.Linear(dim, dim_ffn, bias=False), GELUTanh())
        self.fc1 = nn.Linear(dim, dim_ffn, bias=False)
        self.fc2 = nn.Linear(dim_ffn, dim, bias=False)

    def forward(self, x):
        return self.fc2(self.fc1(x) * self.gate(x))


class T5RelativeEmbedding(nn.Module):
    def __init__(self, num_buckets: int, heads: int):
        super().__init__()
        self.embedding = nn.Embedding(num_buckets, heads)

    def forward(self, buckets: torch.Tensor) -> torch.Tensor:
        """[L, L] bucket ids -> [1, heads, L, L] bias (a Gather from the table in the graph)."""
        return self.embedding(buckets).permute(2, 0, 1).unsqueeze(0)


class T5Block(nn.Module):
    def __init__(self, c: UMT5Config):
        super().__init__()
        self.norm1 = T5LayerNorm(c.dim, c.eps)
        self.attn = T5Attention(c.dim, c.dim_attn, c.num_heads)
        self.norm2 = T5LayerNorm(c.dim, c.eps)
        self.ffn = T5FeedForward(c.dim, c.dim_ffn)
        self.pos_embedding = T5RelativeEmbedding(c.num_buckets, c.num_heads)

    def forward(self, x, buckets, keep):
        # keep [1, 1, 1, L] bool: the published masked_fill_(mask == 0, finfo.min) replaces the
        # position bias of a padded key (it is not added to it).
        bias = torch.where(keep, self.pos_embedding(buckets), torch.tensor(torch.finfo(torch.float32).min))
        x = x + self.attn(self.norm1(x), bias)
        return x + self.ffn(self.norm2(x))


class UMT5Encoder(nn.Module):
    def __init__(self, c: UMT5Config, length: int):
        super().__init__()
        self.config, self.length = c, length
        self.token_embedding = nn.Embedding(c.vocab_size, c.dim)
        self.blocks = nn.ModuleList([T5Block(c) for _ in range(c.num_layers)])
        self.norm = T5LayerNorm(c.dim, c.eps)
        # a constant of the graph, not a weight of the file
        self.register_buffer("buckets", relative_buckets(length, c.num_buckets, c.max_dist), persistent=False)

    def load(self, sd) -> None:
        strict_load(self, sd, "umT5 encoder")

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.token_embedding(ids)

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """inputs_embeds [1, L, D] float32, attention_mask [1, L] int64 -> context [1, L, D], 0 at padding."""
        keep = (attention_mask != 0).view(attention_mask.shape[0], 1, 1, -1)
        x = inputs_embeds
        for block in self.blocks:
            x = block(x, self.buckets, keep)
        return self.norm(x) * attention_mask.unsqueeze(-1).to(x.dtype)
