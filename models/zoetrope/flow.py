"""Rectified flow: the diffusion process around the denoiser, and the seeded noise shared with the browser.

Convention (shared with the TypeScript engine): x_t = (1 - t) * x0 + t * noise, so t = 1 is pure noise,
and the velocity is v = noise - x0. The denoiser predicts the clean clip (x-prediction, which learns far
faster than predicting v directly when a patch holds more numbers than the model width); the loss is
still taken on the velocity, and the exported graph outputs a velocity.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

T_MIN = 0.05  # floor on t when turning an x-prediction into a velocity


def mulberry32_gaussian(seed: int, n: int) -> np.ndarray:
    """n standard normals, bit-compatible with workers' seeded generator (mulberry32 + Box-Muller)."""
    m = (n + 1) // 2 * 2
    k = np.arange(1, m + 1, dtype=np.uint64)
    state = ((seed & 0xFFFFFFFF) + k * 0x6D2B79F5) & 0xFFFFFFFF  # mulberry32's state is a counter
    t = state.astype(np.uint64)
    M = 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & M

    t = imul(t ^ (t >> 15), t | 1)
    t ^= (t + imul(t ^ (t >> 7), t | 61)) & M
    u32 = (t ^ (t >> 14)) & M
    u = (u32.astype(np.float64) + 0.5) / 4294967296.0
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2.0 * np.log(u1))
    z = np.empty(m, np.float64)
    z[0::2], z[1::2] = r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)
    return z[:n].astype(np.float32)


def timesteps(steps: int, shift: float = 1.0) -> np.ndarray:
    s = 1.0 - np.arange(steps + 1, dtype=np.float64) / steps
    return (shift * s / (1.0 + (shift - 1.0) * s)).astype(np.float32)


def sample_t(n: int, gen: torch.Generator, mean: float = 0.0, std: float = 1.0) -> torch.Tensor:
    """Logit-normal noise levels."""
    return torch.sigmoid(torch.randn(n, generator=gen, device=gen.device) * std + mean)


def to_velocity(x0_hat, sample, t):
    tt = t.clamp(min=T_MIN).reshape(-1, *([1] * (sample.dim() - 1)))
    return (sample - x0_hat) / tt


class VelocityModel(nn.Module):
    """The exported denoiser graph: same inputs as the denoiser, output a velocity."""

    def __init__(self, denoiser: nn.Module):
        super().__init__()
        self.denoiser = denoiser

    def forward(self, sample, timestep, text_states, text_mask):
        return to_velocity(self.denoiser(sample, timestep, text_states, text_mask), sample, timestep)


def loss_fn(text_encoder, denoiser, x0, ids, gen: torch.Generator, t_mean: float = 0.0, t_std: float = 1.0,
            max_weight: float = float("inf")):
    """Velocity loss of an x-prediction, optionally with the low-noise end capped.

    For an x-prediction the velocity error is (x0 - x0_hat) / t, so the plain velocity loss weights the
    clean-clip error by 1 / t^2: about 400 times more at t = 0.05 than at t = 1. Measured here, that starves
    the high-noise end, where the layout, colour and motion of a clip are decided: after 40 minutes the model
    denoised t <= 0.6 well but answered pure noise with unrelated 8x8 patches. `max_weight` caps 1 / t^2
    (min-SNR style); infinity gives the plain velocity loss.
    """
    b = x0.shape[0]
    t = sample_t(b, gen, mean=t_mean, std=t_std)
    noise = torch.randn(x0.shape, generator=gen, device=gen.device)
    tt = t.reshape(b, 1, 1, 1, 1)
    xt = (1 - tt) * x0 + tt * noise
    states, mask = text_encoder(ids)
    x0_hat = denoiser(xt, t, states, mask).float()
    weight = (1.0 / t.clamp(min=T_MIN) ** 2).clamp(max=max_weight).reshape(b, 1, 1, 1, 1)
    return (weight * (x0_hat - x0) ** 2).mean()


@torch.no_grad()
def sample(text_encoder, denoiser, ids_cond, ids_uncond, noise, steps: int, guidance: float, shift: float = 1.0):
    """Euler sampling with classifier-free guidance, batch of [cond; uncond] exactly as the browser runs it.

    ids_* are [B, L] int64; noise is [B, C, T, H, W]. Returns the clean clips in [-1, 1].
    """
    b = noise.shape[0]
    states, mask = text_encoder(torch.cat([ids_cond, ids_uncond]))
    x = noise.clone()
    ts = timesteps(steps, shift)
    for i in range(steps):
        t = torch.full((2 * b,), float(ts[i]), device=noise.device)
        x0 = denoiser(torch.cat([x, x]), t, states, mask)
        v = to_velocity(x0, torch.cat([x, x]), t)
        v = v[b:] + guidance * (v[:b] - v[b:])
        x = x + float(ts[i + 1] - ts[i]) * v
    return x.clamp(-1, 1)
