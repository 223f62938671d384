// Owns the message contract of the TTS worker itself (workers/tts.worker.ts),
// which src/lib/tts-client.ts turns into the TtsApi of src/shared/tts-api.ts.
// It differs from TtsApi where comlink needs it to: an AbortSignal cannot be
// cloned to a worker, so a call carries a job id and the page sends
// cancel(jobId) when its signal aborts (as the engine worker does); and the
// download is the page's (src/lib/voice-install.ts), so the worker only reads
// the stored voice data. No DOM here.

import type { TtsVoice } from './narration';
import type { SpokenAudio } from './tts-api';

export interface TtsWorkerApi {
  /** Whether the voice data is in IndexedDB (the worker's view of it). */
  voiceDataInstalled(): Promise<boolean>;
  /**
   * Speaks the text with a fresh espeak-ng instance, so the same text and
   * voice give the same samples whatever was spoken before. Throws
   * ModelNotInstalledError when the voice data is not stored, AbortError once
   * cancel(jobId) arrived (checked between the engine's steps).
   */
  speak(jobId: string, text: string, voice: TtsVoice): Promise<SpokenAudio>;
  /** Cancels the job; a cancel that arrives before its speak() call is kept for it. */
  cancel(jobId: string): void;
  /** Drops the voice data held in memory (after it was removed from the device). */
  forget(): void;
}
