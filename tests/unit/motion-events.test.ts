// motion-events.ts and object-track.ts on drawn TEST FIXTURE clips
// (./shapes-fixture.ts) whose events are known exactly: a bouncing ball's
// contacts, a ball that rests, moves and rests again, and clips that must
// give no event (an orbit, a ball at rest, a clip the object leaves).
import { describe, expect, it } from 'vitest';
import { detectMotionEvents, eventsFromTrack, type MotionEvent } from '../../src/shared/motion-events';
import { trackObject } from '../../src/shared/object-track';
import { bounce, drawClip, grassBackground, nightBackground } from './shapes-fixture';

const FPS = 8;
const RED = [222, 45, 45] as const;

/** The largest gap between each true time and the nearest detected event, in frames. */
function worstError(truth: number[], found: MotionEvent[]): number {
  return Math.max(...truth.map((t) => Math.min(...found.map((e) => Math.abs(e.frame - t)))));
}

describe('a bouncing ball (TEST FIXTURE)', () => {
  const cases = [
    { name: 'over grass, 64 px', size: 64, background: grassBackground, stars: false, y0: 14, g: 1.3, e: 0.8 },
    { name: 'in the night sky with stars, 64 px', size: 64, background: nightBackground, stars: true, y0: 12, g: 1.6, e: 0.75 },
    { name: 'over grass, 128 px', size: 128, background: grassBackground, stars: false, y0: 28, g: 2.6, e: 0.8 },
  ];
  it.each(cases)('$name: one contact event within one frame of each true contact, and nothing else', ({ size, background, stars, y0, g, e }) => {
    const k = size / 64;
    const radius = 10 * k;
    const floor = (52 / 64) * size - radius;
    const frames = 24;
    const path = bounce(y0, floor, g, e, frames - 2);
    const clip = drawClip({ width: size, height: size, frames, radius, colour: RED, background, stars, centre: (i) => ({ x: 30 * k, y: path.y(i) }) });
    const events = detectMotionEvents(clip, FPS);
    // Only contacts the frames can show: a rebound needs frames after it.
    const visible = path.contacts.filter((t) => t + 2 <= frames - 1);
    expect(visible.length).toBeGreaterThanOrEqual(2);
    expect(events.map((ev) => ev.kind)).toEqual(visible.map(() => 'contact'));
    const error = worstError(visible, events);
    console.log(`[figures] fixture ${size}px ${stars ? 'night' : 'grass'}: contacts ${visible.map((t) => t.toFixed(2)).join(', ')}; found ${events.map((ev) => ev.frame.toFixed(2)).join(', ')}; worst error ${error.toFixed(2)} frames`);
    expect(error).toBeLessThanOrEqual(1);
    for (const ev of events) {
      expect(ev.time).toBeCloseTo(ev.frame / FPS, 12);
      expect(ev.strength).toBeGreaterThan(0);
      expect(ev.strength).toBeLessThanOrEqual(1);
    }
    // Later bounces are softer: the rebound speed falls by e each time.
    expect(events[1]!.strength).toBeLessThan(events[0]!.strength);
  });
});

describe('a ball that rests, moves right, and rests (TEST FIXTURE)', () => {
  // At rest at x = 14 until frame 6, then 3 px a frame until frame 14, then at rest again.
  const x = (i: number) => 14 + 3 * Math.min(8, Math.max(0, i - 6));
  const clip = drawClip({ width: 64, height: 64, frames: 20, radius: 6, colour: [40, 90, 235], background: grassBackground, centre: (i) => ({ x: x(i), y: 30 }) });

  it('gives a start at frame 6 and a stop at frame 14', () => {
    const events = detectMotionEvents(clip, FPS);
    expect(events.map((e) => [e.kind, e.frame])).toEqual([['start', 6], ['stop', 14]]);
    expect(events[0]!.time).toBe(0.75);
  });

  it('tracks the ball at its true centre, the row-median background ignoring it even at rest', () => {
    const track = trackObject(clip);
    track.forEach((p, i) => {
      expect(p).not.toBeNull();
      expect(Math.abs(p!.x - x(i))).toBeLessThan(0.2);
      expect(Math.abs(p!.y - 30)).toBeLessThan(0.2);
    });
  });

  it('a slow, gliding start (accelerating over frames) is still one start, at the end of the rest', () => {
    const glide = (i: number) => 14 + (i <= 6 ? 0 : 0.4 * (i - 6) ** 2);
    const eased = drawClip({ width: 64, height: 64, frames: 14, radius: 6, colour: [40, 90, 235], background: grassBackground, centre: (i) => ({ x: glide(i), y: 30 }) });
    const events = detectMotionEvents(eased, FPS);
    expect(events.map((e) => e.kind)).toEqual(['start']);
    expect(Math.abs(events[0]!.frame - 6)).toBeLessThanOrEqual(1);
  });
});

describe('clips without events (TEST FIXTURE)', () => {
  it('an orbit: its lowest point is no contact (it moves sideways there)', () => {
    const clip = drawClip({
      width: 64, height: 64, frames: 16, radius: 6, colour: RED, background: grassBackground,
      centre: (i) => ({ x: 32 + 16 * Math.cos((2 * Math.PI * i) / 16), y: 28 + 16 * Math.sin((2 * Math.PI * i) / 16) }),
    });
    expect(detectMotionEvents(clip, FPS)).toEqual([]);
  });

  it('a ball at rest the whole clip', () => {
    const clip = drawClip({ width: 64, height: 64, frames: 16, radius: 11, colour: RED, background: nightBackground, stars: true, centre: () => ({ x: 40, y: 20 }) });
    const track = trackObject(clip);
    expect(track.every((p) => p !== null && Math.abs(p.x - 40) < 0.2)).toBe(true);
    expect(detectMotionEvents(clip, FPS)).toEqual([]);
  });

  it('frames without the object are null in the track, and steps across them make no event', () => {
    // Falls from the top, gone for frames 6–9, then back low and at rest: no contact, no stop across the gap.
    const clip = drawClip({
      width: 64, height: 64, frames: 16, radius: 6, colour: RED, background: grassBackground,
      centre: (i) => (i >= 6 && i <= 9 ? null : i < 6 ? { x: 20, y: 10 + 4 * i } : { x: 44, y: 40 }),
    });
    const track = trackObject(clip);
    expect(track.map((p) => p === null)).toEqual(Array.from({ length: 16 }, (_, i) => i >= 6 && i <= 9));
    expect(detectMotionEvents(clip, FPS)).toEqual([]);
  });

  it('a jump (a loop restarting) is no event', () => {
    const track = Array.from({ length: 12 }, (_, i) => ({ x: 10 + 30 * (i >= 6 ? 1 : 0), y: 30, left: 0, top: 0, right: 0, bottom: 0, area: 50 }));
    expect(eventsFromTrack(track, FPS, 64, 64)).toEqual([]);
  });
});
