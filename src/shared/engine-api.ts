// Owns the typed contract of the engine worker (workers/engine.worker.ts).
// The worker implements EngineApi and exposes it with comlink; the UI talks
// to it only through src/lib/engine-client.ts. No DOM and no onnxruntime here.

import type { EngineTuning } from './engine-tuning';
import type { Backend, BackendPreference, GenerateOptions } from './options';
import type { EngineProgress } from './progress';
import type { PromptVocabulary } from './prompt-words';
import type { Provenance } from './provenance';

/** The adapter limits a pack may declare a need for (manifest `gpuLimits`). */
export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  /** The adapter's own limits (what ORT asks the device for); absent when unknown. */
  limits?: GpuLimits;
  /** The adapter's optional features (e.g. "shader-f16"): a graph variant may require some. Absent when unknown. */
  features?: string[];
}

export interface EnvironmentReport {
  webgpu: 'available' | 'no-api' | 'no-adapter';
  adapter: AdapterSummary | null;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  webcodecs: boolean;
}

export interface BackendChoice {
  backend: Backend;
  /** A sentence for people: why this backend was picked. */
  reason: string;
}

/**
 * Where the engine reads a pack from: installed in IndexedDB (the default),
 * or a .zoepack that the page holds in memory for its own lifetime because
 * the browser will not let it store data. The engine opens that file itself,
 * and checks every file it uses exactly as for an installed pack.
 */
export type PackSource = { kind: 'installed' } | { kind: 'zoepack'; file: Blob; fileName: string };

export interface LoadRequest {
  /** `id@version` of the pack: installed (see src/lib/model-store.ts), or the one in `source`'s file. */
  modelKey: string;
  /** Absent: installed. */
  source?: PackSource;
  backend: BackendPreference;
  /** Threads, runtime build, GPU latents, streamed encoding; validated by the engine; defaults when absent. */
  tuning?: Partial<EngineTuning>;
}

export interface LoadedModel {
  modelKey: string;
  /** Installed, or held in memory from a .zoepack for this page only. */
  source: PackSource['kind'];
  backend: Backend;
  reason: string;
  adapter: AdapterSummary | null;
  wasmThreads: number;
  /** The tuning in force (defaults filled in). */
  tuning: EngineTuning;
  /** onnxruntime-web's version and the wasm file the backend runs on. */
  runtime: { version: string; wasmFile: string };
  /** WebGPU: bytes in GPUBuffers once the sessions exist (weights, mostly); null on WASM. */
  gpuBytes: number | null;
  /** The graph files the sessions run: the pack's defaults, or its variants for this backend. */
  graphs: { textEncoder: string | null; denoiser: string; conditionalDenoiser: string | null; decoder: string | null };
  readMs: number;
  sessionMs: number;
  /** The warm-up run of every graph at load (WASM, tuning.warmUp), ms; 0 when there was none. */
  warmUpMs: number;
  /** The words the model's tokenizer knows, for the prompt check; null for subword tokenizers. */
  promptVocabulary: PromptVocabulary | null;
}

export type VideoCodecName = 'avc' | 'vp9';

export interface GenerateTimings {
  textMs: number;
  /** Inside ORT's session.run for the text encoder. */
  textOrtMs: number;
  /** Wall time of each denoising step (denoiser run, guidance, Euler step, preview), in order. */
  stepMs: number[];
  /** Inside ORT's session.run, per step: stepMs minus this is the loop's own overhead. */
  stepOrtMs: number[];
  /** Where the latents lived between steps. */
  latents: 'cpu' | 'gpu';
  /** The pack's decoder graph (a VAE: latents to pixels, one frame per run), all frames; 0 for kinds without one. */
  decodeMs: number;
  /** Sample to pixels and the frames' hash. */
  framesMs: number;
  /** Upscaling and MP4 encoding (streamed or not, see EngineTuning.streamEncode). */
  encodeMs: number;
  totalMs: number;
  /** WebGPU: the most bytes in GPUBuffers at once during the job; null on WASM. */
  gpuPeakBytes: number | null;
  /** WebGPU: bytes in GPUBuffers still allocated when the job ended (weights, ORT's buffer cache); the soak test watches it. Null on WASM. */
  gpuLiveBytes: number | null;
  /** Where the job's time outside ORT goes; the bench prints it (README, "Performance"). */
  phases: JobPhases;
}

/**
 * A job's own time, phase by phase, in ms. Sums are over the steps. What is
 * not listed is inside ORT's session.run (textOrtMs, stepOrtMs).
 */
export interface JobPhases {
  /** Wall clock (performance.timeOrigin + now) when the worker took the job and when it handed the result back: the page takes its own clock from these for the two message trips. */
  startedAt: number;
  endedAt: number;
  /** Job start → the denoising loop's start: option checks, first checkpoint, text encoding, feeds. */
  toLoopMs: number;
  /** The whole denoising loop (noise, every step, checkpoint and preview). */
  loopMs: number;
  /** Part of loopMs before the first step: the seeded noise and the schedule. Optional: older results lack it. */
  loopSetupMs?: number;
  /** Each step's own time outside session.run: the [x; x] batch, feeds, guidance and Euler step, the clean estimate. */
  stepOutsideOrtMs: number;
  /** The checkpoint before each step: a yield to the event loop (a cancel gets in there) and the flags. */
  checkpointMs: number;
  /** Preview pixels (sampleToRgba), every `previewEvery` steps. */
  previewMs: number;
  /** Posting the step events (a preview is structured-cloned here). */
  emitMs: number;
  /** Loop end → the model-resolution frames and the yield after the loop. */
  afterLoopMs: number;
  /** RGBA → RGB, and SHA-256 of it (framesMs is both). */
  rgbMs: number;
  hashMs: number;
  /** Choosing the codec and starting the MP4 output (encodeMs includes it, as the next three). */
  encoderStartMs: number;
  /** Making each big frame (the Lanczos upscale), summed: with the helper worker, the engine's own frames and the look for the helper's. */
  upscaleMs: number;
  /** Frames the helper worker upscaled in time (workers/upscale-helper.ts); 0 without it. Optional: older results lack it. */
  upscaleHelperFrames?: number;
  /** Handing frames to the encoder and waiting for it, summed (upscale not included). */
  encoderAddMs: number;
  /** The first frame's part of encoderAddMs: mediabunny configures the VideoEncoder on it. */
  encoderFirstFrameMs: number;
  /** Flushing the encoder and writing the MP4 (mediabunny's finalize). */
  finalizeMs: number;
}

export interface GenerateResult {
  mp4: Uint8Array;
  mimeType: string;
  codec: VideoCodecName;
  width: number;
  height: number;
  frames: number;
  fps: number;
  backend: Backend;
  /** SHA-256 of the model-resolution RGB frames, before upscaling and encoding. */
  framesSha256: string;
  options: GenerateOptions;
  timings: GenerateTimings;
  /** The frames at the model's resolution (RGBA), before upscaling: lessons compose from these. */
  modelFrames: ModelFrames;
  /** What the MP4's metadata tags say about how it was made. */
  provenance: Provenance;
}

/**
 * A job run with `output: 'frames'` (a lesson's clip): the model-resolution frames, their hash and
 * provenance, and no MP4 (nothing was upscaled or encoded). width/height are the model's.
 */
export interface FramesResult extends Omit<GenerateResult, 'mp4' | 'mimeType' | 'codec'> {
  mp4: null;
  mimeType: null;
  codec: null;
}

export interface ModelFrames {
  rgba: Uint8Array;
  frames: number;
  width: number;
  height: number;
}

export type ProgressCallback = (event: EngineProgress) => void;

export interface EngineApi {
  /** What this browser offers; never throws. */
  probe(): Promise<EnvironmentReport>;
  /** Reads a pack (installed in IndexedDB, or a .zoepack held in memory), checks its files and creates the ONNX sessions. */
  load(request: LoadRequest, onProgress: ProgressCallback): Promise<LoadedModel>;
  /** Runs one job; rejects with AbortError when cancel(jobId) is called. A FramesResult exactly when options.output is 'frames'. */
  generate(jobId: string, options: GenerateOptions, onProgress: ProgressCallback): Promise<GenerateResult | FramesResult>;
  /** Asks a running job to stop at the next step boundary. Unknown ids are ignored. */
  cancel(jobId: string): void;
  /** The port of the page's upscale helper worker (workers/upscale-helper.ts); the engine never starts a worker itself. */
  attachUpscaleHelper(port: MessagePort): void;
  /** Releases the sessions. */
  unload(): Promise<void>;
}
