// Owns one question the app and the embed ask before anything else: may this
// page store data at all? Browsers that block third-party storage (Chromium
// with third-party cookies blocked, its default from version 156 here) refuse
// IndexedDB inside a frame from another site; private modes and broken or
// full profiles refuse it too. The refusal surfaces as an UnknownError,
// InvalidStateError or SecurityError (or a throw from indexedDB itself); we
// name it StorageUnavailableError instead.

import { ZoetropeError } from '../shared/errors';

const PROBE_DB = 'zoetrope-storage-check';

export async function ensureStorage(): Promise<void> {
  let refusal: string | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
      const request = indexedDB.open(PROBE_DB);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
      request.onblocked = () => resolve();
    });
  } catch (error) {
    refusal = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  if (refusal === null) return;
  const framed = window.parent !== window;
  throw new ZoetropeError(
    'StorageUnavailableError',
    framed
      ? `This browser does not let ${location.origin} store data inside another site's page (third-party storage is blocked), so the model cannot be installed here. (${refusal})`
      : `This browser does not let ${location.origin} store data. (${refusal})`,
    { framed, origin: location.origin },
  );
}
