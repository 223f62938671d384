// Owns the sampling loop of pipeline "dit-rectified-flow": seeded noise, the
// rectified-flow timesteps and the pack's sampler (scheduler.ts), one batch-2
// denoiser call per step (conditional row 0, unconditional row 1), guidance
// on the pack's interval (the other steps take the conditional velocity
// alone, from a batch-1 call where the backend has that graph), previews,
// and cooperative cancellation between steps. It never touches ONNX: a Stepper does the
// steps, either on the CPU (cpuStepper: the caller passes a function that
// runs the denoiser, so the maths is tested in Vitest) or on the GPU
// (gpu-latents.ts: the latents never leave the GPU between steps).

import { gaussianNoise } from '../../noise';
import type { SchedulerKind } from '../../../src/shared/pipelines/dit-rectified-flow';
import { guidedStep, guidedSteps, stepCorrections, timesteps } from './scheduler';
import { createStepKernel, type StepKernel } from './step-kernel';

/** Runs the denoiser on [x; x] at time t and returns the raw [2, ...] velocity. */
export type VelocityFn = (batch: Float32Array, t: number) => Promise<Float32Array>;
/** Runs the conditional half alone (batch 1) on x at time t and returns its [1, ...] velocity. */
export type ConditionalFn = (sample: Float32Array, t: number) => Promise<Float32Array>;

export interface DenoiseRequest {
  seed: number;
  /** C*T*H*W of one batch row. */
  sampleSize: number;
  steps: number;
  guidance: number;
  shift: number;
  /** The pack's sampler (manifest scheduler.kind). */
  scheduler: SchedulerKind;
  /** Guidance only on steps with t in (lo, hi] (manifest scheduler.guidanceInterval); absent: every step. */
  guidanceInterval?: readonly [number, number] | undefined;
  previewEvery: number;
  /** Known clean values (x0) re-imposed at every step, RePaint-style; null for none. */
  known?: KnownRegion | null;
}

/** Clean sample values for some positions of the sample (the rest are free). */
export interface KnownRegion {
  /** Same length as one batch row; only positions inside `ranges` are read. */
  x0: Float32Array;
  /** [start, end) ranges of sample positions that are known. */
  ranges: [number, number][];
}

/**
 * The rectified-flow forward process at time t for the known positions:
 * x_t = (1 - t) x0 + t eps, with eps the job's own starting noise, so the
 * known part stays on the same trajectory the sampler is following.
 */
export function imposeKnown(sample: Float32Array, known: KnownRegion, noise: Float32Array, t: number): void {
  for (const [start, end] of known.ranges) {
    for (let i = start; i < end; i++) sample[i] = (1 - t) * known.x0[i]! + t * noise[i]!;
  }
}

export interface DenoiseHooks {
  /** Throws AbortError when the job was cancelled; awaited before every step. */
  checkpoint(): Promise<void>;
  /** `preview` is the loop's own buffer, overwritten at the next preview: read it during the call. */
  onStep(step: number, steps: number, stepMs: number, preview: Float32Array | null): void;
}

/** Holds the latents between steps, wherever they live. */
export interface Stepper {
  start(sample: Float32Array): Promise<void>;
  /**
   * One guided step from t to tNext with multistep weight `correction`
   * (scheduler.ts guidedStep; guidance null: unguided, the conditional
   * velocity alone); writes the clean estimate at t into `preview` when given.
   */
  step(t: number, tNext: number, guidance: number | null, correction: number, preview: Float32Array | null): Promise<void>;
  /** The final sample, on the CPU. */
  finish(): Promise<Float32Array>;
  /** Frees what the stepper holds (GPU buffers); called after finish() and after a cancel. */
  release(): void;
  /** The live sample, when the latents are on the CPU (known frames are imposed on it). */
  cpuSample?: () => Float32Array;
}

export interface StepScratch {
  batch: Float32Array;
  /** The clean estimate x0 of the last step (the multistep sampler's memory). */
  clean: Float32Array;
  /** guidedStep in WebAssembly (step-kernel.ts); then `clean` and the sample are views on its memory. */
  kernel?: StepKernel | null;
}

export function createScratch(sampleSize: number, kernel: StepKernel | null = null): StepScratch {
  return { batch: new Float32Array(2 * sampleSize), clean: kernel ? kernel.clean : new Float32Array(sampleSize), kernel };
}

/** guidedStep through the scratch's kernel when it has one (the sample must then be the kernel's). */
function step(sample: Float32Array, velocity: Float32Array, guidance: number | null, t: number, tNext: number, correction: number, scratch: StepScratch): void {
  if (scratch.kernel && sample === scratch.kernel.sample) scratch.kernel.step(velocity, guidance, t, tNext, correction);
  else guidedStep(sample, velocity, guidance, t, tNext, correction, scratch.clean);
}

/**
 * One step in place on `sample` (scratch.clean becomes its x0); returns the
 * raw velocity. An unguided step (guidance null) runs `conditionalFn` at
 * batch 1 when there is one, else the batch-2 call, whose row 0 it reads.
 */
export async function denoiseStep(
  sample: Float32Array,
  velocityFn: VelocityFn,
  t: number,
  tNext: number,
  guidance: number | null,
  correction: number,
  scratch: StepScratch,
  conditionalFn?: ConditionalFn,
): Promise<Float32Array> {
  if (guidance === null && conditionalFn) {
    const velocity = await conditionalFn(sample, t);
    step(sample, velocity, null, t, tNext, correction, scratch);
    return velocity;
  }
  // Both batch rows see the same noisy sample; only the text differs.
  scratch.batch.set(sample, 0);
  scratch.batch.set(sample, sample.length);
  const velocity = await velocityFn(scratch.batch, t);
  step(sample, velocity, guidance, t, tNext, correction, scratch);
  return velocity;
}

/**
 * The latents stay in a Float32Array; every step sends [x; x] to the
 * denoiser (x alone to `conditionalFn` on unguided steps) and reads the velocity back.
 * With `wasmStep` (the default) the step's arithmetic runs in WebAssembly where
 * it can (step-kernel.ts), on a sample that lives in the kernel's memory.
 */
export function cpuStepper(velocityFn: VelocityFn, sampleSize: number, conditionalFn?: ConditionalFn, wasmStep = true): Stepper {
  const kernel = wasmStep ? createStepKernel(sampleSize) : null;
  const scratch = createScratch(sampleSize, kernel);
  let sample: Float32Array = kernel ? kernel.sample : new Float32Array(sampleSize);
  return {
    async start(initial) {
      if (kernel) kernel.sample.set(initial);
      else sample = initial;
      scratch.clean.fill(0);
    },
    async step(t, tNext, guidance, correction, preview) {
      await denoiseStep(sample, velocityFn, t, tNext, guidance, correction, scratch, conditionalFn);
      if (preview) preview.set(scratch.clean);
    },
    async finish() {
      return sample;
    },
    release() {},
    cpuSample: () => sample,
  };
}

/**
 * The loop. `stepper` holds the latents (a bare velocity function means the
 * CPU stepper). Known frames are re-imposed on the CPU sample before every
 * step, so a request with `known` needs latents on the CPU.
 */
export async function denoise(request: DenoiseRequest, stepper: Stepper | VelocityFn, hooks: DenoiseHooks): Promise<Float32Array> {
  const steps = typeof stepper === 'function' ? cpuStepper(stepper, request.sampleSize) : stepper;
  const known = request.known ?? null;
  try {
    if (known && !steps.cpuSample) throw new Error('known frames need the latents on the CPU');
    const initial = gaussianNoise(request.seed, request.sampleSize);
    const noise = known ? initial.slice() : initial;
    await steps.start(initial);
    const ts = timesteps(request.steps, request.shift);
    const corrections = stepCorrections(ts, request.scheduler);
    const guided = guidedSteps(ts, request.guidanceInterval);
    // One buffer for every preview of the job (hooks.onStep reads it during the call), not a new 0.8 MB each time.
    const previewBuffer = request.previewEvery > 0 ? new Float32Array(request.sampleSize) : null;
    for (let i = 0; i < request.steps; i++) {
      await hooks.checkpoint();
      const t = ts[i]!;
      if (known) imposeKnown(steps.cpuSample!(), known, noise, t);
      const wantPreview = request.previewEvery > 0 && ((i + 1) % request.previewEvery === 0 || i === 0) && i + 1 < request.steps;
      const preview = wantPreview ? previewBuffer : null;
      const started = performance.now();
      await steps.step(t, ts[i + 1]!, guided[i] ? request.guidance : null, corrections[i]!, preview);
      hooks.onStep(i + 1, request.steps, performance.now() - started, preview);
    }
    const sample = await steps.finish();
    // At t = 0 the known frames come back exactly (up to float rounding).
    if (known) imposeKnown(sample, known, noise, 0);
    return sample;
  } finally {
    steps.release();
  }
}
