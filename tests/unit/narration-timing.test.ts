// When a scene's voice may sound (src/shared/narration-timing.ts): its window
// is its caption cue to the millisecond, the voice starts after the lead, and
// "fit to voice" gives the shortest whole-frame duration that holds it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DURATION, MIN_DURATION, newScene } from '../../src/shared/lesson';
import { buildTimeline, webVtt } from '../../src/shared/lesson-timeline';
import { VOICE_LEAD_SECONDS, VOICE_TAIL_SECONDS } from '../../src/shared/narration';
import { fitDuration, voiceFits, voiceStart, voiceWindows } from '../../src/shared/narration-timing';

/** The cue times webVtt wrote, in seconds. */
function cueTimes(vtt: string): { start: number; end: number }[] {
  const seconds = (t: string) => {
    const [h, m, s] = t.split(':').map(Number);
    return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
  };
  return [...vtt.matchAll(/(\S+) --> (\S+)/g)].map((m) => ({ start: seconds(m[1] ?? ''), end: seconds(m[2] ?? '') }));
}

describe('voice windows', () => {
  it('equal the caption cues, at 8 and 30 fps', () => {
    for (const fps of [8, 30]) {
      const scenes = [2, 3.5, 1, 4, 12].map((d, i) => newScene('p', `Caption ${i}`, d));
      const timeline = buildTimeline(scenes, fps);
      const cues = cueTimes(webVtt(scenes, timeline));
      const windows = voiceWindows(timeline);
      expect(windows).toHaveLength(5);
      windows.forEach((w, i) => {
        expect(w.start).toBeCloseTo(cues[i]?.start ?? NaN, 3);
        expect(w.end).toBeCloseTo(cues[i]?.end ?? NaN, 3);
      });
      expect(windows[0]?.start).toBe(0);
      expect(windows[4]?.end).toBe(timeline.totalFrames / fps);
    }
  });

  it('meet in the middle of each crossfade, and the voice starts after the lead', () => {
    const timeline = buildTimeline([{ duration: 2 }, { duration: 2 }], 8);
    const [a, b] = voiceWindows(timeline);
    // 16 + 16 frames less a 4-frame crossfade: 28 frames, and the cut at frame 14.
    expect(a).toEqual({ start: 0, end: 14 / 8 });
    expect(b).toEqual({ start: 14 / 8, end: 28 / 8 });
    expect(voiceStart(b!)).toBeCloseTo(14 / 8 + VOICE_LEAD_SECONDS, 12);
  });

  it('say whether a voice will be cut', () => {
    const w = { start: 1, end: 3 };
    expect(voiceFits(2 - VOICE_LEAD_SECONDS, w)).toBe(true);
    expect(voiceFits(2 - VOICE_LEAD_SECONDS + 0.01, w)).toBe(false);
    expect(voiceFits(0, w)).toBe(true);
  });
});

describe('fit to voice', () => {
  it('gives the scene room for lead, voice and tail, in whole frames', () => {
    // A middle scene at 8 fps loses one 4-frame crossfade: (0.15 + 2 + 0.35) · 8 + 4 = 24 frames.
    expect(fitDuration(2, 1, 3, 8)).toBe(3);
    // The first loses half a crossfade: 20 + 2 = 22 frames.
    expect(fitDuration(2, 0, 3, 8)).toBe(22 / 8);
    // A lone scene has no crossfade: 20 frames.
    expect(fitDuration(2, 0, 1, 8)).toBe(2.5);
  });

  it('is clamped to the scene limits', () => {
    expect(fitDuration(0, 0, 3, 8)).toBe(MIN_DURATION);
    expect(fitDuration(0.1, 0, 1, 30)).toBe(MIN_DURATION);
    // A middle scene at 30 fps: (0.15 + 0.1 + 0.35) · 30 + 15 = 33 frames.
    expect(fitDuration(0.1, 1, 3, 30)).toBe(1.1);
    expect(fitDuration(60, 1, 3, 8)).toBe(MAX_DURATION);
  });

  it('holds the voice in the real timeline, and one frame less would not (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 24, 25, 30),
        fc.array(fc.integer({ min: MIN_DURATION * 10, max: MAX_DURATION * 10 }), { minLength: 1, maxLength: 6 }),
        fc.nat(5),
        fc.double({ min: 0, max: 14, noNaN: true }),
        (fps, tenths, pick, voice) => {
          const count = tenths.length;
          const index = pick % count;
          const durations = tenths.map((t) => Math.round((t / 10) * fps) / fps);
          durations[index] = fitDuration(voice, index, count, fps);
          const d = durations[index] ?? 0;
          expect(Number.isInteger(Math.round(d * fps * 1e6) / 1e6)).toBe(true);
          const w = voiceWindows(buildTimeline(durations.map((duration) => ({ duration })), fps))[index]!;
          const needed = VOICE_LEAD_SECONDS + voice + VOICE_TAIL_SECONDS;
          if (d < MAX_DURATION) expect(w.end - w.start).toBeGreaterThanOrEqual(needed - 1e-9);
          else expect(voiceFits(voice, w)).toBe(voice <= w.end - w.start - VOICE_LEAD_SECONDS + 1e-6);
          // Minimal where the crossfade is exactly round(fps / 2) frames (every rate here but 25 fps).
          if (fps !== 25 && d > MIN_DURATION) {
            durations[index] = d - 1 / fps;
            const shorter = voiceWindows(buildTimeline(durations.map((duration) => ({ duration })), fps))[index]!;
            expect(shorter.end - shorter.start).toBeLessThan(needed);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
