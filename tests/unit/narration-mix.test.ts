// The narration mix (src/shared/narration-mix.ts): each voice sits at its
// window's start plus the lead, at its volume; a voice too long for its
// window fades out to silence exactly when its caption leaves; the sum never
// reaches full scale; and a lesson without voices has no track at all.
import { describe, expect, it } from 'vitest';
import { buildTimeline } from '../../src/shared/lesson-timeline';
import { VOICE_FADE_SECONDS, VOICE_LEAD_SECONDS } from '../../src/shared/narration';
import { LIMIT_CEILING, LIMIT_KNEE, mixNarration, narrationLength, softLimit } from '../../src/shared/narration-mix';
import { voiceWindows } from '../../src/shared/narration-timing';

const RATE = 48000;
// 4 scenes of 2 s at 8 fps: 64 frames less three 4-frame crossfades = 52 frames, 6.5 s.
const timeline = buildTimeline([{ duration: 2 }, { duration: 2 }, { duration: 2 }, { duration: 2 }], 8);
const windows = voiceWindows(timeline);

const constant = (seconds: number, value: number, rate = RATE) => ({ samples: new Float32Array(Math.round(seconds * rate)).fill(value), sampleRate: rate, volume: 1 });
const at = (mix: Float32Array, seconds: number) => mix[Math.round(seconds * RATE)] ?? NaN;

describe('mixNarration', () => {
  it('is null without any voice, so the export adds no audio track', () => {
    expect(mixNarration(timeline, [null, null, null, null])).toBeNull();
    expect(mixNarration(timeline, [])).toBeNull();
    expect(mixNarration(timeline, [{ ...constant(1, 0.5), volume: 0 }, { samples: new Float32Array(0), sampleRate: RATE, volume: 1 }])).toBeNull();
  });

  it('is exactly as long as the video', () => {
    const mix = mixNarration(timeline, [null, constant(0.5, 0.3), null, null]);
    expect(mix?.length).toBe(6.5 * RATE);
    expect(narrationLength(timeline, 44100)).toBe(6.5 * 44100);
  });

  it('places a voice at its window start plus the lead, with its volume, and silence around it', () => {
    const mix = mixNarration(timeline, [null, { ...constant(0.5, 0.4), volume: 0.5 }, null, null])!;
    const start = (windows[1]?.start ?? NaN) + VOICE_LEAD_SECONDS;
    expect(at(mix, start - 0.001)).toBe(0);
    expect(at(mix, start + 0.01)).toBeCloseTo(0.2, 6);
    expect(at(mix, start + 0.49)).toBeCloseTo(0.2, 6);
    expect(at(mix, start + 0.501)).toBe(0);
    // The de-click fades: the first and last samples are near zero, not a step.
    expect(Math.abs(mix[Math.round(start * RATE)] ?? 1)).toBeLessThan(0.002);
    let energy = 0;
    for (let i = 0; i < Math.round(windows[1]!.start * RATE); i++) energy += (mix[i] ?? 0) ** 2;
    expect(energy).toBe(0);
  });

  it('cuts a long voice with a VOICE_FADE_SECONDS fade that ends as its caption leaves', () => {
    const mix = mixNarration(timeline, [constant(5, 0.5), null, constant(0.2, 0.5), null])!;
    const end = windows[0]!.end;
    expect(at(mix, end - VOICE_FADE_SECONDS - 0.01)).toBeCloseTo(0.5, 6);
    expect(at(mix, end - VOICE_FADE_SECONDS / 2)).toBeCloseTo(0.25, 2);
    expect(Math.abs(at(mix, end - 1 / RATE))).toBeLessThan(1e-3);
    // Nothing of the first voice leaks into the second scene's window.
    for (let t = end; t < windows[2]!.start; t += 0.01) expect(at(mix, t)).toBe(0);
    expect(at(mix, windows[2]!.start + VOICE_LEAD_SECONDS + 0.1)).toBeCloseTo(0.5, 6);
  });

  it('resamples a voice given at another rate to the mix rate, keeping its length in seconds', () => {
    const mix = mixNarration(timeline, [null, null, null, constant(0.4, 0.3, 22050)])!;
    const start = windows[3]!.start + VOICE_LEAD_SECONDS;
    expect(at(mix, start + 0.2)).toBeCloseTo(0.3, 4);
    expect(at(mix, start + 0.42)).toBe(0);
  });

  it('never passes the ceiling under full scale, whatever the volume', () => {
    const loud = new Float32Array(RATE);
    for (let i = 0; i < loud.length; i++) loud[i] = 0.9 * Math.sin((2 * Math.PI * 440 * i) / RATE);
    const mix = mixNarration(timeline, [{ samples: loud, sampleRate: RATE, volume: 2 }, null, null, null])!;
    let peak = 0;
    for (const v of mix) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(LIMIT_KNEE);
    // As stored in float32, whose nearest value to 0.98 is a hair above it.
    expect(peak).toBeLessThanOrEqual(Math.fround(LIMIT_CEILING));
  });
});

describe('softLimit', () => {
  it('passes the mix unchanged under the knee, and bends smoothly above it to under full scale', () => {
    for (const x of [0, 0.1, -0.5, LIMIT_KNEE, -LIMIT_KNEE]) expect(softLimit(x)).toBe(x);
    // Continuous with slope 1 at the knee.
    const e = 1e-6;
    expect((softLimit(LIMIT_KNEE + e) - LIMIT_KNEE) / e).toBeCloseTo(1, 4);
    let last = -Infinity;
    for (let x = -4; x <= 4; x += 0.01) {
      const y = softLimit(x);
      expect(Math.abs(y)).toBeLessThanOrEqual(LIMIT_CEILING);
      expect(y).toBeGreaterThanOrEqual(last);
      last = y;
    }
    expect(softLimit(1.8)).toBeCloseTo(-softLimit(-1.8), 12);
  });
});
