// The narration resampler (src/shared/resample.ts): a tone keeps its shape
// across the rates voices arrive at, what the new rate cannot hold is
// filtered out rather than aliased, and a constant stays constant to the edges.
import { describe, expect, it } from 'vitest';
import { resample } from '../../src/shared/resample';

function tone(hz: number, rate: number, seconds: number, amplitude = 1): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** Largest difference from the ideal tone, away from the first and last 20 ms (where the input simply ends). */
function maxError(got: Float32Array, hz: number, rate: number, amplitude = 1): number {
  const edge = Math.round(0.02 * rate);
  let worst = 0;
  for (let i = edge; i < got.length - edge; i++) worst = Math.max(worst, Math.abs((got[i] ?? 0) - amplitude * Math.sin((2 * Math.PI * hz * i) / rate)));
  return worst;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] ?? 0) ** 2;
  return Math.sqrt(s / (to - from));
}

describe('resample', () => {
  it('carries a 1 kHz sine from 22050 Hz (espeak-ng) to 48000 Hz with an error under 0.01% (−80 dB)', () => {
    const out = resample(tone(1000, 22050, 0.5), 22050, 48000);
    expect(out.length).toBe(24000);
    expect(maxError(out, 1000, 48000)).toBeLessThan(1e-4);
  });

  it('keeps speech-band tones at 44.1 → 48 kHz and 48 → 16 kHz', () => {
    expect(maxError(resample(tone(3000, 44100, 0.3, 0.5), 44100, 48000), 3000, 48000, 0.5)).toBeLessThan(1e-3);
    expect(maxError(resample(tone(1000, 48000, 0.3, 0.5), 48000, 16000), 1000, 16000, 0.5)).toBeLessThan(1e-3);
  });

  it('handles a rate whose ratio has no small phase bank (44101 Hz) the same way, tap by tap', () => {
    expect(maxError(resample(tone(1000, 44101, 0.3, 0.5), 44101, 48000), 1000, 48000, 0.5)).toBeLessThan(1e-4);
  });

  it('low-passes when downsampling: a 30 kHz tone at 96 kHz does not alias into 48 kHz, a 5 kHz one passes', () => {
    const mid = (x: Float32Array) => rms(x, 2000, x.length - 2000);
    const high = resample(tone(30000, 96000, 0.2), 96000, 48000);
    const low = resample(tone(5000, 96000, 0.2), 96000, 48000);
    // 30 kHz would fold to 18 kHz at full strength without the filter (RMS 0.707).
    expect(mid(high)).toBeLessThan(1e-3);
    expect(mid(low)).toBeCloseTo(Math.SQRT1_2, 3);
  });

  it('keeps a constant constant, edges included, and an impulse centred', () => {
    const dc = resample(new Float32Array(2205).fill(0.25), 22050, 48000);
    expect(dc.length).toBe(4800);
    for (const v of dc) expect(v).toBeCloseTo(0.25, 5);
    const impulse = new Float32Array(100);
    impulse[50] = 1;
    const up = resample(impulse, 16000, 48000);
    const at = up.indexOf(Math.max(...up));
    expect(at).toBe(150);
  });

  it('copies when the rates match, and refuses a rate of zero', () => {
    const x = tone(440, 48000, 0.01);
    const y = resample(x, 48000, 48000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(() => resample(x, 0, 48000)).toThrow(RangeError);
  });
});
