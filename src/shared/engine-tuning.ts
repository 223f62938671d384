// Owns the engine's tuning knobs: how many WASM threads, which build of
// onnxruntime-web's WASM runtime, whether the latents stay on the GPU between
// steps, whether frames stream into the encoder (and are upscaled on two
// threads while they do), whether a backend runs
// the pack's graph variant for it (src/shared/graph-variants.ts), and whether
// unguided steps run the pack's batch-1 conditional graph, and whether the
// WASM backend runs its graphs once at load (the warm-up), whether ORT's
// WASM pool threads spin between runs, whether the sampler's step runs in
// WebAssembly when the latents are on the CPU, and whether the engine keeps
// the browser's answer on which video encoder to use. The defaults are the
// fastest measured (README, "Performance"); `npm run bench` flips each one to
// measure the optimisation it stands for, before and after, in the same run.
// A page address may set them (?threads=1, ?wasmRuntime=asyncify,
// ?gpuLatents=0, ?streamEncode=0, ?upscaleWorker=0, ?backendGraphs=0, ?conditionalGraph=0, ?warmUp=0, ?spin=0, ?wasmStep=0, ?encoderCache=0); values are validated
// here, naming the field.

import { fieldError } from './errors';

/**
 * plain: ORT's WASM-only build, for the WASM backend.
 * asyncify: the WebGPU bundle's Asyncify build, which the WASM backend used
 * before; about 1.5-3x slower and much noisier per step on CPU work (Asyncify
 * instruments every call that may suspend).
 */
export const WASM_RUNTIMES = ['plain', 'asyncify'] as const;
export type WasmRuntime = (typeof WASM_RUNTIMES)[number];

export interface EngineTuning {
  /** WASM threads; null: as many as the machine has (ORT caps it at 4), 1 without cross-origin isolation. */
  threads: number | null;
  wasmRuntime: WasmRuntime;
  /** WebGPU only: the latents and the guided Euler step stay on the GPU; only previews and the result are read back. */
  gpuLatents: boolean;
  /** Upscale and encode frame by frame, instead of upscaling every frame first. */
  streamEncode: boolean;
  /** With streamEncode: a second worker upscales half the frames (workers/upscale-helper.ts). */
  upscaleWorker: boolean;
  /** Run the pack's graph variant for the backend where it has one (the built-in pack: dynamic int8 on WASM). */
  backendGraphs: boolean;
  /**
   * With backendGraphs: steps outside the pack's guidance interval run its batch-1 conditionalDenoiser
   * graph where the backend has one; off, they run the batch-2 denoiser and take its conditional row.
   */
  conditionalGraph: boolean;
  /**
   * WASM: run every graph once on zeros when the model loads, so the first video does not pay
   * onnxruntime's first-run costs, and V8 starts optimising the hot kernels while the person types.
   */
  warmUp: boolean;
  /**
   * WASM with threads: onnxruntime's pool threads busy-wait for the next parallel section after a run
   * (its default); off, they sleep at once, leaving the core to the JS between steps and to the page.
   */
  spin: boolean;
  /** Latents on the CPU: guidance and the sampler's step in WebAssembly SIMD (workers/pipelines/dit-rectified-flow/step-kernel.ts), not JS; the same bits. */
  wasmStep: boolean;
  /**
   * Ask the browser once per engine worker which codec and encoder config to use (and ask it at load, for
   * the default clip), instead of at the start of every job's encoding.
   */
  encoderCache: boolean;
}

export const DEFAULT_TUNING: EngineTuning = { threads: null, wasmRuntime: 'plain', gpuLatents: true, streamEncode: true, upscaleWorker: true, backendGraphs: true, conditionalGraph: true, warmUp: true, spin: true, wasmStep: true, encoderCache: true };

const FLAGS = ['gpuLatents', 'streamEncode', 'upscaleWorker', 'backendGraphs', 'conditionalGraph', 'warmUp', 'spin', 'wasmStep', 'encoderCache'] as const;

export const MAX_THREADS = 16;

/** Validates untrusted tuning (from a URL or a caller); missing fields take the defaults. Throws OptionsError. */
export function validateTuning(value: unknown): EngineTuning {
  if (value === undefined || value === null) return { ...DEFAULT_TUNING };
  if (typeof value !== 'object') throw fieldError('OptionsError', 'tuning', 'an object', value);
  const o = value as Record<string, unknown>;
  const threads = o['threads'] ?? null;
  if (threads !== null && !(typeof threads === 'number' && Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw fieldError('OptionsError', 'threads', `a whole number from 1 to ${MAX_THREADS}`, threads);
  }
  const wasmRuntime = o['wasmRuntime'] ?? DEFAULT_TUNING.wasmRuntime;
  if (typeof wasmRuntime !== 'string' || !(WASM_RUNTIMES as readonly string[]).includes(wasmRuntime)) {
    throw fieldError('OptionsError', 'wasmRuntime', '"plain" or "asyncify"', wasmRuntime);
  }
  const flags = Object.fromEntries(FLAGS.map((name) => [name, DEFAULT_TUNING[name]])) as Record<(typeof FLAGS)[number], boolean>;
  for (const name of FLAGS) {
    const v = o[name] ?? DEFAULT_TUNING[name];
    if (typeof v !== 'boolean') throw fieldError('OptionsError', name, 'true or false', v);
    flags[name] = v;
  }
  return { threads: threads as number | null, wasmRuntime: wasmRuntime as WasmRuntime, ...flags };
}

/** Reads the tuning a page address carries (?threads=2&gpuLatents=0); throws OptionsError naming the parameter. */
export function tuningFromParams(params: URLSearchParams): EngineTuning {
  const raw: Record<string, unknown> = {};
  const threads = params.get('threads');
  if (threads !== null) raw['threads'] = /^\d+$/.test(threads) ? Number(threads) : threads;
  const runtime = params.get('wasmRuntime');
  if (runtime !== null) raw['wasmRuntime'] = runtime;
  for (const name of FLAGS) {
    const v = params.get(name);
    if (v !== null) raw[name] = v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : v;
  }
  return validateTuning(raw);
}
