// The sample arithmetic narration shares (src/lib/audio-samples.ts): the
// mono mixdown of a file's channels, levels, and the silence check.
import { describe, expect, it } from 'vitest';
import { formatSeconds, isSilent, levelOf, mixToMono, secondsOf } from '../../src/lib/audio-samples';

describe('mixToMono', () => {
  it('averages the channels sample by sample', () => {
    const left = Float32Array.from([1, 0.5, -1, 0]);
    const right = Float32Array.from([0, 0.5, 1, -0.5]);
    expect(Array.from(mixToMono([left, right]))).toEqual([0.5, 0.5, 0, -0.25]);
  });

  it('keeps a mono file played as two equal channels at its own level', () => {
    const ch = Float32Array.from([0.25, -0.75, 0.5]);
    expect(Array.from(mixToMono([ch, ch.slice()]))).toEqual(Array.from(ch));
  });

  it('cancels a channel in opposite phase rather than clipping', () => {
    const ch = Float32Array.from([0.9, -0.9]);
    const inverted = ch.map((v) => -v);
    expect(Array.from(mixToMono([ch, inverted]))).toEqual([0, 0]);
  });

  it('mixes six channels (5.1) without exceeding the loudest', () => {
    const channels = Array.from({ length: 6 }, (_, c) => Float32Array.from([c === 0 ? 1 : 0, 0.6]));
    const mono = mixToMono(channels);
    expect(mono[0]).toBeCloseTo(1 / 6, 6);
    expect(mono[1]).toBeCloseTo(0.6, 6);
  });

  it('mixes channels of different lengths over the longest, the missing end as silence', () => {
    const mono = mixToMono([Float32Array.from([1, 1, 1]), Float32Array.from([1])]);
    expect(Array.from(mono)).toEqual([1, 0.5, 0.5]);
  });

  it('copies a single channel, and gives nothing for none', () => {
    const ch = Float32Array.from([0.1, 0.2]);
    const mono = mixToMono([ch]);
    expect(mono).not.toBe(ch);
    expect(Array.from(mono)).toEqual(Array.from(ch));
    expect(mixToMono([]).length).toBe(0);
  });
});

describe('levels', () => {
  it('gives a sine its peak and RMS (peak / √2)', () => {
    const s = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 48_000));
    const { peak, rms } = levelOf(s);
    expect(peak).toBeCloseTo(0.5, 3);
    expect(rms).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('measures a range only, clamped to the samples', () => {
    const s = Float32Array.from([0, 0, 1, -1]);
    expect(levelOf(s, 0, 2)).toEqual({ peak: 0, rms: 0 });
    expect(levelOf(s, 2, 99)).toEqual({ peak: 1, rms: 1 });
    expect(levelOf(s, 3, 3)).toEqual({ peak: 0, rms: 0 });
  });

  it('calls a muted microphone silent, a quiet voice not', () => {
    expect(isSilent(new Float32Array(100).fill(0.0004))).toBe(true);
    expect(isSilent(Float32Array.from([0, 0.02, -0.03]))).toBe(false);
  });

  it('says lengths in seconds', () => {
    expect(secondsOf({ length: 72_000 }, 48_000)).toBe(1.5);
    expect(formatSeconds(3.24)).toBe('3.2 s');
  });
});
