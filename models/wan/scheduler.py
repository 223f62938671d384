"""The `wan` kind's sampler: rCM's few-step consistency sampling (NVlabs/rcm
rcm/inference/wan2pt1_t2v_rcm_infer.py), as models/wan/CONTRACT.md fixes it.

Owns the times and the step:
  trig = [atan(sigmaMax), *midT[: steps - 1], 0]         float64 (TrigFlow times)
  s    = sin(trig) / (cos(trig) + sin(trig))             RectifiedFlow times, s_0 ≈ 0.98766 for sigmaMax 80
  x    = noise_0 · s_0
  step i: v = DiT(x, t_i); x0 = x − s_i · v; x = (1 − s_{i+1}) · x0 + s_{i+1} · noise_{i+1}
and the DiT's timestep input t_i. The published script feeds `(t_cur.float() * ones * 1000)` cast to
bfloat16 (tensor_kwargs), so the network sees float32(s_i) · 1000 rounded to bfloat16's 8-bit
mantissa (987.66 -> 988.0); rCM's training feeds its timesteps through the same bfloat16 cast.
`timestep(s)` is that value, as the float32 the graph takes. Every step's arithmetic is float64,
stored as float32 between steps (the reference keeps x in float64; float32 here, as the contract says).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence, Tuple

import numpy as np

SIGMA_MAX = 80.0
MID_T = (1.5, 1.4, 1.0)   # the published script's "for better visual quality" times
STEPS = (1, 2, 3, 4)


def bf16_round(x: float) -> float:
    """float32(x) rounded to the nearest bfloat16 (ties to even), as torch's .to(torch.bfloat16) does."""
    bits = int(np.array([x], dtype="<f4").view("<u4")[0])
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return float(np.array([bits], dtype="<u4").view("<f4")[0])


@dataclass(frozen=True)
class RcmTimes:
    steps: int
    sigma_max: float = SIGMA_MAX
    mid_t: Tuple[float, ...] = MID_T

    def __post_init__(self):
        if not 1 <= self.steps <= len(self.mid_t) + 1:
            raise ValueError(f"steps: 1 to {len(self.mid_t) + 1} with {len(self.mid_t)} times between, got {self.steps}")

    @property
    def trig(self) -> np.ndarray:
        return np.array([math.atan(self.sigma_max), *self.mid_t[: self.steps - 1], 0.0], dtype=np.float64)

    @property
    def s(self) -> np.ndarray:
        t = self.trig
        return np.sin(t) / (np.cos(t) + np.sin(t))

    @property
    def timesteps(self) -> list:
        """The DiT's timestep input at each step: bf16(float32(s_i) · 1000)."""
        return [bf16_round(float(np.float32(s)) * 1000.0) for s in self.s[:-1]]

    def manifest(self, steps: Sequence[int] = STEPS, default_steps: int = 4) -> dict:
        return {"kind": "rcm", "sigmaMax": self.sigma_max, "midT": list(self.mid_t), "steps": list(steps),
                "defaultSteps": default_steps, "defaultGuidance": 0}


def sample(times: RcmTimes, noise: np.ndarray, velocity: Callable[[np.ndarray, float, int], np.ndarray],
           record: Callable[[int, np.ndarray, np.ndarray], None] = None) -> np.ndarray:
    """noise: N · steps float32 values (the engine's seeded stream); velocity(x (flat float32), timestep, i).
    record(i, v, x_after) is told each step's velocity and result. Returns the final x0, float32."""
    s = times.s
    n = noise.size // times.steps
    x = noise[:n].astype(np.float64) * s[0]
    for i in range(times.steps):
        v = velocity(x.astype(np.float32), times.timesteps[i], i).astype(np.float64).reshape(x.shape)
        x0 = x - s[i] * v
        x = (1.0 - s[i + 1]) * x0 + s[i + 1] * noise[(i + 1) * n: (i + 2) * n].astype(np.float64) \
            if i + 1 < times.steps else x0
        x = x.astype(np.float32).astype(np.float64)
        if record is not None:
            record(i, v.astype(np.float32), x.astype(np.float32))
    return x.astype(np.float32)
