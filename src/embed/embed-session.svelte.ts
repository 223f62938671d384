// Owns the embed's one state machine (check model → install → load → ready)
// and the work it does for requests: install a pack, generate a video. Every
// request, from the host page or from the frame's own button, goes through
// one JobQueue, so they run one at a time in arrival order. The state is kept
// in runes so the compact UI can show it; host-bridge.ts turns it into messages.

import type { GenerateResult, LoadedModel } from '../shared/engine-api';
import { abortError, fieldError, toZoetropeError, ZoetropeError } from '../shared/errors';
import { modelKey, packCapabilities, type PackManifest } from '../shared/manifest';
import { defaultOptions, MAX_SEED, validateGenerateOptions } from '../shared/options';
import { jobFraction, type EngineProgress, type InstallProgress } from '../shared/progress';
import { EngineClient } from '../lib/engine-client';
import { fetchManifest, findInstalled, installPack } from '../lib/model-store';
import { listInstallRecords } from '../common/pack-db';
import { importZoepack } from '../lib/zoepack-import';
import { builtInManifestUrl, isSameOrigin } from '../lib/url-settings';
import { isModelId, type EmbedOptions } from './embed-options';
import { JobQueue } from './job-queue';
import type { EmbedState, GenerateRequest, ProgressPhase } from './protocol';
import { ensureStorage } from '../lib/storage-check';

export interface JobProgress {
  phase: ProgressPhase;
  /** 0..1 over the whole request; never goes back. */
  fraction: number;
  step: number;
  steps: number;
}

export interface FinishedVideo {
  result: GenerateResult;
  model: string;
  /** An object URL of the MP4 for the frame's own player. */
  url: string;
  serial: number;
}

type ProgressSink = (progress: JobProgress) => void;

const PHASE_OF: Record<EngineProgress['kind'], ProgressPhase> = {
  loading: 'load',
  text: 'text',
  step: 'denoise',
  decoding: 'decode',
  frames: 'frames',
  encoding: 'encode',
  done: 'done',
};

export class EmbedSession {
  state = $state<EmbedState>('checking');
  manifest = $state.raw<PackManifest | null>(null);
  loaded = $state.raw<LoadedModel | null>(null);
  install = $state.raw<InstallProgress | null>(null);
  models = $state.raw<string[]>([]);
  /** The model's own failure (the UI shows it); request errors go to whoever asked. */
  error = $state.raw<ZoetropeError | null>(null);
  job = $state.raw<JobProgress | null>(null);
  queued = $state(0);
  video = $state.raw<FinishedVideo | null>(null);

  readonly queue = new JobQueue();
  /** Called each time a model becomes ready (after start, an install or a reload). */
  onready: () => void = () => {};

  private readonly engine = new EngineClient();
  private manifestUrl = '';
  private started: Promise<void> = Promise.resolve();

  constructor(private readonly options: EmbedOptions) {
    this.queue.onchange = () => (this.queued = this.queue.queued);
  }

  get modelKey(): string | null {
    return this.manifest ? modelKey(this.manifest) : null;
  }

  start(): Promise<void> {
    this.started = this.prepare();
    return this.started;
  }

  dispose(): void {
    this.queue.cancelAll();
    this.engine.terminate();
    if (this.video) URL.revokeObjectURL(this.video.url);
  }

  /** Resolves the model from the options and installs (same origin only) and loads it. */
  private async prepare(): Promise<void> {
    this.state = 'checking';
    this.error = null;
    try {
      await ensureStorage();
      await this.refreshModels();
      const { manifestUrl, manifest } = await this.resolveModel();
      this.manifestUrl = manifestUrl;
      this.manifest = manifest;
      if (await findInstalled(manifest)) await this.load();
      else if (isSameOrigin(manifestUrl)) await this.installAndLoad(manifestUrl);
      else this.state = 'needs-install';
    } catch (e) {
      this.fail(e);
    }
  }

  private async resolveModel(): Promise<{ manifestUrl: string; manifest: PackManifest }> {
    const model = this.options.model;
    const records = await listInstallRecords();
    if (model !== null && isModelId(model)) {
      // An installed id (newest install wins), else a pack of that id on our own origin.
      const record = records.filter((r) => r.key === model || r.manifest.id === model).sort((a, b) => b.installedAt.localeCompare(a.installedAt))[0];
      if (record && (await findInstalled(record.manifest))) return { manifestUrl: record.manifestUrl, manifest: record.manifest };
      const own = new URL(`${import.meta.env.BASE_URL}models/${model.split('@')[0]}/manifest.json`, location.href).href;
      return { manifestUrl: own, manifest: await fetchManifest(own) };
    }
    const manifestUrl = model !== null ? new URL(model, location.href).href : builtInManifestUrl();
    try {
      return { manifestUrl, manifest: await fetchManifest(manifestUrl) };
    } catch (e) {
      // Offline: the copy kept with the install record still works.
      const offline = records.find((r) => r.manifestUrl === manifestUrl);
      if (toZoetropeError(e).name === 'DownloadError' && offline) return { manifestUrl, manifest: offline.manifest };
      throw e;
    }
  }

  private async installAndLoad(manifestUrl: string, signal?: AbortSignal, sink?: ProgressSink): Promise<void> {
    this.state = 'installing';
    this.install = null;
    await installPack(manifestUrl, {
      ...(signal ? { signal } : {}),
      onProgress: (p) => {
        this.install = p;
        if (p.kind === 'downloading' && p.bytesTotal > 0) sink?.({ phase: 'install', fraction: 0.9 * (p.bytesDone / p.bytesTotal), step: 0, steps: 0 });
      },
    });
    await this.refreshModels();
    await this.load();
  }

  private async load(): Promise<void> {
    if (!this.manifest) return;
    this.state = 'loading';
    this.loaded = await this.engine.load({ modelKey: modelKey(this.manifest), backend: this.options.backend });
    this.state = 'ready';
    this.error = null;
    this.onready();
  }

  private async refreshModels(): Promise<void> {
    const records = await listInstallRecords();
    this.models = records.map((r) => r.key).sort();
  }

  private fail(e: unknown): void {
    const error = toZoetropeError(e);
    console.warn(`[zoetrope] ${error.name}: ${error.message}`);
    this.error = error;
    this.state = this.state === 'installing' || this.state === 'checking' ? (this.manifest ? 'needs-install' : 'failed') : 'failed';
  }

  /** The frame's own "Install model" button: it waits its turn like any request. */
  installCurrent(key: string): Promise<string> {
    return this.queue.enqueue(key, async (signal) => {
      await this.started;
      if (!this.manifest) throw this.error ?? new ZoetropeError('ModelNotFoundError', 'No model is chosen.');
      return this.installFrom(this.manifestUrl, signal, () => {});
    });
  }

  /** installModel: installs the pack at manifestUrl (any origin the CSP allows) and makes it the current model. */
  installModel(key: string, manifestUrl: string, sink: ProgressSink): Promise<string> {
    return this.queue.enqueue(key, async (signal) => {
      await this.started;
      return this.installFrom(manifestUrl, signal, sink);
    });
  }

  /**
   * installPack: imports a .zoepack the host supplied (every shard checked
   * against the manifest; a bad file leaves nothing stored) and makes it the
   * current model. A failed import keeps the model that was working.
   */
  installPackFile(key: string, pack: Blob, name: string, sink: ProgressSink): Promise<string> {
    return this.queue.enqueue(key, async (signal) => {
      await this.started;
      const before = this.state;
      sink({ phase: 'install', fraction: 0, step: 0, steps: 0 });
      this.state = 'installing';
      let imported;
      try {
        imported = await importZoepack(pack, name, {
          signal,
          onProgress: (done, total) => {
            this.install = { kind: 'downloading', bytesDone: done, bytesTotal: total, shardsDone: 0, shardsTotal: 0 };
            sink({ phase: 'install', fraction: 0.9 * (done / Math.max(1, total)), step: 0, steps: 0 });
          },
        });
      } catch (e) {
        this.state = before;
        throw toZoetropeError(e);
      }
      this.manifest = imported.record.manifest;
      this.manifestUrl = imported.record.manifestUrl;
      await this.refreshModels();
      try {
        await this.load();
      } catch (e) {
        this.fail(e);
        throw toZoetropeError(e);
      }
      sink({ phase: 'done', fraction: 1, step: 0, steps: 0 });
      return modelKey(imported.record.manifest);
    });
  }

  private async installFrom(manifestUrl: string, signal: AbortSignal, sink: ProgressSink): Promise<string> {
    const manifest = await fetchManifest(manifestUrl, signal);
    const previous = { manifest: this.manifest, manifestUrl: this.manifestUrl };
    this.manifest = manifest;
    this.manifestUrl = manifestUrl;
    this.error = null;
    try {
      sink({ phase: 'install', fraction: 0, step: 0, steps: 0 });
      await this.installAndLoad(manifestUrl, signal, sink);
      sink({ phase: 'done', fraction: 1, step: 0, steps: 0 });
      return modelKey(manifest);
    } catch (e) {
      // A failed install of another pack keeps the model that was working.
      if (previous.manifest && previous.manifest !== manifest && this.loaded) {
        this.manifest = previous.manifest;
        this.manifestUrl = previous.manifestUrl;
        this.state = 'ready';
      } else this.fail(e);
      throw toZoetropeError(e);
    }
  }

  generate(key: string, request: GenerateRequest, sink: ProgressSink): Promise<FinishedVideo> {
    sink({ phase: 'queued', fraction: 0, step: 0, steps: 0 });
    return this.queue.enqueue(key, async (signal) => {
      await this.started;
      if (this.state === 'failed') await this.start(); // A load that failed is tried again.
      const manifest = this.manifest;
      if (this.state !== 'ready' || !manifest) {
        throw this.state === 'needs-install'
          ? new ZoetropeError('ModelNotInstalledError', 'The model is not installed in this frame yet: send installModel, or press "Install model".')
          : (this.error ?? new ZoetropeError('ModelNotInstalledError', 'The model is not ready.'));
      }
      if (request.frames !== undefined && request.frames !== manifest.video.frames) {
        throw fieldError('OptionsError', 'frames', `${manifest.video.frames} (this model always makes ${manifest.video.frames} frames)`, request.frames);
      }
      const options = validateGenerateOptions({
        ...defaultOptions(manifest),
        prompt: request.prompt,
        seed: request.seed ?? this.options.seed ?? (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) % (MAX_SEED + 1),
        steps: request.steps ?? this.options.steps ?? manifest.scheduler.defaultSteps,
        guidance: request.guidance ?? this.options.guidance ?? manifest.scheduler.defaultGuidance,
        previewEvery: 0,
        videoCodec: this.options.codec,
      }, packCapabilities(manifest));
      if (signal.aborted) throw abortError();
      return this.runJob(manifest, options, signal, sink);
    });
  }

  private async runJob(manifest: PackManifest, options: ReturnType<typeof validateGenerateOptions>, signal: AbortSignal, sink: ProgressSink): Promise<FinishedVideo> {
    const report = (p: JobProgress) => {
      this.job = p;
      sink(p);
    };
    report({ phase: 'text', fraction: 0, step: 0, steps: options.steps });
    try {
      const result = await this.engine.generate(options, {
        signal,
        onProgress: (p) => report({ phase: PHASE_OF[p.kind], fraction: jobFraction(p), step: p.kind === 'step' ? p.step : 0, steps: options.steps }),
      });
      console.info(`[zoetrope:timing] ${JSON.stringify({ event: 'generate', backend: result.backend, steps: options.steps, ...result.timings })}`);
      const type = result.mimeType.split(';')[0] ?? 'video/mp4';
      const url = URL.createObjectURL(new Blob([result.mp4 as Uint8Array<ArrayBuffer>], { type }));
      if (this.video) URL.revokeObjectURL(this.video.url);
      this.video = { result, model: modelKey(manifest), url, serial: (this.video?.serial ?? 0) + 1 };
      return this.video;
    } catch (e) {
      const error = toZoetropeError(e);
      // The engine was killed as the fallback of a cancel, or crashed: load it again for the next request.
      if ((error.name === 'AbortError' || error.name === 'EngineCrashedError' || error.name === 'DeviceLostError') && !this.engine.alive) {
        this.loaded = null;
        await this.load().catch((err: unknown) => this.fail(err));
      }
      throw error;
    } finally {
      this.job = null;
    }
  }
}
