// Owns the manifest rules of pipeline kind "animatediff" (models/animatediff/CONTRACT.md):
// a Stable Diffusion 1.5 UNet with AnimateDiff motion modules denoising a
// latent [4, F, H/8, W/8], a CLIP text encoder with bos/eos ids, a per-frame
// VAE decoder, and diffusers' Euler discrete sampler ("trailing", ε) at the
// step counts the motion file was distilled for, without guidance. Every
// error names the field, so a converter's mistake is found before download.

import { fail, int, literal, num, obj, shapeOf, type Obj } from '../manifest-fields';
import { validateGraphRef } from '../graph-variants';
import type { GraphRef, PipelineContract, TokenizerSpec } from './types';

export const ANIMATEDIFF_BETA_SCHEDULES = ['linear', 'scaled_linear'] as const;
/** The latent has 4 channels and is 8 times smaller than the picture (SD 1.5's VAE). */
export const LATENT_CHANNELS = 4;
export const VAE_FACTOR = 8;

export type AnimateDiffFields = {
  sample: { shape: [number, number, number, number] };
  scheduler: {
    kind: 'euler-discrete';
    timestepSpacing: 'trailing';
    prediction: 'epsilon';
    betaSchedule: (typeof ANIMATEDIFF_BETA_SCHEDULES)[number];
    betaStart: number;
    betaEnd: number;
    trainTimesteps: number;
    defaultSteps: number;
    /** The step counts the motion file was distilled for; the form offers only these. */
    steps: number[];
    /** No classifier-free guidance in this kind. */
    defaultGuidance: 0;
  };
  latent: { scalingFactor: number };
  /** CLIP puts bos before the prompt and eos after it, so both ids are required here. */
  tokenizer: TokenizerSpec & { bosId: number; eosId: number };
  graphs: { textEncoder: GraphRef; denoiser: GraphRef; decoder: GraphRef };
};

/** `graphs.<role>`: a listed file, or { file, externalData: [other listed files] }; required for every role here. */
function graphRef(g: Obj, key: string, paths: ReadonlySet<string>): GraphRef {
  return validateGraphRef(g[key], `graphs.${key}`, paths, true) as GraphRef;
}

function validateScheduler(value: unknown): AnimateDiffFields['scheduler'] {
  const s = obj(value, 'scheduler');
  const kind = literal(s, 'kind', 'scheduler.kind', ['euler-discrete'] as const);
  const timestepSpacing = literal(s, 'timestepSpacing', 'scheduler.timestepSpacing', ['trailing'] as const);
  const prediction = literal(s, 'prediction', 'scheduler.prediction', ['epsilon'] as const);
  const betaSchedule = literal(s, 'betaSchedule', 'scheduler.betaSchedule', ANIMATEDIFF_BETA_SCHEDULES);
  const betaStart = num(s, 'betaStart', 'scheduler.betaStart', 0, 0.5, true);
  const betaEnd = num(s, 'betaEnd', 'scheduler.betaEnd', 0, 0.5, true);
  if (betaEnd <= betaStart) fail('scheduler.betaEnd', `a number above scheduler.betaStart (${betaStart})`, betaEnd);
  const trainTimesteps = int(s, 'trainTimesteps', 'scheduler.trainTimesteps', 2, 10_000);
  const stepsRaw = s['steps'];
  const stepsExpected = `a non-empty array of different integers from 1 to ${trainTimesteps}`;
  if (!Array.isArray(stepsRaw) || stepsRaw.length === 0 || stepsRaw.length > 64) fail('scheduler.steps', stepsExpected, stepsRaw);
  const steps = stepsRaw.map((n, i) => int({ n }, 'n', `scheduler.steps[${i}]`, 1, trainTimesteps));
  if (new Set(steps).size !== steps.length) fail('scheduler.steps', stepsExpected, stepsRaw);
  const defaultSteps = int(s, 'defaultSteps', 'scheduler.defaultSteps', 1, trainTimesteps);
  if (!steps.includes(defaultSteps)) fail('scheduler.defaultSteps', `one of scheduler.steps (${steps.join(', ')})`, defaultSteps);
  if (s['defaultGuidance'] !== 0) fail('scheduler.defaultGuidance', '0 (the animatediff kind has no classifier-free guidance)', s['defaultGuidance']);
  return { kind, timestepSpacing, prediction, betaSchedule, betaStart, betaEnd, trainTimesteps, defaultSteps, steps, defaultGuidance: 0 };
}

export const animateDiff: PipelineContract<'animatediff', AnimateDiffFields> = {
  id: 'animatediff',
  // fp16 WebGPU graphs (requires shader-f16) and int8 WASM graphs may replace any of the three.
  variantRoles: ['textEncoder', 'denoiser', 'decoder'],

  validate(m, { common, paths }) {
    const { video, tokenizer } = common;
    const shape = shapeOf(obj(m['sample'], 'sample'), 4, 'an array of 4 integers [4, frames, height / 8, width / 8]') as [number, number, number, number];
    if (shape[0] !== LATENT_CHANNELS) fail('sample.shape[0]', `${LATENT_CHANNELS} (the latent's channels)`, shape[0]);
    if (shape[1] !== video.frames) fail('sample.shape[1]', `the frame count ${video.frames}`, shape[1]);
    if (video.height % VAE_FACTOR !== 0) fail('video.height', `a multiple of ${VAE_FACTOR}`, video.height);
    if (video.width % VAE_FACTOR !== 0) fail('video.width', `a multiple of ${VAE_FACTOR}`, video.width);
    if (shape[2] !== video.height / VAE_FACTOR) fail('sample.shape[2]', `video.height / ${VAE_FACTOR} (${video.height / VAE_FACTOR})`, shape[2]);
    if (shape[3] !== video.width / VAE_FACTOR) fail('sample.shape[3]', `video.width / ${VAE_FACTOR} (${video.width / VAE_FACTOR})`, shape[3]);

    const scheduler = validateScheduler(m['scheduler']);
    const latent = { scalingFactor: num(obj(m['latent'], 'latent'), 'scalingFactor', 'latent.scalingFactor', 0, 100, true) };

    // The common validator reads bosId/eosId when present; CLIP needs both, and room for them.
    if (tokenizer.bosId === undefined) fail('tokenizer.bosId', "an integer (CLIP's start-of-text id)", undefined);
    if (tokenizer.eosId === undefined) fail('tokenizer.eosId', "an integer (CLIP's end-of-text id)", undefined);
    if (tokenizer.maxLength < 3) fail('tokenizer.maxLength', 'an integer from 3 (bos, one token, eos)', tokenizer.maxLength);

    const g = obj(m['graphs'], 'graphs');
    const graphs = { textEncoder: graphRef(g, 'textEncoder', paths), denoiser: graphRef(g, 'denoiser', paths), decoder: graphRef(g, 'decoder', paths) };
    return { sample: { shape }, scheduler, latent, tokenizer: { ...tokenizer, bosId: tokenizer.bosId, eosId: tokenizer.eosId }, graphs };
  },

  capabilities(manifest) {
    return {
      // CLIP's byte-level BPE takes any text; bos and eos take two of maxLength places.
      prompt: 'free',
      lowercase: true,
      maxTokens: manifest.tokenizer.maxLength - 2,
      steps: { choices: [...manifest.scheduler.steps].sort((a, b) => a - b) },
      guidance: false,
      defaultSteps: manifest.scheduler.defaultSteps,
      defaultGuidance: 0,
    };
  },
};
