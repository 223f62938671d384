// Checks that the upscaler's fast kernel (workers/upscale.ts) writes exactly
// the bytes of the plain one it replaced (tests/unit/upscale-reference.ts),
// so every clip's MP4 frames stay the same for a seed: on real-looking
// frames (a gradient, a moving anti-aliased disc, noise), on hard edges that
// overshoot and clamp, on random bytes, at the app's 64 -> 256 and at odd
// sizes and aspect ratios, on the streamed path frame by frame, and on a
// shrink (a tap count other than 7, the kernel's general loop).

import { describe, expect, it } from 'vitest';
import type { RgbaFrames } from '../../workers/frames';
import { outputSize, resizedFrameStream, resizeFrames } from '../../workers/upscale';
import { referenceResizeFrames } from './upscale-reference';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

type Pattern = 'scene' | 'edges' | 'random';

function clip(width: number, height: number, frames: number, pattern: Pattern, seed = 7): RgbaFrames {
  const random = lcg(seed);
  const rgba = new Uint8ClampedArray(frames * width * height * 4);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((f * height + y) * width + x) * 4;
        if (pattern === 'random') {
          rgba.set([random() * 256, random() * 256, random() * 256, 255], o);
        } else if (pattern === 'edges') {
          // 0/255 checkerboard cells: Lanczos rings past 0 and 255 at every edge.
          const on = ((x >> 1) + (y >> 1) + f) % 2 === 1;
          rgba.set(on ? [255, 0, 255, 255] : [0, 255, 0, 255], o);
        } else {
          const d = Math.hypot(x - width * (0.3 + (0.4 * f) / frames), y - height / 2) - Math.min(width, height) / 5;
          const inside = Math.min(1, Math.max(0, 0.5 - d));
          rgba[o] = 40 + 150 * inside + 8 * random();
          rgba[o + 1] = 60 + ((x * 120) / width) * (1 - inside) + 8 * random();
          rgba[o + 2] = 200 * (1 - inside) + (y * 40) / height + 8 * random();
          rgba[o + 3] = 255;
        }
      }
    }
  }
  return { rgba, frames, width, height };
}

function expectSameBytes(actual: Uint8ClampedArray, expected: Uint8ClampedArray): void {
  expect(actual.length).toBe(expected.length);
  let first = -1;
  for (let i = 0; i < actual.length && first < 0; i++) if (actual[i] !== expected[i]) first = i;
  expect(first, first < 0 ? '' : `byte ${first}: ${actual[first]} instead of ${expected[first]}`).toBe(-1);
}

describe('upscaler: the same bytes as the reference', () => {
  const cases: [number, number, number, Pattern][] = [
    [64, 64, 256, 'scene'], // the built-in pack, 16 frames
    [64, 64, 256, 'edges'],
    [64, 64, 256, 'random'],
    [33, 33, 256, 'scene'],
    [37, 21, 250, 'scene'],
    [48, 27, 256, 'edges'],
    [21, 37, 720, 'random'], // the tallest the options allow is 1080; 720 keeps the test quick
    [1, 1, 16, 'random'],
    [5, 3, 16, 'edges'],
  ];
  for (const [w, h, short, pattern] of cases) {
    it(`${w}x${h} to short side ${short}, ${pattern}`, () => {
      const size = outputSize(w, h, short);
      const input = clip(w, h, w === 64 ? 16 : 3, pattern);
      expectSameBytes(resizeFrames(input, size.width, size.height).rgba, referenceResizeFrames(input, size.width, size.height).rgba);
    });
  }

  it('30 random sizes and targets, 2 frames each', () => {
    const random = lcg(99);
    for (let n = 0; n < 30; n++) {
      const w = 1 + Math.floor(random() * 70);
      const h = 1 + Math.floor(random() * 70);
      const size = outputSize(w, h, 16 + Math.floor(random() * 200));
      const input = clip(w, h, 2, n % 2 ? 'scene' : 'random', n);
      expectSameBytes(resizeFrames(input, size.width, size.height).rgba, referenceResizeFrames(input, size.width, size.height).rgba);
    }
  });

  it('the streamed path gives each frame the same bytes', () => {
    const input = clip(64, 64, 16, 'scene', 3);
    const all = referenceResizeFrames(input, 256, 256).rgba;
    const stream = resizedFrameStream(input, 256, 256);
    for (let i = 0; i < stream.frames; i++) expectSameBytes(stream.frame(i), all.subarray(i * 256 * 256 * 4, (i + 1) * 256 * 256 * 4));
  });

  it('a shrink (13 taps, the general loop) and a stretch in one axis', () => {
    const input = clip(40, 30, 2, 'random', 11);
    expectSameBytes(resizeFrames(input, 18, 14).rgba, referenceResizeFrames(input, 18, 14).rgba);
    expectSameBytes(resizeFrames(input, 96, 14).rgba, referenceResizeFrames(input, 96, 14).rgba);
  });

  it('the same size is passed through, as before', () => {
    const input = clip(32, 32, 2, 'scene');
    expect(resizeFrames(input, 32, 32)).toBe(input);
    expectSameBytes(resizedFrameStream(input, 32, 32).frame(1), input.rgba.subarray(32 * 32 * 4));
  });
});
