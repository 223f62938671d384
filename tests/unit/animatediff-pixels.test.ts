// The animatediff kind's pixels (workers/pipelines/animatediff/latent-pixels.ts): the decoder's
// input is frame f of the [C, F, h, w] latent divided by the scaling factor; the decoder's image
// becomes bytes by the contract's round(clamp((x + 1)·127.5)); the step preview maps x0 through
// the fixed latent→RGB matrix at the latent's own size, every frame.
import { describe, expect, it } from 'vitest';
import { imageToRgba, LATENT_RGB, latentFrame, latentPreview } from '../../workers/pipelines/animatediff/latent-pixels';

describe('animatediff pixels', () => {
  it('takes frame f of every channel, divided by the scaling factor', () => {
    const shape = [2, 3, 1, 2] as const; // C=2, F=3, h=1, w=2
    const latent = Float32Array.from({ length: 12 }, (_, i) => i); // [c][f][p] = c*6 + f*2 + p
    const out = latentFrame(latent, shape, 1, 0.5, new Float32Array(4));
    expect(Array.from(out)).toEqual([2 / 0.5, 3 / 0.5, 8 / 0.5, 9 / 0.5]);
  });

  it('turns the image into bytes with the contract formula, alpha 255, at the frame offset', () => {
    const image = Float32Array.from([-1, 1, 0, 2, -2, 0.003, 0, 0, 0, 0, 0, 0]); // 3 channels of 2 × 2
    const rgba = new Uint8ClampedArray(2 * 4 * 4);
    imageToRgba(image, 2, 2, rgba, 16);
    expect(Array.from(rgba.subarray(0, 16))).toEqual(new Array(16).fill(0));
    const reds = [0, 255, 128, 255];
    const greens = [0, 128, 128, 128];
    for (let p = 0; p < 4; p++) {
      expect(rgba[16 + p * 4]).toBe(reds[p]);
      expect(rgba[16 + p * 4 + 1]).toBe(greens[p]);
      expect(rgba[16 + p * 4 + 3]).toBe(255);
    }
    expect(() => imageToRgba(new Float32Array(5), 2, 2, rgba, 0)).toThrow(RangeError);
  });

  it('previews every frame of x0 at the latent size through LATENT_RGB', () => {
    const shape = [4, 2, 1, 1] as const;
    const x0 = new Float32Array(8);
    x0[0] = 1; // channel 0, frame 0
    const preview = latentPreview(x0, shape);
    expect([preview.frames, preview.width, preview.height]).toEqual([2, 1, 1]);
    const want = LATENT_RGB[0]!.map((k) => Math.round((k + 1) * 127.5));
    expect(Array.from(preview.rgba.subarray(0, 3))).toEqual(want);
    expect(Array.from(preview.rgba.subarray(4, 8))).toEqual([128, 128, 128, 255]);
  });
});
