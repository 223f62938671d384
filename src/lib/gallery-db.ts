// Owns the gallery: every generated clip and every exported lesson, kept in
// IndexedDB (an idb-keyval store of our own) with the MP4 and the settings
// that made it (its provenance record: prompt(s), seed(s), steps, guidance,
// model id and hash, backend) and the date. Nothing leaves the device.

import { createStore, del, entries, set, type UseStore } from 'idb-keyval';
import type { Provenance } from '../shared/provenance';

export interface GalleryEntry {
  id: string;
  kind: 'clip' | 'lesson';
  title: string;
  createdAt: number;
  provenance: Provenance;
  mp4: Blob;
  fileName: string;
  width: number;
  height: number;
  seconds: number;
  /** The captions of a lesson, when it has any. */
  vtt: string | null;
}

let store: UseStore | null = null;
const gallery = () => (store ??= createStore('zoetrope-gallery', 'entries'));

export async function addToGallery(entry: GalleryEntry): Promise<void> {
  await set(entry.id, entry, gallery());
}

export async function listGallery(): Promise<GalleryEntry[]> {
  const all = (await entries<string, GalleryEntry>(gallery())).map(([, e]) => e);
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export async function deleteFromGallery(id: string): Promise<void> {
  await del(id, gallery());
}

/** Bytes the gallery's videos take (the MP4s; records are tiny beside them). */
export function galleryBytes(list: readonly GalleryEntry[]): number {
  return list.reduce((n, e) => n + e.mp4.size + (e.vtt?.length ?? 0), 0);
}
