// Owns what a lesson scene says about its voice: where the narration comes
// from (spoken on the device from the caption, a microphone recording, an
// audio file, or none), its volume, and whether the scene's duration follows
// the voice ("fit to voice"); the validation of an untrusted one; and the
// timing rule that keeps voice and captions together. The audio itself is
// never here: recordings and files live in IndexedDB under `audioId`
// (src/lib/narration-db.ts), and spoken audio is made again from the caption
// (the same bytes for the same caption and voice). No DOM here.

import { ZoetropeError } from './errors';

export const NARRATION_SOURCES = ['none', 'tts', 'recording', 'file'] as const;
export type NarrationSource = (typeof NARRATION_SOURCES)[number];

/** Text-to-speech voices the app offers (espeak-ng voice names). */
export const TTS_VOICES = [
  { id: 'en', label: 'English' },
  { id: 'en-us', label: 'English (American)' },
  { id: 'it', label: 'Italiano' },
] as const;
export type TtsVoice = (typeof TTS_VOICES)[number]['id'];
export const DEFAULT_VOICE: TtsVoice = 'en';

export const MIN_VOLUME = 0;
export const MAX_VOLUME = 2;
/** Silence before a scene's voice starts, after its caption appears. */
export const VOICE_LEAD_SECONDS = 0.15;
/** Silence kept after the voice when the scene's duration follows it. */
export const VOICE_TAIL_SECONDS = 0.35;
/** The fade of a voice at a cut or at a scene's crossfade. */
export const VOICE_FADE_SECONDS = 0.12;
/** The sample rate narration is mixed and encoded at. */
export const NARRATION_RATE = 48_000;

export interface Narration {
  source: NarrationSource;
  /** The TTS voice (used when source is 'tts'). */
  voice: TtsVoice;
  /** The stored recording or file (source 'recording' or 'file'); null otherwise. */
  audioId: string | null;
  /** The picked file's name, for the editor and the provenance record. */
  fileName: string | null;
  /** 1 = as recorded or spoken. */
  volume: number;
  /** The scene lasts as long as its voice needs (clamped to the scene limits). */
  fit: boolean;
}

export function newNarration(source: NarrationSource = 'tts', voice: TtsVoice = DEFAULT_VOICE): Narration {
  return { source, voice, audioId: null, fileName: null, volume: 1, fit: true };
}

export const SILENT: Narration = Object.freeze({ ...newNarration('none'), fit: false });

/** One stored piece of audio (a recording or an imported file), mono. */
export interface StoredAudio {
  id: string;
  source: 'recording' | 'file';
  fileName: string | null;
  sampleRate: number;
  samples: Float32Array;
  createdAt: number;
}

function fail(field: string, expected: string, got: unknown): never {
  throw new ZoetropeError('LessonFileError', `${field}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`, { field });
}

/** Validates an untrusted narration; absent means silent (lessons made before sound). */
export function validateNarration(value: unknown, field: string): Narration {
  if (value === undefined || value === null) return { ...SILENT };
  if (typeof value !== 'object' || Array.isArray(value)) fail(field, 'a narration object', value);
  const o = value as Record<string, unknown>;
  const source = o['source'] ?? 'none';
  if (!(NARRATION_SOURCES as readonly unknown[]).includes(source)) fail(`${field}.source`, `one of ${NARRATION_SOURCES.join(', ')}`, source);
  const voice = o['voice'] ?? DEFAULT_VOICE;
  if (!TTS_VOICES.some((v) => v.id === voice)) fail(`${field}.voice`, `one of ${TTS_VOICES.map((v) => v.id).join(', ')}`, voice);
  const audioId = o['audioId'] ?? null;
  if (audioId !== null && typeof audioId !== 'string') fail(`${field}.audioId`, 'null or text', audioId);
  const fileName = o['fileName'] ?? null;
  if (fileName !== null && typeof fileName !== 'string') fail(`${field}.fileName`, 'null or text', fileName);
  const volume = o['volume'] ?? 1;
  if (typeof volume !== 'number' || !(volume >= MIN_VOLUME && volume <= MAX_VOLUME)) fail(`${field}.volume`, `a number from ${MIN_VOLUME} to ${MAX_VOLUME}`, volume);
  const fit = o['fit'] ?? false;
  if (typeof fit !== 'boolean') fail(`${field}.fit`, 'true or false', fit);
  return { source: source as NarrationSource, voice: voice as TtsVoice, audioId, fileName, volume, fit };
}

/**
 * Whether a scene will have a voice. A recording or file whose audio is not
 * (or no longer) stored is silent, and so is TTS on an empty caption.
 */
export function hasVoice(n: Narration, caption: string): boolean {
  if (n.source === 'tts') return caption.trim() !== '';
  if (n.source === 'recording' || n.source === 'file') return n.audioId !== null;
  return false;
}

/** The caption as the voice reads it: its two lines become one sentence. */
export function spokenText(caption: string): string {
  return caption
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
