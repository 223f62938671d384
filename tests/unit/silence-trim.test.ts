// Trimming a recording's leading and trailing silence (src/lib/silence-trim.ts):
// a tone between silences is cut to the tone plus the margin, at any level,
// through background hiss, and an all-silent take becomes empty.
import { describe, expect, it } from 'vitest';
import { TRIM_MARGIN_SECONDS, TRIM_WINDOW_SECONDS, trimSilence, voicedRange } from '../../src/lib/silence-trim';

const RATE = 48_000;

/** Silence, then a sine tone, then silence; with optional seeded hiss under all of it. */
function take(lead: number, tone: number, tail: number, amplitude: number, hiss = 0, hz = 440): Float32Array {
  const n = Math.round((lead + tone + tail) * RATE);
  const out = new Float32Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const inTone = t >= lead && t < lead + tone;
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = hiss * ((seed / 2 ** 32) * 2 - 1);
    out[i] = (inTone ? amplitude * Math.sin(2 * Math.PI * hz * (t - lead)) : 0) + noise;
  }
  return out;
}

describe('trimSilence', () => {
  it('keeps the tone and the margin on each side, within one analysis window', () => {
    const trimmed = trimSilence(take(0.5, 1.5, 0.7, 0.5), RATE);
    const expected = 1.5 + 2 * TRIM_MARGIN_SECONDS;
    expect(Math.abs(trimmed.length / RATE - expected)).toBeLessThanOrEqual(2 * TRIM_WINDOW_SECONDS);
  });

  it('starts the kept stretch a margin before the tone', () => {
    const { start, end } = voicedRange(take(0.5, 1.5, 0.5, 0.5), RATE);
    expect(Math.abs(start / RATE - (0.5 - TRIM_MARGIN_SECONDS))).toBeLessThanOrEqual(TRIM_WINDOW_SECONDS);
    expect(Math.abs(end / RATE - (2.0 + TRIM_MARGIN_SECONDS))).toBeLessThanOrEqual(TRIM_WINDOW_SECONDS);
  });

  it('trims a quiet take as well as a loud one (the threshold follows the peak)', () => {
    const loud = trimSilence(take(0.3, 1, 0.3, 0.9), RATE).length;
    const quiet = trimSilence(take(0.3, 1, 0.3, 0.01), RATE).length;
    expect(Math.abs(loud - quiet)).toBeLessThanOrEqual(TRIM_WINDOW_SECONDS * RATE);
  });

  it('cuts through hiss well under the voice', () => {
    const trimmed = trimSilence(take(0.6, 1.2, 0.6, 0.5, 0.003), RATE);
    expect(Math.abs(trimmed.length / RATE - (1.2 + 2 * TRIM_MARGIN_SECONDS))).toBeLessThanOrEqual(2 * TRIM_WINDOW_SECONDS);
  });

  it('returns a copy, not a view of the recording', () => {
    const source = take(0.2, 0.5, 0.2, 0.5);
    const trimmed = trimSilence(source, RATE);
    trimmed[0] = 42;
    expect(source.includes(42)).toBe(false);
    expect(trimmed.buffer).not.toBe(source.buffer);
  });

  it('keeps a take with no silence whole', () => {
    const source = take(0, 1, 0, 0.5);
    expect(trimSilence(source, RATE).length).toBe(source.length);
  });

  it('gives nothing for silence, for a muted microphone and for a lone click', () => {
    expect(trimSilence(new Float32Array(RATE), RATE).length).toBe(0);
    expect(trimSilence(take(0.5, 1, 0.5, 0.0005), RATE).length).toBe(0);
    const click = new Float32Array(RATE);
    click[RATE / 2] = 0.9;
    expect(trimSilence(click, RATE).length).toBe(0);
    expect(trimSilence(new Float32Array(0), RATE).length).toBe(0);
  });

  it('does not hold the end open for the click of the mouse on Stop', () => {
    const s = take(0.4, 1, 0.8, 0.3);
    const at = Math.round(2.0 * RATE);
    for (let i = 0; i < 48; i++) s[at + i] = 0.95 * (i % 2 ? -1 : 1) * (1 - i / 48); // a 1 ms click, louder than the voice
    const { end } = voicedRange(s, RATE);
    expect(Math.abs(end / RATE - (1.4 + TRIM_MARGIN_SECONDS))).toBeLessThanOrEqual(TRIM_WINDOW_SECONDS);
  });

  it('works at other rates (44.1 kHz microphones)', () => {
    const rate = 44_100;
    const n = Math.round(2 * rate);
    const s = new Float32Array(n);
    for (let i = Math.round(0.5 * rate); i < Math.round(1.5 * rate); i++) s[i] = 0.4 * Math.sin((2 * Math.PI * 300 * i) / rate);
    const seconds = trimSilence(s, rate).length / rate;
    expect(Math.abs(seconds - (1 + 2 * TRIM_MARGIN_SECONDS))).toBeLessThanOrEqual(2 * TRIM_WINDOW_SECONDS);
  });
});
