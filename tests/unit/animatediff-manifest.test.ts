// The animatediff kind's manifest rules (src/shared/pipelines/animatediff.ts) through the app's
// validateManifest: a manifest shaped as models/animatediff/CONTRACT.md writes it is accepted and
// typed, each rule refuses with a ManifestError naming its field, and the capabilities say what the
// prompt form offers (free text, maxLength - 2 tokens, the distilled step counts, no guidance).
import { describe, expect, it } from 'vitest';
import { packCapabilities, validateManifest } from '../../src/shared/manifest';
import { expectManifestFieldError } from './field-error';

const sha = (c: string) => c.repeat(64);
const file = (path: string, c: string, size = 100) => ({ path, size, sha256: sha(c), shards: [{ sha256: sha(c), size }] });

function manifest(): Record<string, any> {
  const files = [
    file('tokenizer.json', '1'),
    file('text_encoder.onnx', '2'),
    file('unet.onnx', '3'),
    file('unet.onnx.data.0', '4'),
    file('unet.onnx.data.1', '5'),
    file('vae_decoder.onnx', '6'),
  ];
  return {
    format: 'zoetrope-pack',
    formatVersion: 1,
    id: 'animatediff-test',
    name: 'AnimateDiff test',
    version: '0.1.0',
    license: 'CreativeML OpenRAIL-M',
    licenseText: 'The licence, in full.',
    sources: [
      { role: 'base', file: 'v1-5-pruned-emaonly.safetensors', sha256: sha('a') },
      { role: 'motion', file: 'animatediff_lightning_4step_diffusers.safetensors', sha256: sha('b') },
    ],
    fixture: true,
    pipeline: 'animatediff',
    video: { frames: 8, height: 64, width: 64, fps: 8 },
    sample: { shape: [4, 8, 8, 8] },
    scheduler: {
      kind: 'euler-discrete',
      timestepSpacing: 'trailing',
      prediction: 'epsilon',
      betaSchedule: 'linear',
      betaStart: 0.00085,
      betaEnd: 0.012,
      trainTimesteps: 1000,
      defaultSteps: 4,
      steps: [4],
      defaultGuidance: 0,
    },
    latent: { scalingFactor: 0.18215 },
    tokenizer: { file: 'tokenizer.json', maxLength: 77, padId: 49407, unkId: 49407, bosId: 49406, eosId: 49407 },
    graphs: {
      textEncoder: 'text_encoder.onnx',
      denoiser: { file: 'unet.onnx', externalData: ['unet.onnx.data.0', 'unet.onnx.data.1'] },
      decoder: 'vae_decoder.onnx',
    },
    shardSize: 1000,
    totalBytes: files.reduce((a, f) => a + f.size, 0),
    files,
  };
}

function expectFieldError(mutate: (m: Record<string, any>) => void, field: string): void {
  expectManifestFieldError(manifest(), mutate, field);
}

describe('animatediff manifests', () => {
  it('accepts the contract layout and keeps its fields', () => {
    const m = validateManifest(manifest());
    expect(m.pipeline).toBe('animatediff');
    if (m.pipeline !== 'animatediff') throw new Error('unreachable');
    expect(m.sample.shape).toEqual([4, 8, 8, 8]);
    expect(m.scheduler.steps).toEqual([4]);
    expect(m.latent.scalingFactor).toBe(0.18215);
    expect(m.tokenizer.bosId).toBe(49406);
    expect(m.graphs.denoiser).toEqual({ file: 'unet.onnx', externalData: ['unet.onnx.data.0', 'unet.onnx.data.1'] });
    expect(m.sources?.[1]?.role).toBe('motion');
    expect(m.licenseText).toBe('The licence, in full.');
  });

  it('offers free text, 75 tokens, the distilled steps and no guidance', () => {
    const m = manifest();
    m.scheduler.steps = [8, 2, 4];
    expect(packCapabilities(validateManifest(m))).toEqual({
      prompt: 'free',
      lowercase: true,
      maxTokens: 75,
      steps: { choices: [2, 4, 8] },
      guidance: false,
      defaultSteps: 4,
      defaultGuidance: 0,
    });
  });

  it.each([
    ['sample.shape', (m: any) => (m.sample.shape = [4, 8, 8])],
    ['sample.shape[0]', (m: any) => (m.sample.shape[0] = 3)],
    ['sample.shape[1]', (m: any) => (m.sample.shape[1] = 16)],
    ['sample.shape[2]', (m: any) => (m.sample.shape[2] = 64)],
    ['sample.shape[3]', (m: any) => (m.sample.shape[3] = 4)],
    ['video.height', (m: any) => ((m.video.height = 60), (m.sample.shape[2] = 7))],
    ['scheduler', (m: any) => (m.scheduler = 'euler')],
    ['scheduler.kind', (m: any) => (m.scheduler.kind = 'rectified-flow-euler')],
    ['scheduler.timestepSpacing', (m: any) => (m.scheduler.timestepSpacing = 'leading')],
    ['scheduler.prediction', (m: any) => (m.scheduler.prediction = 'v_prediction')],
    ['scheduler.betaSchedule', (m: any) => (m.scheduler.betaSchedule = 'squaredcos_cap_v2')],
    ['scheduler.betaStart', (m: any) => (m.scheduler.betaStart = 0)],
    ['scheduler.betaEnd', (m: any) => (m.scheduler.betaEnd = 0.0001)],
    ['scheduler.trainTimesteps', (m: any) => (m.scheduler.trainTimesteps = 1.5)],
    ['scheduler.steps', (m: any) => (m.scheduler.steps = [])],
    ['scheduler.steps', (m: any) => (m.scheduler.steps = [4, 4])],
    ['scheduler.steps[1]', (m: any) => (m.scheduler.steps = [4, 0])],
    ['scheduler.steps[0]', (m: any) => (m.scheduler.steps = [2000])],
    ['scheduler.defaultSteps', (m: any) => (m.scheduler.defaultSteps = 8)],
    ['scheduler.defaultGuidance', (m: any) => (m.scheduler.defaultGuidance = 1.5)],
    ['scheduler.defaultGuidance', (m: any) => delete m.scheduler.defaultGuidance],
    ['latent', (m: any) => delete m.latent],
    ['latent.scalingFactor', (m: any) => (m.latent.scalingFactor = 0)],
    ['tokenizer.bosId', (m: any) => delete m.tokenizer.bosId],
    ['tokenizer.eosId', (m: any) => delete m.tokenizer.eosId],
    ['tokenizer.maxLength', (m: any) => (m.tokenizer.maxLength = 2)],
    ['graphs.textEncoder', (m: any) => (m.graphs.textEncoder = null)],
    ['graphs.decoder', (m: any) => delete m.graphs.decoder],
    ['graphs.denoiser', (m: any) => (m.graphs.denoiser = 'missing.onnx')],
    ['graphs.denoiser.file', (m: any) => (m.graphs.denoiser.file = 'missing.onnx')],
    ['graphs.denoiser.externalData[1]', (m: any) => (m.graphs.denoiser.externalData[1] = 'unet.onnx')],
  ])('refuses a bad %s', (field, mutate) => expectFieldError(mutate, field));
});
