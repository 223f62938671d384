// Checks that the fast byte rounding of frames.ts (toByte, used by
// sampleToRgba and the upscaler) stores exactly what Math.round into a
// Uint8ClampedArray stored before it, so frames and their SHA-256 stay
// byte-identical: at every half-way point and its neighbouring doubles, at
// the edges of the range, on NaN and infinities, and on random values.

import { describe, expect, it } from 'vitest';
import { sampleToRgba, toByte } from '../../workers/frames';
import { gaussianNoise } from '../../workers/noise';

const bits = new Float64Array(1);
const ints = new BigInt64Array(bits.buffer);
/** The double next to x, towards +∞ (up) or −∞; x > 0. */
function nextDouble(x: number, up: boolean): number {
  bits[0] = x;
  ints[0] = ints[0]! + (up ? 1n : -1n);
  return bits[0]!;
}

/** What the code stored before: Math.round, then Uint8ClampedArray's own clamp. */
function reference(v: number): number {
  const out = new Uint8ClampedArray(1);
  out[0] = Math.round(v);
  return out[0]!;
}

describe('toByte', () => {
  it('matches Math.round into a Uint8ClampedArray at every edge', () => {
    const values = [NaN, Infinity, -Infinity, 0, -0, 0.49999999999999994, 0.5, 254.5, 255, 255.49, 256, 1e300, -1e300, 2 ** 52, 2 ** 53];
    for (let k = -2; k <= 258; k++) {
      for (const base of [k, k + 0.5]) {
        values.push(base);
        if (base > 0) {
          let down = base;
          let up = base;
          for (let i = 0; i < 4; i++) values.push((down = nextDouble(down, false)), (up = nextDouble(up, true)));
        }
      }
    }
    for (const v of values) expect(toByte(v), String(v)).toBe(reference(v));
  });

  it('matches it on a million random values, in range and out of it', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let i = 0; i < 1_000_000; i++) {
      const v = random() * 300 - 20;
      if (toByte(v) !== reference(v)) expect(toByte(v), String(v)).toBe(reference(v));
    }
  });
});

describe('sampleToRgba', () => {
  it('gives the pixels of the contract, pixel = round(clamp((x + 1) * 127.5)), opaque', () => {
    const shape = [3, 4, 6, 5] as const;
    const sample = gaussianNoise(11, 3 * 4 * 6 * 5).map((x) => x * 1.5);
    const { rgba } = sampleToRgba(sample, shape);
    const plane = 6 * 5;
    for (let t = 0; t < 4; t++) {
      for (let p = 0; p < plane; p++) {
        const o = (t * plane + p) * 4;
        for (let c = 0; c < 3; c++) expect(rgba[o + c]).toBe(reference((sample[(c * 4 + t) * plane + p]! + 1) * 127.5));
        expect(rgba[o + 3]).toBe(255);
      }
    }
  });
});
