"""The animatediff kind's sampler: EulerDiscreteScheduler, "trailing" spacing, epsilon prediction.

Owns the schedule (betas -> alphas_cumprod -> sigmas at the trailing timesteps), the initial noise
scale and the Euler step, as models/animatediff/CONTRACT.md fixes them. The engine's TypeScript
sampler must produce the same numbers; golden.py writes them into golden/golden.json for it.

Formulas checked against diffusers' scheduling_euler_discrete.py:
  trailing:  timesteps = round(arange(T, 0, -T / steps)) - 1
  sigmas:    sqrt((1 - acp) / acp) at those timesteps (np.interp at whole timesteps is exact), then 0
  init_noise_sigma: max(sigmas) for "linspace" and "trailing" spacing, sqrt(max² + 1) only for "leading"
  scale_model_input: x / sqrt(sigma² + 1)
  step (gamma = 0, epsilon): x0 = x - sigma * eps; x_next = x + (sigma_next - sigma) * (x - x0) / sigma
diffusers computes betas and alphas_cumprod in float32 torch tensors; this project computes the
schedule in float64 (the TypeScript side has float64 for free) and rounds only the step's arithmetic
to float32. The two schedules differ by ~1e-6 relative, far below any graph's tolerance.
The step writes derivative = eps directly ((x - x0) / sigma is eps up to rounding), as the contract does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BETA_SCHEDULES = ("linear", "scaled_linear")


@dataclass(frozen=True)
class EulerTrailing:
    steps: int
    beta_schedule: str = "linear"
    beta_start: float = 0.00085
    beta_end: float = 0.012
    train_timesteps: int = 1000
    timesteps: np.ndarray = field(init=False, repr=False)
    sigmas: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.beta_schedule not in BETA_SCHEDULES:
            raise ValueError(f"scheduler.betaSchedule: expected one of {BETA_SCHEDULES}, got {self.beta_schedule!r}")
        if not (isinstance(self.steps, int) and 1 <= self.steps <= self.train_timesteps):
            raise ValueError(f"steps: expected a whole number in [1, {self.train_timesteps}], got {self.steps!r}")
        acp = alphas_cumprod(self.beta_schedule, self.beta_start, self.beta_end, self.train_timesteps)
        ts = trailing_timesteps(self.steps, self.train_timesteps)
        sig = np.sqrt((1.0 - acp[ts]) / acp[ts])
        object.__setattr__(self, "timesteps", ts)
        object.__setattr__(self, "sigmas", np.concatenate([sig, [0.0]]))

    @property
    def init_noise_sigma(self) -> float:
        # "trailing" (like "linspace") starts from sigma_max itself, not sqrt(sigma_max² + 1).
        return float(self.sigmas.max())

    def scale_model_input(self, x: np.ndarray, i: int) -> np.ndarray:
        s = np.float32(1.0 / np.sqrt(self.sigmas[i] ** 2 + 1.0))
        return (x.astype(np.float32) * s).astype(np.float32)

    def step(self, x: np.ndarray, eps: np.ndarray, i: int) -> np.ndarray:
        dt = np.float32(self.sigmas[i + 1] - self.sigmas[i])
        return (x.astype(np.float32) + dt * eps.astype(np.float32)).astype(np.float32)

    def pred_original(self, x: np.ndarray, eps: np.ndarray, i: int) -> np.ndarray:
        return (x.astype(np.float32) - np.float32(self.sigmas[i]) * eps.astype(np.float32)).astype(np.float32)

    def manifest(self, steps_list: list[int] | None = None) -> dict:
        """The manifest's `scheduler` object for this sampler (CONTRACT.md)."""
        return {
            "kind": "euler-discrete",
            "timestepSpacing": "trailing",
            "prediction": "epsilon",
            "betaSchedule": self.beta_schedule,
            "betaStart": self.beta_start,
            "betaEnd": self.beta_end,
            "trainTimesteps": self.train_timesteps,
            "defaultSteps": self.steps,
            "steps": list(steps_list or [self.steps]),
            "defaultGuidance": 0,
        }


def betas(schedule: str, start: float, end: float, n: int) -> np.ndarray:
    if schedule == "linear":
        return np.linspace(start, end, n, dtype=np.float64)
    if schedule == "scaled_linear":
        return np.linspace(start ** 0.5, end ** 0.5, n, dtype=np.float64) ** 2
    raise ValueError(f"scheduler.betaSchedule: expected one of {BETA_SCHEDULES}, got {schedule!r}")


def alphas_cumprod(schedule: str, start: float, end: float, n: int) -> np.ndarray:
    return np.cumprod(1.0 - betas(schedule, start, end, n))


def trailing_timesteps(steps: int, n: int = 1000) -> np.ndarray:
    return (np.round(np.arange(n, 0, -n / steps)) - 1).astype(np.int64)


def sample(scheduler: EulerTrailing, noise: np.ndarray, eps_fn) -> np.ndarray:
    """The whole trajectory: eps_fn(scaled_x, timestep, i) -> eps; returns the final latent."""
    x = (noise.astype(np.float32) * np.float32(scheduler.init_noise_sigma)).astype(np.float32)
    for i, t in enumerate(scheduler.timesteps):
        x = scheduler.step(x, eps_fn(scheduler.scale_model_input(x, i), int(t), i), i)
    return x
