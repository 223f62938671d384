// Owns the second upscaler thread (started by the page, reached by the engine worker through a port): the engine hands it some frames of
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
// The page starts this worker and sends it one port, whose other end the engine worker holds
// (workers/upscale-helper.ts): jobs come in and frames go back on that port only.
scope.onmessage = (event: MessageEvent<{ port: MessagePort }>) => {
  const port = event.data.port;
  port.onmessage = (message: MessageEvent<UpscaleJob>) => {
    const { job, input, width, height, frames } = message.data;
    try {
      const plan = upscalePlan(input.width, input.height, width, height);
      const size = input.width * input.height * 4;
      for (const i of frames) {
        const rgba = new Uint8ClampedArray(width * height * 4);
        upscaleFrame(plan, input.rgba.subarray(i * size, (i + 1) * size), rgba);
        port.postMessage({ job, frame: i, rgba } satisfies UpscaleReply, [rgba.buffer]);
      }
    } catch (error) {
      port.postMessage({ job, error: error instanceof Error ? error.message : String(error) } satisfies UpscaleReply);
    }
  };
};
