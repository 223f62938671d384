// Owns the options a caller passes to the engine, their defaults, and their
// up-front validation (errors name the field, as the manifest's do). What a
// pack allows (its step counts, whether it has guidance) comes from its
// pipeline kind's capabilities (src/shared/pipelines/).

import { fieldError } from './errors';
import { packCapabilities, type PackManifest, type PromptCapabilities } from './manifest';

export const BACKEND_PREFERENCES = ['auto', 'webgpu', 'wasm'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
export type Backend = 'webgpu' | 'wasm';

export const CODEC_PREFERENCES = ['auto', 'avc', 'vp9'] as const;
/** auto: H.264 where the browser can encode it, else VP9. */
export type CodecPreference = (typeof CODEC_PREFERENCES)[number];

export const MAX_PROMPT_LENGTH = 500;
export const MAX_SEED = 0xffffffff;
export const DEFAULT_OUTPUT_SHORT_SIDE = 256;
export const OUTPUTS = ['mp4', 'frames'] as const;
/** mp4: upscaled and encoded (the default); frames: the model-resolution frames alone (a lesson composes them itself). */
export type OutputKind = (typeof OUTPUTS)[number];

export interface GenerateOptions {
  prompt: string;
  /** uint32; the same seed, prompt and settings give the same frames on the same backend. */
  seed: number;
  steps: number;
  guidance: number;
  /** Send a preview of the current clean estimate every N steps; 0 turns previews off. */
  previewEvery: number;
  /** The encoded video is upscaled so that its short side is at least this many pixels. */
  outputShortSide: number;
  videoCodec: CodecPreference;
  /**
   * Continuation (RePaint-style): the first `frames` frames of the clip are
   * known (RGBA at the model's resolution) and re-imposed at every denoising
   * step, so the new clip continues them. Null for a fresh clip.
   */
  knownFrames?: KnownFrames | null;
  /** Absent: 'mp4'. With 'frames' the engine neither upscales nor encodes, and the result's mp4 is null. */
  output?: OutputKind;
}

export interface KnownFrames {
  /** `frames` RGBA images at the model's width x height, back to back. */
  rgba: Uint8Array;
  frames: number;
}

export function defaultOptions(manifest: PackManifest): Omit<GenerateOptions, 'prompt' | 'seed'> {
  const caps = packCapabilities(manifest);
  return {
    steps: caps.defaultSteps,
    guidance: caps.guidance ? caps.defaultGuidance : 0,
    previewEvery: 2,
    outputShortSide: DEFAULT_OUTPUT_SHORT_SIDE,
    videoCodec: 'auto',
  };
}

function check(ok: boolean, field: string, expected: string, got: unknown): void {
  if (!ok) throw fieldError('OptionsError', field, expected, got);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Validates untrusted options (they may come from a form or a URL); throws OptionsError. With the
 * loaded pack's capabilities, steps must be a count it allows and guidance 0 where it has none.
 */
export function validateGenerateOptions(value: unknown, capabilities?: PromptCapabilities): GenerateOptions {
  check(typeof value === 'object' && value !== null, 'options', 'an object', value);
  const o = value as Record<string, unknown>;
  const prompt = o['prompt'];
  check(typeof prompt === 'string' && prompt.trim().length > 0, 'prompt', 'some text describing the video', prompt);
  check((prompt as string).length <= MAX_PROMPT_LENGTH, 'prompt', `at most ${MAX_PROMPT_LENGTH} characters`, `${(prompt as string).length} characters`);
  const seed = o['seed'];
  check(isInt(seed) && seed >= 0 && seed <= MAX_SEED, 'seed', `a whole number from 0 to ${MAX_SEED}`, seed);
  const steps = o['steps'];
  check(isInt(steps) && steps >= 1 && steps <= 200, 'steps', 'a whole number from 1 to 200', steps);
  const guidance = o['guidance'];
  check(typeof guidance === 'number' && Number.isFinite(guidance) && guidance >= 0 && guidance <= 30, 'guidance', 'a number from 0 to 30', guidance);
  if (capabilities) {
    const allowed = capabilities.steps;
    if ('choices' in allowed) check(allowed.choices.includes(steps as number), 'steps', `one of ${allowed.choices.join(', ')} (the step counts this model was made for)`, steps);
    else check((steps as number) >= allowed.min && (steps as number) <= allowed.max, 'steps', `a whole number from ${allowed.min} to ${allowed.max}`, steps);
    if (!capabilities.guidance) check(guidance === 0, 'guidance', '0 (this model has no classifier-free guidance)', guidance);
  }
  const previewEvery = o['previewEvery'] ?? 0;
  check(isInt(previewEvery) && previewEvery >= 0, 'previewEvery', 'a whole number of steps, 0 or more', previewEvery);
  const outputShortSide = o['outputShortSide'] ?? DEFAULT_OUTPUT_SHORT_SIDE;
  check(isInt(outputShortSide) && outputShortSide >= 16 && outputShortSide <= 1080, 'outputShortSide', 'a whole number of pixels from 16 to 1080', outputShortSide);
  const videoCodec = o['videoCodec'] ?? 'auto';
  check(typeof videoCodec === 'string' && (CODEC_PREFERENCES as readonly string[]).includes(videoCodec), 'videoCodec', '"auto", "avc" or "vp9"', videoCodec);
  const output = o['output'] ?? 'mp4';
  check(typeof output === 'string' && (OUTPUTS as readonly string[]).includes(output), 'output', '"mp4" or "frames"', output);
  const known = o['knownFrames'] ?? null;
  if (known !== null) {
    check(typeof known === 'object', 'knownFrames', 'an object {rgba, frames} or null', known);
    const k = known as Record<string, unknown>;
    check(isInt(k['frames']) && (k['frames'] as number) >= 1, 'knownFrames.frames', 'a whole number of frames, 1 or more', k['frames']);
    check(k['rgba'] instanceof Uint8Array, 'knownFrames.rgba', 'a Uint8Array of RGBA pixels', k['rgba']);
  }
  return {
    prompt: prompt as string,
    seed: seed as number,
    steps: steps as number,
    guidance: guidance as number,
    previewEvery: previewEvery as number,
    outputShortSide: outputShortSide as number,
    videoCodec: videoCodec as CodecPreference,
    // Only a continuation carries the key, so plain options read as before.
    ...(known !== null ? { knownFrames: known as KnownFrames } : {}),
    // Likewise only a frames-only job carries `output`.
    ...(output !== 'mp4' ? { output: output as OutputKind } : {}),
  };
}

export function parseCodecPreference(value: string | null | undefined): CodecPreference | null {
  if (value === null || value === undefined) return null;
  return (CODEC_PREFERENCES as readonly string[]).includes(value) ? (value as CodecPreference) : null;
}

export function parseBackendPreference(value: string | null | undefined): BackendPreference | null {
  if (value === null || value === undefined) return null;
  return (BACKEND_PREFERENCES as readonly string[]).includes(value) ? (value as BackendPreference) : null;
}
