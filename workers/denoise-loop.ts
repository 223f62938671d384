// Owns the sampling loop of pipeline "dit-rectified-flow": seeded noise, the
// rectified-flow timesteps, one batch-2 denoiser call per step (conditional
// row 0, unconditional row 1), guidance, previews, and cooperative
// cancellation between steps. It never touches ONNX: a Stepper does the
// steps, either on the CPU (cpuStepper: the caller passes a function that
// runs the denoiser, so the maths is tested in Vitest) or on the GPU
// (gpu-latents.ts: the latents never leave the GPU between steps).

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

/** Holds the latents between steps, wherever they live. */
export interface Stepper {
  start(sample: Float32Array): Promise<void>;
  /** One guided Euler step from t to tNext; writes the clean estimate at t into `preview` when given. */
  step(t: number, tNext: number, guidance: number, preview: Float32Array | null): Promise<void>;
  /** The final sample, on the CPU. */
  finish(): Promise<Float32Array>;
  /** Frees what the stepper holds (GPU buffers); called after finish() and after a cancel. */
  release(): void;
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

/** The latents stay in a Float32Array; every step sends [x; x] to the denoiser and reads the velocity back. */
export function cpuStepper(velocityFn: VelocityFn, sampleSize: number): Stepper {
  const scratch = createScratch(sampleSize);
  const before = new Float32Array(sampleSize);
  let sample: Float32Array = new Float32Array(sampleSize);
  return {
    async start(initial) {
      sample = initial;
    },
    async step(t, tNext, guidance, preview) {
      if (preview) before.set(sample);
      await denoiseStep(sample, velocityFn, t, tNext, guidance, scratch);
      if (preview) cleanEstimate(before, scratch.guided, t, preview);
    },
    async finish() {
      return sample;
    },
    release() {},
  };
}

export async function denoise(request: DenoiseRequest, stepper: Stepper, hooks: DenoiseHooks): Promise<Float32Array> {
  try {
    await stepper.start(gaussianNoise(request.seed, request.sampleSize));
    const ts = timesteps(request.steps, request.shift);
    for (let i = 0; i < request.steps; i++) {
      await hooks.checkpoint();
      const wantPreview = request.previewEvery > 0 && ((i + 1) % request.previewEvery === 0 || i === 0) && i + 1 < request.steps;
      const preview = wantPreview ? new Float32Array(request.sampleSize) : null;
      const started = performance.now();
      await stepper.step(ts[i]!, ts[i + 1]!, request.guidance, preview);
      hooks.onStep(i + 1, request.steps, performance.now() - started, preview);
    }
    return await stepper.finish();
  } finally {
    stepper.release();
  }
}
