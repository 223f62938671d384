"""ONNX export of the `wan` kind's three graphs with the contract's names, shapes and dtypes.

Owns the wrappers (CONTRACT.md's I/O around umt5.py / dit.py / taew.py) and the example inputs;
the export itself and the placing of weights (inside the .onnx, or external data split into
numbered files) are animatediff/export_onnx.py's export_graph, with this kind's I/O names.

  textEncoder  inputs_embeds [1, L, Dt] float32, attention_mask [1, L] int64 -> context [1, L, Dt]
  denoiser     sample [1, 16, F, h, w], timestep [1] float32, context [1, L, Dt] -> velocity [1, 16, F, h, w]
  decoder      latent [1, 16, h, w], mem_in_k … -> image [4, 3, 8h, 8w], mem_out_k …

Two things the exporter would otherwise do that the browser must not get:
  - constant folding would turn each umT5 block's Gather(position table [32, heads], bucket ids
    [L, L]) into a baked [L, L, heads] bias: 24 × 512 × 512 × 64 float32 = 1.6 GB at full size instead
    of 24 × 32 × 64 values. The bucket ids are made to depend on the attention_mask input (+ 0 · mask),
    which is not a constant, so the Gather stays a Gather.
  - float64: the DiT's timestep sinusoid is float64 in the published code; it is float32 in the graph.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from animatediff.export_onnx import export_graph, graph_file, graph_files  # noqa: F401  (re-exported)

from .dit import WanDiT
from .taew import Taew
from .umt5 import UMT5Encoder


class TextEncoderGraph(nn.Module):
    def __init__(self, enc: UMT5Encoder):
        super().__init__()
        self.enc = enc

    def forward(self, inputs_embeds, attention_mask):
        enc = self.enc
        # + 0 · mask: not a constant, so the exporter keeps each block's Gather from its table
        buckets = enc.buckets + attention_mask[:, :1] * 0
        keep = (attention_mask != 0).view(attention_mask.shape[0], 1, 1, -1)
        x = inputs_embeds
        for block in enc.blocks:
            x = block(x, buckets, keep)
        return enc.norm(x) * attention_mask.unsqueeze(-1).to(x.dtype)


class DenoiserGraph(nn.Module):
    def __init__(self, dit: WanDiT):
        super().__init__()
        self.dit = dit

    def forward(self, sample, timestep, context):
        saved = self.dit.time_sinusoid.float64
        self.dit.time_sinusoid.float64 = False
        try:
            return self.dit(sample, timestep, context)
        finally:
            self.dit.time_sinusoid.float64 = saved


class DecoderGraph(nn.Module):
    def __init__(self, taew: Taew):
        super().__init__()
        self.taew = taew

    def forward(self, latent, *memories):
        image, new = self.taew.decode_step(latent, list(memories))
        return (image, *new)


def state_names(n: int):
    return [f"mem_in_{k}" for k in range(n)], [f"mem_out_{k}" for k in range(n)]


def example_inputs(enc_len: int, text_dim: int, latent, taew: Taew):
    f, h, w = latent
    shapes = taew.state_shapes(h, w)
    return {
        "textEncoder": (torch.zeros(1, enc_len, text_dim), torch.ones(1, enc_len, dtype=torch.int64)),
        "denoiser": (torch.zeros(1, 16, f, h, w), torch.tensor([988.0]), torch.zeros(1, enc_len, text_dim)),
        "decoder": (torch.zeros(1, 16, h, w), *[torch.zeros(s) for s in shapes]),
    }


def io_names(role: str, n_state: int = 0):
    if role == "textEncoder":
        return ["inputs_embeds", "attention_mask"], ["context"]
    if role == "denoiser":
        return ["sample", "timestep", "context"], ["velocity"]
    ins, outs = state_names(n_state)
    return ["latent", *ins], ["image", *outs]


def export_all(enc: UMT5Encoder, dit: WanDiT, taew: Taew, latent, out_dir: str, files: dict,
               external=None, max_file_bytes: int = 256 << 20, log=print) -> dict:
    import time
    ex = example_inputs(enc.length, enc.config.dim, latent, taew)
    n_state = len(taew.memblocks())
    graphs = {}
    for role, module in (("textEncoder", TextEncoderGraph(enc)), ("denoiser", DenoiserGraph(dit)),
                         ("decoder", DecoderGraph(taew))):
        t = time.time()
        graphs[role] = export_graph(module.eval(), ex[role], role, out_dir, files[role], external=external,
                                    max_file_bytes=max_file_bytes, io_names=io_names(role, n_state))
        log(f"{role}: {graph_files(graphs[role])} in {time.time() - t:.1f} s")
    return graphs


__all__ = ["TextEncoderGraph", "DenoiserGraph", "DecoderGraph", "example_inputs", "io_names", "export_all",
           "state_names", "graph_file", "graph_files"]
