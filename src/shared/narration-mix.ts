// Owns mixing a lesson's voices into its one mono narration track: each
// voice resampled to NARRATION_RATE (resample.ts), placed at its window's
// start plus the lead (narration-timing.ts), scaled by its volume, faded in
// and out over a few milliseconds so no recording starts or stops with a
// click, and, when it is longer than its window, cut with a
// VOICE_FADE_SECONDS fade that ends exactly when the caption leaves. The sum
// goes through a soft limiter so that a loud voice (volume up to 2) or two
// voices meeting at a crossfade never clip. Pure, so Vitest checks it.

import type { Timeline } from './lesson-timeline';
import { NARRATION_RATE, VOICE_FADE_SECONDS } from './narration';
import { voiceStart, voiceWindows } from './narration-timing';
import { resample } from './resample';

/** One scene's voice as decoded or spoken: mono samples at their own rate. */
export interface SceneVoice {
  samples: Float32Array;
  sampleRate: number;
  /** 0–2, 1 = as recorded (src/shared/narration.ts MIN_VOLUME..MAX_VOLUME). */
  volume: number;
}

/** The de-click fade at a voice's own start and end: short enough not to soften a first consonant. */
export const DECLICK_SECONDS = 0.005;
/** Where the soft limiter's knee starts: below it the mix passes unchanged. */
export const LIMIT_KNEE = 0.9;
/**
 * What the limiter approaches and never passes: a little under full scale,
 * because a lossy codec's decoded peaks overshoot the input's by a few per
 * cent, and a player converting to 16-bit would clip those.
 */
export const LIMIT_CEILING = 0.98;

/**
 * The soft limiter: identity up to LIMIT_KNEE, then a tanh curve that meets
 * it with the same slope and never passes LIMIT_CEILING. A per-sample curve rather than
 * a peak normaliser, because normalising would turn the whole lesson down
 * for one loud syllable; this changes only the samples above the knee.
 */
export function softLimit(x: number): number {
  const a = Math.abs(x);
  if (a <= LIMIT_KNEE) return x;
  const room = LIMIT_CEILING - LIMIT_KNEE;
  return Math.sign(x) * (LIMIT_KNEE + room * Math.tanh((a - LIMIT_KNEE) / room));
}

/** Samples of the whole lesson at `rate`: the video's length, totalFrames / fps seconds. */
export function narrationLength(timeline: Timeline, rate: number): number {
  return Math.round((timeline.totalFrames / timeline.fps) * rate);
}

/**
 * Adds one voice (already at `rate`) into `mix` from sample `at`. A voice
 * that runs past sample `end` is cut there, after a VOICE_FADE_SECONDS fade
 * that reaches zero at `end`; a voice that fits keeps its whole length.
 */
function place(mix: Float32Array, voice: Float32Array, volume: number, at: number, end: number, rate: number): void {
  const declick = Math.max(1, Math.round(DECLICK_SECONDS * rate));
  const cut = at + voice.length > end;
  const length = Math.max(0, Math.min(voice.length, end - at));
  const fade = Math.min(length, Math.round(VOICE_FADE_SECONDS * rate));
  for (let i = 0; i < length; i++) {
    const o = at + i;
    if (o < 0 || o >= mix.length) continue;
    let g = volume;
    if (i < declick) g *= (i + 1) / declick;
    // A cut voice fades to zero at the window's end; a whole one only loses its last few milliseconds' click.
    const toEnd = length - 1 - i;
    if (cut ? toEnd < fade : toEnd < declick) g *= toEnd / (cut ? fade : declick);
    mix[o] = (mix[o] ?? 0) + (voice[i] ?? 0) * g;
  }
}

/**
 * The lesson's narration: one Float32Array at `rate`, as long as the video,
 * or null when no scene has a voice (the export then adds no audio track).
 * `voices[i]` is scene i's voice, or null for a silent scene.
 */
export function mixNarration(timeline: Timeline, voices: readonly (SceneVoice | null)[], rate: number = NARRATION_RATE): Float32Array | null {
  const windows = voiceWindows(timeline);
  const present = voices.some((v, i) => v !== null && v.samples.length > 0 && v.volume > 0 && i < windows.length);
  if (!present) return null;
  const mix = new Float32Array(narrationLength(timeline, rate));
  windows.forEach((w, i) => {
    const v = voices[i];
    if (!v || v.samples.length === 0 || v.volume <= 0) return;
    const samples = v.sampleRate === rate ? v.samples : resample(v.samples, v.sampleRate, rate);
    place(mix, samples, v.volume, Math.round(voiceStart(w) * rate), Math.min(mix.length, Math.round(w.end * rate)), rate);
  });
  for (let i = 0; i < mix.length; i++) mix[i] = softLimit(mix[i] ?? 0);
  return mix;
}
