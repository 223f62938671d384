// The text-to-speech worker: speaks a caption with espeak-ng (GPL-3.0, see
// README "Sound: text-to-speech"), kept in a worker of its own so that the
// GPL engine is a separate program from the rest of the app and a long
// caption never blocks the page. It reads the voice data the page stored in
// IndexedDB (src/common/voice-store.ts) on first use, starts the engine on it
// and keeps both; every utterance starts from the engine's start-up state
// (workers/tts/espeak-engine.ts), so the same text gives the same bytes.
// cancel(jobId) sets a flag the speak() call checks between its steps, the
// same pattern as the engine worker.

import * as Comlink from 'comlink';
import { readVoiceData, readVoiceRecord, type VoiceDataRecord } from '../src/common/voice-store';
import { installErrorTransfer } from '../src/shared/comlink-errors';
import { abortError, ZoetropeError } from '../src/shared/errors';
import { TTS_VOICES, type TtsVoice } from '../src/shared/narration';
import type { SpokenAudio } from '../src/shared/tts-api';
import type { TtsWorkerApi } from '../src/shared/tts-worker-api';
import { engineLabel } from '../src/shared/voice-data';
import { EspeakEngine, wholeBuffer } from './tts/espeak-engine';

installErrorTransfer();

let loaded: Promise<{ record: VoiceDataRecord; engine: EspeakEngine }> | null = null;
const cancelled = new Set<string>();
// One utterance at a time: each holds a whole engine instance (its heap), and the page speaks scene by scene.
let queue: Promise<unknown> = Promise.resolve();

function started(): Promise<{ record: VoiceDataRecord; engine: EspeakEngine }> {
  loaded ??= readVoiceData().then(async (stored) => {
    if (!stored) throw new ZoetropeError('ModelNotInstalledError', 'The voice data is not on this device yet; it downloads before the first caption is spoken.', { what: 'voice-data' });
    return { record: stored.record, engine: await EspeakEngine.start(wholeBuffer(stored.bytes)) };
  });
  // A failed read is not kept: the page may install the data and ask again.
  loaded.catch(() => (loaded = null));
  return loaded;
}

async function speak(jobId: string, text: string, voice: TtsVoice): Promise<SpokenAudio> {
  const checkpoint = () => {
    if (cancelled.has(jobId)) throw abortError('The speech was cancelled.');
  };
  try {
    if (!TTS_VOICES.some((v) => v.id === voice)) throw new ZoetropeError('OptionsError', `There is no voice "${String(voice)}".`, { field: 'voice' });
    const { record, engine } = await started();
    const { samples, sampleRate } = await engine.speak(text, voice, checkpoint);
    checkpoint();
    return Comlink.transfer({ samples, sampleRate, engine: engineLabel(record.manifest, voice) }, [samples.buffer]);
  } finally {
    cancelled.delete(jobId);
  }
}

const api: TtsWorkerApi = {
  async voiceDataInstalled() {
    return (await readVoiceRecord()) !== null;
  },
  speak(jobId, text, voice) {
    const run = queue.then(() => speak(jobId, text, voice));
    queue = run.catch(() => {});
    return run;
  },
  cancel(jobId) {
    cancelled.add(jobId);
  },
  forget() {
    loaded = null;
  },
};

Comlink.expose(api);
