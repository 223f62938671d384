// Owns the WebAssembly form of the sampler's step (workers/step-kernel.wat):
// one instance per job's loop, whose memory holds the sample, the clean
// estimate and the velocity, and a step() that gives scheduler.ts
// guidedStep's bits four lanes at a time. In V8 guidedStep rounds every
// operation through Math.fround, about 1.5 ms a step on a 3x16x64x64 clip;
// WebAssembly computes in float32 natively (README, "Performance"). Where the
// module cannot be made (no WebAssembly SIMD), the caller keeps guidedStep.

import { STEP_KERNEL_WASM } from './step-kernel-wasm';

export interface StepKernel {
  /** The live sample and clean estimate: views on the kernel's memory, for the job's whole loop. */
  readonly sample: Float32Array;
  readonly clean: Float32Array;
  /** guidedStep(sample, velocity, guidance, t, tNext, correction, clean) on the views above. */
  step(velocity: Float32Array, guidance: number | null, t: number, tNext: number, correction: number): void;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  step(n: number, guided: number, g: number, t: number, dt: number, c: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = Uint8Array.from(atob(STEP_KERNEL_WASM), (ch) => ch.charCodeAt(0));
      // 416 bytes: synchronous compilation is allowed and instant (workers and Node alike).
      compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null; // no WebAssembly SIMD here
    }
  }
  return compiled;
}

/** A kernel for samples of `n` values, or null where WebAssembly SIMD is missing. */
export function createStepKernel(n: number): StepKernel | null {
  const mod = module();
  if (!mod) return null;
  const exports = new WebAssembly.Instance(mod).exports as unknown as KernelExports;
  const { memory } = exports;
  const bytes = 16 * n; // sample, clean, velocity (2n)
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
  const sample = new Float32Array(memory.buffer, 0, n);
  const clean = new Float32Array(memory.buffer, 4 * n, n);
  const velocityIn = new Float32Array(memory.buffer, 8 * n, 2 * n);
  const f = Math.fround;
  return {
    sample,
    clean,
    step(velocity, guidance, t, tNext, correction) {
      // The same checks as guidedStep: row 1 is read only when guided.
      if (velocity.length !== 2 * n && (guidance !== null || velocity.length !== n)) {
        throw new Error(`velocity has ${velocity.length} values, expected ${guidance === null ? `${n} or ` : ''}${2 * n}`);
      }
      velocityIn.set(guidance === null ? velocity.subarray(0, n) : velocity);
      // Parameters rounded to float32 exactly as guidedStep rounds them (f32 arguments round the same way).
      exports.step(n, guidance === null ? 0 : 1, f(guidance ?? 0), f(t), f(tNext - t), f(correction));
    },
  };
}
