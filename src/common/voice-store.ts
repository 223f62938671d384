// Owns where the text-to-speech voice data lives on the device: an
// IndexedDB database of its own ("zoetrope-voices"), written by the page
// (src/lib/voice-install.ts) once the download matched its SHA-256, and read
// by the TTS worker. The data and its record are written in one transaction,
// so the device has either both or neither: a failed or corrupt download
// leaves nothing that could pass for installed voice data.
// IndexedDB rather than Cache Storage: the model packs already live there
// (one storage to persist, estimate and clear), the worker reads it with no
// service worker in the way, and one transaction covers data and record.
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

import { createStore, del, delMany, get, keys, promisifyRequest, type UseStore } from 'idb-keyval';
import { toZoetropeError, ZoetropeError } from '../shared/errors';
import type { VoiceDataManifest } from '../shared/voice-data';

export interface VoiceDataRecord {
  manifest: VoiceDataManifest;
  installedAt: string;
}

const RECORD_KEY = 'installed';
const dataKey = (sha256: string) => `data:${sha256}`;

let store: UseStore | null = null;
function voices(): UseStore {
  return (store ??= createStore('zoetrope-voices', 'files'));
}

/** The install record, or null; reads no voice bytes. */
export async function readVoiceRecord(): Promise<VoiceDataRecord | null> {
  const record = await get<VoiceDataRecord>(RECORD_KEY, voices());
  if (!record) return null;
  // A record without its data (cleared by hand, half-evicted) is not an install.
  const present = await voices()('readonly', (s) => promisifyRequest(s.getKey(dataKey(record.manifest.sha256))));
  return present === undefined ? null : record;
}

/** Stores verified voice data and its record together; drops any older data. */
export async function putVoiceData(manifest: VoiceDataManifest, bytes: Uint8Array): Promise<void> {
  const stale = (await keys(voices())).map(String).filter((k) => k.startsWith('data:') && k !== dataKey(manifest.sha256));
  const record: VoiceDataRecord = { manifest, installedAt: new Date().toISOString() };
  try {
    await voices()('readwrite', (s) => {
      s.put(bytes, dataKey(manifest.sha256));
      s.put(record, RECORD_KEY);
      return promisifyRequest(s.transaction);
    });
  } catch (error) {
    const e = toZoetropeError(error);
    if (e.name === 'StorageQuotaError') {
      throw new ZoetropeError('StorageQuotaError', `There is not enough storage for the voice data (${Math.ceil(bytes.byteLength / 1e6)} MB).`, { needed: bytes.byteLength });
    }
    throw e;
  }
  if (stale.length > 0) await delMany(stale, voices());
}

/** The installed data's bytes and record, or null when there is none. */
export async function readVoiceData(): Promise<{ record: VoiceDataRecord; bytes: Uint8Array } | null> {
  const record = await get<VoiceDataRecord>(RECORD_KEY, voices());
  if (!record) return null;
  const bytes = await get<Uint8Array>(dataKey(record.manifest.sha256), voices());
  return bytes ? { record, bytes } : null;
}

/** Removes the voice data from the device. */
export async function removeVoiceData(): Promise<void> {
  const all = (await keys(voices())).map(String);
  await delMany(all.filter((k) => k.startsWith('data:')), voices());
  await del(RECORD_KEY, voices());
}
