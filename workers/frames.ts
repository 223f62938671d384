// Owns turning a model sample into pixels. The v1 contract's sample is RGB
// in [-1, 1] with layout [C, T, H, W]; pixel = round(clamp((x + 1) * 127.5)),
// and back (known frames of a continuation) x = pixel / 127.5 - 1. The
// rounding to bytes (toByte) is shared with the upscaler.

export interface RgbaFrames {
  /** `frames` RGBA images of width x height, back to back. */
  rgba: Uint8ClampedArray;
  frames: number;
  width: number;
  height: number;
}

export function sampleToRgba(sample: Float32Array, shape: readonly [number, number, number, number]): RgbaFrames {
  const [channels, frames, height, width] = shape;
  if (channels !== 3) throw new Error(`expected 3 channels, got ${channels}`);
  if (sample.length !== channels * frames * height * width) throw new Error('sample size does not match its shape');
  const pixels = frames * height * width;
  const rgba = new Uint8ClampedArray(pixels * 4);
  // Channel by channel: each plane of [C, T, H, W] is read in order (runs every 2 steps for the previews).
  for (let c = 0; c < 3; c++) {
    const base = c * pixels;
    for (let i = 0; i < pixels; i++) rgba[i * 4 + c] = toByte((sample[base + i]! + 1) * 127.5);
  }
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return { rgba, frames, width, height };
}

/**
 * Exactly what storing Math.round(v) into a Uint8ClampedArray stores (NaN
 * included), without Math.round, which costs several times more here: for
 * 0.5 <= v < 2^52, v + 0.5 is exact or its rounding cannot cross an integer,
 * so its truncation is Math.round(v); below 0.5 the result clamps to 0.
 * tests/unit/frames-bytes.test.ts checks the edges.
 */
export function toByte(v: number): number {
  return v < 0.5 ? 0 : v >= 254.5 ? 255 : (v + 0.5) | 0;
}

/** Drops alpha: the bytes hashed to compare runs (model resolution, before encoding). */
export function rgbaToRgb(frames: RgbaFrames): Uint8Array {
  const n = frames.rgba.length / 4;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = frames.rgba[i * 4]!;
    out[i * 3 + 1] = frames.rgba[i * 4 + 1]!;
    out[i * 3 + 2] = frames.rgba[i * 4 + 2]!;
  }
  return out;
}

/**
 * The known leading frames of a continuation as sample values: x0 (zero
 * elsewhere) and, per channel, the one contiguous range of the first
 * `frames` frames in the [C, T, H, W] layout.
 */
export function knownRegion(
  rgba: Uint8Array,
  known: number,
  shape: readonly [number, number, number, number],
): { x0: Float32Array; ranges: [number, number][] } {
  const [channels, frames, height, width] = shape;
  const plane = height * width;
  if (known >= frames) throw new Error(`known frames (${known}) must be fewer than the clip's ${frames}`);
  if (rgba.length !== known * plane * 4) throw new Error(`known frames need ${known * plane * 4} RGBA bytes, got ${rgba.length}`);
  const x0 = new Float32Array(channels * frames * plane);
  const ranges: [number, number][] = [];
  for (let c = 0; c < channels; c++) {
    for (let t = 0; t < known; t++) {
      for (let p = 0; p < plane; p++) x0[(c * frames + t) * plane + p] = rgba[(t * plane + p) * 4 + c]! / 127.5 - 1;
    }
    ranges.push([c * frames * plane, (c * frames + known) * plane]);
  }
  return { x0, ranges };
}
