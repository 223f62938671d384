"""transformers' CLIPTextModel (SD 1.5's text encoder, CLIP ViT-L/14) with its key names:

  text_model.embeddings.token_embedding.weight      [vocab, D]
  text_model.embeddings.position_embedding.weight   [77, D]
  text_model.encoder.layers.{i}.layer_norm1 / self_attn.{q,k,v,out}_proj / layer_norm2 / mlp.fc1 / mlp.fc2
  text_model.final_layer_norm

`text_model.embeddings.position_ids` (int64 [1, 77], arange) is a persistent buffer in the
transformers versions SD 1.5's files were saved with and non-persistent in later ones, so it
appears in some checkpoints (197 keys) and not in others (196): the loader accepts it, checks it
is the arange it must be, and does not keep it. Causal self-attention, quick_gelu
(x·sigmoid(1.702x)); the output is the last hidden state after final_layer_norm.
"""

from typing import Dict

import torch
import torch.nn as nn

from .configs import ClipTextConfig

POSITION_IDS = "text_model.embeddings.position_ids"


class _Ns(nn.Module):
    """A plain container: attribute names give key names."""


class ClipAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads, self.dim_head = heads, dim // heads
        self.scale = self.dim_head ** -0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, l, c = x.shape
        h, d = self.heads, self.dim_head
        q = (self.q_proj(x) * self.scale).reshape(n, l, h, d).permute(0, 2, 1, 3)
        k = self.k_proj(x).reshape(n, l, h, d).permute(0, 2, 3, 1)
        v = self.v_proj(x).reshape(n, l, h, d).permute(0, 2, 1, 3)
        w = torch.softmax(torch.matmul(q, k) + mask, dim=-1)
        return self.out_proj(torch.matmul(w, v).permute(0, 2, 1, 3).reshape(n, l, c))


class ClipLayer(nn.Module):
    def __init__(self, cfg: ClipTextConfig):
        super().__init__()
        if cfg.hidden_act != "quick_gelu":
            raise ValueError(f"hidden_act {cfg.hidden_act!r}: only quick_gelu (CLIP ViT-L/14's)")
        d = cfg.hidden_size
        self.layer_norm1 = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.self_attn = ClipAttention(d, cfg.num_attention_heads)
        self.layer_norm2 = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.mlp = _Ns()
        self.mlp.fc1 = nn.Linear(d, cfg.intermediate_size)
        self.mlp.fc2 = nn.Linear(cfg.intermediate_size, d)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        h = self.mlp.fc1(self.layer_norm2(x))
        h = h * torch.sigmoid(1.702 * h)  # quick_gelu
        return x + self.mlp.fc2(h)


class ClipTextModel(nn.Module):
    def __init__(self, cfg: ClipTextConfig):
        super().__init__()
        self.cfg = cfg
        d, n = cfg.hidden_size, cfg.max_position_embeddings
        tm = _Ns()
        tm.embeddings = _Ns()
        tm.embeddings.token_embedding = nn.Embedding(cfg.vocab_size, d)
        tm.embeddings.position_embedding = nn.Embedding(n, d)
        tm.encoder = _Ns()
        tm.encoder.layers = nn.ModuleList([ClipLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        tm.final_layer_norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.text_model = tm
        # The causal mask as an additive constant: -inf above the diagonal written as the most
        # negative float32 (as transformers does), so softmax never sees inf - inf.
        mask = torch.full((n, n), torch.finfo(torch.float32).min).triu(1)
        self.register_buffer("causal_mask", mask, persistent=False)

    def load(self, state_dict: Dict[str, torch.Tensor]) -> None:
        """A CLIPTextModel state dict: strict, `position_ids` accepted and checked, not kept."""
        sd = dict(state_dict)
        if POSITION_IDS in sd:
            ids = sd.pop(POSITION_IDS)
            want = torch.arange(self.cfg.max_position_embeddings).reshape(1, -1)
            if tuple(ids.shape) != tuple(want.shape) or not torch.equal(ids.to(torch.int64), want):
                raise ValueError(f"{POSITION_IDS}: not arange({self.cfg.max_position_embeddings})")
        own = self.state_dict()
        missing, unexpected = sorted(set(own) - set(sd)), sorted(set(sd) - set(own))
        bad = [k for k in own if k in sd and tuple(sd[k].shape) != tuple(own[k].shape)]
        if missing or unexpected or bad:
            raise KeyError(f"CLIPTextModel: missing {missing[:5]}, unexpected {unexpected[:5]}, "
                           f"wrong shape {bad[:5]}")
        with torch.no_grad():
            for k, v in own.items():
                v.copy_(sd[k].to(v.dtype))

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        tm = self.text_model
        l = input_ids.shape[1]
        x = tm.embeddings.token_embedding(input_ids) + tm.embeddings.position_embedding.weight[:l]
        mask = self.causal_mask[:l, :l]
        for layer in tm.encoder.layers:
            x = layer(x, mask)
        return tm.final_layer_norm(x)
