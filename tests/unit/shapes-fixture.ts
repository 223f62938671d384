// TEST FIXTURE, not model output: clips drawn the way the built-in model's
// world draws them (models/zoetrope/world.py: one anti-aliased ball over a
// vertical-gradient background), with a trajectory whose events are known
// exactly, so that motion-events.ts can be checked against the truth.

import type { ModelFrames } from '../../src/shared/engine-api';

export type Rgb = readonly [number, number, number];

/** world.py's "grass": sky above row 52, grass below (64 px). */
export function grassBackground(y: number, height: number): Rgb {
  const ground = Math.round((52 / 64) * height);
  const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  return y < ground ? mix([100, 170, 235], [175, 215, 245], y / height) : mix([70, 150, 45], [50, 115, 35], (y - ground) / (height - ground));
}

/** world.py's "night" sky, with a few one-pixel stars at fixed places (they must not be taken for the object). */
export function nightBackground(y: number, height: number): Rgb {
  const t = y / height;
  return [8 + 17 * t, 10 + 15 * t, 35 + 35 * t];
}
const STARS: readonly (readonly [number, number])[] = [[5, 7], [50, 12], [30, 40], [58, 55], [12, 30], [40, 3]];

export interface DrawSpec {
  width: number;
  height: number;
  frames: number;
  radius: number;
  colour: Rgb;
  background: (y: number, height: number) => Rgb;
  stars?: boolean;
  /** Centre at frame i, in pixels; null draws no object. */
  centre: (i: number) => { x: number; y: number } | null;
}

/** The clip, with 4×4 supersampling at the ball's edge (as world.py renders at 2× and box-filters). */
export function drawClip(spec: DrawSpec): ModelFrames {
  const { width, height, frames, radius, colour } = spec;
  const rgba = new Uint8Array(width * height * frames * 4);
  for (let f = 0; f < frames; f++) {
    const c = spec.centre(f);
    for (let y = 0; y < height; y++) {
      const bg = spec.background(y, height);
      for (let x = 0; x < width; x++) {
        let cover = 0;
        if (c) for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
          const px = x + (sx + 0.5) / 4, py = y + (sy + 0.5) / 4;
          if ((px - c.x) ** 2 + (py - c.y) ** 2 <= radius * radius) cover++;
        }
        const a = cover / 16;
        const p = ((f * height + y) * width + x) * 4;
        for (let ch = 0; ch < 3; ch++) rgba[p + ch] = Math.round(bg[ch]! * (1 - a) + colour[ch]! * a);
        rgba[p + 3] = 255;
      }
    }
    if (spec.stars) for (const [sx, sy] of STARS) {
      const p = ((f * height + sy) * width + sx) * 4;
      rgba[p] = rgba[p + 1] = rgba[p + 2] = 235;
    }
  }
  return { width, height, frames, rgba };
}

/**
 * A ball dropped from rest at height y0 (centre, px) at t = 0, with gravity g
 * (px/frame²), rebounding off the floor (the centre's lowest y) with
 * restitution e: its centre at any time, and the exact contact times.
 */
export function bounce(y0: number, floor: number, g: number, e: number, until: number): { y: (t: number) => number; contacts: number[] } {
  const contacts: number[] = [];
  // Each flight: starts at time t0 on the floor (or at y0 from rest) with upward speed v0 (px/frame).
  const flights: { t0: number; y0: number; v0: number }[] = [{ t0: 0, y0, v0: 0 }];
  let t = Math.sqrt((2 * (floor - y0)) / g);
  let v = g * t;
  while (t < until) {
    contacts.push(t);
    v *= e;
    flights.push({ t0: t, y0: floor, v0: v });
    t += (2 * v) / g;
  }
  const y = (time: number): number => {
    let f = flights[0]!;
    for (const fl of flights) if (fl.t0 <= time) f = fl;
    const dt = time - f.t0;
    return f.y0 - f.v0 * dt + 0.5 * g * dt * dt;
  };
  return { y, contacts };
}
