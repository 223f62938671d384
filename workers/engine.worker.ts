// Owns the engine worker: it implements EngineApi (src/shared/engine-api.ts)
// and exposes it with comlink. One model is loaded at a time and one job runs
// at a time; cancel() sets a flag that the loop checks between steps, so the
// sessions survive a cancel and the next job starts at once.

// First, so that it counts every GPUBuffer ORT creates.
import { gpuMemory, resetGpuPeak } from './gpu-memory';
import * as Comlink from 'comlink';
import type { EngineApi, EnvironmentReport, GenerateResult, LoadedModel, LoadRequest, ProgressCallback } from '../src/shared/engine-api';
import { installErrorTransfer } from '../src/shared/comlink-errors';
import { abortError, ZoetropeError } from '../src/shared/errors';
import { validateGenerateOptions, type GenerateOptions } from '../src/shared/options';
import type { EngineProgress } from '../src/shared/progress';
import { getInstallRecord, readPackFile } from '../src/lib/pack-db';
import { sha256Hex } from '../src/lib/sha256';
import { chooseBackend, wasmThreadCount } from './backend-choice';
import { CODEC_PREFERENCE, encodeMp4, framesInMemory } from './encode-mp4';
import { validateTuning } from '../src/shared/engine-tuning';
import { rgbaToRgb } from './frames';
import { probeEnvironment } from './environment-probe';
import { createSession, runtimeInfo, type ModelSession, type SessionRequest } from './ort-runtime';
import { Pipeline } from './pipeline';
import { createPromptTokenizer } from './tokenize';
import { wordLevelVocabulary } from '../src/shared/prompt-words';
import { outputSize, resizedFrameStream, resizeFrames } from './upscale';

installErrorTransfer();

let environment: Promise<EnvironmentReport> | null = null;
let loaded: { pipeline: Pipeline; info: LoadedModel; key: string } | null = null;
let running: { jobId: string; cancelled: boolean } | null = null;
const cancelledEarly = new Set<string>();

function probe(): Promise<EnvironmentReport> {
  return (environment ??= probeEnvironment());
}

// A macrotask boundary: lets comlink deliver a pending cancel() message
// before the next step (awaiting session.run alone may only spin microtasks).
const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const engine: EngineApi = {
  probe,

  async load(request: LoadRequest, onProgress: ProgressCallback): Promise<LoadedModel> {
    if (running) throw new ZoetropeError('BackendError', 'A video is being generated; cancel it before loading a model.');
    const tuning = validateTuning(request.tuning);
    const key = JSON.stringify(tuning);
    if (loaded?.info.modelKey === request.modelKey && loaded.key === key && (request.backend === 'auto' || request.backend === loaded.info.backend)) {
      return loaded.info;
    }
    await engine.unload();
    const env = await probe();
    const choice = chooseBackend(request.backend, env);
    // ORT reads the thread count once per runtime build, when it first initialises.
    const sessionRequest: SessionRequest = {
      backend: choice.backend,
      wasmRuntime: tuning.wasmRuntime,
      threads: Math.min(tuning.threads ?? Infinity, wasmThreadCount(env)),
    };

    const record = await getInstallRecord(request.modelKey);
    if (!record) {
      throw new ZoetropeError('ModelNotInstalledError', `The model ${request.modelKey} is not installed in this browser.`, { model: request.modelKey });
    }
    const manifest = record.manifest;
    if (manifest.graphs.decoder !== null) {
      throw new ZoetropeError('UnsupportedModelError', 'This model needs a decoder graph, which this version of Zoetrope does not support yet.', { graph: 'decoder' });
    }
    const wanted = [manifest.tokenizer.file, manifest.graphs.textEncoder, manifest.graphs.denoiser].filter((p): p is string => p !== null);
    const files = wanted.map((path) => manifest.files.find((f) => f.path === path)!);
    const total = files.reduce((n, f) => n + f.size, 0);
    const readStarted = performance.now();
    const bytes = new Map<string, Uint8Array>();
    let done = 0;
    onProgress({ kind: 'loading', stage: 'reading', done, total });
    for (const file of files) {
      bytes.set(file.path, await readPackFile(file));
      done += file.size;
      onProgress({ kind: 'loading', stage: 'reading', done, total });
    }
    const readMs = performance.now() - readStarted;

    const tokenizerJson: unknown = JSON.parse(new TextDecoder().decode(bytes.get(manifest.tokenizer.file)));
    const tokenizer = createPromptTokenizer(tokenizerJson, manifest.tokenizer);
    const graphCount = manifest.graphs.textEncoder ? 2 : 1;
    const sessionStarted = performance.now();
    onProgress({ kind: 'loading', stage: 'sessions', done: 0, total: graphCount });
    let textEncoder: ModelSession | null = null;
    if (manifest.graphs.textEncoder) {
      textEncoder = await createSession(bytes.get(manifest.graphs.textEncoder)!, sessionRequest, 'text encoder');
      onProgress({ kind: 'loading', stage: 'sessions', done: 1, total: graphCount });
    }
    const denoiser = await createSession(bytes.get(manifest.graphs.denoiser)!, sessionRequest, 'denoiser');
    onProgress({ kind: 'loading', stage: 'sessions', done: graphCount, total: graphCount });
    const sessionMs = performance.now() - sessionStarted;

    const runtime = await runtimeInfo(choice.backend, tuning.wasmRuntime);
    const info: LoadedModel = {
      modelKey: request.modelKey,
      backend: choice.backend,
      reason: choice.reason,
      adapter: env.adapter,
      wasmThreads: runtime.threads,
      tuning,
      runtime: { version: runtime.version, wasmFile: runtime.wasmFile },
      gpuBytes: choice.backend === 'webgpu' ? (gpuMemory()?.liveBytes ?? null) : null,
      readMs,
      sessionMs,
      promptVocabulary: wordLevelVocabulary(tokenizerJson, manifest.tokenizer.maxLength),
    };
    loaded = { pipeline: new Pipeline(manifest, tokenizer, textEncoder, denoiser, tuning.gpuLatents), info, key };
    return info;
  },

  async generate(jobId: string, rawOptions: GenerateOptions, onProgress: ProgressCallback): Promise<GenerateResult> {
    const options = validateGenerateOptions(rawOptions);
    if (!loaded) throw new ZoetropeError('ModelNotInstalledError', 'No model is loaded yet.');
    if (running) throw new ZoetropeError('BackendError', 'Another video is already being generated.');
    const job = { jobId, cancelled: cancelledEarly.has(jobId) };
    cancelledEarly.clear(); // Late cancels of finished jobs must not pile up.
    running = job;
    const { pipeline, info } = loaded;
    const started = performance.now();
    resetGpuPeak();
    const emit = (event: EngineProgress) => onProgress(event);
    try {
      const out = await pipeline.run(options, {
        checkpoint: async () => {
          await yieldToEvents();
          if (job.cancelled) throw abortError();
        },
        onText: () => emit({ kind: 'text' }),
        onStep: (step, steps, preview) => emit({ kind: 'step', step, steps, preview }),
      });
      await yieldToEvents();
      if (job.cancelled) throw abortError();
      emit({ kind: 'decoding' });
      const framesStarted = performance.now();
      const framesSha256 = await sha256Hex(rgbaToRgb(out.frames));
      const framesMs = performance.now() - framesStarted;
      const encodeStarted = performance.now();
      const size = outputSize(out.frames.width, out.frames.height, options.outputShortSide);
      // Streamed: frame i is upscaled while the encoder works on frame i-1, and only one big frame is held.
      const big = info.tuning.streamEncode
        ? resizedFrameStream(out.frames, size.width, size.height)
        : framesInMemory(resizeFrames(out.frames, size.width, size.height));
      const fps = pipeline.manifest.video.fps;
      emit({ kind: 'encoding', frame: 0, frames: big.frames });
      const codecs = options.videoCodec === 'auto' ? CODEC_PREFERENCE : [options.videoCodec];
      const video = await encodeMp4(big, fps, (frame) => emit({ kind: 'encoding', frame, frames: big.frames }), codecs);
      const encodeMs = performance.now() - encodeStarted;
      emit({ kind: 'done' });
      const result: GenerateResult = {
        mp4: video.bytes,
        mimeType: video.mimeType,
        codec: video.codec,
        width: big.width,
        height: big.height,
        frames: big.frames,
        fps,
        backend: info.backend,
        framesSha256,
        options,
        timings: {
          textMs: out.textMs,
          textOrtMs: out.textOrtMs,
          stepMs: out.stepMs,
          stepOrtMs: out.stepOrtMs,
          latents: out.latents,
          framesMs,
          encodeMs,
          totalMs: performance.now() - started,
          gpuPeakBytes: info.backend === 'webgpu' ? (gpuMemory()?.peakBytes ?? null) : null,
        },
      };
      return Comlink.transfer(result, [result.mp4.buffer]);
    } finally {
      running = null;
    }
  },

  cancel(jobId: string): void {
    if (running?.jobId === jobId) running.cancelled = true;
    else cancelledEarly.add(jobId); // The cancel overtook its own generate call.
  },

  async unload(): Promise<void> {
    const current = loaded;
    loaded = null;
    await current?.pipeline.release();
  },
};

Comlink.expose(engine);
