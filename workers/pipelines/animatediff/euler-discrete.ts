// Owns the animatediff kind's sampler: diffusers' EulerDiscreteScheduler with
// "trailing" timestep spacing and ε-prediction, as models/animatediff/CONTRACT.md
// fixes it. The schedule (betas, alphas_cumprod, timesteps, sigmas, the initial
// noise's sigma) is float64; each step's arithmetic is float32 (Math.fround),
// as PyTorch does it on float32 latents. Pure maths: Vitest checks it against
// the converter's golden vectors.

export type BetaSchedule = 'linear' | 'scaled_linear';

export interface EulerSchedule {
  /** Integer timesteps, highest first (trailing: 999, 749, 499, 249 for 4 of 1000). */
  timesteps: number[];
  /** sigma(t_i) for each step, then 0: steps + 1 values. */
  sigmas: Float64Array;
  /** The initial latent is noise × this: sigmas[0] for trailing spacing (diffusers' init_noise_sigma). */
  initNoiseSigma: number;
}

export interface EulerConfig {
  betaSchedule: BetaSchedule;
  betaStart: number;
  betaEnd: number;
  trainTimesteps: number;
}

/** NumPy's np.round: halves go to the even neighbour (812.5 → 812, 937.5 → 938). */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** cumprod(1 - betas) in float64; betas linear or "scaled_linear" (linear in sqrt(beta), squared). */
export function alphasCumprod(config: EulerConfig): Float64Array {
  const { betaStart, betaEnd, trainTimesteps: T } = config;
  const out = new Float64Array(T);
  let product = 1;
  const scaled = config.betaSchedule === 'scaled_linear';
  const lo = scaled ? Math.sqrt(betaStart) : betaStart;
  const hi = scaled ? Math.sqrt(betaEnd) : betaEnd;
  // np.linspace's own order of operations: step = (stop - start) / (n - 1), then i * step + start,
  // the last value exactly stop; so the schedule matches NumPy's bit for bit.
  const step = T > 1 ? (hi - lo) / (T - 1) : 0;
  for (let i = 0; i < T; i++) {
    const b = T > 1 && i === T - 1 ? hi : i * step + lo;
    product *= 1 - (scaled ? b * b : b);
    out[i] = product;
  }
  return out;
}

/**
 * The trailing schedule for `steps` steps: t_i = round(T - i·T/steps) - 1 for i < steps (NumPy's
 * arange then round), sigma(t) = sqrt((1 - ᾱ_t) / ᾱ_t), and a final sigma of 0.
 */
export function eulerSchedule(config: EulerConfig, steps: number): EulerSchedule {
  const T = config.trainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`steps must be an integer from 1 to ${T}, got ${steps}`);
  const ac = alphasCumprod(config);
  const ratio = T / steps;
  const timesteps: number[] = [];
  // np.arange(T, 0, -ratio) has ceil(T / ratio) = steps values, each start + i * step.
  for (let i = 0; i < steps; i++) timesteps.push(roundHalfEven(T + i * -ratio) - 1);
  const sigmas = new Float64Array(steps + 1);
  timesteps.forEach((t, i) => {
    const a = ac[t]!;
    sigmas[i] = Math.sqrt((1 - a) / a);
  });
  return { timesteps, sigmas, initNoiseSigma: sigmas[0]! };
}

/** x = noise × initNoiseSigma, in float32 (a new array; the noise is left as it was). */
export function initialLatent(noise: Float32Array, schedule: EulerSchedule): Float32Array {
  const out = new Float32Array(noise.length);
  const s = Math.fround(schedule.initNoiseSigma);
  for (let i = 0; i < noise.length; i++) out[i] = noise[i]! * s;
  return out;
}

/** The denoiser's input at step i: x · (1 / sqrt(σ_i² + 1)), the factor float64 then rounded to float32 once, as scheduler.py does. */
export function scaleModelInput(x: Float32Array, schedule: EulerSchedule, i: number, out: Float32Array): Float32Array {
  const sigma = schedule.sigmas[i]!;
  const k = Math.fround(1 / Math.sqrt(sigma * sigma + 1));
  for (let j = 0; j < x.length; j++) out[j] = x[j]! * k;
  return out;
}

/**
 * One Euler step in place: x0 = x - σ_i·eps; x += (σ_{i+1} - σ_i)·eps, with σ_i and the difference
 * each rounded to float32 from float64 and every operation on the latent rounded to float32 (NumPy's
 * float32 arithmetic in scheduler.py). Writes the clean estimate x0 into `x0Out` when given (the preview).
 */
export function eulerStep(x: Float32Array, eps: Float32Array, schedule: EulerSchedule, i: number, x0Out?: Float32Array): void {
  if (eps.length !== x.length) throw new RangeError(`noise_pred has ${eps.length} values, the latent ${x.length}`);
  const f = Math.fround;
  const sigma = f(schedule.sigmas[i]!);
  const dt = f(schedule.sigmas[i + 1]! - schedule.sigmas[i]!);
  for (let k = 0; k < x.length; k++) {
    const e = eps[k]!;
    const xk = x[k]!;
    if (x0Out) x0Out[k] = f(xk - f(sigma * e));
    x[k] = f(xk + f(dt * e));
  }
}
