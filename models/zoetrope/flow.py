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


def timesteps(steps: int, shift: float = 1.0, dtype=np.float32) -> np.ndarray:
    s = 1.0 - np.arange(steps + 1, dtype=np.float64) / steps
    return (shift * s / (1.0 + (shift - 1.0) * s)).astype(dtype)


SAMPLERS = ("euler", "dpmpp-2m")


def step_corrections(steps: int, shift: float = 1.0, sampler: str = "euler") -> np.ndarray:
    """Per step i (t_i -> t_{i+1}), the weight c_i of the multistep term c_i * (x0_i - x0_{i-1}).

    Every sampler here is the Euler step x + (t_{i+1} - t_i) v, which on this linear path is exactly DDIM,
    plus that term. Euler: c = 0. DPM-Solver++(2M) (Lu et al. 2022, data prediction) with alpha = 1 - t,
    sigma = t and lambda = log(alpha / sigma): its first-order part is the Euler step, and its second-order
    part is c_i = alpha_{i+1} (1 - e^{-h_i}) / (2 r_i), h_i = lambda_{i+1} - lambda_i, r_i = h_{i-1} / h_i.
    It is first order where it cannot be second order: at step 0 (no x0 before), at step 1 (the step before
    starts at t = 1, lambda = -inf, so r is infinite) and at the last step (t = 0, lambda = +inf; the usual
    "lower order final", which lands on x0 itself). Computed in float64 from float64 timesteps, as the
    browser computes them (workers/pipelines/dit-rectified-flow/scheduler.ts), not from the float32 ones the denoiser is fed.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler: expected one of {SAMPLERS}, got {sampler!r}")
    c = np.zeros(steps, np.float64)
    if sampler == "euler":
        return c
    t = timesteps(steps, shift, np.float64)
    with np.errstate(divide="ignore"):
        lam = np.log(1.0 - t) - np.log(t)
    for i in range(1, steps - 1):
        h, h_prev = lam[i + 1] - lam[i], lam[i] - lam[i - 1]
        if not np.isfinite(h_prev) or not np.isfinite(h):
            continue
        c[i] = (1.0 - t[i + 1]) * (1.0 - np.exp(-h)) / (2.0 * h_prev / h)
    return c


def guided_steps(steps: int, shift: float = 1.0, interval=(0.0, 1.0)) -> np.ndarray:
    """Which steps take classifier-free guidance: those whose t lies in (lo, hi] (float64 timesteps, as
    workers/pipelines/dit-rectified-flow/scheduler.ts compares them). The others run the conditional branch alone, at batch 1: half a
    denoiser call. Guidance limited to an interval (Kynkaenniemi et al. 2024): measured on this model,
    guiding the first, highest-noise steps only hurt shape (models/README.md, "Guidance on an interval")."""
    lo, hi = interval
    t = timesteps(steps, shift, np.float64)[:steps]
    return (t > lo) & (t <= hi)


def parse_interval(text: str) -> tuple[float, float]:
    """'lo,hi' (the manifest's scheduler.guidanceInterval) -> (lo, hi), with 0 <= lo < hi <= 1."""
    lo, hi = (float(v) for v in text.split(","))
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"guidance interval: expected 0 <= lo < hi <= 1, got {text!r}")
    return lo, hi


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
def sample(text_encoder, denoiser, ids_cond, ids_uncond, noise, steps: int, guidance: float, shift: float = 1.0,
           sampler: str = "euler", trajectory: list | None = None, guidance_interval=(0.0, 1.0)):
    """Sampling with classifier-free guidance, batch of [cond; uncond] exactly as the browser runs it.

    Each step: v = v_u + g (v_c - v_u), x0 = x - t v, x <- x + (t_next - t) v + c (x0 - x0_prev), with c
    from step_corrections (0 for Euler). ids_* are [B, L] int64; noise is [B, C, T, H, W]. Returns the
    clean clips in [-1, 1]; `trajectory`, when given, receives x after every step (golden vectors).
    Steps outside `guidance_interval` (guided_steps) run the conditional half alone and take its velocity.
    """
    b = noise.shape[0]
    states, mask = text_encoder(torch.cat([ids_cond, ids_uncond]))
    x = noise.clone()
    ts = timesteps(steps, shift)
    corr = step_corrections(steps, shift, sampler)
    guided = guided_steps(steps, shift, guidance_interval)
    x0_prev = torch.zeros_like(x)
    for i in range(steps):
        if guided[i]:
            xx, st, mk = torch.cat([x, x]), states, mask
        else:
            xx, st, mk = x, states[:b], mask[:b]
        t = torch.full((xx.shape[0],), float(ts[i]), device=noise.device)
        v = to_velocity(denoiser(xx, t, st, mk), xx, t)
        x, x0_prev = guided_step(x, v, guidance if guided[i] else None, float(ts[i]), float(ts[i + 1]),
                                 float(corr[i]), x0_prev)
        if trajectory is not None:
            trajectory.append(x.clone())
    return x.clamp(-1, 1)


def guided_step(x, v, guidance: float, t: float, t_next: float, c: float, x0_prev):
    """One sampler step (workers/pipelines/dit-rectified-flow/scheduler.ts guidedStep): v is the [cond; uncond] velocity of [x; x].
    Returns (x_next, x0) where x0 = x - t v_guided is the clean estimate, the next step's x0_prev.
    guidance None: an unguided step, v's first B rows (the conditional velocity) alone."""
    b = x.shape[0]
    vg = v[:b] if guidance is None else v[b:] + guidance * (v[:b] - v[b:])
    x0 = x - t * vg
    nxt = x + (t_next - t) * vg
    if c != 0.0:
        nxt = nxt + c * (x0 - x0_prev)
    return nxt, x0
