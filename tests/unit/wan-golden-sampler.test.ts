// The wan kind's pure maths against the converter's golden vectors of the TEST FIXTURE model
// (tests/fixtures/wan-tiny-model/golden/, PyTorch and NumPy on random weights): the seeded noise
// bit for bit (workers/noise.ts), the rCM times and the DiT's timesteps, the token table's rows
// of the golden input_ids (the model folder's embedding files, read as the engine reads them)
// against PyTorch's inputs_embeds, and one rCM step from the golden noise and PyTorch's velocity0
// to step_output0, bit for bit. No ONNX here: wan-graphs.test.ts runs the graphs.
import { describe, expect, it } from 'vitest';
import { gaussianNoise } from '../../workers/noise';
import { ditTimestep, initialSample, rcmStep, rcmTimes } from '../../workers/pipelines/wan/rcm';
import { TokenTable } from '../../workers/pipelines/wan/token-table';
import { errors, flatIds, modelFile, wanFloats, wanGolden, wanModelJson, wanTolerance } from './wan-golden';

describe('the golden vectors of the TEST FIXTURE wan model', () => {
  const golden = wanGolden();
  const model = wanModelJson();
  const [c, f, h, w] = model['sample'].shape as [number, number, number, number];
  const n = c * f * h * w;

  it('are the model folder\u2019s own: its scheduler, a step count it offers, a 16-channel latent', () => {
    expect(golden.scheduler).toMatchObject({ sigmaMax: model['scheduler'].sigmaMax, midT: model['scheduler'].midT });
    expect(model['scheduler'].steps).toContain(golden.steps);
    expect(c).toBe(16);
  });

  it('has noise equal to gaussianNoise(seed, N · steps), bit for bit', () => {
    const noise = wanFloats(golden, 'noise');
    expect(noise.length).toBe(n * golden.steps);
    const ours = gaussianNoise(golden.seed, n * golden.steps);
    expect(Buffer.from(ours.buffer).equals(Buffer.from(noise.buffer, noise.byteOffset, noise.byteLength))).toBe(true);
  });

  it('has the rCM times and DiT timesteps of rcm.ts', () => {
    const s = rcmTimes(model['scheduler'], golden.steps);
    expect(golden.s.length).toBe(golden.steps + 1);
    golden.s.forEach((v, i) => expect(Math.abs(s[i]! - v)).toBeLessThanOrEqual(1e-15));
    if (golden.timesteps !== undefined) expect(golden.timesteps).toEqual(Array.from({ length: golden.steps }, (_, i) => ditTimestep(s, i)));
  });

  it('has inputs_embeds equal to the token table rows of input_ids', () => {
    const e = model['embeddings'];
    const files = new Map<string, Uint8Array>([...e.files, ...(e.scales ? [e.scales] : [])].map((p: string) => [p, modelFile(p)]));
    const table = new TokenTable(e, files);
    const want = wanFloats(golden, 'inputs_embeds');
    const got = table.lookup(flatIds(golden.input_ids));
    const err = errors(got, want);
    console.log(`inputs_embeds (${e.dtype}) max |table − PyTorch| ${err.max}`);
    // golden.json's rows are PyTorch's float32 table: a float32 pack's rows are those bits; a float16 or
    // int8 pack's differ by their rounding alone (half a float16 ulp; half an int8 step of max|row| / 127).
    const largest = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const bound = { float32: 0, float16: largest * 2 ** -11, int8: (largest / 127) * 0.5 * (1 + 1e-6) }[e.dtype as 'float32' | 'float16' | 'int8'];
    expect(err.max).toBeLessThanOrEqual(bound);
  });

  it('takes the golden noise and velocity0 to step_output0, as the contract steps', () => {
    const s = rcmTimes(model['scheduler'], golden.steps);
    const noise = wanFloats(golden, 'noise');
    const x = initialSample(noise, n, s);
    rcmStep(x, wanFloats(golden, 'velocity0'), noise, s, 0);
    const err = errors(x, wanFloats(golden, 'step_output0'));
    console.log(`step_output0 from PyTorch's velocity0: max |diff| ${err.max}`);
    // The same float64 arithmetic on the same float32 inputs, in the same order, rounded once: the same bits
    // (the step's tolerance in golden.json allows for the graph's velocity, not for this).
    expect(err.max).toBe(0);
    expect(wanTolerance(golden.tolerance, 'step_output0')).toBeGreaterThan(0);
    if (golden.steps === 1) expect(errors(x, wanFloats(golden, 'final_latent')).max).toBe(0);
  });
});
