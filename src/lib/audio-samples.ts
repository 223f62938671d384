// Owns the plain arithmetic on audio samples that the recorder, the file
// importer and the narration editor share: mixing channels down to the mono
// a narration is stored as, the level of a stretch of samples (peak and RMS,
// for the live meter and the silence checks), and the length limit. Pure, no
// DOM, so it is unit-tested in Node.

/**
 * The longest narration a scene takes, recorded or imported. A scene lasts
 * at most 12 s, so a minute is plenty; the limit bounds the memory a
 * decoded file takes (60 s at 48 kHz is 11 MB of Float32) and what is kept
 * in IndexedDB.
 */
export const MAX_NARRATION_SECONDS = 60;

/**
 * Below this peak (−60 dBFS) a recording or file counts as silent: an
 * unplugged or muted microphone gives this, a quiet voice does not.
 */
export const SILENCE_FLOOR = 0.001;

export interface Level {
  /** The largest absolute sample, 0..1 (more when a file clips). */
  peak: number;
  /** Root mean square of the samples. */
  rms: number;
}

/**
 * Averages the channels into one. Averaging (not summing) keeps a mono file
 * played as "stereo" (both channels equal) at its own level and cannot clip;
 * a channel that is silent halves the level, which the volume slider makes up.
 * Channels of different lengths are mixed over the longest, the missing end
 * counting as silence.
 */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first.slice();
  const length = Math.max(...channels.map((c) => c.length));
  const out = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < channel.length; i++) out[i]! += channel[i]!;
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < length; i++) out[i]! *= scale;
  return out;
}

/** Peak and RMS of `samples[start, end)`. An empty range has level 0. */
export function levelOf(samples: Float32Array, start = 0, end = samples.length): Level {
  let peak = 0;
  let sum = 0;
  const from = Math.max(0, start);
  const to = Math.min(samples.length, end);
  for (let i = from; i < to; i++) {
    const v = samples[i]!;
    const a = Math.abs(v);
    if (a > peak) peak = a;
    sum += v * v;
  }
  const n = to - from;
  return { peak, rms: n > 0 ? Math.sqrt(sum / n) : 0 };
}

/** Whether the samples hold no sound worth keeping (see SILENCE_FLOOR). */
export function isSilent(samples: Float32Array): boolean {
  return levelOf(samples).peak < SILENCE_FLOOR;
}

/** Length in seconds. */
export function secondsOf(samples: { length: number }, sampleRate: number): number {
  return sampleRate > 0 ? samples.length / sampleRate : 0;
}

/** "3.2 s", as the editor shows voice and scene lengths. */
export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}
