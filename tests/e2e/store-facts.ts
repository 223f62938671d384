// Reads the app's IndexedDB from the page, for tests that must prove the
// store is consistent after a fault: rows per store, and every stored shard
// hashed again against its key (a shard is stored under its SHA-256).
import type { Page } from '@playwright/test';

/** Counts rows in one of the app's IndexedDB stores (0 when the store does not exist yet). */
export async function countRows(page: Page, db: string, store: string): Promise<number> {
  return page.evaluate(
    async ([dbName, storeName]) => {
      const opened = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(dbName!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      if (!opened.objectStoreNames.contains(storeName!)) return 0;
      return new Promise<number>((resolve) => {
        const r = opened.transaction(storeName!).objectStore(storeName!).count();
        r.onsuccess = () => resolve(r.result);
      });
    },
    [db, store],
  );
}

export interface StoreFacts {
  /** Keys (SHA-256) of the stored shards. */
  keys: string[];
  /** How many stored shards hash to their key. */
  verified: number;
  /** Install records (`id@version`): the models that count as installed. */
  records: string[];
  /** Pieces of partly downloaded shards. */
  partials: number;
}

export async function storeFacts(page: Page): Promise<StoreFacts> {
  const facts = await page.evaluate(async () => {
    const open = (name: string) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const all = <T,>(db: IDBDatabase, store: string, what: 'getAllKeys' | 'getAll') =>
      new Promise<T>((resolve, reject) => {
        if (!db.objectStoreNames.contains(store)) return resolve([] as T);
        const request = db.transaction(store).objectStore(store)[what]();
        request.onsuccess = () => resolve(request.result as T);
        request.onerror = () => reject(request.error);
      });
    const shards = await open('zoetrope-shards');
    const keys = await all<string[]>(shards, 'shards', 'getAllKeys');
    const values = await all<Uint8Array[]>(shards, 'shards', 'getAll');
    let verified = 0;
    for (let i = 0; i < keys.length; i++) {
      const digest = await crypto.subtle.digest('SHA-256', values[i] as Uint8Array<ArrayBuffer>);
      const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
      if (hex === keys[i]) verified++;
    }
    const records = await all<string[]>(await open('zoetrope-models'), 'models', 'getAllKeys');
    return { keys, verified, records };
  });
  return { ...facts, partials: await countRows(page, 'zoetrope-partials', 'parts') };
}
