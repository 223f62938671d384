"""ONNX export of the animatediff kind's three graphs with the contract's names, shapes and dtypes.

Owns the wrappers (the contract's I/O around the PyTorch modules of unet.py / clip_text.py /
vae.py) and `export_graph`, which runs torch.onnx.export (opset 17, static shapes, batch 1) and
then places the weights: inside the .onnx for a small graph, or as external data split into
numbered files (external_data.py) when asked or when the graph is over ~1.5 GB.

The 2 GB protobuf limit: torch 1.13's exporter (graph._export_onnx) measures the proto itself and,
when it would pass 2 GiB and the target is a file path, writes every initializer as its own
external file beside the .onnx instead of failing. We always export into a scratch folder, load
the result with load_external_data=False (a few MB of graph), and let split_external stream each
tensor from torch's per-tensor files into the 256 MiB files the manifest lists. So the full-size
UNet + motion modules (~0.86 G + ~0.45 G parameters, ~5.3 GB fp32) never needs one
proto over 2 GiB and never sits in memory twice outside torch's own export.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import onnx
import torch
import torch.nn as nn

from .external_data import MIB, external_files, split_external

OPSET = 17
AUTO_EXTERNAL_BYTES = 1536 * MIB


class TextEncoderGraph(nn.Module):
    def __init__(self, clip: nn.Module):
        super().__init__()
        self.clip = clip

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.clip(input_ids)


class DenoiserGraph(nn.Module):
    """sample [1, 4, F, h, w] (already scaled), int64 timestep [1], text states [1, 77, D] -> noise_pred."""

    def __init__(self, unet: nn.Module):
        super().__init__()
        self.unet = unet

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        return self.unet(sample, timestep, encoder_hidden_states)


class DecoderGraph(nn.Module):
    """latent [1, 4, h, w] (already ÷ scalingFactor) -> image [1, 3, 8h, 8w], not clamped."""

    def __init__(self, vae: nn.Module):
        super().__init__()
        self.vae = vae

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.vae(latent)


def example_inputs(frames: int, height: int, width: int, max_length: int, text_dim: int):
    h, w = height // 8, width // 8
    return {
        "textEncoder": (torch.zeros(1, max_length, dtype=torch.int64),),
        "denoiser": (torch.zeros(1, 4, frames, h, w), torch.tensor([999], dtype=torch.int64),
                     torch.zeros(1, max_length, text_dim)),
        "decoder": (torch.zeros(1, 4, h, w),),
    }


IO_NAMES = {
    "textEncoder": (["input_ids"], ["encoder_hidden_states"]),
    "denoiser": (["sample", "timestep", "encoder_hidden_states"], ["noise_pred"]),
    "decoder": (["latent"], ["image"]),
}


def param_bytes(module: nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())


def export_graph(module: nn.Module, args: tuple, role: str, out_dir: str, file: str,
                 external: bool | None = None, max_file_bytes: int = 256 * MIB,
                 io_names: tuple[list[str], list[str]] | None = None):
    """Exports one graph to out_dir/file. Returns the manifest's graph entry: the file name, or
    {"file", "externalData": [...]} when its weights are in external data files.

    external None: external data only if the weights pass AUTO_EXTERNAL_BYTES.
    io_names: (inputs, outputs) for another kind's graphs (models/wan); IO_NAMES[role] otherwise."""
    inputs, outputs = io_names or IO_NAMES[role]
    if external is None:
        external = param_bytes(module) > AUTO_EXTERNAL_BYTES
    scratch = tempfile.mkdtemp(prefix=f".export-{role}-", dir=out_dir)
    try:
        path = os.path.join(scratch, file)
        module.eval()
        with torch.no_grad():
            torch.onnx.export(module, args, path, opset_version=OPSET, do_constant_folding=True,
                              input_names=inputs, output_names=outputs, dynamic_axes=None)
        model = onnx.load(path, load_external_data=False)
        torch_wrote_external = bool(external_files(model))
        if external or torch_wrote_external:
            data = split_external(model, scratch, out_dir, file, max_file_bytes)
            return {"file": file, "externalData": data}
        shutil.move(path, os.path.join(out_dir, file))
        return file
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def graph_file(entry) -> str:
    return entry if isinstance(entry, str) else entry["file"]


def graph_files(entry) -> list[str]:
    return [entry] if isinstance(entry, str) else [entry["file"], *entry["externalData"]]
