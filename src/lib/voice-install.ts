// Owns the optional download of the text-to-speech voice data (espeak-ng's
// 24 MB espeak-ng.data) from the app's own origin: read the manifest the build
// wrote, fetch the file with the model packs' shard download (resumes inside
// the file after a dropped connection, retries with back-off, and returns the
// bytes only once their SHA-256 matches, else IntegrityError), then store it
// (src/common/voice-store.ts). Progress is reported as VoiceDataProgress.
// Main thread: the worker only ever reads what this stored.

import { readVoiceRecord, putVoiceData } from '../common/voice-store';
import { abortError, toZoetropeError, ZoetropeError } from '../shared/errors';
import type { VoiceDataProgress } from '../shared/tts-api';
import { validateVoiceManifest, VOICE_DATA_DIR, VOICE_MANIFEST_FILE, type VoiceDataManifest } from '../shared/voice-data';
import { downloadShard } from './shard-download';

/** Where the build put the voice data, resolved against the page (a deployment under a sub-path works). */
export function voiceDataBase(base: string = document.baseURI): URL {
  return new URL(VOICE_DATA_DIR, base);
}

export async function fetchVoiceManifest(base: URL, signal?: AbortSignal): Promise<VoiceDataManifest> {
  const url = new URL(VOICE_MANIFEST_FILE, base).href;
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-store', ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw abortError('The voice download was cancelled.');
    throw new ZoetropeError('DownloadError', `The voice data could not be reached: ${String(error)}`, { url });
  }
  if (!response.ok) throw new ZoetropeError('DownloadError', `The server answered ${response.status} for the voice data's manifest (${url}).`, { url, status: response.status });
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new ZoetropeError('ManifestError', `The voice data's manifest is not JSON (${url}).`, { url });
  }
  return validateVoiceManifest(json);
}

/** Downloads, verifies and stores the voice data unless it is on the device already. */
export async function installVoiceData(onProgress: (p: VoiceDataProgress) => void, signal?: AbortSignal, base: URL = voiceDataBase()): Promise<void> {
  onProgress({ stage: 'checking' });
  const present = await readVoiceRecord();
  if (present) {
    onProgress({ stage: 'ready', bytes: present.manifest.size });
    return;
  }
  if (signal?.aborted) throw abortError('The voice download was cancelled.');
  const manifest = await fetchVoiceManifest(base, signal);
  const total = manifest.size;
  onProgress({ stage: 'downloading', loaded: 0, total });
  let verifying = false;
  const { bytes } = await downloadShard(
    new URL(manifest.file, base).href,
    { sha256: manifest.sha256, size: manifest.size },
    (loaded) => {
      if (verifying) return; // A second attempt after a mismatch starts at 0 again: progress never goes back.
      onProgress({ stage: 'downloading', loaded, total });
      if (loaded >= total) {
        verifying = true;
        onProgress({ stage: 'verifying' });
      }
    },
    signal,
  ).catch((error: unknown) => {
    const e = toZoetropeError(error);
    if (e.name === 'IntegrityError') {
      throw new ZoetropeError('IntegrityError', `The downloaded voice data is corrupt (SHA-256 ${String(e.details['actual']).slice(0, 12)}…, expected ${manifest.sha256.slice(0, 12)}…); nothing was stored.`, e.details);
    }
    throw e;
  });
  if (!verifying) onProgress({ stage: 'verifying' }); // The whole file was already saved from an interrupted download.
  if (signal?.aborted) throw abortError('The voice download was cancelled.');
  await putVoiceData(manifest, bytes);
  onProgress({ stage: 'ready', bytes: bytes.byteLength });
}
