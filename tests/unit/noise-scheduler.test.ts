// The seeded noise generator and the rectified-flow scheduler against the
// Python exporter's golden vectors (tests/fixtures/fixture-model/golden).
import { describe, expect, it } from 'vitest';
import { gaussianNoise, mulberry32 } from '../../workers/noise';
import { guidedStep, guidedSteps, stepCorrections, timesteps } from '../../workers/pipelines/dit-rectified-flow/scheduler';
import { golden, maxAbsDiff } from './golden';

describe('seeded Gaussian noise', () => {
  it('matches the golden noise head bit for bit (1e-6)', () => {
    const noise = gaussianNoise(golden.seed, golden.noise_head.length);
    expect(maxAbsDiff(noise, golden.noise_head)).toBeLessThanOrEqual(1e-6);
  });
  it('is deterministic for a seed and differs between seeds', () => {
    const a = gaussianNoise(7, 1001);
    expect(gaussianNoise(7, 1001)).toEqual(a);
    expect(gaussianNoise(8, 1001)).not.toEqual(a);
  });
  it('a prefix of a longer draw equals a shorter draw (odd lengths too)', () => {
    expect(Array.from(gaussianNoise(3, 7))).toEqual(Array.from(gaussianNoise(3, 8).subarray(0, 7)));
  });
  it('writes out the same stream as mulberry32 + Box–Muller through the closures', () => {
    // The generator's loop inlines mulberry32 (for V8's sake); this is the plain form it replaced.
    for (const seed of [0, 7, 0xffffffff, 123456789]) {
      const next = mulberry32(seed);
      const uniform = () => (next() + 0.5) / 4294967296;
      const want = new Float32Array(1001);
      for (let i = 0; i < want.length; i += 2) {
        const u1 = uniform();
        const u2 = uniform();
        const r = Math.sqrt(-2 * Math.log(u1));
        want[i] = r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < want.length) want[i + 1] = r * Math.sin(2 * Math.PI * u2);
      }
      expect(gaussianNoise(seed, 1001)).toEqual(want);
    }
  });
  it('treats seeds as uint32', () => {
    expect(gaussianNoise(-1, 16)).toEqual(gaussianNoise(0xffffffff, 16));
  });
  it('mulberry32 gives the published first output for seed 0', () => {
    // 0.26642920868471265 is the widely quoted first value of mulberry32(0).
    expect(mulberry32(0)() / 2 ** 32).toBe(0.26642920868471265);
  });
  it('has roughly zero mean and unit variance', () => {
    const n = gaussianNoise(42, 200_000);
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const variance = n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });
});

describe('rectified-flow scheduler', () => {
  it('matches the golden timesteps', () => {
    const ts = timesteps(golden.scheduler.steps, golden.scheduler.shift);
    expect(maxAbsDiff(ts, golden.scheduler.timesteps)).toBeLessThanOrEqual(1e-7);
  });
  it('starts at pure noise (t = 1) and ends clean (t = 0) for any shift', () => {
    for (const shift of [0.5, 1, 3]) {
      const ts = timesteps(10, shift);
      expect(ts[0]).toBe(1);
      expect(ts[10]).toBe(0);
      for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThan(ts[i - 1]!);
    }
  });
  it('shift > 1 keeps more steps at high noise', () => {
    expect(timesteps(4, 3)[2]!).toBeGreaterThan(timesteps(4, 1)[2]!);
  });
  it('guided Euler step applies v = vu + g (vc - vu) and x += (tNext - t) v', () => {
    const x = new Float32Array([1, 2]);
    const velocity = new Float32Array([3, 5, 1, 1]); // cond row, then uncond row
    const clean = new Float32Array(2);
    guidedStep(x, velocity, 2, 1, 0.5, 0, clean);
    expect(Array.from(x)).toEqual([1 - 2.5, 2 - 4.5]);
    expect(Array.from(clean)).toEqual([1 - 5, 2 - 9]); // x0 = x - t v with v = [5, 9]
  });
  it('guidance 1 is the conditional velocity alone', () => {
    const x = new Float32Array([0]);
    const clean = new Float32Array(1);
    guidedStep(x, new Float32Array([4, -7]), 1, 1, 0, 0, clean);
    expect(x[0]).toBe(-4);
  });
  it('the clean estimate is x - t v, and the multistep term adds c (x0 - x0_prev)', () => {
    const x = new Float32Array([1, 1]);
    const clean = new Float32Array([0.5, -1]); // x0 of the step before
    guidedStep(x, new Float32Array([2, -2, 2, -2]), 1, 0.5, 0.25, 0.1, clean);
    expect(Array.from(clean)).toEqual([0, 2]);
    expect(x[0]).toBeCloseTo(1 - 0.25 * 2 + 0.1 * (0 - 0.5), 6);
    expect(x[1]).toBeCloseTo(1 + 0.25 * 2 + 0.1 * (2 + 1), 6);
  });
  it('an unguided step (guidance null) takes the conditional row alone, from a batch-1 or a batch-2 velocity', () => {
    for (const velocity of [new Float32Array([3, 5]), new Float32Array([3, 5, 100, -100])]) {
      const x = new Float32Array([1, 2]);
      const clean = new Float32Array([0.5, 0.5]);
      guidedStep(x, velocity, null, 1, 0.5, 0, clean);
      expect(Array.from(x)).toEqual([1 - 1.5, 2 - 2.5]);
      expect(Array.from(clean)).toEqual([1 - 3, 2 - 5]);
    }
    // With the multistep term, exactly as a guided step whose guided velocity were v_c.
    const a = new Float32Array([0.3, -0.7]);
    const b = a.slice();
    const ca = new Float32Array([0.1, 0.2]);
    const cb = ca.slice();
    guidedStep(a, new Float32Array([0.9, -0.4]), null, 0.6, 0.4, 0.07, ca);
    guidedStep(b, new Float32Array([0.9, -0.4, 0.9, -0.4]), 2, 0.6, 0.4, 0.07, cb); // v_c = v_u: guidance changes nothing
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(ca)).toEqual(Array.from(cb));
  });
  it('rejects a batch-1 velocity for a guided step', () => {
    expect(() => guidedStep(new Float32Array(2), new Float32Array(2), 2, 1, 0, 0, new Float32Array(2))).toThrow(/expected 4/);
    expect(() => guidedStep(new Float32Array(2), new Float32Array(3), null, 1, 0, 0, new Float32Array(2))).toThrow(/expected 2 or 4/);
  });
  it('guidance on an interval: steps with t in (lo, hi]; every step without one', () => {
    const ts = timesteps(14, 2.5);
    expect(guidedSteps(ts)).toEqual(new Array(14).fill(true));
    // The built-in pack's interval leaves its first two steps (t = 1, 0.970) unguided.
    expect(guidedSteps(ts, [0, 0.95])).toEqual([false, false, ...new Array(12).fill(true)]);
    expect(guidedSteps(timesteps(4, 1), [0.3, 0.75])).toEqual([false, true, true, false]); // t = 1, .75, .5, .25
  });
  it("matches the exporter's guided steps (golden)", () => {
    const s = golden.scheduler;
    expect(s.guidance_interval).toBeDefined();
    expect(guidedSteps(timesteps(s.steps, s.shift), s.guidance_interval as [number, number])).toEqual(s.guided);
    expect(s.guided?.includes(false)).toBe(true); // the fixture's interval does leave steps unguided
  });
  it('rejects a velocity of the wrong size', () => {
    expect(() => guidedStep(new Float32Array(2), new Float32Array(2), 1, 1, 0, 0, new Float32Array(2))).toThrow(/expected 4/);
  });
  it('Euler has no multistep term; DPM-Solver++(2M) is first order at steps 0, 1 and the last', () => {
    const ts = timesteps(10, 1.5);
    expect(Array.from(stepCorrections(ts, 'rectified-flow-euler'))).toEqual(new Array(10).fill(0));
    const c = stepCorrections(ts, 'rectified-flow-dpmpp-2m');
    expect([c[0], c[1], c[9]]).toEqual([0, 0, 0]);
    for (let i = 2; i < 9; i++) expect(c[i]!).toBeGreaterThan(0);
    // The weights grow towards t = 0, where lambda's steps get longer.
    for (let i = 3; i < 9; i++) expect(c[i]!).toBeGreaterThan(c[i - 1]!);
  });
});
