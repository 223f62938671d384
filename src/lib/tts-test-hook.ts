// Owns the documented test hook of text-to-speech: with `?testhook=tts` in
// the URL, src/main.ts loads this chunk and it puts the real TTS client on
// `window.zoetropeTts`, so tests/e2e/tts.spec.ts can install the voice data
// and speak captions in the real worker of the production build (a built
// page has no module paths to import) before any screen offers a voice.
// Without the parameter this chunk is never fetched. It gives a page nothing
// it could not already do.

import { sha256Hex } from '../common/sha256';
import { readVoiceRecord } from '../common/voice-store';
import { toZoetropeError } from '../shared/errors';
import type { TtsVoice } from '../shared/narration';
import type { VoiceDataProgress } from '../shared/tts-api';
import { ttsClient } from './tts-client';

/** What a test can check of spoken audio without carrying the samples over. */
export interface SpokenFacts {
  sampleRate: number;
  samples: number;
  seconds: number;
  rms: number;
  peak: number;
  sha256: string;
  engine: string;
  /** Wall time of the speak() call in the page, worker start included on the first call. */
  ms: number;
}

export type HookResult<T> = { ok: true; value: T } | { ok: false; name: string; message: string };

async function settle<T>(work: () => Promise<T>): Promise<HookResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const e = toZoetropeError(error);
    return { ok: false, name: e.name, message: e.message };
  }
}

export interface TtsTestHook {
  installed(): Promise<boolean>;
  stored(): Promise<{ size: number; sha256: string } | null>;
  install(): Promise<HookResult<VoiceDataProgress[]>>;
  speak(text: string, voice: TtsVoice): Promise<HookResult<SpokenFacts>>;
  /** Speaks and aborts after `afterMs`: the promise must reject with AbortError. */
  speakAborted(text: string, voice: TtsVoice, afterMs: number): Promise<HookResult<SpokenFacts>>;
  remove(): Promise<void>;
}

async function facts(text: string, voice: TtsVoice, signal?: AbortSignal): Promise<SpokenFacts> {
  const t0 = performance.now();
  const audio = await ttsClient().speak(text, voice, signal);
  const ms = performance.now() - t0;
  let sum = 0;
  let peak = 0;
  for (const v of audio.samples) {
    sum += v * v;
    peak = Math.max(peak, Math.abs(v));
  }
  return {
    sampleRate: audio.sampleRate,
    samples: audio.samples.length,
    seconds: audio.samples.length / audio.sampleRate,
    rms: Math.sqrt(sum / Math.max(1, audio.samples.length)),
    peak,
    sha256: await sha256Hex(new Uint8Array(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength)),
    engine: audio.engine,
    ms,
  };
}

export function install(): void {
  const hook: TtsTestHook = {
    installed: () => ttsClient().voiceDataInstalled(),
    stored: async () => {
      const record = await readVoiceRecord();
      return record ? { size: record.manifest.size, sha256: record.manifest.sha256 } : null;
    },
    install: () =>
      settle(async () => {
        const events: VoiceDataProgress[] = [];
        await ttsClient().installVoiceData((p) => events.push(p));
        return events;
      }),
    speak: (text, voice) => settle(() => facts(text, voice)),
    speakAborted: (text, voice, afterMs) =>
      settle(() => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), afterMs);
        return facts(text, voice, controller.signal);
      }),
    remove: () => ttsClient().removeVoiceData(),
  };
  (window as unknown as { zoetropeTts: TtsTestHook }).zoetropeTts = hook;
}
