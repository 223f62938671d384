// The wan kind's whole job in Node on the TEST FIXTURE pack (tests/fixtures/wan-tiny-pack, what
// `npm run pack-model` made of the model folder), through the app's own code: the manifest through
// validateManifest, the files the kind asks for (its token table) and its graphs reassembled from
// their shards and checked, wanKind.create(), then run() from the golden prompt and seed must land
// on PyTorch's final_latent and give the golden video as pixels, with a checkpoint before the text
// encoder, every step and every decoder call, and "decoding i of N" once per latent frame, i counting the
// video frames written so far (4 a call, 3 trimmed from the first).
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TUNING } from '../../src/shared/engine-tuning';
import { graphFilePath, validateManifest, type ManifestOf } from '../../src/shared/manifest';
import type { FeedTensor, ModelSession } from '../../workers/ort-runtime';
import { wanKind } from '../../workers/pipelines/wan';
import type { WanRuntime } from '../../workers/pipelines/wan/runtime';
import { readJson, readPackFile } from './golden';
import { errors, finalLatentTolerance, nodeSession, WAN_PACK, wanFloats, wanGolden, wanTolerance, type WanGolden } from './wan-golden';

describe('the TEST FIXTURE wan pack, whole job in Node', () => {
  let golden: WanGolden;
  let manifest: ManifestOf<'wan'>;
  let runtime: WanRuntime;
  let sessions: Record<string, ModelSession>;
  let tokenizerJson: unknown;
  let files: Map<string, Uint8Array>;
  const options = () => ({ prompt: golden.prompt, seed: golden.seed, steps: golden.steps, guidance: 0, previewEvery: 1, outputShortSide: 256, videoCodec: 'auto' as const });

  beforeAll(async () => {
    golden = wanGolden();
    const m = validateManifest(readJson(`${WAN_PACK}/manifest.json`));
    if (m.pipeline !== 'wan') throw new Error(`the fixture pack is ${m.pipeline}`);
    manifest = m;
    sessions = {};
    for (const spec of wanKind.roles(manifest, DEFAULT_TUNING)) {
      const ref = manifest.graphs[spec.role as 'textEncoder' | 'denoiser' | 'decoder'];
      const external = typeof ref === 'string' ? [] : ref.externalData.map((p) => ({ path: p, data: readPackFile(WAN_PACK, p) }));
      sessions[spec.role] = await nodeSession(readPackFile(WAN_PACK, graphFilePath(ref)), external);
    }
    tokenizerJson = JSON.parse(new TextDecoder().decode(readPackFile(WAN_PACK, manifest.tokenizer.file)));
    files = new Map((wanKind.files?.(manifest) ?? []).map((p) => [p, readPackFile(WAN_PACK, p)]));
    runtime = wanKind.create({ manifest, tokenizerJson, sessions, tuning: DEFAULT_TUNING, files }) as WanRuntime;
  }, 120_000);

  it('is a TEST FIXTURE pack of the contract layout, with its token table outside the graphs', () => {
    expect(manifest.fixture).toBe(true);
    expect(manifest.sample.shape[0]).toBe(16);
    expect(manifest.scheduler.steps).toContain(golden.steps);
    expect(files.size).toBeGreaterThan(0);
    for (const path of files.keys()) expect(manifest.files.some((f) => f.path === path)).toBe(true);
  });

  it('lands on the golden final_latent from the golden prompt and seed', async () => {
    const events: string[] = [];
    const result = await runtime.denoise(options(), {
      checkpoint: async () => void events.push('checkpoint'),
      onText: () => events.push('text'),
      onStep: (step, steps, preview) => events.push(`step ${step}/${steps}${preview ? ' preview' : ''}`),
    });
    const err = errors(result.latent, wanFloats(golden, 'final_latent'));
    console.log(`final_latent through the pack: max |diff| ${err.max.toExponential(2)} (tolerance ${finalLatentTolerance(golden.tolerance)})`);
    expect(err.max).toBeLessThanOrEqual(finalLatentTolerance(golden.tolerance));
    const steps = golden.steps;
    expect(events).toEqual(['checkpoint', 'text', ...Array.from({ length: steps }, (_, i) => ['checkpoint', `step ${i + 1}/${steps}`]).flat()]);
    expect(result.stepOrtMs.length).toBe(steps);
  }, 120_000);

  it('runs the whole job: the golden video in pixels, each latent frame decoded after a checkpoint', async () => {
    const events: string[] = [];
    const out = await runtime.run(options(), {
      checkpoint: async () => void events.push('checkpoint'),
      onText: () => {},
      onStep: () => events.push('step'),
      onDecode: (frame, frames) => events.push(`decoding ${frame} of ${frames}`),
    });
    const { frames, height, width } = manifest.video;
    const F = manifest.sample.shape[1];
    expect(out.frames).toMatchObject({ frames, height, width });
    expect(events.slice(events.lastIndexOf('step') + 1)).toEqual(Array.from({ length: F }, (_, i) => ['checkpoint', `decoding ${(i + 1) * manifest.decoder.framesPerLatent - manifest.decoder.trimFrames} of ${manifest.video.frames}`]).flat());
    const video = wanFloats(golden, 'video');
    const plane = height * width;
    let off = 0;
    for (let t = 0; t < frames; t++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < plane; p++) {
          const want = Math.round(Math.min(255, Math.max(0, video[(t * 3 + c) * plane + p]! * 255)));
          off = Math.max(off, Math.abs(out.frames.rgba[(t * plane + p) * 4 + c]! - want));
        }
    // ORT's and PyTorch's video differ within the stated tolerance (the loop's and the decoder's), which may move a pixel a level or so.
    const levels = 1 + Math.ceil(wanTolerance(golden.tolerance, 'video') * 255);
    console.log(`video through the pack: max pixel difference ${off} (allowed ${levels})`);
    expect(off).toBeLessThanOrEqual(levels);
    expect(out.decodeMs).toBeGreaterThan(0);
  }, 120_000);

  it('warms every graph up once at load', async () => {
    const counts: Record<string, number> = {};
    const counted = Object.fromEntries(
      Object.entries(sessions).map(([role, s]) => [role, { ...s, inputNames: s.inputNames, outputNames: s.outputNames, run: (feeds: Record<string, FeedTensor>) => ((counts[role] = (counts[role] ?? 0) + 1), s.run(feeds)) }]),
    );
    await wanKind.create({ manifest, tokenizerJson, sessions: counted, tuning: DEFAULT_TUNING, files }).warmUp();
    expect(counts).toEqual({ textEncoder: 1, denoiser: 1, decoder: 1 });
  });
});
