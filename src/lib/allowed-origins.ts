// Owns the list of origins the user allowed Zoetrope to download model packs
// from, beyond its own origin and the deployer's build-time list. It lives in
// IndexedDB (a small database of its own, one key per origin) because the
// service worker must read it too: src/sw/sw.ts adds these origins to the
// connect-src of every page it serves, so a change takes effect at the next
// page load. Every entry is validated on the way in *and* on the way out
// (src/shared/allowed-origin.ts), so a stray value in the database can never
// reach a policy. No DOM: the service worker imports this module.

import { createStore, del, keys, set, type UseStore } from 'idb-keyval';
import { isValidOrigin, validateOrigin } from '../shared/allowed-origin';

interface AllowedOriginRecord {
  /** Date.now() when the user allowed it. */
  addedAt: number;
}

let store: UseStore | null = null;

// Opened lazily: createStore opens a database connection.
function origins(): UseStore {
  return (store ??= createStore('zoetrope-allowed-origins', 'origins'));
}

/** The origins the user allowed, sorted; invalid entries are skipped. */
export async function listAllowedOrigins(): Promise<string[]> {
  const all = await keys<IDBValidKey>(origins());
  return all.filter((k): k is string => typeof k === 'string' && isValidOrigin(k)).sort();
}

/** Stores an origin (an OptionsError when it is not one a user may allow); the page must load again for it to count. */
export async function addAllowedOrigin(origin: string): Promise<string> {
  const valid = validateOrigin(origin);
  const record: AllowedOriginRecord = { addedAt: Date.now() };
  await set(valid, record, origins());
  return valid;
}

/** Forgets an origin; it leaves the policy at the next page load. */
export async function removeAllowedOrigin(origin: string): Promise<void> {
  await del(origin, origins());
}
