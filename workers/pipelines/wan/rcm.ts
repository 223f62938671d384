// Owns the wan kind's sampler: rCM's few-step consistency sampling of the
// distilled Wan 2.1 DiT, as models/wan/CONTRACT.md fixes it from NVlabs/rcm
// (wan2pt1_t2v_rcm_infer.py). TrigFlow times [atan(σ_max), midT…, 0] become
// rectified-flow times s = sin t / (cos t + sin t); from x = s_0 · noise_0,
// each step takes the DiT's velocity v to the clean estimate x0 = x − s_i·v
// and re-noises it to the next time with fresh noise:
// x = (1 − s_{i+1})·x0 + s_{i+1}·noise_{i+1}. The times and each step's
// arithmetic are float64; x is stored as float32 between steps (the DiT's
// input). Pure maths: Vitest checks it against hand-computed times and the
// converter's golden vectors.

export interface RcmConfig {
  sigmaMax: number;
  midT: readonly number[];
}

/** The TrigFlow times of `steps` steps: atan(σ_max), midT[0 : steps − 1], then 0 (steps + 1 values, float64). */
export function rcmTrigTimes(config: RcmConfig, steps: number): Float64Array {
  const most = config.midT.length + 1;
  if (!Number.isInteger(steps) || steps < 1 || steps > most) throw new RangeError(`steps must be an integer from 1 to ${most}, got ${steps}`);
  const trig = new Float64Array(steps + 1);
  trig[0] = Math.atan(config.sigmaMax);
  for (let i = 1; i < steps; i++) trig[i] = config.midT[i - 1]!;
  trig[steps] = 0;
  return trig;
}

/** Rectified-flow times s_i = sin t_i / (cos t_i + sin t_i), steps + 1 values ending at 0 (s_0 = σ_max / (1 + σ_max)). */
export function rcmTimes(config: RcmConfig, steps: number): Float64Array {
  return rcmTrigTimes(config, steps).map((t) => Math.sin(t) / (Math.cos(t) + Math.sin(t)));
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** float32(x) rounded to the nearest bfloat16, ties to even, as torch's .to(torch.bfloat16) does. */
export function bfloat16Round(x: number): number {
  f32[0] = x;
  const bits = f32Bits[0]!;
  f32Bits[0] = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  return f32[0]!;
}

/**
 * The DiT's timestep input at step i (the graph's float32 `timestep` [1]): bf16(float32(s_i) · 1000).
 * The published script feeds the float32 product cast to bfloat16, as rCM was trained, and Wan's
 * sinusoidal embedding turns a step of 0.35 (987.65 against 988) into a visible change of its
 * highest frequencies; so the bfloat16 rounding is kept even though the graph takes float32.
 */
export function ditTimestep(s: Float64Array, i: number): number {
  return bfloat16Round(Math.fround(Math.fround(s[i]!) * 1000));
}

/** The DiT's first input: noise[0 : n] · s_0, the float64 product rounded to float32 (a new array). */
export function initialSample(noise: Float32Array, n: number, s: Float64Array): Float32Array {
  if (noise.length < n) throw new RangeError(`the noise has ${noise.length} values, fewer than the sample's ${n}`);
  const s0 = s[0]!;
  const x = new Float32Array(n);
  for (let k = 0; k < n; k++) x[k] = noise[k]! * s0;
  return x;
}

/**
 * Step i in place: x0 = x − s_i·v, then x = (1 − s_{i+1})·x0 + s_{i+1}·noise[(i + 1)·n : (i + 2)·n], in
 * float64, stored as float32. At step 0, x is s_0·noise[0 : n] in float64 (the float32 x was only the
 * DiT's input), as the reference keeps it: the start is not stored between steps. At the last step
 * s_{i+1} = 0, so x = x0 and no noise is read (the job's noise holds n · steps values). Writes x0 into
 * `x0Out` when given (for a preview).
 */
export function rcmStep(x: Float32Array, v: Float32Array, noise: Float32Array, s: Float64Array, i: number, x0Out?: Float32Array): void {
  const n = x.length;
  if (v.length !== n) throw new RangeError(`the velocity has ${v.length} values, the sample ${n}`);
  if (i < 0 || i + 1 >= s.length) throw new RangeError(`step ${i} is outside the ${s.length - 1} steps of the schedule`);
  if (noise.length < n) throw new RangeError(`the noise has ${noise.length} values, fewer than the sample's ${n}`);
  const si = s[i]!;
  const next = s[i + 1]!;
  const from = (i + 1) * n;
  if (next !== 0 && noise.length < from + n) throw new RangeError(`step ${i} needs noise up to ${from + n} values, the job has ${noise.length}`);
  const s0 = s[0]!;
  const keep = 1 - next;
  for (let k = 0; k < n; k++) {
    const xk = i === 0 ? noise[k]! * s0 : x[k]!;
    const x0 = xk - si * v[k]!;
    if (x0Out) x0Out[k] = x0;
    x[k] = next === 0 ? x0 : keep * x0 + next * noise[from + k]!;
  }
}
