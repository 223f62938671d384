// Owns the engine worker: it implements EngineApi (src/shared/engine-api.ts)
// and exposes it with comlink. One model is loaded at a time and one job runs
// at a time; cancel() sets a flag that the loop checks between steps, so the
// sessions survive a cancel and the next job starts at once. A lost WebGPU
// device fails the job with DeviceLostError; ORT keeps that dead device for
// the worker's life, so the client then starts a fresh worker and loads again.
// Each step of a load is posted to the page (src/shared/load-steps.ts), whose
// watchdog replaces a worker whose load stops moving (Firefox, issue 20); for
// the same reason this worker starts no worker of its own (upscale-helper.ts).

// First, so that it counts every GPUBuffer ORT creates.
import { gpuMemory, resetGpuPeak } from './gpu-memory';
import * as Comlink from 'comlink';
import type { EngineApi, EnvironmentReport, FramesResult, GenerateResult, GenerateTimings, LoadedModel, LoadRequest, ProgressCallback } from '../src/shared/engine-api';
import { installErrorTransfer } from '../src/shared/comlink-errors';
import { abortError, ZoetropeError } from '../src/shared/errors';
import { DEFAULT_OUTPUT_SHORT_SIDE, validateGenerateOptions, type GenerateOptions } from '../src/shared/options';
import type { EngineProgress } from '../src/shared/progress';
import { sha256Hex } from '../src/common/sha256';
import { chooseBackend, wasmThreadCount } from './backend-choice';
import { chooseEncoder, CODEC_PREFERENCE, encodeMp4, framesInMemory, type FrameSource } from './encode-mp4';
import { validateTuning } from '../src/shared/engine-tuning';
import { chooseGraphs, type GraphChoices } from '../src/shared/graph-variants';
import { graphFilePath, packCapabilities, type FileEntry } from '../src/shared/manifest';
import { rgbaToRgb } from './frames';
import { probeEnvironment } from './environment-probe';
import { createSession, destroyWebGpuDevice, deviceLoss, runtimeInfo, type ModelSession, type SessionRequest } from './ort-runtime';
import { openPackSource, type PackReader } from '../src/common/pack-source';
import { graphEntries, withGraphBytes, type ReadTally } from './graph-bytes';
import { pipelineKind } from './pipelines/registry';
import type { PipelineRuntime } from './pipelines/types';
import { wordLevelVocabulary } from '../src/shared/prompt-words';
import { GENERATOR, packSources, provenanceTags, type Provenance } from '../src/shared/provenance';
import { outputSize, resizedFrameStream, resizeFrames } from './upscale';
import { attachUpscaleHelper, splitFrameStream } from './upscale-helper';
import type { LoadStep, LoadStepName } from '../src/shared/load-steps';

installErrorTransfer();

let environment: Promise<EnvironmentReport> | null = null;
let loaded: { pipeline: PipelineRuntime; info: LoadedModel; key: string } | null = null;
let running: { jobId: string; cancelled: boolean } | null = null;
const cancelledEarly = new Set<string>();
/** Set when the WebGPU device under the loaded sessions is lost. */
let deviceLost: string | null = null;
/** Resolves when that device is lost; never for WASM. */
let lostSignal: Promise<string> = new Promise(() => {});

/** Tells the page which step of a load this worker has reached (src/shared/load-steps.ts: its stall watchdog). */
function step(name: LoadStepName, label = '', bytes = 0): void {
  (self as unknown as DedicatedWorkerGlobalScope).postMessage({ zoetropeLoadStep: name, label, bytes } satisfies LoadStep);
}

function deviceLostError(): ZoetropeError {
  return new ZoetropeError('DeviceLostError', `The GPU device was lost during the job: ${String(deviceLost).replace(/\.$/, '')}.`, { reason: deviceLost });
}

// Test hook: the e2e tests lose the device on purpose, as a driver reset would
// (any page of this origin could already do worse; nothing else listens here).
new BroadcastChannel('zoetrope-test-hooks').onmessage = (event: MessageEvent) => {
  if (event.data === 'destroy-gpu-device' && loaded?.info.backend === 'webgpu') void destroyWebGpuDevice();
};

function probe(): Promise<EnvironmentReport> {
  return (environment ??= probeEnvironment());
}

// A macrotask boundary: lets comlink deliver a pending cancel() message
// before the next step (awaiting session.run alone may only spin microtasks).
// A message to ourselves, not setTimeout(0): timers nested five deep wait at
// least 4 ms, and the bench measured 3.7 ms a step of nothing. A cancel the
// page sent during the step is already queued, ahead of this message (both
// are posted messages, one task queue in Chromium's worker); one sent later
// is seen at the next step boundary.
const yieldChannel = new MessageChannel();
const yielded: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yielded.shift()?.();
const yieldToEvents = () =>
  new Promise<void>((resolve) => {
    yielded.push(resolve);
    yieldChannel.port2.postMessage(null);
  });

/**
 * The job's last progress event, awaited: the page's callback is a Comlink proxy on its own
 * MessagePort, and the result travels on another, so without the wait the result could reach the
 * page before the job's 'step' events (lesson.spec saw a clip with only 'text' recorded). Messages
 * on one port arrive in order, so once 'done' has been handled, every event before it has been.
 */
async function settledDone(emit: (event: EngineProgress) => unknown): Promise<void> {
  await emit({ kind: 'done' });
}

const engine: EngineApi = {
  probe,

  async load(request: LoadRequest, onProgress: ProgressCallback): Promise<LoadedModel> {
    if (running) throw new ZoetropeError('BackendError', 'A video is being generated; cancel it before loading a model.');
    if (deviceLost) throw deviceLostError(); // This worker's ORT is bound to the dead device.
    const tuning = validateTuning(request.tuning);
    const key = JSON.stringify(tuning);
    const source = request.source?.kind ?? 'installed';
    if (loaded?.info.modelKey === request.modelKey && loaded.info.source === source && loaded.key === key && (request.backend === 'auto' || request.backend === loaded.info.backend)) {
      return loaded.info;
    }
    step('load-started');
    await engine.unload();
    const env = await probe();
    step('probe-done');

    const pack = await openPackSource(request);
    const manifest = pack.manifest;
    step('pack-opened', manifest.name);
    // Before any file is read or session made: a GPU too small for the pack is refused (or skipped for WASM) here.
    const choice = chooseBackend(request.backend, env, manifest.gpuLimits, manifest.requiresGpu === true);
    // ORT reads the thread count once per runtime build, when it first initialises.
    const sessionRequest: SessionRequest = {
      backend: choice.backend,
      wasmRuntime: tuning.wasmRuntime,
      threads: Math.min(tuning.threads ?? Infinity, wasmThreadCount(env)),
      spin: tuning.spin,
    };
    // The pack's kind says which graphs it runs; a kind this build lacks is refused before any file is read.
    const kind = pipelineKind(manifest);
    // The backend's graph variants where the pack has them (the built-in pack: dynamic int8 on WASM),
    // and only those the adapter can run (a variant may need e.g. shader-f16).
    const features = choice.backend === 'webgpu' ? (env.adapter?.features ?? []) : [];
    const graphs: GraphChoices = chooseGraphs(manifest, choice.backend, tuning.backendGraphs, features);
    const roles = kind.roles(manifest, tuning).flatMap((spec) => {
      const graph = graphs[spec.role] ?? null;
      if (graph === null && !spec.optional) {
        throw new ZoetropeError('UnsupportedModelError', `This model has no ${spec.label} graph, which its pipeline "${manifest.pipeline}" needs.`, { graph: spec.role });
      }
      return graph === null ? [] : [{ ...spec, graph }];
    });
    // Each graph's files are read (and checked, shard by shard) just before its session is made and
    // dropped after it, so a multi-GB pack is never held whole (graph-bytes.ts). The tokenizer first,
    // then any other file the kind keeps in memory (its files(): the wan kind's token table).
    const tokenizerEntry = manifest.files.find((f) => f.path === manifest.tokenizer.file)!;
    const extraEntries = (kind.files?.(manifest) ?? []).map((path) => {
      const entry = manifest.files.find((f) => f.path === path);
      if (!entry) throw new ZoetropeError('UnsupportedModelError', `The pack lists no file ${path}, which its pipeline "${manifest.pipeline}" needs.`, { file: path });
      return entry;
    });
    const firstBytes = extraEntries.reduce((n, f) => n + f.size, tokenizerEntry.size);
    const tally: ReadTally = { done: 0, total: roles.reduce((n, r) => n + graphEntries(manifest, r.graph).reduce((m, f) => m + f.size, 0), firstBytes), ms: 0 };
    const onRead = () => onProgress({ kind: 'loading', stage: 'reading', done: tally.done, total: tally.total });
    // Every file read is a step, so a read that never ends is told apart from a session that never exists.
    const readFile = async (entry: FileEntry) => {
      step('file-read-started', entry.path, entry.size);
      const bytes = await pack.readFile(entry);
      step('file-read-done', entry.path);
      return bytes;
    };
    const steppedPack: PackReader = { manifest, readFile };
    onRead();
    const readStarted = performance.now();
    const tokenizerJson: unknown = JSON.parse(new TextDecoder().decode(await readFile(tokenizerEntry)));
    tally.done += tokenizerEntry.size;
    onRead();
    const files = new Map<string, Uint8Array>();
    for (const entry of extraEntries) {
      files.set(entry.path, await readFile(entry));
      tally.done += entry.size;
      onRead();
    }
    tally.ms += performance.now() - readStarted;
    const graphCount = roles.length;
    const sessionStarted = performance.now();
    const sessions: Partial<Record<(typeof roles)[number]['role'], ModelSession>> = {};
    let pipeline: PipelineRuntime;
    try {
      for (const [i, r] of roles.entries()) {
        sessions[r.role] = await withGraphBytes(steppedPack, r.graph, tally, onRead, (bytes) => {
          // The bar counts bytes read up to half way, then sessions: only sessions made after the last read are
          // reported, so it never goes back.
          if (tally.done >= tally.total) onProgress({ kind: 'loading', stage: 'sessions', done: i, total: graphCount });
          return createSession(bytes, sessionRequest, r.label, step);
        });
      }
      pipeline = kind.create({ manifest, tokenizerJson, sessions, tuning, files });
    } catch (error) {
      // No model is loaded, so nothing else would free these sessions.
      for (const session of Object.values(sessions)) await session?.release();
      throw error;
    }
    if (choice.backend === 'webgpu') {
      lostSignal = (await deviceLoss()).lost;
      void lostSignal.then((message) => (deviceLost = message));
    }
    // Reading and checking files is counted apart from making sessions, as before (readMs, then sessionMs).
    const readMs = tally.ms;
    const sessionMs = performance.now() - sessionStarted - (tally.ms - (sessionStarted - readStarted));
    // WASM only: on SwiftShader's WebGPU one run takes tens of seconds, and a real GPU's first run is
    // mostly shader compilation, which the first step then pays (README, "Performance").
    const warmUp = tuning.warmUp && choice.backend === 'wasm';
    const warmUpStarted = performance.now();
    if (warmUp) {
      try {
        step('warm-up-started', '', tally.total);
        await pipeline.warmUp();
        step('warm-up-done');
      } catch (error) {
        await pipeline.release(); // No model is loaded, so nothing else would free these sessions.
        throw error;
      }
    }
    const warmUpMs = warmUp ? performance.now() - warmUpStarted : 0;
    onProgress({ kind: 'loading', stage: 'sessions', done: graphCount, total: graphCount });

    const runtime = await runtimeInfo(choice.backend, tuning.wasmRuntime);
    const info: LoadedModel = {
      modelKey: request.modelKey,
      source,
      backend: choice.backend,
      reason: choice.reason,
      adapter: env.adapter,
      wasmThreads: runtime.threads,
      tuning,
      runtime: { version: runtime.version, wasmFile: runtime.wasmFile },
      gpuBytes: choice.backend === 'webgpu' ? (gpuMemory()?.liveBytes ?? null) : null,
      graphs: {
        textEncoder: sessions.textEncoder ? (graphs.textEncoder?.file ?? null) : null,
        denoiser: graphs.denoiser.file,
        conditionalDenoiser: sessions.conditionalDenoiser ? (graphs.conditionalDenoiser?.file ?? null) : null,
        decoder: sessions.decoder ? (graphs.decoder?.file ?? null) : null,
      },
      readMs,
      sessionMs,
      warmUpMs,
      promptVocabulary: wordLevelVocabulary(tokenizerJson, manifest.tokenizer.maxLength),
    };
    loaded = { pipeline, info, key };
    step('load-done');
    // Ask the encoder question now for the default clip, off the first job's path; a failure here is
    // not kept, and the job asks again and reports it.
    const clip = outputSize(manifest.video.width, manifest.video.height, DEFAULT_OUTPUT_SHORT_SIDE);
    if (tuning.encoderCache) chooseEncoder(CODEC_PREFERENCE, clip.width, clip.height, manifest.video.fps).catch(() => {});
    step('encoder-asked');
    return info;
  },

  async generate(jobId: string, rawOptions: GenerateOptions, onProgress: ProgressCallback): Promise<GenerateResult | FramesResult> {
    // The loaded pack's kind says which step counts and guidance it allows.
    const options = validateGenerateOptions(rawOptions, loaded ? packCapabilities(loaded.pipeline.manifest) : undefined);
    if (!loaded) throw new ZoetropeError('ModelNotInstalledError', 'No model is loaded yet.');
    if (running) throw new ZoetropeError('BackendError', 'Another video is already being generated.');
    const job = { jobId, cancelled: cancelledEarly.has(jobId) };
    cancelledEarly.clear(); // Late cancels of finished jobs must not pile up.
    running = job;
    const { pipeline, info } = loaded;
    const started = performance.now();
    const startedAt = performance.timeOrigin + started;
    resetGpuPeak();
    const split = info.tuning.streamEncode && info.tuning.upscaleWorker;
    const emit = (event: EngineProgress) => onProgress(event);
    let checkpointMs = 0;
    let emitMs = 0;
    try {
      const out = await pipeline.run(options, {
        checkpoint: async () => {
          const t = performance.now();
          await yieldToEvents();
          checkpointMs += performance.now() - t;
          if (deviceLost) throw deviceLostError();
          if (job.cancelled) throw abortError();
        },
        onText: () => emit({ kind: 'text' }),
        onStep: (step, steps, preview) => {
          const t = performance.now();
          // The preview's pixels are made for this event alone: moved to the page, not copied.
          onProgress(Comlink.transfer({ kind: 'step', step, steps, preview }, preview ? [preview.rgba.buffer] : []));
          emitMs += performance.now() - t;
        },
        onDecode: (frame, frames) => emit({ kind: 'decoding', frame, frames }),
      });
      const loopEnd = out.loopStartedAt + out.loopMs;
      await yieldToEvents();
      if (job.cancelled) throw abortError();
      emit({ kind: 'frames' });
      const framesStarted = performance.now();
      const afterLoopMs = framesStarted - loopEnd;
      const rgb = rgbaToRgb(out.frames);
      const rgbMs = performance.now() - framesStarted;
      const framesSha256 = await sha256Hex(rgb);
      const framesMs = performance.now() - framesStarted;
      const m = pipeline.manifest;
      const fps = m.video.fps;
      const provenance: Provenance = {
        zoetrope: 1,
        generator: GENERATOR,
        kind: 'clip',
        model: info.modelKey,
        modelHash: m.files.find((f) => f.path === graphFilePath(m.graphs.denoiser))?.sha256 ?? '',
        backend: info.backend,
        steps: options.steps,
        guidance: options.guidance,
        clips: [{ prompt: options.prompt, seed: options.seed, framesSha256 }],
        // A converted pack names the checkpoint files it was made from (base model, motion module).
        ...packSources(m),
      };
      const modelFrames = { rgba: new Uint8Array(out.frames.rgba.buffer), frames: out.frames.frames, width: out.frames.width, height: out.frames.height };
      // The known frames are the caller's own; no need to send them back.
      const echoed = options.knownFrames ? { ...options, knownFrames: null } : options;
      const timings = (encodeMs: number, video: Pick<Awaited<ReturnType<typeof encodeMp4>>, 'timing'> | null, helped: number): GenerateTimings => ({
        textMs: out.textMs,
        textOrtMs: out.textOrtMs,
        stepMs: out.stepMs,
        stepOrtMs: out.stepOrtMs,
        latents: out.latents,
        decodeMs: out.decodeMs ?? 0,
        framesMs,
        encodeMs,
        totalMs: performance.now() - started,
        gpuPeakBytes: info.backend === 'webgpu' ? (gpuMemory()?.peakBytes ?? null) : null,
        gpuLiveBytes: info.backend === 'webgpu' ? (gpuMemory()?.liveBytes ?? null) : null,
        phases: {
          startedAt,
          endedAt: 0,
          toLoopMs: out.loopStartedAt - started,
          loopMs: out.loopMs,
          loopSetupMs: out.setupMs,
          stepOutsideOrtMs: out.stepMs.reduce((a, ms, i) => a + ms - (out.stepOrtMs[i] ?? 0), 0),
          checkpointMs,
          previewMs: out.previewMs,
          emitMs,
          afterLoopMs,
          rgbMs,
          hashMs: framesMs - rgbMs,
          encoderStartMs: video?.timing.startMs ?? 0,
          upscaleMs: video?.timing.frameMs ?? 0,
          upscaleHelperFrames: helped,
          encoderAddMs: video?.timing.addMs ?? 0,
          encoderFirstFrameMs: video?.timing.firstAddMs ?? 0,
          finalizeMs: video?.timing.finalizeMs ?? 0,
        },
      });
      if (options.output === 'frames') {
        // A lesson composes and encodes the frames itself: no upscale, no encoder, no throwaway MP4.
        await settledDone(emit);
        const frames: FramesResult = {
          mp4: null,
          mimeType: null,
          codec: null,
          width: out.frames.width,
          height: out.frames.height,
          frames: out.frames.frames,
          fps,
          backend: info.backend,
          framesSha256,
          options: echoed,
          modelFrames,
          provenance,
          timings: timings(0, null, 0),
        };
        frames.timings.phases.endedAt = performance.timeOrigin + performance.now();
        return Comlink.transfer(frames, [frames.modelFrames.rgba.buffer]);
      }
      const encodeStarted = performance.now();
      const size = outputSize(out.frames.width, out.frames.height, options.outputShortSide);
      // Streamed: frame i is upscaled while the encoder works on frame i-1, and only one big frame is held
      // (with the helper, its odd frames too, as they arrive); the helper stops if the job does.
      const upscaling = new AbortController();
      const big: FrameSource = split
        ? splitFrameStream(out.frames, size.width, size.height, upscaling.signal, yieldToEvents)
        : info.tuning.streamEncode
          ? resizedFrameStream(out.frames, size.width, size.height)
          : framesInMemory(resizeFrames(out.frames, size.width, size.height));
      emit({ kind: 'encoding', frame: 0, frames: big.frames });
      const codecs = options.videoCodec === 'auto' ? CODEC_PREFERENCE : [options.videoCodec];
      const tags = provenanceTags(provenance, options.prompt);
      // Encoding awaits the encoder between frames, so a cancel message gets in; it is honoured before the next frame.
      const video = await encodeMp4(big, fps, (frame) => emit({ kind: 'encoding', frame, frames: big.frames }), codecs, tags, () => {
        if (job.cancelled) throw abortError();
      }, info.tuning.encoderCache).finally(() => upscaling.abort());
      const encodeMs = performance.now() - encodeStarted;
      await settledDone(emit);
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
        options: echoed,
        modelFrames,
        provenance,
        timings: timings(encodeMs, video, big.helped?.() ?? 0),
      };
      result.timings.phases.endedAt = performance.timeOrigin + performance.now();
      return Comlink.transfer(result, [result.mp4.buffer, result.modelFrames.rgba.buffer]);
    } catch (error) {
      // A run on a lost device fails with whatever ORT says (often before the
      // device's lost promise settles): give that promise a moment, then name the cause.
      if (info.backend === 'webgpu') await Promise.race([lostSignal, new Promise((resolve) => setTimeout(resolve, 1000))]);
      if (deviceLost) {
        loaded = null;
        throw deviceLostError();
      }
      throw error;
    } finally {
      running = null;
    }
  },

  cancel(jobId: string): void {
    if (running?.jobId === jobId) running.cancelled = true;
    else cancelledEarly.add(jobId); // The cancel overtook its own generate call.
  },

  attachUpscaleHelper(port: MessagePort): void {
    attachUpscaleHelper(port);
  },

  async unload(): Promise<void> {
    const current = loaded;
    loaded = null;
    await current?.pipeline.release();
  },
};

Comlink.expose(engine);
step('worker-started');
// ORT fetches its wasm glue and binary itself, inside InferenceSession.create: their resource entries say
// whether a session that never comes was still waiting for its files (issue 20) or had them.
if (typeof PerformanceObserver !== 'undefined') {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.name.includes('/ort/')) step('ort-file-fetched', entry.name.replace(/^.*\//, ''));
  }).observe({ type: 'resource', buffered: true });
}
