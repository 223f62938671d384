// The upscaler as it was before its kernel was made faster (workers/upscale.ts
// at f4f29ba), kept as the reference the fast kernel must match byte for
// byte (tests/unit/upscale.test.ts, scripts/bench-upscale.mjs). Not used by the app.

import { toByte, type RgbaFrames } from '../../workers/frames';

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}
interface Taps {
  start: Int32Array;
  weights: Float32Array;
  size: number;
}
/** Precomputes, for each output position, the normalised weights of its source taps. */
function taps(srcLength: number, dstLength: number): Taps {
  const scale = dstLength / srcLength;
  // When shrinking, widen the kernel so it still averages every source pixel.
  const support = 3 * Math.max(1, 1 / scale);
  const size = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(dstLength);
  const weights = new Float32Array(dstLength * size);
  for (let i = 0; i < dstLength; i++) {
    const center = (i + 0.5) / scale - 0.5;
    const first = Math.floor(center - support) + 1;
    start[i] = first;
    let sum = 0;
    for (let k = 0; k < size; k++) {
      const w = lanczos3((first + k - center) / Math.max(1, 1 / scale));
      weights[i * size + k] = w;
      sum += w;
    }
    for (let k = 0; k < size; k++) weights[i * size + k]! /= sum;
  }
  return { start, weights, size };
}
/** Resizes every frame; returns new RGBA frames of the requested size. Alpha is kept opaque. */
export function referenceResizeFrames(input: RgbaFrames, width: number, height: number): RgbaFrames {
  if (width === input.width && height === input.height) return input;
  const h = taps(input.width, width);
  const v = taps(input.height, height);
  const srcW = input.width;
  const srcH = input.height;
  const out = new Uint8ClampedArray(input.frames * width * height * 4);
  const tmp = new Float32Array(srcH * width * 3);
  for (let f = 0; f < input.frames; f++) {
    const src = input.rgba.subarray(f * srcW * srcH * 4, (f + 1) * srcW * srcH * 4);
    for (let y = 0; y < srcH; y++) {
      for (let x = 0; x < width; x++) {
        let r = 0, g = 0, b = 0;
        const s = h.start[x]!;
        for (let k = 0; k < h.size; k++) {
          const sx = Math.min(srcW - 1, Math.max(0, s + k));
          const w = h.weights[x * h.size + k]!;
          const o = (y * srcW + sx) * 4;
          r += w * src[o]!;
          g += w * src[o + 1]!;
          b += w * src[o + 2]!;
        }
        const t = (y * width + x) * 3;
        tmp[t] = r;
        tmp[t + 1] = g;
        tmp[t + 2] = b;
      }
    }
    const dst = out.subarray(f * width * height * 4, (f + 1) * width * height * 4);
    for (let y = 0; y < height; y++) {
      const s = v.start[y]!;
      for (let x = 0; x < width; x++) {
        let r = 0, g = 0, b = 0;
        for (let k = 0; k < v.size; k++) {
          const sy = Math.min(srcH - 1, Math.max(0, s + k));
          const w = v.weights[y * v.size + k]!;
          const t = (sy * width + x) * 3;
          r += w * tmp[t]!;
          g += w * tmp[t + 1]!;
          b += w * tmp[t + 2]!;
        }
        const o = (y * width + x) * 4;
        // toByte is Math.round and the clamp, byte for byte, at a third of the cost.
        dst[o] = toByte(r);
        dst[o + 1] = toByte(g);
        dst[o + 2] = toByte(b);
        dst[o + 3] = 255;
      }
    }
  }
  return { rgba: out, frames: input.frames, width, height };
}
