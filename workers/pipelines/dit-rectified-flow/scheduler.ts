// Owns the rectified-flow samplers of the model contract and classifier-free
// guidance. The model predicts a velocity; t = 1 is pure noise, t = 0 is the
// clean sample. Every sampler is the guided Euler step (on this linear path,
// exactly DDIM) plus a multistep term c_i (x0_i - x0_{i-1}); the pack's
// scheduler.kind picks the weights c_i. Pure maths, so Vitest checks it
// against the Python exporter's golden vectors (models/zoetrope/flow.py).

import type { SchedulerKind } from '../../../src/shared/pipelines/dit-rectified-flow';

/** t_i = shift*s_i / (1 + (shift-1)*s_i) with s_i = 1 - i/steps, for i = 0..steps. */
export function timesteps(steps: number, shift = 1): Float64Array {
  const out = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) {
    const s = 1 - i / steps;
    out[i] = (shift * s) / (1 + (shift - 1) * s);
  }
  return out;
}

/**
 * The weight c_i of the multistep term for each step i (t_i -> t_{i+1}).
 * Euler: 0. DPM-Solver++(2M) in data prediction (alpha = 1 - t, sigma = t,
 * lambda = log(alpha / sigma)): c_i = alpha_{i+1} (1 - e^{-h_i}) / (2 r_i),
 * h_i = lambda_{i+1} - lambda_i, r_i = h_{i-1} / h_i. It is first order at
 * step 0 (no x0 before it), at step 1 (the step before starts at t = 1,
 * lambda = -inf) and at the last step (t = 0: it lands on x0 itself), which
 * is why fewer steps lose less than with Euler. Same formula as flow.py.
 */
export function stepCorrections(ts: Float64Array, kind: SchedulerKind): Float64Array {
  const steps = ts.length - 1;
  const c = new Float64Array(steps);
  if (kind === 'rectified-flow-euler') return c;
  const lambda = (t: number) => Math.log(1 - t) - Math.log(t);
  for (let i = 1; i < steps - 1; i++) {
    const h = lambda(ts[i + 1]!) - lambda(ts[i]!);
    const hPrev = lambda(ts[i]!) - lambda(ts[i - 1]!);
    if (!Number.isFinite(h) || !Number.isFinite(hPrev)) continue;
    c[i] = ((1 - ts[i + 1]!) * (1 - Math.exp(-h))) / ((2 * hPrev) / h);
  }
  return c;
}

/**
 * Which steps take classifier-free guidance: those whose t lies in
 * (lo, hi] of the pack's scheduler.guidanceInterval (every step without
 * one). The others need the conditional velocity alone, which the
 * conditional graph computes at batch 1, half a call. Measured on the
 * built-in model, leaving the first, highest-noise steps unguided scored
 * better than guiding them (models/README.md, "Guidance on an interval").
 * Same comparison, on the same float64 timesteps, as flow.py guided_steps.
 */
export function guidedSteps(ts: Float64Array, interval: readonly [number, number] = [0, 1]): boolean[] {
  const [lo, hi] = interval;
  return Array.from(ts.subarray(0, ts.length - 1), (t) => t > lo && t <= hi);
}

/**
 * One guided step in place. `velocity` is the raw batch-2 output (row 0
 * conditional, row 1 unconditional):
 *   v = v_u + g (v_c - v_u);  x0 = x - t v;  x += (tNext - t) v + c (x0 - x0_prev).
 * `clean` holds x0_prev on entry and this step's x0 on exit, so it doubles as
 * the preview. With c = 0 the update is the plain Euler step. `guidance`
 * null is an unguided step: v = v_c, read from the first row of a batch-1
 * or batch-2 velocity.
 *
 * Every operation is rounded to float32 in the order of gpu-latents.ts's WGSL
 * kernel, whose parameters are float32 too, so the CPU loop and the
 * GPU-resident loop give the same bits (a timestep such as 2/3 is not exact
 * in float32, and float64 arithmetic here would drift from the GPU's).
 */
export function guidedStep(
  sample: Float32Array,
  velocity: Float32Array,
  guidance: number | null,
  t: number,
  tNext: number,
  correction: number,
  clean: Float32Array,
): void {
  const n = sample.length;
  if (velocity.length !== 2 * n && (guidance !== null || velocity.length !== n)) {
    throw new Error(`velocity has ${velocity.length} values, expected ${guidance === null ? `${n} or ` : ''}${2 * n}`);
  }
  if (clean.length !== n) throw new Error(`clean has ${clean.length} values, expected ${n}`);
  const f = Math.fround;
  if (guidance === null) {
    unguidedStep(sample, velocity, t, tNext, correction, clean);
    return;
  }
  const g = f(guidance);
  const tf = f(t);
  const dt = f(tNext - t);
  const c = f(correction);
  // Two loops rather than a test per element: the Euler one is as fast as before the multistep term.
  if (c === 0) {
    for (let i = 0; i < n; i++) {
      const vu = velocity[n + i]!;
      const v = f(vu + f(g * f(velocity[i]! - vu)));
      const x = sample[i]!;
      clean[i] = f(x - f(tf * v));
      sample[i] = f(x + f(dt * v));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const vu = velocity[n + i]!;
    const v = f(vu + f(g * f(velocity[i]! - vu)));
    const x = sample[i]!;
    const x0 = f(x - f(tf * v));
    sample[i] = f(f(x + f(dt * v)) + f(c * f(x0 - clean[i]!)));
    clean[i] = x0;
  }
}

/** guidedStep with v = v_c (row 0 of the velocity), in the WGSL kernel's order too. */
function unguidedStep(sample: Float32Array, velocity: Float32Array, t: number, tNext: number, correction: number, clean: Float32Array): void {
  const f = Math.fround;
  const tf = f(t);
  const dt = f(tNext - t);
  const c = f(correction);
  for (let i = 0; i < sample.length; i++) {
    const v = velocity[i]!;
    const x = sample[i]!;
    const x0 = f(x - f(tf * v));
    const next = f(x + f(dt * v));
    sample[i] = c === 0 ? next : f(next + f(c * f(x0 - clean[i]!)));
    clean[i] = x0;
  }
}
