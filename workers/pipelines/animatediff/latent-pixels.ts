// Owns the animatediff kind's pixels: the VAE decoder's image [1, 3, H, W]
// (about [-1, 1]) into one RGBA frame (CONTRACT.md: round(clamp((x + 1)·127.5))),
// the latent frame the decoder takes (frame f of [4, F, h, w], ÷ scalingFactor),
// and the cheap step preview: the clean estimate x0 mapped to RGB by a fixed
// linear approximation of SD 1.5's VAE, at the latent's own size (no decoder
// run, so a preview costs microseconds, not a VAE pass per frame).

import { toByte } from '../../frames';
import type { PreviewFrames } from '../../../src/shared/progress';

/**
 * RGB = Σ_c latent_c · LATENT_RGB[c] for SD 1.5 latents (scaled space, before ÷ scalingFactor).
 * The community's widely used fit of SD 1.5's VAE (as in ComfyUI's latent preview); only a preview:
 * on random weights it shows the latent's structure, not a picture.
 */
export const LATENT_RGB: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

/** Frame f of the latent [C, F, h, w], divided by the scaling factor: the decoder's input [1, C, h, w]. */
export function latentFrame(latent: Float32Array, shape: readonly [number, number, number, number], f: number, scalingFactor: number, out: Float32Array): Float32Array {
  const [channels, frames, h, w] = shape;
  const plane = h * w;
  for (let c = 0; c < channels; c++) {
    const from = (c * frames + f) * plane;
    for (let p = 0; p < plane; p++) out[c * plane + p] = latent[from + p]! / scalingFactor;
  }
  return out;
}

/** The decoder's image [1, 3, H, W] as RGBA bytes written at `offset` of `rgba`. */
export function imageToRgba(image: Float32Array, height: number, width: number, rgba: Uint8ClampedArray, offset: number): void {
  const plane = height * width;
  if (image.length !== 3 * plane) throw new RangeError(`the decoder's image has ${image.length} values, not 3 × ${height} × ${width}`);
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) rgba[offset + p * 4 + c] = toByte((image[base + p]! + 1) * 127.5);
  }
  for (let p = 0; p < plane; p++) rgba[offset + p * 4 + 3] = 255;
}

/** Every frame of x0 [4, F, h, w] as RGBA at h × w through LATENT_RGB. */
export function latentPreview(x0: Float32Array, shape: readonly [number, number, number, number]): PreviewFrames {
  const [channels, frames, height, width] = shape;
  const plane = height * width;
  const rgba = new Uint8ClampedArray(frames * plane * 4);
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < plane; p++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let c = 0; c < Math.min(channels, LATENT_RGB.length); c++) {
        const v = x0[(c * frames + f) * plane + p]!;
        const k = LATENT_RGB[c]!;
        r += v * k[0];
        g += v * k[1];
        b += v * k[2];
      }
      const at = (f * plane + p) * 4;
      rgba[at] = toByte((r + 1) * 127.5);
      rgba[at + 1] = toByte((g + 1) * 127.5);
      rgba[at + 2] = toByte((b + 1) * 127.5);
      rgba[at + 3] = 255;
    }
  }
  return { rgba, frames, width, height };
}
