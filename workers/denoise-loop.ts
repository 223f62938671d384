// Owns the sampling loop of pipeline "dit-rectified-flow": seeded noise, the
// rectified-flow timesteps, one batch-2 denoiser call per step (conditional
// row 0, unconditional row 1), guidance, previews, and cooperative
// cancellation between steps. It never touches ONNX: the caller passes a
// function that runs the denoiser, so the maths is tested in Vitest.

import { gaussianNoise } from './noise';
import { cleanEstimate, guidedEulerStep, timesteps } from './scheduler';

/** Runs the denoiser on [x; x] at time t and returns the raw [2, ...] velocity. */
export type VelocityFn = (batch: Float32Array, t: number) => Promise<Float32Array>;

export interface DenoiseRequest {
  seed: number;
  /** C*T*H*W of one batch row. */
  sampleSize: number;
  steps: number;
  guidance: number;
  shift: number;
  previewEvery: number;
}

export interface DenoiseHooks {
  /** Throws AbortError when the job was cancelled; awaited before every step. */
  checkpoint(): Promise<void>;
  onStep(step: number, steps: number, stepMs: number, preview: Float32Array | null): void;
}

export interface StepScratch {
  batch: Float32Array;
  guided: Float32Array;
}

export function createScratch(sampleSize: number): StepScratch {
  return { batch: new Float32Array(2 * sampleSize), guided: new Float32Array(sampleSize) };
}

/** One guided Euler step in place on `sample`; returns the raw velocity. */
export async function denoiseStep(
  sample: Float32Array,
  velocityFn: VelocityFn,
  t: number,
  tNext: number,
  guidance: number,
  scratch: StepScratch,
): Promise<Float32Array> {
  // Both batch rows see the same noisy sample; only the text differs.
  scratch.batch.set(sample, 0);
  scratch.batch.set(sample, sample.length);
  const velocity = await velocityFn(scratch.batch, t);
  guidedEulerStep(sample, velocity, guidance, t, tNext, scratch.guided);
  return velocity;
}

export async function denoise(request: DenoiseRequest, velocityFn: VelocityFn, hooks: DenoiseHooks): Promise<Float32Array> {
  const sample = gaussianNoise(request.seed, request.sampleSize);
  const ts = timesteps(request.steps, request.shift);
  const scratch = createScratch(request.sampleSize);
  const before = new Float32Array(request.sampleSize);
  for (let i = 0; i < request.steps; i++) {
    await hooks.checkpoint();
    const t = ts[i]!;
    const wantPreview = request.previewEvery > 0 && ((i + 1) % request.previewEvery === 0 || i === 0) && i + 1 < request.steps;
    if (wantPreview) before.set(sample);
    const started = performance.now();
    await denoiseStep(sample, velocityFn, t, ts[i + 1]!, request.guidance, scratch);
    const stepMs = performance.now() - started;
    let preview: Float32Array | null = null;
    if (wantPreview) {
      preview = new Float32Array(request.sampleSize);
      cleanEstimate(before, scratch.guided, t, preview);
    }
    hooks.onStep(i + 1, request.steps, stepMs, preview);
  }
  return sample;
}
