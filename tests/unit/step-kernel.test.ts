// The WebAssembly step kernel (workers/pipelines/dit-rectified-flow/step-kernel.wat) gives scheduler.ts
// guidedStep's bits: guided and unguided, Euler (c = 0) and multistep, sizes
// that are not a multiple of 4 (the scalar tail), signed zeros and extreme
// values; and the built module is the one the .wat describes.
import { describe, expect, it } from 'vitest';
import { guidedStep } from '../../workers/pipelines/dit-rectified-flow/scheduler';
import { createStepKernel } from '../../workers/pipelines/dit-rectified-flow/step-kernel';
import { buildStepKernel } from '../../scripts/build-step-kernel.mjs';
import { readFileSync } from 'node:fs';

function random(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * (i % 17 === 0 ? 1e6 : 3);
  }
  // Edge values: signed zeros, a subnormal, a huge one.
  if (n > 8) out.set([0, -0, 1e-40, -3e38], 0);
  return out;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('WebAssembly step kernel', () => {
  it('gives guidedStep bit for bit over several steps', () => {
    for (const n of [1, 3, 4, 7, 64, 1001, 3 * 16 * 64 * 64]) {
      const kernel = createStepKernel(n);
      expect(kernel).not.toBeNull();
      const sample = random(n, n);
      const clean = new Float32Array(n);
      kernel!.sample.set(sample);
      kernel!.clean.set(clean);
      // t, tNext, guidance (null: unguided), correction (0: Euler)
      const steps: [number, number, number | null, number][] = [
        [1, 0.965, null, 0],
        [0.965, 0.9259259104728699, null, 0.015],
        [0.9259259104728699, 2 / 3, 2, 0.022],
        [2 / 3, 0.18518517911434174, 2, 0],
        [0.18518517911434174, 0, 4.5, 0.343],
      ];
      steps.forEach(([t, tNext, guidance, c], k) => {
        const velocity = random(guidance === null && k % 2 === 0 ? n : 2 * n, 1000 * n + k);
        guidedStep(sample, velocity, guidance, t, tNext, c, clean);
        kernel!.step(velocity, guidance, t, tNext, c);
        expect(bits(kernel!.sample)).toEqual(bits(sample));
        expect(bits(kernel!.clean)).toEqual(bits(clean));
      });
    }
  });

  it('refuses a velocity of the wrong length, as guidedStep does', () => {
    const kernel = createStepKernel(8)!;
    expect(() => kernel.step(new Float32Array(8), 2, 1, 0.5, 0)).toThrow(/expected 16/);
    expect(() => kernel.step(new Float32Array(9), null, 1, 0.5, 0)).toThrow(/expected 8 or 16/);
  });

  it('is built from step-kernel.wat (node scripts/build-step-kernel.mjs after an edit)', async () => {
    expect(readFileSync(new URL('../../workers/pipelines/dit-rectified-flow/step-kernel-wasm.ts', import.meta.url), 'utf8')).toBe(await buildStepKernel());
  });
});
