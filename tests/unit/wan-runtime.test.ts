// The wan kind's runtime wiring (workers/pipelines/wan/runtime.ts, taew-frames.ts) on stand-in
// sessions whose outputs are simple known functions of their inputs, so every number can be
// predicted: the text encoder is fed the token table's rows of the prompt's ids with its mask;
// the DiT is fed x and bf16(s_i · 1000) with the encoder's context, once a step, after a checkpoint;
// the decoder is fed one latent frame a call, in order, zero memories first and then each call's
// memories back, after a checkpoint, with "decoding i of F" after each; the first trimFrames
// frames of the clip are dropped and pixels are round(clamp(x · 255)). Real graphs: wan-graphs and
// wan-pack.test.ts.
import { describe, expect, it } from 'vitest';
import { validateManifest, type ManifestOf } from '../../src/shared/manifest';
import { DEFAULT_TUNING } from '../../src/shared/engine-tuning';
import { gaussianNoise } from '../../workers/noise';
import type { FeedTensor, ModelSession, OutputTensor } from '../../workers/ort-runtime';
import { wanKind } from '../../workers/pipelines/wan';
import { ditTimestep, initialSample, rcmStep, rcmTimes } from '../../workers/pipelines/wan/rcm';
import type { WanRuntime } from '../../workers/pipelines/wan/runtime';
import { latentFrame, writeDecodedFrames } from '../../workers/pipelines/wan/taew-frames';

const sha = (c: string) => c.repeat(64);
const file = (path: string, c: string, size = 100) => ({ path, size, sha256: sha(c), shards: [{ sha256: sha(c), size }] });
const DIM = 4;
const ROWS = 8;
const L = 6;
const [C, F, H, W] = [16, 2, 2, 2];
const FRAMES_PER_LATENT = 4;
const TRIM = 3;

function manifest(): ManifestOf<'wan'> {
  const files = [file('tokenizer.json', '1'), file('te.onnx', '2'), file('dit.onnx', '3'), file('dec.onnx', '4'), file('table.bin', '5', ROWS * DIM * 4)];
  const m = validateManifest({
    format: 'zoetrope-pack',
    formatVersion: 1,
    id: 'wan-wiring',
    name: 'wan wiring',
    version: '0.0.1',
    license: 'Apache-2.0',
    fixture: true,
    pipeline: 'wan',
    video: { frames: FRAMES_PER_LATENT * F - TRIM, height: H * 8, width: W * 8, fps: 16 },
    sample: { shape: [C, F, H, W] },
    scheduler: { kind: 'rcm', sigmaMax: 80, midT: [1.5, 1.4, 1.0], steps: [1, 2, 4], defaultSteps: 2, defaultGuidance: 0 },
    tokenizer: { file: 'tokenizer.json', maxLength: L, padId: 0, unkId: 2, eosId: 1 },
    embeddings: { files: ['table.bin'], dtype: 'float32', rows: ROWS, dim: DIM },
    decoder: { framesPerLatent: FRAMES_PER_LATENT, trimFrames: TRIM, state: [{ input: 'mem_in_0', output: 'mem_out_0', shape: [1, 2] }] },
    graphs: { textEncoder: 'te.onnx', denoiser: 'dit.onnx', decoder: 'dec.onnx' },
    shardSize: 1000,
    totalBytes: 500 - 100 + ROWS * DIM * 4,
    files,
  });
  if (m.pipeline !== 'wan') throw new Error('unreachable');
  return m;
}

/** A tokenizer.json the library reads: a WordLevel vocabulary stands in for umT5's Unigram here (wan-tokens tests that). */
const TOKENIZER = {
  version: '1.0',
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab: { '<pad>': 0, '</s>': 1, '<unk>': 2, red: 3, ball: 4, falls: 5 }, unk_token: '<unk>' },
};

/** Row r of the table: r + j / 10. */
const tableRow = (r: number, j: number) => r + j / 10;

function stub(name: string, inputNames: string[], outputNames: string[], calls: string[], compute: (feeds: Record<string, FeedTensor>) => Record<string, OutputTensor>): ModelSession {
  return {
    inputNames,
    outputNames,
    lastRunMs: 1,
    device: null,
    async run(feeds) {
      calls.push(name);
      return compute(feeds);
    },
    async runOnGpu() {
      throw new Error('no GPU here');
    },
    async release() {
      calls.push(`release ${name}`);
    },
  };
}

function setup() {
  const m = manifest();
  const calls: string[] = [];
  const seen: { embeds: number[]; mask: bigint[]; timesteps: number[]; samples: Float32Array[]; latents: Float32Array[]; memories: number[][] } = { embeds: [], mask: [], timesteps: [], samples: [], latents: [], memories: [] };
  const table = new Float32Array(ROWS * DIM).map((_, k) => tableRow(Math.floor(k / DIM), k % DIM));
  const n = C * F * H * W;
  const textEncoder = stub('text', ['inputs_embeds', 'attention_mask'], ['context'], calls, (feeds) => {
    seen.embeds = Array.from(feeds['inputs_embeds']!.data as Float32Array);
    seen.mask = Array.from(feeds['attention_mask']!.data as BigInt64Array);
    return { context: { data: Float32Array.from(seen.embeds, (v) => v * 2), dims: [1, L, DIM] } };
  });
  // velocity = 0.1 · x + timestep / 1000: a known function of both inputs.
  const dit = stub('dit', ['sample', 'timestep', 'context'], ['velocity'], calls, (feeds) => {
    const x = feeds['sample']!.data as Float32Array;
    const t = (feeds['timestep']!.data as Float32Array)[0]!;
    expect(feeds['context']!.dims).toEqual([1, L, DIM]);
    seen.timesteps.push(t);
    seen.samples.push(Float32Array.from(x));
    return { velocity: { data: x.map((v) => 0.1 * v + t / 1000), dims: [1, C, F, H, W] } };
  });
  // image = (call + k / 4) / 2 everywhere for the call's frame k, so each frame's grey says which it is; memory += 1.
  const decoder = stub('decoder', ['latent', 'mem_in_0'], ['image', 'mem_out_0'], calls, (feeds) => {
    const memory = Array.from(feeds['mem_in_0']!.data as Float32Array);
    seen.memories.push(memory);
    seen.latents.push(Float32Array.from(feeds['latent']!.data as Float32Array));
    const call = memory[0]!;
    const plane = 3 * H * 8 * W * 8;
    const image = new Float32Array(FRAMES_PER_LATENT * plane).map((_, i) => (call + Math.floor(i / plane) / 4) / 2);
    return { image: { data: image, dims: [FRAMES_PER_LATENT, 3, H * 8, W * 8] }, mem_out_0: { data: Float32Array.from(memory, (v) => v + 1), dims: [1, 2] } };
  });
  const files = new Map([['table.bin', new Uint8Array(table.buffer)]]);
  const runtime = wanKind.create({ manifest: m, tokenizerJson: TOKENIZER, sessions: { textEncoder, denoiser: dit, decoder }, tuning: DEFAULT_TUNING, files }) as WanRuntime;
  return { m, calls, seen, runtime, n };
}

const options = { prompt: '  red\n ball  falls ', seed: 3, steps: 2, guidance: 0, previewEvery: 1, outputShortSide: 256, videoCodec: 'auto' as const };

describe('the wan runtime, on stand-in sessions', () => {
  it('feeds umT5 the table rows of ids + eos + padding with the mask, and the DiT its context and s · 1000', async () => {
    const { seen, runtime, n } = setup();
    const events: string[] = [];
    const result = await runtime.denoise(options, {
      checkpoint: async () => void events.push('checkpoint'),
      onText: () => events.push('text'),
      onStep: (step, steps, preview) => events.push(`step ${step}/${steps}${preview ? ' preview' : ''}`),
    });
    const ids = [3, 4, 5, 1, 0, 0];
    expect(seen.embeds).toEqual(ids.flatMap((id) => Array.from({ length: DIM }, (_, j) => Math.fround(tableRow(id, j)))));
    expect(seen.mask).toEqual([1n, 1n, 1n, 1n, 0n, 0n]);
    expect(events).toEqual(['checkpoint', 'text', 'checkpoint', 'step 1/2', 'checkpoint', 'step 2/2']);

    // The same job by hand from rcm.ts: the stand-in's velocity is 0.1 · x + t / 1000.
    const s = rcmTimes(manifest().scheduler, 2);
    const noise = gaussianNoise(3, n * 2);
    const x = initialSample(noise, n, s);
    for (let i = 0; i < 2; i++) {
      const t = ditTimestep(s, i);
      expect(seen.timesteps[i]).toBe(t);
      expect(seen.samples[i]).toEqual(x);
      rcmStep(x, x.map((v) => 0.1 * v + t / 1000), noise, s, i);
    }
    expect(result.latent).toEqual(x);
    expect(result.stepOrtMs).toEqual([1, 1]);
  });

  it('decodes one latent frame a call with the memories fed back, trims the clip, and maps x · 255 to bytes', async () => {
    const { m, calls, seen, runtime } = setup();
    const events: string[] = [];
    const out = await runtime.run(options, {
      checkpoint: async () => void events.push('checkpoint'),
      onText: () => {},
      onStep: () => events.push('step'),
      onDecode: (frame, frames) => events.push(`decoding ${frame} of ${frames}`),
    });
    expect(calls).toEqual(['text', 'dit', 'dit', 'decoder', 'decoder']);
    expect(events.slice(events.lastIndexOf('step') + 1)).toEqual(['checkpoint', 'decoding 1 of 5', 'checkpoint', 'decoding 5 of 5']);
    expect(seen.memories).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const latent = (await runtime.denoise(options, { checkpoint: async () => {}, onText: () => {}, onStep: () => {} })).latent;
    seen.latents.slice(0, 2).forEach((l, f) => expect(l).toEqual(latentFrame(latent, m.sample.shape, f, new Float32Array(C * H * W))));

    const { frames, height, width } = m.video;
    expect(out.frames).toMatchObject({ frames, height, width });
    expect(out.frames.rgba.length).toBe(frames * height * width * 4);
    // Video frames 0–2 (call 0, k 0–2) are trimmed; clip frame 0 is call 0's k = 3, then call 1's k = 0 … 3.
    const greys = [(0 + 3 / 4) / 2, 1 / 2, (1 + 1 / 4) / 2, (1 + 2 / 4) / 2, (1 + 3 / 4) / 2];
    greys.forEach((g, frame) => {
      const at = frame * height * width * 4;
      expect(Array.from(out.frames.rgba.subarray(at, at + 4))).toEqual([...Array(3).fill(Math.round(Math.min(255, g * 255))), 255]);
    });
    expect(out.latents).toBe('cpu');
    expect(out.decodeMs).toBe(2);
  });

  it('warms every graph up once and releases them all', async () => {
    const { calls, runtime } = setup();
    await runtime.warmUp();
    expect(calls).toEqual(['text', 'dit', 'decoder']);
    await runtime.release();
    expect(calls.slice(3)).toEqual(['release text', 'release dit', 'release decoder']);
  });

  it('refuses steps rCM was not distilled for, any guidance, and known frames', async () => {
    const { runtime } = setup();
    const hooks = { checkpoint: async () => {}, onText: () => {}, onStep: () => {}, onDecode: () => {} };
    await expect(runtime.run({ ...options, steps: 3 }, hooks)).rejects.toMatchObject({ name: 'OptionsError', details: { field: 'steps' } });
    await expect(runtime.run({ ...options, guidance: 1 }, hooks)).rejects.toMatchObject({ name: 'OptionsError', details: { field: 'guidance' } });
    await expect(runtime.run({ ...options, knownFrames: { rgba: new Uint8Array(4), frames: 1 } }, hooks)).rejects.toMatchObject({ name: 'OptionsError', details: { field: 'knownFrames' } });
  });

  it('refuses graphs without the contract names, and stops at a cancelled checkpoint', async () => {
    const { m, runtime } = setup();
    const s = (inputs: string[], outputs: string[]) => stub('x', inputs, outputs, [], () => ({}));
    const sessions = { textEncoder: s(['inputs_embeds', 'attention_mask'], ['context']), denoiser: s(['sample', 'timestep', 'context'], ['velocity']), decoder: s(['latent', 'mem_in_0'], ['image', 'mem_out_0']) };
    const files = new Map([['table.bin', new Uint8Array(ROWS * DIM * 4)]]);
    const create = (over: Partial<typeof sessions>) => () => wanKind.create({ manifest: m, tokenizerJson: TOKENIZER, sessions: { ...sessions, ...over }, tuning: DEFAULT_TUNING, files });
    expect(create({})).not.toThrow();
    expect(create({ textEncoder: s(['input_ids'], ['context']) })).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: expect.objectContaining({ input: 'inputs_embeds' }) }));
    expect(create({ denoiser: s(['sample', 'timestep', 'context', 'y'], ['velocity']) })).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: expect.objectContaining({ input: 'y' }) }));
    expect(create({ decoder: s(['latent', 'mem_in_0'], ['image']) })).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: expect.objectContaining({ output: 'mem_out_0' }) }));
    expect(() => wanKind.create({ manifest: m, tokenizerJson: TOKENIZER, sessions, tuning: DEFAULT_TUNING })).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: { file: 'table.bin' } }));

    let checks = 0;
    const stop = { name: 'AbortError' };
    const checkpoint = async () => {
      if (++checks === 3) throw stop;
    };
    const hooks = { checkpoint, onText: () => {}, onStep: () => {}, onDecode: () => {} };
    await expect(runtime.run(options, hooks)).rejects.toBe(stop);
    expect(checks).toBe(3);
  });
});

describe('the decoded frames', () => {
  it('clamps and rounds x · 255, and refuses an image of the wrong size', () => {
    const layout = { framesPerLatent: 1, trimFrames: 0, height: 1, width: 2 };
    const rgba = new Uint8ClampedArray(8);
    expect(writeDecodedFrames(Float32Array.from([-0.5, 0.5, 2 / 255, 1.5, 0.999, 0.25]), 0, layout, rgba)).toBe(1);
    expect(Array.from(rgba)).toEqual([0, 2, 255, 255, 128, 255, 64, 255]);
    expect(() => writeDecodedFrames(new Float32Array(5), 0, layout, rgba)).toThrow(RangeError);
    expect(writeDecodedFrames(new Float32Array(6), 0, { ...layout, trimFrames: 1 }, rgba)).toBe(0);
  });
});
