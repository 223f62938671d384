// Owns splitting a clip's upscale across two threads: the engine worker and
// a helper worker (workers/upscale.worker.ts). After the denoising loop ORT's
// WASM threads sit idle, so a second core is free for the ~1 ms a frame of
// upscaling while the engine worker upscales the other frames and feeds the
// encoder (which has a thread of its own).
//
// The page starts the helper beside the engine worker (src/lib/engine-
// client.ts) and hands the engine a MessagePort to it (attachUpscaleHelper).
// The engine never creates it itself: in Firefox ESR 153, `new Worker()` in
// the engine worker sometimes never returned, and the engine worker's
// thread stayed blocked inside it for good (issue 20: the model load's steps
// stopped between 'load-done' and 'upscale-helper-started', 3 loads of 100).
// A cancelled job's frames are dropped: the helper finishes its few
// milliseconds of them and its late replies are ignored.
//
// The helper takes the odd frames; the engine never waits on it: when the
// encoder asks for an odd frame the helper has not delivered yet, the engine
// upscales it itself. So a busy second core, a slow start or a helper that
// failed costs at most what one thread would. Either thread gives the same
// bytes (one kernel).

import type { FrameSource } from './encode-mp4';
import type { RgbaFrames } from './frames';
import { upscaleFrame, upscalePlan } from './upscale';
import type { UpscaleJob, UpscaleReply } from './upscale.worker';

let helper: MessagePort | null = null;
let nextJob = 1;
const waiting = new Map<number, (reply: UpscaleReply | null) => void>();

/** The page's helper worker, by its port; replaces any earlier one (a fresh engine worker gets a fresh helper). */
export function attachUpscaleHelper(port: MessagePort): void {
  helper?.close();
  helper = port;
  port.onmessage = (event: MessageEvent<UpscaleReply>) => waiting.get(event.data.job)?.(event.data);
}

/**
 * Frames upscaled on demand, in order (the encoder's FrameSource), the odd
 * ones by the helper when it is there in time. `yieldToEvents` lets the
 * helper's posted frames in before one is looked for.
 */
export function splitFrameStream(input: RgbaFrames, width: number, height: number, signal: AbortSignal, yieldToEvents: () => Promise<void>): FrameSource {
  const size = input.width * input.height * 4;
  const plan = upscalePlan(input.width, input.height, width, height);
  const local = (i: number) => {
    const out = new Uint8ClampedArray(width * height * 4);
    upscaleFrame(plan, input.rgba.subarray(i * size, (i + 1) * size), out);
    return out;
  };
  const delivered = new Map<number, Uint8ClampedArray>();
  let helped = 0;
  const worker = helper;
  const job = nextJob++;
  if (worker) {
    const frames = Array.from({ length: input.frames }, (_, i) => i).filter((i) => i % 2 === 1);
    waiting.set(job, (reply) => {
      if (reply && 'rgba' in reply) delivered.set(reply.frame, reply.rgba);
      if (!reply || 'error' in reply || delivered.size === frames.length) waiting.delete(job);
    });
    const request: UpscaleJob = { job, input, width, height, frames };
    worker.postMessage(request);
    // A stopped job waits for nothing more: the helper's late frames for it find no one and are dropped.
    signal.addEventListener('abort', () => waiting.delete(job), { once: true });
  }
  return {
    width,
    height,
    frames: input.frames,
    async frame(i: number) {
      if (worker && i % 2 === 1 && !delivered.has(i)) await yieldToEvents();
      const done = delivered.get(i);
      delivered.delete(i);
      if (i === input.frames - 1) waiting.delete(job);
      if (done) helped++;
      return done ?? local(i);
    },
    helped: () => helped,
  };
}
