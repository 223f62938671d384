// The animatediff kind's Euler "trailing" sampler (workers/pipelines/animatediff/euler-discrete.ts)
// against values NumPy computes from the contract's formulas (float64, printed to 17 digits by
// /usr/bin/python3: np.linspace, np.cumprod, np.round(np.arange(T, 0, -T/steps)) - 1), and against
// the converter's golden vectors of the TEST FIXTURE model (golden.json timesteps, sigmas,
// initNoiseSigma; step_output from noise and noise_pred).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alphasCumprod, eulerSchedule, eulerStep, initialLatent, roundHalfEven, scaleModelInput, type EulerConfig } from '../../workers/pipelines/animatediff/euler-discrete';
import { gaussianNoise } from '../../workers/noise';
import { goldenFloats, maxAbsDiff, readJson } from './golden';

const LINEAR: EulerConfig = { betaSchedule: 'linear', betaStart: 0.00085, betaEnd: 0.012, trainTimesteps: 1000 };
const SCALED: EulerConfig = { ...LINEAR, betaSchedule: 'scaled_linear' };

describe('the trailing schedule, against NumPy', () => {
  it.each([
    [LINEAR, 1, [999], [25.146114834133797]],
    [LINEAR, 2, [999, 499], [25.146114834133797, 2.2759626091881286]],
    [LINEAR, 4, [999, 749, 499, 249], [25.146114834133797, 6.5572126303754885, 2.2759626091881286, 0.8670202384471292]],
    [LINEAR, 8, [999, 874, 749, 624, 499, 374, 249, 124], [25.146114834133797, 12.32253169412545, 6.5572126303754885, 3.7552824889738714, 2.2759626091881286, 1.419212393484154, 0.8670202384471292, 0.46127120799155724]],
    [SCALED, 4, [999, 749, 499, 249], [14.614641229333639, 4.081729363724308, 1.612886194303876, 0.6932048996386885]],
    [SCALED, 8, [999, 874, 749, 624, 499, 374, 249, 124], [14.614641229333639, 7.297352030365751, 4.081729363724308, 2.4925305844832626, 1.612886194303876, 1.0689513810760045, 0.6932048996386885, 0.3977456271926898]],
  ] as const)('%o, %i steps', (config, steps, ts, sigmas) => {
    const s = eulerSchedule(config, steps);
    expect(s.timesteps).toEqual(ts);
    expect(s.sigmas.length).toBe(steps + 1);
    sigmas.forEach((v, i) => expect(s.sigmas[i]).toBeCloseTo(v, 12));
    expect(s.sigmas[steps]).toBe(0);
    // diffusers' init_noise_sigma for "trailing" spacing is max(sigmas), not sqrt(max² + 1).
    expect(s.initNoiseSigma).toBe(s.sigmas[0]);
  });

  it('rounds the arange half to even, as np.round does (16 and 3 steps)', () => {
    expect(eulerSchedule(LINEAR, 16).timesteps).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
    expect(eulerSchedule(LINEAR, 3).timesteps).toEqual([999, 666, 332]);
    expect([0.5, 1.5, 2.5, 812.5, 937.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 812, 938, 2, 3]);
  });

  it('has alphas_cumprod falling from 1 - betaStart', () => {
    const ac = alphasCumprod(LINEAR);
    expect(ac[0]).toBeCloseTo(1 - 0.00085, 15);
    expect(ac.every((v, i) => i === 0 || v < ac[i - 1]!)).toBe(true);
  });

  it('refuses a step count outside 1..T', () => {
    expect(() => eulerSchedule(LINEAR, 0)).toThrow(RangeError);
    expect(() => eulerSchedule(LINEAR, 1001)).toThrow(RangeError);
  });
});

describe('the step, in float32', () => {
  it('takes x to x0 at the last step (sigma 0) and matches float64 within float32 rounding', () => {
    const s = eulerSchedule(LINEAR, 4);
    const noise = gaussianNoise(7, 64);
    const eps = gaussianNoise(8, 64);
    const x = initialLatent(noise, s);
    const start = Float64Array.from(x);
    const x0 = new Float32Array(64);
    eulerStep(x, eps, s, 0, x0);
    for (let k = 0; k < 64; k++) {
      const want = start[k]! + (s.sigmas[1]! - s.sigmas[0]!) * eps[k]!;
      expect(Math.abs(x[k]! - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      expect(Math.abs(x0[k]! - (start[k]! - s.sigmas[0]! * eps[k]!))).toBeLessThan(1e-5 * 30);
    }
    const before = Float32Array.from(x);
    const last = new Float32Array(64);
    eulerStep(x, eps, s, 3, last);
    // σ_4 = 0: the step lands on x0 = x - σ_3·eps.
    for (let k = 0; k < 64; k++) expect(x[k]).toBeCloseTo(before[k]! - s.sigmas[3]! * eps[k]!, 5);
  });

  it('scales the model input by 1 / sqrt(σ² + 1)', () => {
    const s = eulerSchedule(LINEAR, 4);
    const x = Float32Array.from([25.166, -1, 0]);
    const out = scaleModelInput(x, s, 0, new Float32Array(3));
    expect(out[0]).toBeCloseTo(25.166 / Math.sqrt(s.sigmas[0]! ** 2 + 1), 6);
    expect(out[2]).toBe(0);
  });
});

const MODEL = join(import.meta.dirname, '../fixtures/animatediff-tiny-model');
interface AnimateGolden {
  seed: number;
  scheduler: { betaSchedule: 'linear' | 'scaled_linear'; betaStart: number; betaEnd: number; trainTimesteps: number; defaultSteps: number };
  timesteps: number[];
  sigmas: number[];
  initNoiseSigma: number;
  files: Record<string, string>;
  tolerance: Record<string, number>;
}

describe('the golden vectors of the TEST FIXTURE animatediff model', () => {
  const golden = () => readJson<AnimateGolden>(join(MODEL, 'golden', 'golden.json'));
  const floats = (role: string) => goldenFloats(golden().files[role]!, MODEL);

  it('gives the golden timesteps, sigmas and initNoiseSigma', () => {
    const g = golden();
    const s = eulerSchedule(g.scheduler, g.timesteps.length);
    expect(s.timesteps).toEqual(g.timesteps);
    expect(s.sigmas.length).toBe(g.sigmas.length);
    g.sigmas.forEach((v, i) => expect(Math.abs(s.sigmas[i]! - v)).toBeLessThan(1e-5 * Math.max(1, v)));
    expect(Math.abs(s.initNoiseSigma - g.initNoiseSigma)).toBeLessThan(1e-5 * g.initNoiseSigma);
  });

  it('takes noise and noise_pred to the golden step_input and step_output', () => {
    const g = golden();
    const s = eulerSchedule(g.scheduler, g.timesteps.length);
    const noise = floats('noise');
    expect(maxAbsDiff(gaussianNoise(g.seed, noise.length), noise)).toBe(0);
    const x = initialLatent(noise, s);
    const input = scaleModelInput(x, s, 0, new Float32Array(x.length));
    expect(maxAbsDiff(input, floats('step_input'))).toBeLessThan(1e-5);
    eulerStep(x, floats('noise_pred'), s, 0);
    // From PyTorch's own noise_pred, the step is the same float32 arithmetic as scheduler.py's, so it
    // must agree far inside golden.json's step_output tolerance (which allows for the graph's noise_pred).
    const diff = maxAbsDiff(x, floats('step_output'));
    expect(diff).toBeLessThanOrEqual(Math.min(1e-4, g.tolerance['step_output'] ?? 1e-4));
  });
});
