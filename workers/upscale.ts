// Owns resizing model frames to a watchable size before encoding. Models
// produce tiny frames (32 px and up); a browser's own <video> scaling of a
// tiny stream is blurry and codecs handle tiny frames badly, so we resample
// once with a separable Lanczos-3 filter and always land on even
// dimensions, which H.264's 4:2:0 chroma subsampling requires.
//
// The bytes are fixed: the frames' pixels (and so every MP4 of a seed) must
// not change with a faster kernel. Each output value is the same float
// arithmetic as the first, plain implementation (tests/unit/upscale-reference.ts):
// float32 weights, products and sums in doubles tap by tap from the first
// tap, the horizontal pass stored as float32, rounded with toByte. What is
// faster is only the bookkeeping around it: clamped source offsets and
// weights are looked up once per output column or row (not clamped per tap),
// the last tap of an upscale (its weight is always 0) is dropped and the
// other 6 unrolled, and each pixel is stored as one 32-bit word.
// tests/unit/upscale.test.ts compares it byte for byte.

import { toByte, type RgbaFrames } from './frames';

/** Output size: short side at least `shortSide`, aspect kept, both dimensions even. */
export function outputSize(width: number, height: number, shortSide: number): { width: number; height: number } {
  const scale = Math.max(1, shortSide / Math.min(width, height));
  const even = (v: number) => Math.max(2, 2 * Math.round(v / 2));
  return { width: even(width * scale), height: even(height * scale) };
}

function lanczos3(x: number): number {
  if (x === 0) return 1;
  if (x <= -3 || x >= 3) return 0;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

interface Taps {
  /** Per output position, `size` clamped source indices. */
  index: Int32Array;
  /** Per output position, `size` normalised weights: float32 values, held as doubles so reading them converts nothing. */
  weights: Float64Array;
  size: number;
}

/** Precomputes, for each output position, its source taps (clamped to the edge) and their normalised weights. */
function taps(srcLength: number, dstLength: number): Taps {
  const scale = dstLength / srcLength;
  // When shrinking, widen the kernel so it still averages every source pixel.
  const support = 3 * Math.max(1, 1 / scale);
  const size = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(dstLength * size);
  const w32 = new Float32Array(dstLength * size);
  for (let i = 0; i < dstLength; i++) {
    const center = (i + 0.5) / scale - 0.5;
    const first = Math.floor(center - support) + 1;
    let sum = 0;
    for (let k = 0; k < size; k++) {
      const w = lanczos3((first + k - center) / Math.max(1, 1 / scale));
      w32[i * size + k] = w;
      sum += w;
      index[i * size + k] = Math.min(srcLength - 1, Math.max(0, first + k));
    }
    // Divided in float32 storage, as the weights always were.
    for (let k = 0; k < size; k++) w32[i * size + k]! /= sum;
  }
  // The last tap sits at 3 or more from the centre when upscaling (first is
  // above centre - 3), so its weight is exactly 0 at every position: adding
  // its w * pixel (a zero) changes no sum but the sign of a zero, which rounds
  // to the same byte. Dropping it saves a seventh of the work.
  let used = size;
  const allZero = (k: number) => {
    for (let i = 0; i < dstLength; i++) if (w32[i * size + k] !== 0) return false;
    return true;
  };
  while (used > 1 && allZero(used - 1)) used--;
  const kept = { index: new Int32Array(dstLength * used), weights: new Float64Array(dstLength * used), size: used };
  for (let i = 0; i < dstLength; i++) {
    for (let k = 0; k < used; k++) {
      kept.index[i * used + k] = index[i * size + k]!;
      kept.weights[i * used + k] = w32[i * size + k]!;
    }
  }
  return kept;
}

/** Everything about one resize that does not depend on the pixels; made once per clip. */
export interface UpscalePlan {
  srcWidth: number;
  srcHeight: number;
  width: number;
  height: number;
  /** Horizontal taps, as byte offsets into a source row. */
  h: Taps;
  /** Vertical taps, as offsets of rows of the float32 RGB intermediate. */
  v: Taps;
  /** The horizontal pass's output: srcHeight rows of width RGB values. */
  tmp: Float32Array;
}

let lastPlan: UpscalePlan | null = null;

/** The plan for a resize; the last one is kept (a clip after a clip has the same sizes), with its scratch buffer. */
export function upscalePlan(srcWidth: number, srcHeight: number, width: number, height: number): UpscalePlan {
  const last = lastPlan;
  if (last && last.srcWidth === srcWidth && last.srcHeight === srcHeight && last.width === width && last.height === height) return last;
  const h = taps(srcWidth, width);
  for (let i = 0; i < h.index.length; i++) h.index[i]! *= 4;
  const v = taps(srcHeight, height);
  for (let i = 0; i < v.index.length; i++) v.index[i]! *= width * 3;
  // Made once per size (the sines of ~3.5 k weights, about 0.5 ms warm and far more before V8 has compiled it).
  return (lastPlan = { srcWidth, srcHeight, width, height, h, v, tmp: new Float32Array(srcHeight * width * 3) });
}

// Pixels go out as one 32-bit word (R in the lowest byte): true on every
// little-endian machine, which is every browser's; a big-endian one stores bytes.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Upscales one RGBA frame (`src`, srcWidth x srcHeight) into `dst` (width x height RGBA, opaque). */
export function upscaleFrame(plan: UpscalePlan, src: Uint8ClampedArray | Uint8Array, dst: Uint8ClampedArray): void {
  const { srcHeight, width, height, tmp } = plan;
  const rowBytes = plan.srcWidth * 4;
  if (plan.h.size === 6) horizontal6(plan.h, src, tmp, rowBytes, srcHeight, width);
  else horizontalAny(plan.h, src, tmp, rowBytes, srcHeight, width);
  if (plan.v.size === 6 && LITTLE_ENDIAN && dst.byteOffset % 4 === 0) {
    vertical6(plan.v, tmp, new Uint32Array(dst.buffer, dst.byteOffset, width * height), width, height);
  } else verticalAny(plan.v, tmp, dst, width, height);
}

function horizontal6(t: Taps, src: ArrayLike<number>, tmp: Float32Array, rowBytes: number, rows: number, width: number): void {
  const ix = t.index;
  const wt = t.weights;
  for (let x = 0; x < width; x++) {
    // One column's taps in locals, then down every row of the source.
    const p = x * 6;
    const i0 = ix[p]!, i1 = ix[p + 1]!, i2 = ix[p + 2]!, i3 = ix[p + 3]!, i4 = ix[p + 4]!, i5 = ix[p + 5]!;
    const w0 = wt[p]!, w1 = wt[p + 1]!, w2 = wt[p + 2]!, w3 = wt[p + 3]!, w4 = wt[p + 4]!, w5 = wt[p + 5]!;
    for (let y = 0, o = 0, d = x * 3; y < rows; y++, o += rowBytes, d += width * 3) {
      for (let c = 0; c < 3; c++) {
        const s = o + c;
        tmp[d + c] =
          w0 * src[s + i0]! + w1 * src[s + i1]! + w2 * src[s + i2]! + w3 * src[s + i3]! + w4 * src[s + i4]! + w5 * src[s + i5]!;
      }
    }
  }
}

function vertical6(t: Taps, tmp: Float32Array, dst: Uint32Array, width: number, height: number): void {
  const ix = t.index;
  const wt = t.weights;
  const n = width * 3;
  for (let y = 0; y < height; y++) {
    const p = y * 6;
    const r0 = ix[p]!, r1 = ix[p + 1]!, r2 = ix[p + 2]!, r3 = ix[p + 3]!, r4 = ix[p + 4]!, r5 = ix[p + 5]!;
    const w0 = wt[p]!, w1 = wt[p + 1]!, w2 = wt[p + 2]!, w3 = wt[p + 3]!, w4 = wt[p + 4]!, w5 = wt[p + 5]!;
    for (let j = 0, o = y * width; j < n; j += 3, o++) {
      const r = w0 * tmp[r0 + j]! + w1 * tmp[r1 + j]! + w2 * tmp[r2 + j]! + w3 * tmp[r3 + j]! + w4 * tmp[r4 + j]! + w5 * tmp[r5 + j]!;
      const k = j + 1;
      const g = w0 * tmp[r0 + k]! + w1 * tmp[r1 + k]! + w2 * tmp[r2 + k]! + w3 * tmp[r3 + k]! + w4 * tmp[r4 + k]! + w5 * tmp[r5 + k]!;
      const l = j + 2;
      const b = w0 * tmp[r0 + l]! + w1 * tmp[r1 + l]! + w2 * tmp[r2 + l]! + w3 * tmp[r3 + l]! + w4 * tmp[r4 + l]! + w5 * tmp[r5 + l]!;
      dst[o] = toByte(r) | (toByte(g) << 8) | (toByte(b) << 16) | 0xff000000;
    }
  }
}

/** Any other tap count (a shrink, which outputSize never asks for): the same sums, not unrolled. */
function horizontalAny(t: Taps, src: ArrayLike<number>, tmp: Float32Array, rowBytes: number, rows: number, width: number): void {
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = x * t.size; k < (x + 1) * t.size; k++) sum += t.weights[k]! * src[y * rowBytes + t.index[k]! + c]!;
        tmp[(y * width + x) * 3 + c] = sum;
      }
    }
  }
}

function verticalAny(t: Taps, tmp: Float32Array, dst: Uint8ClampedArray, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = y * t.size; k < (y + 1) * t.size; k++) sum += t.weights[k]! * tmp[t.index[k]! + x * 3 + c]!;
        dst[(y * width + x) * 4 + c] = toByte(sum);
      }
      dst[(y * width + x) * 4 + 3] = 255;
    }
  }
}

/** Upscales frame by frame as the encoder asks for them (the encoder's FrameSource shape), holding one output frame at a time. */
export function resizedFrameStream(input: RgbaFrames, width: number, height: number) {
  const size = input.width * input.height * 4;
  const same = width === input.width && height === input.height;
  const plan = upscalePlan(input.width, input.height, width, height);
  return {
    width,
    height,
    frames: input.frames,
    frame: (i: number) => {
      if (same) return input.rgba.subarray(i * size, (i + 1) * size);
      const out = new Uint8ClampedArray(width * height * 4);
      upscaleFrame(plan, input.rgba.subarray(i * size, (i + 1) * size), out);
      return out;
    },
  };
}

/** Resizes every frame; returns new RGBA frames of the requested size. Alpha is kept opaque. */
export function resizeFrames(input: RgbaFrames, width: number, height: number): RgbaFrames {
  if (width === input.width && height === input.height) return input;
  const plan = upscalePlan(input.width, input.height, width, height);
  const srcSize = input.width * input.height * 4;
  const dstSize = width * height * 4;
  const out = new Uint8ClampedArray(input.frames * dstSize);
  for (let f = 0; f < input.frames; f++) {
    upscaleFrame(plan, input.rgba.subarray(f * srcSize, (f + 1) * srcSize), out.subarray(f * dstSize, (f + 1) * dstSize));
  }
  return { rgba: out, frames: input.frames, width, height };
}
