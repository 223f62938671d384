// Owns the rectified-flow Euler scheduler and classifier-free guidance of the
// model contract. The model predicts a velocity; t = 1 is pure noise, t = 0
// is the clean sample. Pure maths, so Vitest checks it against golden vectors.

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
 * Guided Euler step in place: v = v_u + g (v_c - v_u); x += (tNext - t) v.
 * `velocity` is the raw batch-2 output (row 0 conditional, row 1 unconditional).
 * Writes the guided velocity into `guided` so a preview can reuse it.
 */
export function guidedEulerStep(
  sample: Float32Array,
  velocity: Float32Array,
  guidance: number,
  t: number,
  tNext: number,
  guided: Float32Array,
): void {
  const n = sample.length;
  if (velocity.length !== 2 * n) throw new Error(`velocity has ${velocity.length} values, expected ${2 * n}`);
  const dt = tNext - t;
  for (let i = 0; i < n; i++) {
    const vc = velocity[i]!;
    const vu = velocity[n + i]!;
    const v = vu + guidance * (vc - vu);
    guided[i] = v;
    sample[i] = sample[i]! + dt * v;
  }
}

/** The current clean estimate x0_hat = x_t - t v, written into `out`. */
export function cleanEstimate(sampleBefore: Float32Array, guided: Float32Array, t: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = sampleBefore[i]! - t * guided[i]!;
}
