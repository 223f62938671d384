// Owns the IndexedDB side of lessons (idb-keyval stores of our own): the
// lessons themselves, which lesson is open, and the cache of generated
// scene clips at the model's resolution, keyed by every setting that
// changes their pixels. Editing one scene therefore regenerates that scene
// only, and a reload loses nothing.

import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import { withSoundDefaults, type Lesson } from '../shared/lesson';
import type { ModelFrames } from '../shared/engine-api';

let lessonStore: UseStore | null = null;
let clipStore: UseStore | null = null;
const lessons = () => (lessonStore ??= createStore('zoetrope-lessons', 'lessons'));
const clips = () => (clipStore ??= createStore('zoetrope-clips', 'clips'));
const OPEN_KEY = 'zoetrope.openLesson';

export async function saveLesson(lesson: Lesson): Promise<void> {
  // $state proxies cannot be cloned into IndexedDB: store a plain copy.
  await set(lesson.id, JSON.parse(JSON.stringify(lesson)) as Lesson, lessons());
}

export async function listLessons(): Promise<Lesson[]> {
  const all = (await entries<string, Lesson>(lessons())).map(([, l]) => withSoundDefaults(l));
  return all.sort((a, b) => b.updatedAt - a.updatedAt);
}

export async function deleteLesson(id: string): Promise<void> {
  await del(id, lessons());
}

export function openLessonId(): string | null {
  try {
    return localStorage.getItem(OPEN_KEY);
  } catch {
    return null;
  }
}

export function rememberOpenLesson(id: string): void {
  try {
    localStorage.setItem(OPEN_KEY, id);
  } catch {
    // Storage blocked: the lesson list still opens the newest lesson.
  }
}

/** Everything that changes a clip's pixels. */
export interface ClipKey {
  model: string;
  backend: string;
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  /** 0 for the first clip of a scene; k for its k-th continuation. */
  part: number;
}

export interface CachedClip {
  frames: ModelFrames;
  framesSha256: string;
}

export function clipKey(k: ClipKey): string {
  return JSON.stringify([k.model, k.backend, k.steps, k.guidance, k.seed, k.part, k.prompt]);
}

export async function getClip(key: ClipKey): Promise<CachedClip | undefined> {
  return get<CachedClip>(clipKey(key), clips());
}

export async function putClip(key: ClipKey, clip: CachedClip): Promise<void> {
  await set(clipKey(key), clip, clips());
}
