// The animatediff TEST FIXTURE's three ONNX graphs (models/convert/animatediff.py
// on tests/fixtures/animatediff-tiny) against PyTorch's golden vectors, in
// onnxruntime-web's own WASM build under Node (the browser's runtime and
// version): the text encoder on golden input_ids, one UNet step's noise_pred
// on golden step_input at timesteps[0] (and x after it, by the contract's
// Euler step in float32), and the VAE decoder's image of frame 0 of the final
// latent. Each graph is loaded with its weights from its ONNX external data
// files (externalData), as the engine loads a multi-GB pack. The fp16 WebGPU
// variants, which WASM runs with fp32 kernels between Casts (so only their
// fp16 storage rounding shows), are held to a looser tolerance. Weights are
// random; this proves the export and the sampler's numbers, not image quality.
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '../fixtures/animatediff-tiny-model');

interface GraphRef {
  file: string;
  externalData: string[];
}
type Tolerance = Record<'encoder_hidden_states' | 'noise_pred' | 'step_output' | 'image', number>;
interface AnimateDiffGolden {
  input_ids: number[];
  timesteps: number[];
  sigmas: number[];
  initNoiseSigma: number;
  shapes: Record<string, number[]>;
  files: Record<string, string>;
  tolerance: Tolerance;
  tolerance_fp16: Tolerance;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const model = readJson<{ graphs: Record<string, string | GraphRef>; variants?: { webgpu?: Record<string, GraphRef> }; latent: { scalingFactor: number } }>(
  join(DIR, 'model.json'),
);
const golden = readJson<AnimateDiffGolden>(join(DIR, 'golden', 'golden.json'));

function floats(name: string): Float32Array {
  const bytes = readFileSync(join(DIR, 'golden', name));
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function diff(a: Float32Array, b: Float32Array): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = d; // NaN propagates into max
    sum += d;
  }
  return { max, mean: sum / a.length };
}

const asRef = (g: string | GraphRef): GraphRef => (typeof g === 'string' ? { file: g, externalData: [] } : g);

async function session(ref: GraphRef): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(new Uint8Array(readFileSync(join(DIR, ref.file))), {
    executionProviders: ['wasm'],
    externalData: ref.externalData.map((path) => ({ path, data: new Uint8Array(readFileSync(join(DIR, path))) })),
  });
}

const SETS: { name: string; graphs: Record<string, GraphRef> | undefined; tolerance: Tolerance }[] = [
  { name: 'fp32 graphs', graphs: Object.fromEntries(Object.entries(model.graphs).map(([k, v]) => [k, asRef(v)])), tolerance: golden.tolerance },
  // The kind's variants cover the text encoder and the UNet; the decoder stays the fp32 graph.
  { name: 'fp16 WebGPU variants', graphs: model.variants?.webgpu && { decoder: asRef(model.graphs['decoder']!), ...model.variants.webgpu }, tolerance: golden.tolerance_fp16 },
];

describe.each(SETS)('animatediff TEST FIXTURE $name vs PyTorch', ({ graphs, tolerance }) => {
  const errors: Record<string, { max: number; mean: number }> = {};
  let sessions: Record<string, ort.InferenceSession>;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    expect(graphs, 'model.json names these graphs').toBeDefined();
    sessions = {};
    for (const role of ['textEncoder', 'denoiser', 'decoder']) sessions[role] = await session(graphs![role]!);
  }, 120_000);

  it('text encoder: encoder_hidden_states of the golden input_ids', async () => {
    const ids = BigInt64Array.from(golden.input_ids.map(BigInt));
    const out = await sessions['textEncoder']!.run({ input_ids: new ort.Tensor('int64', ids, [1, ids.length]) });
    const states = out['encoder_hidden_states']!;
    expect(states.dims).toEqual(golden.shapes['encoder_hidden_states']);
    errors['text'] = diff(states.data as Float32Array, floats(golden.files['encoder_hidden_states']!));
    expect(errors['text'].max).toBeLessThanOrEqual(tolerance.encoder_hidden_states);
  }, 60_000);

  it("denoiser: one step's noise_pred, and x after the contract's Euler step", async () => {
    const text = floats(golden.files['encoder_hidden_states']!);
    const input = floats(golden.files['step_input']!);
    const out = await sessions['denoiser']!.run({
      sample: new ort.Tensor('float32', input, golden.shapes['step_input']),
      timestep: new ort.Tensor('int64', BigInt64Array.from([BigInt(golden.timesteps[0]!)]), [1]),
      encoder_hidden_states: new ort.Tensor('float32', text, golden.shapes['encoder_hidden_states']),
    });
    const eps = out['noise_pred']!.data as Float32Array;
    expect(out['noise_pred']!.dims).toEqual(golden.shapes['noise_pred']);
    errors['noise_pred'] = diff(eps, floats(golden.files['noise_pred']!));
    expect(errors['noise_pred'].max).toBeLessThanOrEqual(tolerance.noise_pred);

    // x0 = noise · initNoiseSigma; x1 = x0 + (σ1 − σ0) · eps, in float32 as the engine steps.
    const noise = floats(golden.files['noise']!);
    const sigma0 = Math.fround(golden.initNoiseSigma);
    const dt = Math.fround(golden.sigmas[1]! - golden.sigmas[0]!);
    const next = new Float32Array(noise.length);
    for (let i = 0; i < noise.length; i++) next[i] = Math.fround(Math.fround(noise[i]! * sigma0) + Math.fround(dt * eps[i]!));
    errors['step_output'] = diff(next, floats(golden.files['step_output']!));
    expect(errors['step_output'].max).toBeLessThanOrEqual(tolerance.step_output);
  }, 60_000);

  it('decoder: image of frame 0 of the final latent', async () => {
    const latent = floats(golden.files['final_latent']!);
    const [c, f, h, w] = golden.shapes['final_latent'] as [number, number, number, number];
    const frame0 = new Float32Array(c * h * w);
    // float32 division, as PyTorch's golden did it (double division of two float32s, rounded once).
    const scaling = Math.fround(model.latent.scalingFactor);
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) frame0[ch * h * w + p] = latent[ch * f * h * w + p]! / scaling;
    const out = await sessions['decoder']!.run({ latent: new ort.Tensor('float32', frame0, [1, c, h, w]) });
    expect(out['image']!.dims).toEqual(golden.shapes['image0']);
    errors['image'] = diff(out['image']!.data as Float32Array, floats(golden.files['image0']!));
    expect(errors['image'].max).toBeLessThanOrEqual(tolerance.image);
    console.log(`animatediff fixture errors (max / mean |ONNX - PyTorch|): ${JSON.stringify(errors)}`);
  }, 60_000);
});
