// Owns the second upscaler thread: the engine worker hands it some frames of
// a finished clip (workers/upscale-helper.ts) and it upscales them with the
// same kernel (workers/upscale.ts, so the same bytes), posting each frame
// back as soon as it is done, its pixels transferred, not copied. It keeps
// no state but the last plan (upscalePlan's), so a job that is dropped costs nothing; a
// cancelled one is stopped by terminating this worker.

/// <reference lib="webworker" />
import type { RgbaFrames } from './frames';
import { upscaleFrame, upscalePlan } from './upscale';

export interface UpscaleJob {
  job: number;
  input: RgbaFrames;
  width: number;
  height: number;
  /** The frames of `input` to upscale, in this order. */
  frames: number[];
}

export type UpscaleReply = { job: number; frame: number; rgba: Uint8ClampedArray } | { job: number; error: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (event: MessageEvent<UpscaleJob>) => {
  const { job, input, width, height, frames } = event.data;
  try {
    const plan = upscalePlan(input.width, input.height, width, height);
    const size = input.width * input.height * 4;
    for (const i of frames) {
      const rgba = new Uint8ClampedArray(width * height * 4);
      upscaleFrame(plan, input.rgba.subarray(i * size, (i + 1) * size), rgba);
      scope.postMessage({ job, frame: i, rgba } satisfies UpscaleReply, [rgba.buffer]);
    }
  } catch (error) {
    scope.postMessage({ job, error: error instanceof Error ? error.message : String(error) } satisfies UpscaleReply);
  }
};
