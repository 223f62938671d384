// effects-timeline.ts: a clip's motion events carried onto a lesson through
// the video's own frame mapping (sourceFrameIndex): ping-pong plays them
// back reversed, loop repeats them, the turns and the jumps play nothing,
// and a scene fading in plays them at its opacity.
import { describe, expect, it } from 'vitest';
import { effectsForLesson, effectsForScene, sceneEvents } from '../../src/shared/effects-timeline';
import { EXTEND_MODES } from '../../src/shared/lesson';
import { buildTimeline, sourceFrameIndex } from '../../src/shared/lesson-timeline';
import type { MotionEvent } from '../../src/shared/motion-events';

const FPS = 8;
const ev = (frame: number, kind: MotionEvent['kind'], strength = 0.8): MotionEvent => ({ frame, time: frame / FPS, kind, strength });
/** TEST FIXTURE events of a 16-frame clip: a start, a contact between frames, a stop, and one on the last frame. */
const CLIP = [ev(3, 'start'), ev(5.34, 'contact'), ev(10, 'stop'), ev(15, 'contact', 0.5)];
const rounded = (events: { frame: number; kind: string }[]) => events.map((e) => [Math.round(e.frame * 100) / 100, e.kind]);

describe('sceneEvents', () => {
  it('a scene no longer than its clip plays the events where they are (every mode)', () => {
    for (const mode of EXTEND_MODES) expect(rounded(sceneEvents(CLIP, 16, 16, mode))).toEqual(rounded(CLIP));
  });

  it('ping-pong: the way back plays them mirrored, a start as a stop; the last frame once, at the turn', () => {
    // Output frame j shows source 30 − j on the way back (15 ≤ j ≤ 30), so source t plays at 30 − t.
    expect(rounded(sceneEvents(CLIP, 40, 16, 'pingpong'))).toEqual([
      [3, 'start'], [5.34, 'contact'], [10, 'stop'], [15, 'contact'],
      [20, 'start'], [24.66, 'contact'], [27, 'stop'],
      [33, 'start'], [35.34, 'contact'],
    ]);
  });

  it('loop: the events again every clip, and nothing for the jump back to frame 0', () => {
    expect(rounded(sceneEvents(CLIP, 40, 16, 'loop'))).toEqual([
      [3, 'start'], [5.34, 'contact'], [10, 'stop'], [15, 'contact'],
      [19, 'start'], [21.34, 'contact'], [26, 'stop'], [31, 'contact'],
      [35, 'start'], [37.34, 'contact'],
    ]);
  });

  it('every placed event falls between two output frames that show the source frames around it', () => {
    for (const mode of EXTEND_MODES) {
      for (const e of sceneEvents(CLIP, 61, 16, mode)) {
        const lo = Math.floor(e.frame), hi = Math.ceil(e.frame);
        const a = sourceFrameIndex(lo === hi ? lo - 1 : lo, 16, mode), b = sourceFrameIndex(hi, 16, mode);
        const source = CLIP.filter((c) => c.frame >= Math.min(a, b) && c.frame <= Math.max(a, b));
        expect(source.length).toBeGreaterThan(0);
        expect(Math.abs(b - a)).toBe(1);
      }
    }
  });
});

describe('effectsForScene and effectsForLesson', () => {
  const timeline = buildTimeline([{ duration: 2 }, { duration: 2 }], FPS);

  it('offset by the scene start, in seconds at the lesson fps; the fading-in scene plays at its opacity', () => {
    expect(timeline.crossfade).toBe(4);
    const second = effectsForScene(timeline, 1, [ev(1.5, 'start', 1), ev(5.34, 'contact', 1)], 16, 'pingpong');
    expect(second.map((e) => e.frame)).toEqual([12 + 1.5, 12 + 5.34]);
    expect(second[0]!.time).toBeCloseTo(13.5 / FPS, 12);
    // Local frame 1 of a 4-frame crossfade: opacity 2/5, as layersAt draws it.
    expect(second[0]!.strength).toBeCloseTo(2 / 5, 12);
    expect(second[1]!.strength).toBe(1);
    // The first scene never fades in.
    expect(effectsForScene(timeline, 0, [ev(0.5, 'start', 1)], 16, 'loop')[0]!.strength).toBe(1);
  });

  it('every scene, in time order; a scene count that is not the timeline\'s is refused', () => {
    const all = effectsForLesson(timeline, [{ events: [ev(14, 'stop')], sourceFrames: 16 }, { events: [ev(1, 'contact')], sourceFrames: 16 }], 'pingpong');
    expect(all.map((e) => [e.frame, e.kind])).toEqual([[13, 'contact'], [14, 'stop']]);
    expect(() => effectsForLesson(timeline, [], 'loop')).toThrow(RangeError);
    expect(() => effectsForScene(timeline, 2, [], 16, 'loop')).toThrow(RangeError);
  });
});
