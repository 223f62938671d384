// Owns onnxruntime-web: the ONLY module in Zoetrope that imports it, so that
// the version, the bundle (ort.webgpu: the native WebGPU EP plus the WASM
// CPU EP, 2.4x faster than the JSEP bundle on our DiT) and the wasm file
// location are decided in one place. Everything else sees plain arrays.

import * as ort from 'onnxruntime-web/webgpu';
import type { Backend } from '../src/shared/options';
import { ZoetropeError } from '../src/shared/errors';

export type FeedTensor =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, FeedTensor>): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

export const ORT_VERSION = ort.env.versions.web ?? 'unknown';

let configured = false;

/**
 * Points ORT at the wasm files the app serves itself (vite.config.ts copies
 * them to /ort/), so nothing is fetched from a CDN, and sets the thread count.
 * The worker lives in /workers/ (dev) or /assets/ (build): /ort/ is one level up
 * either way. (A variable, not a literal, keeps Vite from treating it as an asset.)
 */
export function configureRuntime(threads: number): void {
  const here = import.meta.url;
  const base = new URL('../ort/', here).href;
  ort.env.wasm.wasmPaths = {
    mjs: `${base}ort-wasm-simd-threaded.asyncify.mjs`,
    wasm: `${base}ort-wasm-simd-threaded.asyncify.wasm`,
  };
  // Settings are read when the runtime first initialises; later changes are ignored by ORT.
  if (!configured) ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // We already are in a worker.
  ort.env.logLevel = 'warning';
  configured = true;
}

export function runtimeThreads(): number {
  return typeof ort.env.wasm.numThreads === 'number' ? ort.env.wasm.numThreads : 1;
}

export async function createSession(bytes: Uint8Array, backend: Backend, label: string): Promise<ModelSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      // ORT warns that shape ops run on the CPU under WebGPU; that is by design, not news.
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new ZoetropeError('BackendError', `Could not prepare the ${label} on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'}: ${errorText(error)}`, {
      backend,
      graph: label,
    });
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) {
        tensors[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
      }
      let results: ort.InferenceSession.OnnxValueMapType;
      try {
        results = await session.run(tensors);
      } catch (error) {
        throw new ZoetropeError('BackendError', `The ${label} failed on ${backend}: ${errorText(error)}`, { backend, graph: label });
      }
      const out: Record<string, OutputTensor> = {};
      for (const [name, value] of Object.entries(results)) {
        const tensor = value as ort.Tensor;
        const data = await tensor.getData();
        if (!(data instanceof Float32Array)) {
          throw new ZoetropeError('UnsupportedModelError', `The ${label} output ${name} is ${tensor.type}; Zoetrope expects float32.`, { graph: label, output: name });
        }
        out[name] = { data, dims: tensor.dims };
        tensor.dispose();
      }
      return out;
    },
    async release() {
      await session.release();
    },
  };
}

/**
 * Resolves, with the browser's reason, if the WebGPU device ORT created is
 * lost (a driver reset, another tab taking the GPU, or destroy()). ORT binds
 * that device for the life of this worker, so after a loss the engine needs a
 * new worker.
 */
export async function deviceLoss(): Promise<{ lost: Promise<string> }> {
  const device = await ort.env.webgpu.device;
  // Wrapped in an object: an async function would otherwise wait for the loss itself.
  return { lost: device.lost.then((info) => info.message || info.reason || 'the device was lost') };
}

/** Test hook (see engine.worker.ts): destroys ORT's WebGPU device, as a driver reset would lose it. */
export async function destroyWebGpuDevice(): Promise<void> {
  (await ort.env.webgpu.device).destroy();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
