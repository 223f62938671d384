// Owns following the one object of a built-in-model clip through its frames:
// the background estimate, the object's mask, and per frame its centroid and
// bounding box (or null where no object shows). motion-events.ts turns the
// track into events. Pure (no DOM), so Vitest runs it on real model frames.
//
// Why a per-row background: every background of the built-in model's world
// (sky, grass, sand, sunset, night, black, white) is a vertical gradient, so
// one row of background is one colour. The object is at most about a third
// of a row wide, so the median of a row's pixels over all frames is that
// row's background colour, even for an object that never moves (a per-pixel
// median over time would take a resting object for background).

import type { ModelFrames } from './engine-api';

/** Colour distance (|ΔR| + |ΔG| + |ΔB|, 0–765) above which a pixel is not background; models/zoetrope/detect.py uses the same. */
export const OBJECT_DISTANCE = 60;
/** Fewer pixels than this (at 64×64; scaled by area) is no object: a star, noise, a smear. */
export const MIN_OBJECT_AREA = 8;

export interface TrackPoint {
  /** Centroid, in pixels from the frame's top-left corner (x right, y down): pixel (0, 0)'s centre is (0.5, 0.5). */
  x: number;
  y: number;
  /** Bounding box, inclusive pixel rows and columns. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  area: number;
}

/** One entry a frame; null where no object shows. */
export type Track = (TrackPoint | null)[];

/** A clip's pixels: ModelFrames, or the engine's RgbaFrames (a Uint8ClampedArray) as they are. */
export type ClipPixels = Omit<ModelFrames, 'rgba'> & { rgba: Uint8Array | Uint8ClampedArray };

/** The background colour of each row, [row][r, g, b]: the median over every pixel of that row in every frame. */
export function rowBackground(clip: ClipPixels): Uint8Array {
  const { width, height, frames, rgba } = clip;
  const out = new Uint8Array(height * 3);
  const values = new Uint8Array(width * frames);
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < 3; c++) {
      let n = 0;
      for (let f = 0; f < frames; f++) {
        const row = (f * height + y) * width * 4;
        for (let x = 0; x < width; x++) values[n++] = rgba[row + x * 4 + c]!;
      }
      out[y * 3 + c] = median(values);
    }
  }
  return out;
}

/** Median of bytes by counting (no sort): exact, and fast for 64 × 16 values a row. */
function median(values: Uint8Array): number {
  const counts = new Uint32Array(256);
  for (const v of values) counts[v]!++;
  const half = values.length / 2;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += counts[v]!;
    if (seen >= half) return v;
  }
  return 255;
}

/** Pixels far from their row's background, 1 a pixel, frame by frame. */
export function objectMask(clip: ClipPixels, background: Uint8Array, frame: number): Uint8Array {
  const { width, height, rgba } = clip;
  const mask = new Uint8Array(width * height);
  const base = frame * width * height * 4;
  for (let y = 0; y < height; y++) {
    const br = background[y * 3]!, bg = background[y * 3 + 1]!, bb = background[y * 3 + 2]!;
    for (let x = 0; x < width; x++) {
      const p = base + (y * width + x) * 4;
      const d = Math.abs(rgba[p]! - br) + Math.abs(rgba[p + 1]! - bg) + Math.abs(rgba[p + 2]! - bb);
      if (d > OBJECT_DISTANCE) mask[y * width + x] = 1;
    }
  }
  return mask;
}

/**
 * The largest 8-connected region of the mask: the world has one object, and
 * the rest (night stars, a stray pixel of the model's halo) are small.
 */
export function largestRegion(mask: Uint8Array, width: number, height: number): TrackPoint | null {
  const label = new Int32Array(width * height);
  const stack: number[] = [];
  let best: TrackPoint | null = null;
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start]) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let area = 0, sx = 0, sy = 0;
    let left = width, top = height, right = -1, bottom = -1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width, y = (p - x) / width;
      area++; sx += x; sy += y;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !label[q]) {
            label[q] = next;
            stack.push(q);
          }
        }
      }
    }
    if (!best || area > best.area) best = { x: sx / area + 0.5, y: sy / area + 0.5, left, top, right, bottom, area };
  }
  return best;
}

/** The object's centroid and box in every frame (null where it is absent or too small to be it). */
export function trackObject(clip: ClipPixels): Track {
  const { width, height, frames } = clip;
  if (clip.rgba.length !== width * height * frames * 4) throw new RangeError(`trackObject: ${clip.rgba.length} bytes is not ${frames} RGBA frames of ${width}×${height}`);
  const background = rowBackground(clip);
  const minArea = MIN_OBJECT_AREA * (width * height) / (64 * 64);
  const track: Track = [];
  for (let f = 0; f < frames; f++) {
    const region = largestRegion(objectMask(clip, background, f), width, height);
    track.push(region && region.area >= minArea ? region : null);
  }
  return track;
}
