"""TAEW2.1 (madebyollin/taehv taehv.py TAEHV with taew2_1.pth): the tiny Wan 2.1 video autoencoder.

Owns the module whose state_dict is exactly taew2_1.pth (encoder and decoder nn.Sequential, index by
index, layout.taew_shapes), and two ways to run the decoder that give the same frames:
  - `decode_parallel(latents [T, 16, h, w])`: all latent frames at once (taehv.py's parallel path:
    each MemBlock's memory is the block's input shifted one frame in time, zeros before the first);
  - `decode_step(latent [1, 16, h, w], memories)`: one latent frame, with each MemBlock's memory
    carried in from the previous call and handed back out. This is the decoder graph of the contract.
Both return 4 video frames per latent frame, untrimmed (TAEHV.decode_video drops the first
frames_to_trim = 3 of the whole clip) and unclamped (the engine clamps when it makes pixels).

Only the decoder runs; the encoder's modules exist so that the published file loads strictly.

What a MemBlock remembers: its own *input* of the previous frame, at its own time rate. After a TGrow
of stride 2 the blocks run twice per latent frame, so within one call the second frame's memory is the
first frame's input and only the last one leaves the call (taehv.py's sequential work queue does the
same, one frame at a time). No scaling: TAEHV decodes the DiT's latents as they are (its README: "TAEHV
does not use any latent scales / shifts"; its Diffusers example sets latents_mean 0 and latents_std 1
so the pipeline's un-normalisation is the identity), so there is none in the graph either.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import TaewConfig
from .layout import decoder_plan, encoder_plan, strict_load


class Clamp(nn.Module):
    def forward(self, x):
        return torch.tanh(x / 3) * 3


class MemBlock(nn.Module):
    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2 * n_in, n_out, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(n_out, n_out, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(n_out, n_out, 3, padding=1))
        self.skip = nn.Conv2d(n_in, n_out, 1, bias=False) if n_in != n_out else nn.Identity()

    def forward(self, x, past):
        return F.relu(self.conv(torch.cat([x, past], 1)) + self.skip(x))


class TPool(nn.Module):
    def __init__(self, n: int, stride: int):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv2d(n * stride, n, 1, bias=False)


class TGrow(nn.Module):
    def __init__(self, n: int, stride: int):
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv2d(n, n * stride, 1, bias=False)

    def forward(self, x):  # [T, C, H, W] -> [T·stride, C, H, W], frame-major (taehv.py's reshape)
        t, c, h, w = x.shape
        return self.conv(x).reshape(t * self.stride, c, h, w)


class Upsample2x(nn.Module):
    def __init__(self, factor: int):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return F.interpolate(x, scale_factor=self.factor, mode="nearest") if self.factor != 1 else x


def _build(plan, c: TaewConfig, decoder: bool) -> nn.Sequential:
    layers: List[nn.Module] = []
    for i, item in enumerate(plan):
        if item is None:
            if decoder and i == 0:
                layers.append(Clamp())
            elif decoder and i in (6, 12, 18):
                layers.append(Upsample2x(2))
            else:
                layers.append(nn.ReLU())
            continue
        kind = item[0]
        if kind == "conv":
            layers.append(nn.Conv2d(item[1], item[2], 3, padding=1, bias=item[3]))
        elif kind == "conv_s2":
            layers.append(nn.Conv2d(item[1], item[2], 3, padding=1, stride=2, bias=item[3]))
        elif kind == "mem":
            layers.append(MemBlock(item[1], item[1]))
        elif kind == "tpool":
            layers.append(TPool(item[1], item[2]))
        elif kind == "tgrow":
            layers.append(TGrow(item[1], item[2]))
    return nn.Sequential(*layers)


class Taew(nn.Module):
    def __init__(self, c: TaewConfig):
        super().__init__()
        if c.patch_size != 1:
            raise ValueError("TAEW2.1 has patch_size 1 (pixel shuffle is for taew2_2 / taehv1_5)")
        self.config = c
        self.encoder = _build(encoder_plan(c), c, decoder=False)
        self.decoder = _build(decoder_plan(c), c, decoder=True)
        self.frames_per_latent = 1
        for layer in self.decoder:
            if isinstance(layer, TGrow):
                self.frames_per_latent *= layer.stride
        self.trim_frames = self.frames_per_latent - 1

    def load(self, sd) -> None:
        """Strict, after taehv.py's own patch_tgrow_layers: a file whose TGrow makes more frames than
        this config keeps only the last-timestep output channels."""
        sd = dict(sd)
        own = self.state_dict()
        for i, layer in enumerate(self.decoder):
            key = f"decoder.{i}.conv.weight"
            if isinstance(layer, TGrow) and key in sd and sd[key].shape[0] > own[key].shape[0]:
                sd[key] = sd[key][-own[key].shape[0]:]
        strict_load(self, sd, "TAEW2.1")

    def memblocks(self) -> List[int]:
        return [i for i, layer in enumerate(self.decoder) if isinstance(layer, MemBlock)]

    def state_shapes(self, h: int, w: int) -> List[Tuple[int, int, int, int]]:
        """[1, C, H, W] of each MemBlock's memory for a latent of h x w, in decoder order."""
        out, scale = [], 1
        channels = self.config.latent_channels
        for layer in self.decoder:
            if isinstance(layer, Upsample2x):
                scale *= layer.factor
            elif isinstance(layer, nn.Conv2d):
                channels = layer.out_channels
            elif isinstance(layer, MemBlock):
                out.append((1, channels, h * scale, w * scale))
        return out

    def _run(self, x: torch.Tensor, memories: Optional[List[torch.Tensor]]):
        new: List[torch.Tensor] = []
        k = 0
        for layer in self.decoder:
            if isinstance(layer, MemBlock):
                first = torch.zeros_like(x[:1]) if memories is None else memories[k]
                past = torch.cat([first, x[:-1]], 0) if x.shape[0] > 1 else first
                new.append(x[-1:])
                x = layer(x, past)
                k += 1
            else:
                x = layer(x)
        return x, new

    def decode_parallel(self, latents: torch.Tensor) -> torch.Tensor:
        """[T, 16, h, w] -> [4 T, 3, 8 h, 8 w], untrimmed, unclamped."""
        return self._run(latents, None)[0]

    def decode_step(self, latent: torch.Tensor, memories: List[torch.Tensor]):
        """[1, 16, h, w] + memories -> ([4, 3, 8 h, 8 w], new memories)."""
        return self._run(latent, memories)

    def decode_video(self, latent_cfhw: torch.Tensor) -> torch.Tensor:
        """The contract's decoding of a DiT latent [16, F, h, w]: [4 F − 3, 3, H, W], unclamped."""
        return self.decode_parallel(latent_cfhw.permute(1, 0, 2, 3))[self.trim_frames:]
