// The animatediff kind's whole job in Node, on the TEST FIXTURE's graphs (random weights, the
// published layouts at reduced size), run by onnxruntime-web's own WASM build (the runtime and
// version the browser runs) through the app's runtime (workers/pipelines/animatediff/): the
// pack's manifest through validateManifest, the kind's create(), then the 4-step loop from the
// golden prompt and seed must land on the converter's final_latent (PyTorch's UNet and sampler),
// the decoder on its frame 0 must give image0, and run() must give those pixels, with a
// checkpoint before every step and every frame, previews, and "decoding frame i of F" in order.
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphFilePath, validateManifest, type ManifestOf } from '../../src/shared/manifest';
import { DEFAULT_TUNING } from '../../src/shared/engine-tuning';
import { animateDiffKind } from '../../workers/pipelines/animatediff';
import type { AnimateDiffRuntime } from '../../workers/pipelines/animatediff/runtime';
import type { FeedTensor, ModelSession } from '../../workers/ort-runtime';
import { nodeSession } from './node-session';
import { goldenFloats, maxAbsDiff, readJson, readPackFile } from './golden';

const MODEL = join(import.meta.dirname, '../fixtures/animatediff-tiny-model');
const PACK = join(import.meta.dirname, '../fixtures/animatediff-tiny-pack');

interface AnimateGolden {
  prompt: string;
  input_ids: number[];
  seed: number;
  timesteps: number[];
  files: Record<string, string>;
  tolerance: Record<string, number>;
}

describe('the TEST FIXTURE animatediff pack, whole job in Node', () => {
  let golden: AnimateGolden;
  let manifest: ManifestOf<'animatediff'>;
  let runtime: AnimateDiffRuntime;
  let sessions: Record<string, ModelSession>;
  let tokenizerJson: unknown;
  const options = () => ({ prompt: golden.prompt, seed: golden.seed, steps: golden.timesteps.length, guidance: 0, previewEvery: 2, outputShortSide: 256, videoCodec: 'auto' as const });

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    golden = readJson<AnimateGolden>(join(MODEL, 'golden', 'golden.json'));
    const m = validateManifest(readJson(join(PACK, 'manifest.json')));
    if (m.pipeline !== 'animatediff') throw new Error(`the fixture pack is ${m.pipeline}`);
    manifest = m;
    sessions = {};
    for (const spec of animateDiffKind.roles(manifest, DEFAULT_TUNING)) {
      const ref = manifest.graphs[spec.role as 'textEncoder' | 'denoiser' | 'decoder'];
      const external = typeof ref === 'string' ? [] : ref.externalData.map((p) => ({ path: p, data: readPackFile(PACK, p) }));
      sessions[spec.role] = await nodeSession(readPackFile(PACK, graphFilePath(ref)), external);
    }
    tokenizerJson = JSON.parse(new TextDecoder().decode(readPackFile(PACK, manifest.tokenizer.file)));
    runtime = animateDiffKind.create({ manifest, tokenizerJson, sessions, tuning: DEFAULT_TUNING }) as AnimateDiffRuntime;
  }, 120_000);

  it('is a TEST FIXTURE pack of the contract layout', () => {
    expect(manifest.fixture).toBe(true);
    expect(manifest.sample.shape[0]).toBe(4);
    expect(manifest.scheduler.steps).toContain(golden.timesteps.length);
  });

  it('lands on the golden final_latent after every step, and decodes frame 0 to image0', async () => {
    const events: string[] = [];
    const result = await runtime.denoise(options(), {
      checkpoint: async () => void events.push('checkpoint'),
      onText: () => events.push('text'),
      onStep: (step, steps, preview) => events.push(`step ${step}/${steps}${preview ? ' preview' : ''}`),
    });
    const want = goldenFloats(golden.files['final_latent']!, MODEL);
    const diff = maxAbsDiff(result.latent, want);
    console.log(`final_latent max |diff| ${diff.toExponential(2)} (tolerance ${golden.tolerance['final_latent'] ?? golden.tolerance['step_output']})`);
    expect(diff).toBeLessThanOrEqual(golden.tolerance['final_latent'] ?? golden.tolerance['step_output'] ?? 1e-3);
    expect(events).toEqual(['checkpoint', 'text', 'checkpoint', 'step 1/4 preview', 'checkpoint', 'step 2/4 preview', 'checkpoint', 'step 3/4', 'checkpoint', 'step 4/4']);
    expect(result.stepOrtMs.length).toBe(4);

    const image = await runtime.decodeFrame(result.latent, 0);
    const imageDiff = maxAbsDiff(image, goldenFloats(golden.files['image0']!, MODEL));
    console.log(`image0 max |diff| ${imageDiff.toExponential(2)} (tolerance ${golden.tolerance['image']})`);
    expect(imageDiff).toBeLessThanOrEqual(golden.tolerance['image'] ?? 1e-3);
  }, 120_000);

  it('runs the whole job: frame 0 is image0 in pixels, and each frame is decoded after a checkpoint', async () => {
    const events: string[] = [];
    const out = await runtime.run(options(), {
      checkpoint: async () => void events.push('checkpoint'),
      onText: () => {},
      onStep: () => events.push('step'),
      onDecode: (frame, frames) => events.push(`decoding frame ${frame} of ${frames}`),
    });
    const { frames, height, width } = manifest.video;
    expect(out.frames).toMatchObject({ frames, height, width });
    const decodeEvents = events.slice(events.lastIndexOf('step') + 1);
    expect(decodeEvents).toEqual(Array.from({ length: frames }, (_, i) => ['checkpoint', `decoding frame ${i + 1} of ${frames}`]).flat());
    const image0 = goldenFloats(golden.files['image0']!, MODEL);
    const plane = height * width;
    let off = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) {
        const want = Math.round(Math.min(255, Math.max(0, (image0[c * plane + p]! + 1) * 127.5)));
        off = Math.max(off, Math.abs(out.frames.rgba[p * 4 + c]! - want));
      }
    }
    // PyTorch's and ORT's image differ within the image tolerance, which may move a pixel by one level.
    expect(off).toBeLessThanOrEqual(1);
    expect(out.decodeMs).toBeGreaterThan(0);
  }, 120_000);

  it('warms every graph up at load, but not a UNet over 64 MiB', async () => {
    const counted = (counts: Record<string, number>) =>
      Object.fromEntries(Object.entries(sessions).map(([role, s]) => [role, { ...s, inputNames: s.inputNames, outputNames: s.outputNames, run: (f: Record<string, FeedTensor>) => ((counts[role] = (counts[role] ?? 0) + 1), s.run(f)) }]));
    const small: Record<string, number> = {};
    await animateDiffKind.create({ manifest, tokenizerJson, sessions: counted(small), tuning: DEFAULT_TUNING }).warmUp();
    expect(small).toEqual({ textEncoder: 1, denoiser: 1, decoder: 1 });
    const big: Record<string, number> = {};
    const bigUnet = { ...manifest, files: manifest.files.map((f) => (f.path.startsWith('unet.onnx') ? { ...f, size: 1_000_000_000 } : f)) };
    await animateDiffKind.create({ manifest: bigUnet, tokenizerJson, sessions: counted(big), tuning: DEFAULT_TUNING }).warmUp();
    expect(big).toEqual({ textEncoder: 1, decoder: 1 });
  });

  it('refuses steps the motion model was not distilled for, and any guidance', async () => {
    const hooks = { checkpoint: async () => {}, onText: () => {}, onStep: () => {}, onDecode: () => {} };
    await expect(runtime.run({ ...options(), steps: 3 }, hooks)).rejects.toMatchObject({ name: 'OptionsError', details: { field: 'steps' } });
    await expect(runtime.run({ ...options(), guidance: 2 }, hooks)).rejects.toMatchObject({ name: 'OptionsError', details: { field: 'guidance' } });
  });
});
