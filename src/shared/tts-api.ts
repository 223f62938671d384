// Owns the typed contract of the text-to-speech worker boundary
// (workers/tts.worker.ts, wrapped by src/lib/tts-client.ts): what a caller
// asks for, what it gets back, and the voice-data progress events. The
// engine is espeak-ng (see README "Sound"); its voice data is an optional
// download from the app's own origin, checked by SHA-256. No DOM here.

import type { TtsVoice } from './narration';

/** Mono speech; the same bytes for the same text, voice and engine version. */
export interface SpokenAudio {
  samples: Float32Array;
  sampleRate: number;
  /** e.g. "espeak-ng 1.52 (voice en)", for the provenance record. */
  engine: string;
}

/** The voice data's download, as a tagged union that never goes backwards. */
export type VoiceDataProgress =
  | { stage: 'checking' }
  | { stage: 'downloading'; loaded: number; total: number }
  | { stage: 'verifying' }
  | { stage: 'ready'; bytes: number };

export interface TtsApi {
  /** Whether the voice data is already on the device (no network used to answer). */
  voiceDataInstalled(): Promise<boolean>;
  /** Downloads and verifies the voice data if it is not on the device yet. */
  installVoiceData(onProgress: (p: VoiceDataProgress) => void, signal?: AbortSignal): Promise<void>;
  /** Speaks the text; installs the voice data first if needed. Throws AbortError when aborted. */
  speak(text: string, voice: TtsVoice, signal?: AbortSignal, onProgress?: (p: VoiceDataProgress) => void): Promise<SpokenAudio>;
}
