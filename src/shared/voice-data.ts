// Owns what the app knows about the text-to-speech voice data before it has
// it: where the build puts it (voices/espeak-ng/, beside the app, never in
// the service worker's precache), the manifest the build writes for it (its
// size and SHA-256, measured from the file at build time), and the check of
// that manifest when it comes back over the network; and the order of its
// download progress events, which never go backwards. No DOM here.

import { fieldError, describeValue, ZoetropeError } from './errors';
import type { VoiceDataProgress } from './tts-api';

/** Relative to the app's base: the page resolves it against its own address. */
export const VOICE_DATA_DIR = 'voices/espeak-ng/';
export const VOICE_MANIFEST_FILE = 'manifest.json';
export const VOICE_MANIFEST_FORMAT = 'zoetrope-voice-data-1';

export interface VoiceDataManifest {
  format: typeof VOICE_MANIFEST_FORMAT;
  engine: 'espeak-ng';
  /** The npm package the data and the synthesizer come from, and its version (for provenance). */
  package: string;
  packageVersion: string;
  /** The data file, relative to the manifest. */
  file: string;
  size: number;
  sha256: string;
  license: string;
}

const SHA256_RE = /^[0-9a-f]{64}$/;
// A plain file name beside the manifest: no path, no query, nothing that could point elsewhere.
const FILE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

function text(o: Record<string, unknown>, field: string, test: (s: string) => boolean, expected: string): string {
  const value = o[field];
  if (typeof value !== 'string' || !test(value)) throw fieldError('ManifestError', `voices.${field}`, expected, value);
  return value;
}

/** Validates the voice-data manifest as fetched (untrusted JSON). */
export function validateVoiceManifest(value: unknown): VoiceDataManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ZoetropeError('ManifestError', `The voice data's manifest is not an object (got ${describeValue(value)}).`, { field: 'voices' });
  }
  const o = value as Record<string, unknown>;
  text(o, 'format', (s) => s === VOICE_MANIFEST_FORMAT, JSON.stringify(VOICE_MANIFEST_FORMAT));
  text(o, 'engine', (s) => s === 'espeak-ng', '"espeak-ng"');
  const size = o['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw fieldError('ManifestError', 'voices.size', 'a positive whole number of bytes', size);
  return {
    format: VOICE_MANIFEST_FORMAT,
    engine: 'espeak-ng',
    package: text(o, 'package', (s) => s.length > 0 && s.length <= 100, 'the package name'),
    packageVersion: text(o, 'packageVersion', (s) => /^\d+\.\d+\.\d+/.test(s), 'a version such as 0.3.5'),
    file: text(o, 'file', (s) => FILE_RE.test(s), 'a file name beside the manifest'),
    size,
    sha256: text(o, 'sha256', (s) => SHA256_RE.test(s), '64 lowercase hex digits'),
    license: text(o, 'license', (s) => s.length > 0 && s.length <= 40, 'a licence name'),
  };
}

/** The engine string of SpokenAudio, for the provenance record. */
export function engineLabel(manifest: Pick<VoiceDataManifest, 'package' | 'packageVersion'>, voice: string): string {
  return `espeak-ng (${manifest.package} ${manifest.packageVersion}, voice ${voice})`;
}

const STAGE_ORDER = { checking: 0, downloading: 1, verifying: 2, ready: 3 } as const;

/** Whether `next` moves the voice-data progress forward (a later stage, or more bytes in the same one). */
export function isForwardVoiceProgress(last: VoiceDataProgress | null, next: VoiceDataProgress): boolean {
  if (last === null) return true;
  const a = STAGE_ORDER[last.stage];
  const b = STAGE_ORDER[next.stage];
  if (b !== a) return b > a;
  return last.stage === 'downloading' && next.stage === 'downloading' && next.loaded > last.loaded;
}
