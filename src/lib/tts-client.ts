// Owns the page's side of text-to-speech, the TtsApi the UI calls: it starts
// the TTS worker lazily (on the first speak), installs the voice data first
// when it is not on the device (one download however many scenes ask at
// once), turns an AbortSignal into a cooperative cancel(jobId), drops
// progress that would go backwards, and drops a result that arrives after
// its signal aborted.

import * as Comlink from 'comlink';
import { readVoiceRecord, removeVoiceData } from '../common/voice-store';
import { installErrorTransfer } from '../shared/comlink-errors';
import { abortError, toZoetropeError } from '../shared/errors';
import type { TtsVoice } from '../shared/narration';
import type { SpokenAudio, TtsApi, VoiceDataProgress } from '../shared/tts-api';
import type { TtsWorkerApi } from '../shared/tts-worker-api';
import { isForwardVoiceProgress } from '../shared/voice-data';
import { installVoiceData } from './voice-install';

export class TtsClient implements TtsApi {
  private worker: Worker | null = null;
  private api: Comlink.Remote<TtsWorkerApi> | null = null;
  private installing: { promise: Promise<void>; listeners: Set<(p: VoiceDataProgress) => void> } | null = null;

  private remote(): Comlink.Remote<TtsWorkerApi> {
    if (this.api) return this.api;
    installErrorTransfer();
    const worker = new Worker(new URL('../../workers/tts.worker.ts', import.meta.url), { type: 'module', name: 'zoetrope-tts' });
    worker.addEventListener('error', () => this.terminate());
    this.worker = worker;
    this.api = Comlink.wrap<TtsWorkerApi>(worker);
    return this.api;
  }

  /** Reads IndexedDB only: no network, no worker started. */
  async voiceDataInstalled(): Promise<boolean> {
    return (await readVoiceRecord()) !== null;
  }

  installVoiceData(onProgress: (p: VoiceDataProgress) => void, signal?: AbortSignal): Promise<void> {
    const progress = monotonic(onProgress);
    if (this.installing) {
      // Someone else's download is under way: follow it rather than start a second one.
      this.installing.listeners.add(progress);
      return withAbort(this.installing.promise, signal).finally(() => this.installing?.listeners.delete(progress));
    }
    const listeners = new Set([progress]);
    const promise = installVoiceData((p) => listeners.forEach((l) => l(p)), signal).finally(() => (this.installing = null));
    this.installing = { promise, listeners };
    return promise.catch((error: unknown) => {
      throw toZoetropeError(error);
    });
  }

  async speak(text: string, voice: TtsVoice, signal?: AbortSignal, onProgress?: (p: VoiceDataProgress) => void): Promise<SpokenAudio> {
    if (signal?.aborted) throw abortError('The speech was cancelled.');
    if (!(await this.voiceDataInstalled())) await this.installVoiceData(onProgress ?? (() => {}), signal);
    const api = this.remote();
    const jobId = crypto.randomUUID();
    const onAbort = () => void api.cancel(jobId).catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const audio = await withAbort(api.speak(jobId, text, voice), signal);
      if (signal?.aborted) throw abortError('The speech was cancelled.');
      return audio;
    } catch (error) {
      throw toZoetropeError(error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Removes the voice data from the device (the next speak downloads it again). */
  async removeVoiceData(): Promise<void> {
    await removeVoiceData();
    await this.api?.forget();
  }

  terminate(): void {
    this.api?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
  }
}

/** Rejects with AbortError as soon as the signal aborts; the work itself stops cooperatively. */
function withAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError('The speech was cancelled.'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function monotonic(callback: (p: VoiceDataProgress) => void): (p: VoiceDataProgress) => void {
  let last: VoiceDataProgress | null = null;
  return (p) => {
    if (!isForwardVoiceProgress(last, p)) return;
    last = p;
    callback(p);
  };
}

let shared: TtsClient | null = null;
/** The page's one TTS client (one worker, one download). */
export function ttsClient(): TtsClient {
  return (shared ??= new TtsClient());
}

