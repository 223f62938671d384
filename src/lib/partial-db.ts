// Owns the bytes of shards that are only partly downloaded. A shard is stored
// in the shard store only once its SHA-256 checks out, so the verified prefix
// of an interrupted shard lives here instead, as pieces keyed
// `<sha256>:<offset>`. A reload or a lost connection then resumes inside the
// shard with an HTTP Range request instead of fetching it again from byte 0.

import { createStore, delMany, getMany, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';

let store: UseStore | null = null;
// A database of its own: idb-keyval's createStore holds one object store per database.
function parts(): UseStore {
  return (store ??= createStore('zoetrope-partials', 'parts'));
}

function pieceKey(sha256: string, offset: number): string {
  return `${sha256}:${String(offset).padStart(12, '0')}`;
}

async function pieceKeys(sha256: string): Promise<string[]> {
  // A key range reads only this shard's keys; zero-padded offsets come back in byte order.
  const range = IDBKeyRange.bound(`${sha256}:`, `${sha256}:\uffff`);
  return (await parts()('readonly', (store) => promisifyRequest(store.getAllKeys(range)))).map(String);
}

/** Saves `bytes`, which belong at `offset` of the shard. */
export async function putPiece(sha256: string, offset: number, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength > 0) await set(pieceKey(sha256, offset), bytes, parts());
}

/**
 * The contiguous prefix saved for a shard (empty when none). Pieces that do
 * not follow on from the prefix (a write lost in a crash) are dropped.
 */
export async function readPrefix(sha256: string): Promise<Uint8Array> {
  const names = await pieceKeys(sha256);
  if (names.length === 0) return new Uint8Array(0);
  const pieces = await getMany<Uint8Array>(names, parts());
  const kept: Uint8Array[] = [];
  let length = 0;
  for (let i = 0; i < names.length; i++) {
    const offset = Number(names[i]!.split(':')[1]);
    const piece = pieces[i];
    if (!piece || offset !== length) break;
    kept.push(piece);
    length += piece.byteLength;
  }
  return concatBytes(kept, length);
}

/** Joins byte pieces of known total length; a single whole piece is returned as it is, not copied. */
export function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.byteLength === length) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export async function clearPieces(sha256: string): Promise<void> {
  const names = await pieceKeys(sha256);
  if (names.length > 0) await delMany(names, parts());
}

/** Bytes held for partly downloaded shards, by shard hash. */
export async function partialShards(): Promise<Set<string>> {
  return new Set((await keys<string>(parts())).map((k) => String(k).split(':')[0] ?? ''));
}
