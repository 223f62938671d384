// Owns the lesson model: an ordered list of scenes (prompt, caption of one or
// two lines, duration, seed) plus the lesson's settings, and the validation
// of untrusted lessons (an imported JSON file, a dropped MP4's record) with
// errors that name the bad field. No DOM here.

import { ZoetropeError } from './errors';
import { newNarration, SILENT, validateNarration, type Narration } from './narration';
import { MAX_PROMPT_LENGTH, MAX_SEED } from './options';

export const EXTEND_MODES = ['continue', 'pingpong', 'loop'] as const;
/** How a scene longer than the model's clip is made; see README "Lessons". */
export type ExtendMode = (typeof EXTEND_MODES)[number];
export const OUTPUT_HEIGHTS = [480, 720, 1080] as const;
export type OutputHeight = (typeof OUTPUT_HEIGHTS)[number];

export const MAX_SCENES = 20;
export const MIN_DURATION = 1;
export const MAX_DURATION = 12;
export const MAX_CAPTION_LINE = 60;

export interface Scene {
  id: string;
  prompt: string;
  /** One or two lines, separated by "\n". */
  caption: string;
  /** Seconds on screen, crossfades included. */
  duration: number;
  seed: number;
  /** The scene's voice (src/shared/narration.ts); silent for lessons made before sound. */
  narration: Narration;
}

export interface Lesson {
  id: string;
  title: string;
  scenes: Scene[];
  extend: ExtendMode;
  outputHeight: OutputHeight;
  /** The small "AI-generated" mark in a corner; on by default. */
  aiMark: boolean;
  /** Burn the captions into the frames (they are always in the WebVTT file and track too). */
  burnCaptions: boolean;
  /** Null: the model's defaults. */
  steps: number | null;
  guidance: number | null;
  /** The soft sounds that follow the picture (bounces, starts, stops); off by default. */
  effects: boolean;
  updatedAt: number;
}

export function newId(): string {
  return crypto.randomUUID();
}

export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}

/** A new scene speaks its caption (TTS, fit to voice) unless told otherwise. */
export function newScene(prompt = '', caption = '', duration = 4, narration: Narration = newNarration()): Scene {
  return { id: newId(), prompt, caption, duration, seed: randomSeed(), narration: { ...narration } };
}

export function newLesson(title: string, scenes: Scene[]): Lesson {
  return { id: newId(), title, scenes, extend: 'pingpong', outputHeight: 720, aiMark: true, burnCaptions: true, steps: null, guidance: null, effects: false, updatedAt: Date.now() };
}

function fail(field: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got.length > 40 ? `${got.slice(0, 40)}…` : got) : JSON.stringify(got) ?? String(got);
  throw new ZoetropeError('LessonFileError', `${field}: expected ${expected}, got ${shown}`, { field });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Problems with a caption, or null: at most two lines of MAX_CAPTION_LINE characters. */
export function captionProblem(caption: string): string | null {
  const lines = caption.split('\n');
  if (lines.length > 2) return 'at most 2 lines';
  if (lines.some((l) => l.length > MAX_CAPTION_LINE)) return `lines of at most ${MAX_CAPTION_LINE} characters`;
  return null;
}

export function validateScene(value: unknown, field: string): Scene {
  if (typeof value !== 'object' || value === null) fail(field, 'a scene object', value);
  const s = value as Record<string, unknown>;
  const prompt = s['prompt'];
  if (typeof prompt !== 'string' || prompt.trim() === '' || prompt.length > MAX_PROMPT_LENGTH) fail(`${field}.prompt`, `text of 1 to ${MAX_PROMPT_LENGTH} characters`, prompt);
  const caption = s['caption'] ?? '';
  if (typeof caption !== 'string') fail(`${field}.caption`, 'text', caption);
  const problem = captionProblem(caption);
  if (problem) fail(`${field}.caption`, problem, caption);
  const duration = s['duration'];
  if (typeof duration !== 'number' || !(duration >= MIN_DURATION && duration <= MAX_DURATION)) fail(`${field}.duration`, `seconds from ${MIN_DURATION} to ${MAX_DURATION}`, duration);
  const seed = s['seed'] ?? randomSeed();
  if (!isInt(seed) || seed < 0 || seed > MAX_SEED) fail(`${field}.seed`, `a whole number from 0 to ${MAX_SEED}`, seed);
  const id = typeof s['id'] === 'string' && s['id'] !== '' ? s['id'] : newId();
  const narration = validateNarration(s['narration'], `${field}.narration`);
  return { id, prompt, caption, duration, seed, narration };
}

/** Validates an untrusted lesson; throws LessonFileError naming the field. A fresh id is given when asked. */
export function validateLesson(value: unknown, freshIds = false): Lesson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('lesson', 'a JSON object', value);
  const o = value as Record<string, unknown>;
  const title = o['title'];
  if (typeof title !== 'string' || title.length > 120) fail('title', 'text of at most 120 characters', title);
  const scenesRaw = o['scenes'];
  if (!Array.isArray(scenesRaw) || scenesRaw.length === 0 || scenesRaw.length > MAX_SCENES) fail('scenes', `a list of 1 to ${MAX_SCENES} scenes`, scenesRaw);
  const scenes = scenesRaw.map((s, i) => validateScene(s, `scenes[${i}]`));
  const extend = o['extend'] ?? 'pingpong';
  if (!(EXTEND_MODES as readonly unknown[]).includes(extend)) fail('extend', `one of ${EXTEND_MODES.join(', ')}`, extend);
  const outputHeight = o['outputHeight'] ?? 720;
  if (!(OUTPUT_HEIGHTS as readonly unknown[]).includes(outputHeight)) fail('outputHeight', `one of ${OUTPUT_HEIGHTS.join(', ')}`, outputHeight);
  const aiMark = o['aiMark'] ?? true;
  if (typeof aiMark !== 'boolean') fail('aiMark', 'true or false', aiMark);
  const burnCaptions = o['burnCaptions'] ?? true;
  if (typeof burnCaptions !== 'boolean') fail('burnCaptions', 'true or false', burnCaptions);
  const steps = o['steps'] ?? null;
  if (steps !== null && !(isInt(steps) && steps >= 1 && steps <= 200)) fail('steps', 'null or a whole number from 1 to 200', steps);
  const guidance = o['guidance'] ?? null;
  if (guidance !== null && !(typeof guidance === 'number' && guidance >= 0 && guidance <= 30)) fail('guidance', 'null or a number from 0 to 30', guidance);
  const effects = o['effects'] ?? false;
  if (typeof effects !== 'boolean') fail('effects', 'true or false', effects);
  const id = !freshIds && typeof o['id'] === 'string' && o['id'] !== '' ? o['id'] : newId();
  if (freshIds) for (const s of scenes) s.id = newId();
  return {
    id,
    title,
    scenes,
    extend: extend as ExtendMode,
    outputHeight: outputHeight as OutputHeight,
    aiMark,
    burnCaptions,
    steps: steps as number | null,
    guidance: guidance as number | null,
    effects,
    updatedAt: Date.now(),
  };
}

/** Reads a lesson JSON file's text; throws LessonFileError. */
export function parseLessonJson(text: string): Lesson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ZoetropeError('LessonFileError', `The file is not JSON: ${e instanceof Error ? e.message : String(e)}`, { field: 'file' });
  }
  return validateLesson(value, true);
}

/**
 * The lesson as a portable JSON file (ids and date left out). A recording's
 * or file's audio is not in it (it stays on the device), so its `audioId` is
 * dropped: the scene opens silent elsewhere, and the editor says why.
 */
export function lessonJson(lesson: Lesson): string {
  const { title, extend, outputHeight, aiMark, burnCaptions, steps, guidance, effects } = lesson;
  const scenes = lesson.scenes.map(({ prompt, caption, duration, seed, narration }) => ({
    prompt,
    caption,
    duration,
    seed,
    narration: { ...(narration ?? SILENT), audioId: null },
  }));
  return JSON.stringify({ zoetropeLesson: 1, title, scenes, extend, outputHeight, aiMark, burnCaptions, steps, guidance, effects }, null, 2);
}

/** A lesson read from this device's store: scenes saved before sound get a silent narration. */
export function withSoundDefaults(lesson: Lesson): Lesson {
  return {
    ...lesson,
    effects: lesson.effects ?? false,
    scenes: lesson.scenes.map((s) => ({ ...s, narration: s.narration ?? { ...SILENT } })),
  };
}
