// The wan kind's rCM sampler (workers/pipelines/wan/rcm.ts) against values computed by hand from
// models/wan/CONTRACT.md's formulas: s = sin t / (cos t + sin t) = tan t / (1 + tan t), so
// s_0 = σ_max / (1 + σ_max) = 80/81 for σ_max 80, and tan(1.5), tan(1.4), tan(1.0) for the times
// between (float64, printed to 17 digits by /usr/bin/python3's math.tan); and the step's
// arithmetic: x0 = x − s_i·v, re-noised with the next slice of the job's noise, float64 then
// stored as float32, landing on x0 at the last step without reading past the noise.
import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../workers/noise';
import { bfloat16Round, ditTimestep, initialSample, rcmStep, rcmTimes, rcmTrigTimes } from '../../workers/pipelines/wan/rcm';

const RCM = { sigmaMax: 80, midT: [1.5, 1.4, 1.0] };
// tan t / (1 + tan t), by hand from math.tan (a different formula from the module's sin / (cos + sin)).
const S_80 = 80 / 81; // 0.98765432098765432…
const S_15 = 14.101419947171719 / 15.101419947171719; // 0.933781061416858
const S_14 = 5.797883715482887 / 6.797883715482887; // 0.852895394823775
const S_10 = 1.5574077246549023 / 2.5574077246549023; // 0.608979049230431

describe('the rCM times', () => {
  it.each([
    [1, [S_80, 0]],
    [2, [S_80, S_15, 0]],
    [3, [S_80, S_15, S_14, 0]],
    [4, [S_80, S_15, S_14, S_10, 0]],
  ] as const)('%i steps: atan(σ_max), midT[0 : steps − 1], 0 as RF times', (steps, want) => {
    const s = rcmTimes(RCM, steps);
    expect(s.length).toBe(steps + 1);
    want.forEach((v, i) => expect(s[i]).toBeCloseTo(v, 14));
    expect(s[steps]).toBe(0);
  });

  it('starts at s_0 = 0.98765432…, which is σ_max / (1 + σ_max)', () => {
    const s0 = rcmTimes(RCM, 4)[0]!;
    expect(s0).toBeCloseTo(0.9876543209876543, 15);
    expect(rcmTimes({ sigmaMax: 1, midT: [] }, 1)[0]).toBeCloseTo(0.5, 15);
    expect(rcmTrigTimes(RCM, 2)[0]).toBe(Math.atan(80));
  });

  it('feeds the DiT bf16(float32(s) · 1000), as the published script casts it', () => {
    // bfloat16 keeps 8 significant bits: steps of 4 between 512 and 1024.
    expect(Array.from({ length: 4 }, (_, i) => ditTimestep(rcmTimes(RCM, 4), i))).toEqual([988, 932, 852, 608]);
    expect([1, 1.00390625, 1.005859375, 1.01171875, -3.3, 0].map(bfloat16Round)).toEqual([1, 1, 1.0078125, 1.015625, -3.296875, 0]);
  });

  it('refuses more steps than midT has times for, and fewer than one', () => {
    expect(() => rcmTimes(RCM, 5)).toThrow(RangeError);
    expect(() => rcmTimes(RCM, 0)).toThrow(RangeError);
    expect(() => rcmTimes({ sigmaMax: 80, midT: [] }, 2)).toThrow(RangeError);
  });
});

describe('the rCM step', () => {
  const n = 6;
  const steps = 3;
  const s = rcmTimes(RCM, steps);
  const noise = gaussianNoise(5, n * steps);
  const v = Float32Array.from([0.5, -1, 2, 0, 1e-3, -0.25]);

  it('starts from the first n values of the noise times s_0, in float32', () => {
    const x = initialSample(noise, n, s);
    expect(x.length).toBe(n);
    for (let k = 0; k < n; k++) expect(x[k]).toBe(Math.fround(noise[k]! * S_80));
  });

  it('re-noises x0 = x − s_i·v with the next slice of noise: float64 arithmetic, stored as float32', () => {
    const x = initialSample(noise, n, s);
    const x0 = new Float32Array(n);
    rcmStep(x, v, noise, s, 0, x0);
    for (let k = 0; k < n; k++) {
      // Step 0 starts from s_0 · noise in float64, not from its float32 rounding (the DiT's input).
      const clean = noise[k]! * S_80 - s[0]! * v[k]!;
      expect(x0[k]).toBe(Math.fround(clean));
      expect(x[k]).toBe(Math.fround((1 - s[1]!) * clean + s[1]! * noise[n + k]!));
    }
    // Step 1 takes its fresh noise from the third slice (i + 1 = 2).
    const mid = Float64Array.from(x);
    rcmStep(x, v, noise, s, 1);
    for (let k = 0; k < n; k++) expect(x[k]).toBe(Math.fround((1 - s[2]!) * (mid[k]! - s[1]! * v[k]!) + s[2]! * noise[2 * n + k]!));
  });

  it('lands on x0 at the last step (s = 0), reading no noise past n · steps', () => {
    const x = initialSample(noise, n, s);
    rcmStep(x, v, noise, s, 0);
    rcmStep(x, v, noise, s, 1);
    const before = Float64Array.from(x);
    // The job's noise ends at n · steps; the last step must not need more.
    rcmStep(x, v, noise.subarray(0, n * steps), s, 2);
    for (let k = 0; k < n; k++) expect(x[k]).toBe(Math.fround(before[k]! - s[2]! * v[k]!));
  });

  it('with one step is x = s_0·noise − s_0·v, in float64 until the end', () => {
    const one = rcmTimes(RCM, 1);
    const x = initialSample(noise, n, one);
    rcmStep(x, v, noise.subarray(0, n), one, 0);
    for (let k = 0; k < n; k++) expect(x[k]).toBe(Math.fround(noise[k]! * S_80 - S_80 * v[k]!));
  });

  it('refuses a velocity of another size, a step outside the schedule, and too little noise', () => {
    const x = initialSample(noise, n, s);
    expect(() => rcmStep(x, new Float32Array(n - 1), noise, s, 0)).toThrow(RangeError);
    expect(() => rcmStep(x, v, noise, s, 3)).toThrow(RangeError);
    expect(() => rcmStep(x, v, noise.subarray(0, n), s, 0)).toThrow(RangeError);
    expect(() => rcmStep(x, v, noise.subarray(0, n - 1), rcmTimes(RCM, 1), 0)).toThrow(RangeError);
    expect(() => initialSample(noise.subarray(0, n - 1), n, s)).toThrow(RangeError);
  });
});
