// Owns splitting a clip's upscale across two threads: the engine worker and
// a helper worker (workers/upscale.worker.ts). After the denoising loop ORT's
// WASM threads sit idle, so a second core is free for the ~1 ms a frame of
// upscaling while the engine worker upscales the other frames and feeds the
// encoder (which has a thread of its own).
//
// In the squoosh manner: the helper starts on first use (warm(), called when
// a job starts, so its module has loaded by the end of the denoising loop)
// and stays warm; a call takes an AbortSignal, and an abort terminates the
// helper (it cannot be interrupted inside its loop), so a cancelled job
// leaves nothing running; the next use starts a fresh one.
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

let helper: Worker | null = null;
/** Set when the helper failed to start or crashed: from then on the engine upscales alone. */
let broken = false;
let nextJob = 1;
const waiting = new Map<number, (reply: UpscaleReply | null) => void>();

function start(): Worker | null {
  if (helper || broken) return helper;
  if (typeof Worker === 'undefined' || (navigator.hardwareConcurrency ?? 1) < 2) {
    broken = true;
    return null;
  }
  try {
    helper = new Worker(new URL('./upscale.worker.ts', import.meta.url), { type: 'module', name: 'zoetrope-upscale' });
  } catch {
    broken = true;
    return null;
  }
  helper.onmessage = (event: MessageEvent<UpscaleReply>) => waiting.get(event.data.job)?.(event.data);
  helper.onerror = () => {
    broken = true;
    stop();
  };
  return helper;
}

/** Terminates the helper; the jobs waiting on it get nothing (their frames are made by the engine). */
function stop(): void {
  helper?.terminate();
  helper = null;
  for (const deliver of waiting.values()) deliver(null);
  waiting.clear();
}

/** Starts the helper ahead of its first use, so that its module loads while the denoiser runs. */
export function warmUpscaleHelper(): void {
  start();
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
  const worker = start();
  const job = nextJob++;
  if (worker) {
    const frames = Array.from({ length: input.frames }, (_, i) => i).filter((i) => i % 2 === 1);
    waiting.set(job, (reply) => {
      if (reply && 'rgba' in reply) delivered.set(reply.frame, reply.rgba);
      if (!reply || 'error' in reply || delivered.size === frames.length) waiting.delete(job);
    });
    const request: UpscaleJob = { job, input, width, height, frames };
    worker.postMessage(request);
    // Only a job the helper is still working on needs it stopped.
    signal.addEventListener('abort', () => waiting.has(job) && stop(), { once: true });
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
