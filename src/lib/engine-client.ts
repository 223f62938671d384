// Owns the UI's side of the engine worker: it starts the worker lazily (on
// the first call), wraps it with comlink, turns an AbortSignal into a
// cooperative cancel(jobId), drops progress that would go backwards, and
// falls back to terminate() only when a cancelled job will not stop.

import * as Comlink from 'comlink';
import type { EngineApi, EnvironmentReport, FramesResult, GenerateResult, LoadedModel, LoadRequest } from '../shared/engine-api';
import { installErrorTransfer } from '../shared/comlink-errors';
import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import type { GenerateOptions } from '../shared/options';
import { isForward, type EngineProgress } from '../shared/progress';

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (event: EngineProgress) => void;
}

/** How long a cancelled job may take to reach its next step boundary before the worker is killed. */
const CANCEL_GRACE_MS = 60_000;

export class EngineClient {
  private worker: Worker | null = null;
  private api: Comlink.Remote<EngineApi> | null = null;
  private crash: ((error: ZoetropeError) => void)[] = [];

  private remote(): Comlink.Remote<EngineApi> {
    if (this.api) return this.api;
    installErrorTransfer();
    const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'zoetrope-engine' });
    worker.addEventListener('error', (event) => {
      const error = new ZoetropeError('EngineCrashedError', `The engine stopped: ${event.message || 'unknown error'}`);
      this.reset();
      for (const reject of this.crash.splice(0)) reject(error);
    });
    this.worker = worker;
    this.api = Comlink.wrap<EngineApi>(worker);
    return this.api;
  }

  /** Runs a call, rejecting it if the worker dies meanwhile. */
  private async guarded<T>(call: (api: Comlink.Remote<EngineApi>) => Promise<T>): Promise<T> {
    const api = this.remote();
    let onCrash: (error: ZoetropeError) => void = () => {};
    const crashed = new Promise<never>((_, reject) => {
      onCrash = reject;
      this.crash.push(reject);
    });
    try {
      return await Promise.race([call(api), crashed]);
    } catch (error) {
      throw toZoetropeError(error);
    } finally {
      this.crash = this.crash.filter((r) => r !== onCrash);
    }
  }

  /** False after terminate() or a crash: the next call starts a worker with no model loaded. */
  get alive(): boolean {
    return this.api !== null;
  }

  probe(): Promise<EnvironmentReport> {
    return this.guarded((api) => api.probe());
  }

  load(request: LoadRequest, options: CallOptions = {}): Promise<LoadedModel> {
    const progress = monotonic(options.onProgress);
    return this.guarded((api) => api.load(request, Comlink.proxy(progress))).catch((error: ZoetropeError) => {
      // A WASM heap never shrinks once grown, and ORT may have aborted inside it: the next load starts a fresh worker.
      if (error.name === 'OutOfMemoryError') this.terminate();
      throw error;
    });
  }

  /** A video; with `output: 'frames'` the model-resolution frames alone (no MP4 is made). */
  generate(generateOptions: GenerateOptions & { output: 'frames' }, options?: CallOptions): Promise<FramesResult>;
  generate(generateOptions: GenerateOptions, options?: CallOptions): Promise<GenerateResult>;
  async generate(generateOptions: GenerateOptions, options: CallOptions = {}): Promise<GenerateResult | FramesResult> {
    const { signal } = options;
    if (signal?.aborted) throw abortError();
    const jobId = crypto.randomUUID();
    const progress = monotonic(options.onProgress);
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    let rejectKilled: (error: ZoetropeError) => void = () => {};
    const killed = new Promise<never>((_, reject) => (rejectKilled = reject));
    const onAbort = () => {
      void this.api?.cancel(jobId);
      killTimer = setTimeout(() => {
        // The fallback: the job did not reach a step boundary in time.
        this.terminate();
        rejectKilled(abortError('The job was stopped; the model will load again for the next one.'));
      }, CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await Promise.race([this.guarded((api) => api.generate(jobId, generateOptions, Comlink.proxy(progress)) as Promise<GenerateResult | FramesResult>), killed]);
      // A cancel can reach the worker after its last check (during the encoder's flush, which has no
      // frame boundary left), and the job then finishes: the person pressed Cancel, so the late result
      // is dropped here, for every caller, rather than shown.
      if (signal?.aborted) throw abortError();
      return result;
    } catch (error) {
      // ORT keeps a lost GPU device for the worker's life: the next load needs a fresh worker.
      if (toZoetropeError(error).name === 'DeviceLostError') this.terminate();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
    }
  }

  async unload(): Promise<void> {
    if (this.api) await this.api.unload();
  }

  /** Kills the worker; the next call starts a fresh one. */
  terminate(): void {
    this.worker?.terminate();
    this.reset();
  }

  private reset(): void {
    this.api?.[Comlink.releaseProxy]();
    this.worker = null;
    this.api = null;
  }
}

function monotonic(callback?: (event: EngineProgress) => void): (event: EngineProgress) => void {
  let last: EngineProgress | null = null;
  return (event) => {
    if (!isForward(last, event)) return;
    last = event;
    callback?.(event);
  };
}
