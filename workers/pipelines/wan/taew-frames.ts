// Owns the wan kind's decoder input and output (models/wan/CONTRACT.md):
// latent frame f of the final latent [16, F, h, w] as the TAEW2.1 graph's
// `latent` [1, 16, h, w] (unscaled: any scaling TAEW needs is inside the
// graph), the zero memories of its first call, and each call's image
// [framesPerLatent, 3, H, W] (about [0, 1]) written into the clip's RGBA
// frames as round(clamp(x · 255, 0, 255)), with the first trimFrames video
// frames of the whole clip dropped (TAEHV's first call makes frames that
// the VAE would not: Wan's first latent frame stands for one video frame).

import { toByte } from '../../frames';
import type { DecoderState } from '../../../src/shared/pipelines/wan';

/** Frame f of the latent [C, F, h, w]: the decoder's input [1, C, h, w] (written into `out`). */
export function latentFrame(latent: Float32Array, shape: readonly [number, number, number, number], f: number, out: Float32Array): Float32Array {
  const [channels, frames, h, w] = shape;
  const plane = h * w;
  if (out.length !== channels * plane) throw new RangeError(`out holds ${out.length} values, not ${channels} × ${h} × ${w}`);
  for (let c = 0; c < channels; c++) out.set(latent.subarray((c * frames + f) * plane, (c * frames + f + 1) * plane), c * plane);
  return out;
}

/** The MemBlock memories of the first call: zeros of each state's shape. */
export function zeroState(state: readonly DecoderState[]): Float32Array[] {
  return state.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
}

/**
 * Writes the video frames of decoder call `call` (image [framesPerLatent, 3, H, W]) into `rgba`, which
 * holds the clip after the trim: the call's frame k is video frame call · framesPerLatent + k, of which
 * the first `trimFrames` of the clip are dropped. Returns how many frames this call wrote.
 */
export function writeDecodedFrames(
  image: Float32Array,
  call: number,
  layout: { framesPerLatent: number; trimFrames: number; height: number; width: number },
  rgba: Uint8ClampedArray,
): number {
  const { framesPerLatent, trimFrames, height, width } = layout;
  const plane = height * width;
  if (image.length !== framesPerLatent * 3 * plane) {
    throw new RangeError(`the decoder's image has ${image.length} values, not ${framesPerLatent} × 3 × ${height} × ${width}`);
  }
  let written = 0;
  for (let k = 0; k < framesPerLatent; k++) {
    const frame = call * framesPerLatent + k - trimFrames;
    if (frame < 0) continue;
    const offset = frame * plane * 4;
    if (offset + plane * 4 > rgba.length) throw new RangeError(`video frame ${frame} is past the clip's ${rgba.length / (plane * 4)} frames`);
    const base = k * 3 * plane;
    for (let c = 0; c < 3; c++) {
      const from = base + c * plane;
      for (let p = 0; p < plane; p++) rgba[offset + p * 4 + c] = toByte(image[from + p]! * 255);
    }
    for (let p = 0; p < plane; p++) rgba[offset + p * 4 + 3] = 255;
    written++;
  }
  return written;
}
