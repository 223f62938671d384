// Owns the UI's side of the engine worker: it starts the worker lazily (on
// the first call), wraps it with comlink, turns an AbortSignal into a
// cooperative cancel(jobId), drops progress that would go backwards, and
// falls back to terminate() only when a cancelled job will not stop. A model
// load that stops moving (Firefox ESR 153, issue 20) is given one fresh
// worker, then ends in EngineStalledError (load-watchdog.ts): never a hang.

import * as Comlink from 'comlink';
import type { EngineApi, EnvironmentReport, FramesResult, GenerateResult, LoadedModel, LoadRequest } from '../shared/engine-api';
import { installErrorTransfer } from '../shared/comlink-errors';
import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import type { GenerateOptions } from '../shared/options';
import { isForward, type EngineProgress } from '../shared/progress';
import { describeStep, isLoadStep } from '../shared/load-steps';
import { afterStall, LoadWatchdog } from './load-watchdog';

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (event: EngineProgress) => void;
}

/** How long a cancelled job may take to reach its next step boundary before the worker is killed. */
const CANCEL_GRACE_MS = 60_000;

export class EngineClient {
  private worker: Worker | null = null;
  private helper: Worker | null = null;
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
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      // One line a step: where a load stopped, for a person's console and scripts/firefox-load-repro.mjs.
      if (isLoadStep(event.data)) console.debug(`[zoetrope:load-step] ${describeStep(event.data)}`);
    });
    this.worker = worker;
    this.api = Comlink.wrap<EngineApi>(worker);
    this.startUpscaleHelper(this.api);
    return this.api;
  }

  /**
   * The engine's second upscaler (workers/upscale-helper.ts), started here and handed to the engine as a
   * port: in Firefox ESR 153 a `new Worker()` inside the engine worker sometimes never returned and blocked
   * that worker for good (issue 20). A helper that fails to load or crashes is dropped, and the engine then
   * upscales every frame itself.
   */
  private startUpscaleHelper(api: Comlink.Remote<EngineApi>): void {
    if ((navigator.hardwareConcurrency ?? 1) < 2) return;
    let helper: Worker;
    try {
      helper = new Worker(new URL('../../workers/upscale.worker.ts', import.meta.url), { type: 'module', name: 'zoetrope-upscale' });
    } catch {
      return;
    }
    helper.addEventListener('error', (event) => {
      event.preventDefault();
      helper.terminate();
    });
    const channel = new MessageChannel();
    helper.postMessage({ port: channel.port1 }, [channel.port1]);
    api.attachUpscaleHelper(Comlink.transfer(channel.port2, [channel.port2])).catch(() => {});
    this.helper = helper;
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

  async load(request: LoadRequest, options: CallOptions = {}): Promise<LoadedModel> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.loadOnce(request, options, attempt);
      } catch (error) {
        const e = toZoetropeError(error);
        // A WASM heap never shrinks once grown, and ORT may have aborted inside it: the next load starts a fresh worker.
        if (e.name === 'OutOfMemoryError') this.terminate();
        if (e.name !== 'EngineStalledError' || afterStall(attempt) === 'fail') throw e;
      }
    }
  }

  /**
   * One load on one worker, watched: when it goes a step's budget with no step or progress, the worker is
   * terminated (a stalled worker cannot be told to stop) and the load rejects with EngineStalledError.
   */
  private async loadOnce(request: LoadRequest, options: CallOptions, attempt: number): Promise<LoadedModel> {
    this.remote();
    const worker = this.worker!;
    // The retry's bar starts again from nothing, so it gets its own forward-only filter, and its events say
    // that this is the second try ("Loading the model stalled; trying again…").
    const forward = monotonic(options.onProgress);
    let rejectStalled: (error: ZoetropeError) => void = () => {};
    const stalled = new Promise<never>((_, reject) => (rejectStalled = reject));
    const watchdog = new LoadWatchdog((stall) => {
      const error = new ZoetropeError(
        'EngineStalledError',
        `Loading the model made no progress for ${(stall.waitedMs / 1000).toFixed(0)} s (last step: ${stall.step}${stall.label ? ` ${stall.label}` : ''}), ${attempt === 1 ? 'once' : `${attempt} times`}.`,
        { step: stall.step, label: stall.label, waitedMs: stall.waitedMs, attempts: attempt },
      );
      console.warn(`[zoetrope:load-stall] attempt ${attempt}: ${error.message}`);
      this.terminate();
      for (const reject of this.crash.splice(0)) reject(error); // any other call on that worker would hang too
      rejectStalled(error);
    });
    const onStep = (event: MessageEvent<unknown>) => {
      if (isLoadStep(event.data)) watchdog.sign(event.data.zoetropeLoadStep, event.data.label, event.data.bytes);
    };
    worker.addEventListener('message', onStep);
    const progress = (event: EngineProgress) => {
      watchdog.sign('progress', event.kind, 0);
      forward(attempt > 1 && event.kind === 'loading' ? { ...event, retrying: true } : event);
    };
    if (attempt > 1) options.onProgress?.({ kind: 'loading', stage: 'reading', done: 0, total: 0, retrying: true });
    watchdog.start();
    try {
      return await Promise.race([this.guarded((api) => api.load(request, Comlink.proxy(progress))), stalled]);
    } finally {
      watchdog.stop();
      worker.removeEventListener('message', onStep);
    }
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
    this.helper?.terminate();
    this.helper = null;
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
