// Owns trimming the silence before and after a recorded narration: people
// press Record, take a breath, speak, then reach for Stop, and that second
// of nothing at each end would delay the voice behind its caption and
// lengthen a scene fitted to it. The sound is found by the RMS of short
// windows against a threshold relative to the loudest window (so a quiet
// microphone trims as well as a loud one, and a loud click cannot raise the
// bar over the voice); only a run of several loud windows counts, so the
// click of the mouse on Stop does not hold the end open; and a small margin
// is kept on each side so a soft first consonant or a fading last vowel is
// not cut.
// Pure, no DOM.

import { levelOf, SILENCE_FLOOR } from './audio-samples';

export interface TrimOptions {
  /** Length of one analysis window. 20 ms holds several periods of any voice's pitch. */
  windowSeconds?: number;
  /** A window counts as sound when its RMS reaches this fraction of the loudest window's (0.03 ≈ −30 dB). */
  threshold?: number;
  /** Windows in a row that must be sound for sound to start or end there: 3 × 20 ms, shorter than any syllable, longer than a click. */
  minRun?: number;
  /** Kept before the first and after the last window of sound. */
  marginSeconds?: number;
}

export const TRIM_WINDOW_SECONDS = 0.02;
export const TRIM_THRESHOLD = 0.03;
export const TRIM_MIN_RUN = 3;
export const TRIM_MARGIN_SECONDS = 0.06;

export interface VoicedRange {
  /** First sample kept. */
  start: number;
  /** One past the last sample kept; equal to start when nothing is sound. */
  end: number;
}

/**
 * The stretch of `samples` to keep: from the first run of sound windows to
 * the end of the last one, widened by the margin and clamped to the
 * recording. All-silent input (peak under SILENCE_FLOOR), or input with no
 * run long enough, gives an empty range.
 */
export function voicedRange(samples: Float32Array, sampleRate: number, options: TrimOptions = {}): VoicedRange {
  const windowSeconds = options.windowSeconds ?? TRIM_WINDOW_SECONDS;
  const threshold = options.threshold ?? TRIM_THRESHOLD;
  const minRun = Math.max(1, options.minRun ?? TRIM_MIN_RUN);
  const marginSeconds = options.marginSeconds ?? TRIM_MARGIN_SECONDS;
  if (samples.length === 0 || levelOf(samples).peak < SILENCE_FLOOR) return { start: 0, end: 0 };

  const window = Math.max(1, Math.round(windowSeconds * sampleRate));
  const rms = Array.from({ length: Math.ceil(samples.length / window) }, (_, w) => levelOf(samples, w * window, (w + 1) * window).rms);
  const limit = Math.max(...rms) * threshold;
  // A recording shorter than one run is judged as a whole run.
  const need = Math.min(minRun, rms.length);
  let first = -1;
  let last = -1;
  let run = 0;
  for (let w = 0; w < rms.length; w++) {
    run = rms[w]! >= limit ? run + 1 : 0;
    if (run >= need) {
      if (first < 0) first = w - run + 1;
      last = w;
    }
  }
  if (first < 0) return { start: 0, end: 0 };
  const margin = Math.round(marginSeconds * sampleRate);
  return {
    start: Math.max(0, first * window - margin),
    end: Math.min(samples.length, (last + 1) * window + margin),
  };
}

/** A trimmed copy of `samples` (empty when it is all silence). */
export function trimSilence(samples: Float32Array, sampleRate: number, options: TrimOptions = {}): Float32Array {
  const { start, end } = voicedRange(samples, sampleRate, options);
  return samples.slice(start, end);
}
