// Owns onnxruntime-web: the ONLY module in Zoetrope that imports it, so that
// the version, the bundles and the wasm file locations are decided in one
// place. Everything else sees plain arrays (or, for GPU-resident latents,
// GPUBuffers). Two bundles, each loaded only when its backend is used:
//  - WASM backend: ORT's WASM-only build (ort.wasm, plain wasm). Measured in
//    Chromium here, one denoiser step of the built-in model took 224 ms on
//    it against 380-770 ms (median; min 229) on the WebGPU bundle's Asyncify
//    build that Zoetrope used before: Asyncify instruments every call that
//    may suspend, which costs CPU kernels time and makes steps noisy.
//  - WebGPU backend: ort.webgpu, the native WebGPU EP (2.4x faster than the
//    JSEP one on our DiT); it needs the Asyncify build.

import type * as OrtModule from 'onnxruntime-web/webgpu';
import type { Backend } from '../src/shared/options';
import type { WasmRuntime } from '../src/shared/engine-tuning';
import { ZoetropeError } from '../src/shared/errors';

type Ort = typeof OrtModule;

export type FeedTensor =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

/** A float32 tensor that already lives in a GPUBuffer (WebGPU backend only). */
export interface GpuFeed {
  type: 'float32';
  gpuBuffer: GPUBuffer;
  dims: readonly number[];
}

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Milliseconds spent inside ORT's session.run by the last run() or runOnGpu() call. */
  readonly lastRunMs: number;
  /** The GPU device ORT runs on; null on WASM. */
  readonly device: GPUDevice | null;
  run(feeds: Record<string, FeedTensor>): Promise<Record<string, OutputTensor>>;
  /** IO binding: inputs and the one output stay in GPUBuffers, nothing is read back. WebGPU only. */
  runOnGpu(feeds: Record<string, FeedTensor | GpuFeed>, output: { name: string; gpu: GpuFeed }): Promise<void>;
  release(): Promise<void>;
}

export interface RuntimeInfo {
  version: string;
  /** The wasm file ORT runs: shows which build the backend used. */
  wasmFile: string;
  threads: number;
}

const BUILDS = {
  plain: 'ort-wasm-simd-threaded',
  asyncify: 'ort-wasm-simd-threaded.asyncify',
} as const;

const loaded = new Map<string, Ort>();

/** The bundle for a backend; the WASM backend may also run on the Asyncify build (to measure it). */
function buildFor(backend: Backend, wasmRuntime: WasmRuntime): keyof typeof BUILDS {
  return backend === 'webgpu' ? 'asyncify' : wasmRuntime;
}

/**
 * Imports the bundle once and points it at the wasm files the app serves
 * itself (vite/zoetrope-plugin.ts copies them to /ort/), so nothing comes from
 * a CDN. The worker lives in /workers/ (dev) or /assets/ (build): /ort/ is one
 * level up either way. Thread count is read when a bundle first initialises.
 */
async function runtime(build: keyof typeof BUILDS, threads: number): Promise<Ort> {
  const cached = loaded.get(build);
  if (cached) return cached;
  const ort: Ort = build === 'plain' ? await import('onnxruntime-web/wasm') : await import('onnxruntime-web/webgpu');
  const here = import.meta.url; // a variable, not a literal: keeps Vite from treating /ort/ as an asset
  const base = new URL('../ort/', here).href;
  ort.env.wasm.wasmPaths = { mjs: `${base}${BUILDS[build]}.mjs`, wasm: `${base}${BUILDS[build]}.wasm` };
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // We already are in a worker.
  ort.env.logLevel = 'warning';
  loaded.set(build, ort);
  return ort;
}

export async function runtimeInfo(backend: Backend, wasmRuntime: WasmRuntime): Promise<RuntimeInfo> {
  const build = buildFor(backend, wasmRuntime);
  const ort = loaded.get(build);
  return {
    version: ort?.env.versions.web ?? 'unknown',
    wasmFile: `${BUILDS[build]}.wasm`,
    threads: typeof ort?.env.wasm.numThreads === 'number' ? ort.env.wasm.numThreads : 1,
  };
}

export interface SessionRequest {
  backend: Backend;
  wasmRuntime: WasmRuntime;
  threads: number;
  /** WASM with threads: ORT's pool threads spin between runs instead of sleeping (tuning.spin). */
  spin: boolean;
}

/** A graph's bytes, and the files its tensors stored as ONNX external data live in (by their `location`). */
export interface GraphBytes {
  model: Uint8Array;
  externalData: { path: string; data: Uint8Array }[];
}

/**
 * Reports where a session's creation is (the engine's load steps, src/shared/load-steps.ts). The first
 * create initialises ORT: its glue (ort-wasm-simd-threaded.mjs) starts numThreads - 1 pthread workers with
 * `new Worker()` in this worker, then fetches its wasm. In Firefox ESR 153 that `new Worker()` sometimes
 * never returns (issue 20: 4 loads in 150 with 2 threads, none with 1); the page's watchdog then replaces
 * this worker, as nothing here can undo it.
 */
export type SessionStep = (step: 'ort-import-started' | 'ort-imported' | 'session-create-started' | 'session-created', label: string, bytes?: number) => void;

export async function createSession(graph: GraphBytes, request: SessionRequest, label: string, onStep: SessionStep = () => {}): Promise<ModelSession> {
  const { backend } = request;
  onStep('ort-import-started', label);
  const ort = await runtime(buildFor(backend, request.wasmRuntime), request.threads);
  onStep('ort-imported', label);
  let session: OrtModule.InferenceSession;
  const createStarted = performance.now();
  const heapBefore = jsHeapBytes();
  try {
    onStep('session-create-started', label, graph.externalData.reduce((n, f) => n + f.data.byteLength, graph.model.byteLength));
    session = await ort.InferenceSession.create(graph.model, {
      ...(graph.externalData.length ? { externalData: graph.externalData } : {}),
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      // Without spinning, ORT's pool threads sleep as soon as a run ends instead of busy-waiting for
      // the next one, so the core is free for the work between steps (README, "Performance").
      ...(request.spin ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
      // ORT warns that shape ops run on the CPU under WebGPU; that is by design, not news.
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw sessionError(error, graph, backend, label);
  }
  onStep('session-created', label);
  // For `npm run test:large`: how long, how many bytes, and the worker's JS heap around it (external data
  // ArrayBuffers are outside usedJSHeapSize; the renderer's RSS, read by the test, counts them).
  const externalBytes = graph.externalData.reduce((n, f) => n + f.data.byteLength, 0);
  console.info(`[zoetrope:timing] ${JSON.stringify({ event: 'session', graph: label, backend, ms: Math.round(performance.now() - createStarted), modelBytes: graph.model.byteLength, externalBytes, externalFiles: graph.externalData.length, jsHeapBefore: heapBefore, jsHeapAfter: jsHeapBytes() })}`);
  const device = backend === 'webgpu' ? await ort.env.webgpu.device : null;
  // What ORT asked the adapter for: its native WebGPU EP requests the adapter's own buffer limits
  // (not WebGPU's 128 MiB / 256 MiB defaults); printed so that `npm run test:large` shows it.
  if (device) console.info(`[zoetrope:timing] ${JSON.stringify({ event: 'webgpu-device', graph: label, maxBufferSize: device.limits.maxBufferSize, maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize })}`);
  const toTensor = (feed: FeedTensor | GpuFeed): OrtModule.Tensor =>
    'gpuBuffer' in feed
      ? ort.Tensor.fromGpuBuffer(feed.gpuBuffer, { dataType: 'float32', dims: feed.dims })
      : new ort.Tensor(feed.type, feed.data, feed.dims);
  const timedRun = async (
    feeds: OrtModule.InferenceSession.FeedsType,
    fetches?: OrtModule.InferenceSession.FetchesType,
    settle?: () => Promise<unknown>,
  ) => {
    const started = performance.now();
    try {
      const out = fetches ? await session.run(feeds, fetches) : await session.run(feeds);
      await settle?.();
      return out;
    } catch (error) {
      throw runError(error, backend, label);
    } finally {
      api.lastRunMs = performance.now() - started;
    }
  };
  const api = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    lastRunMs: 0,
    device,
    async run(feeds: Record<string, FeedTensor>) {
      const tensors: Record<string, OrtModule.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) tensors[name] = toTensor(feed);
      const results = await timedRun(tensors);
      const out: Record<string, OutputTensor> = {};
      for (const [name, value] of Object.entries(results)) {
        const tensor = value as OrtModule.Tensor;
        const data = await tensor.getData();
        if (!(data instanceof Float32Array)) {
          throw new ZoetropeError('UnsupportedModelError', `The ${label} output ${name} is ${tensor.type}; Zoetrope expects float32.`, { graph: label, output: name });
        }
        out[name] = { data, dims: tensor.dims };
        tensor.dispose();
      }
      return out;
    },
    async runOnGpu(feeds: Record<string, FeedTensor | GpuFeed>, output: { name: string; gpu: GpuFeed }) {
      if (!device) throw new ZoetropeError('BackendError', `The ${label} runs on WASM, which has no GPU buffers.`);
      const tensors: Record<string, OrtModule.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) tensors[name] = toTensor(feed);
      // A pre-bound output: ORT writes the velocity into our buffer, which the step kernel reads.
      // session.run resolves once ORT's commands are submitted; waiting for the GPU to finish them
      // keeps the step timings true and lets a cancel land between steps instead of after all of them.
      await timedRun(tensors, { [output.name]: toTensor(output.gpu) }, () => device.queue.onSubmittedWorkDone());
    },
    async release() {
      await session.release();
    },
  };
  return api;
}

/**
 * Resolves, with the browser's reason, if the WebGPU device ORT created is
 * lost (a driver reset, another tab taking the GPU, or destroy()). ORT binds
 * that device for the life of this worker, so after a loss the engine needs a
 * new worker.
 */
export async function deviceLoss(): Promise<{ lost: Promise<string> }> {
  const device = await webgpuDevice();
  // Wrapped in an object: an async function would otherwise wait for the loss itself.
  return { lost: device.lost.then((info) => info.message || info.reason || 'the device was lost') };
}

/** Test hook (see engine.worker.ts): destroys ORT's WebGPU device, as a driver reset would lose it. */
export async function destroyWebGpuDevice(): Promise<void> {
  (await webgpuDevice()).destroy();
}

/** The device of the WebGPU bundle (loaded by the first WebGPU session). */
async function webgpuDevice(): Promise<GPUDevice> {
  const ort = loaded.get('asyncify');
  if (!ort) throw new Error('the WebGPU runtime is not loaded');
  return ort.env.webgpu.device;
}

/**
 * Memory exhaustion while a session is made or run, as ORT and the browser word it:
 * the C++ allocator's bad_alloc, an aborted or full WASM heap (wasm32: 4 GB
 * at most, and it never shrinks), or a JS ArrayBuffer the browser refused.
 */
const OUT_OF_MEMORY = /bad_alloc|out of memory|\bOOM\b|Memory\.grow|Cannot enlarge memory|Maximum memory size|Array buffer allocation failed|allocation failed|Aborted\(\)/i;

function isOutOfMemory(error: unknown, text: string): boolean {
  return OUT_OF_MEMORY.test(text) || error instanceof RangeError;
}

function sessionError(error: unknown, graph: GraphBytes, backend: Backend, label: string): ZoetropeError {
  const text = errorText(error);
  const where = backend === 'webgpu' ? 'WebGPU' : 'WASM';
  if (isOutOfMemory(error, text)) {
    const weightBytes = graph.model.byteLength + graph.externalData.reduce((n, f) => n + f.data.byteLength, 0);
    // Stored weights are only part of it (constants folded while the session is made count too): named when they are sizeable.
    const what = weightBytes >= 1e8 ? `The ${label} (${(weightBytes / 1e9).toFixed(1)} GB of weights)` : `The ${label}`;
    return new ZoetropeError(
      'OutOfMemoryError',
      backend === 'wasm'
        ? `${what} does not fit in memory on WASM, whose memory is limited to 4 GB for everything the model needs while it loads. (${text})`
        : `${what} does not fit in the memory available to WebGPU here. (${text})`,
      { backend, graph: label, weightBytes },
    );
  }
  return new ZoetropeError('BackendError', `Could not prepare the ${label} on ${where}: ${text}`, { backend, graph: label });
}

/**
 * A run that outgrew the memory: on WASM the activations share the 4 GB heap with every session's
 * weights (the full-size SD 1.5 UNet's first 16-frame step did, with std::bad_alloc). Named apart
 * from a load failure (`phase: 'run'`), so the page can say the model loaded but this video did not fit.
 */
function runError(error: unknown, backend: Backend, label: string): ZoetropeError {
  const text = errorText(error);
  if (isOutOfMemory(error, text)) {
    return new ZoetropeError(
      'OutOfMemoryError',
      backend === 'wasm'
        ? `The ${label} ran out of memory on WASM, whose memory is limited to 4 GB for the weights and the video being made together. (${text})`
        : `The ${label} ran out of the memory available to WebGPU here. (${text})`,
      { backend, graph: label, phase: 'run' },
    );
  }
  return new ZoetropeError('BackendError', `The ${label} failed on ${backend}: ${text}`, { backend, graph: label });
}

/** Chromium's non-standard performance.memory (in workers too); null elsewhere. */
function jsHeapBytes(): number | null {
  return (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
