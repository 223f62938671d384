// Owns generating a lesson's scenes, one clip at a time, through the same
// engine client as the Generate screen. Each clip is looked up first in the
// clip cache (lesson-db.ts), so a changed scene regenerates alone. A scene
// longer than one clip is continued RePaint-style (the last frames of one
// clip are re-imposed as the first frames of the next) or repeated
// (ping-pong, loop); see lesson-timeline.ts. One AbortSignal cancels it all.

import type { EngineClient } from './engine-client';
import type { ModelFrames } from '../shared/engine-api';
import { abortError, toZoetropeError } from '../shared/errors';
import type { Lesson, Scene } from '../shared/lesson';
import { CONTEXT_FRAMES, clipsNeeded, sceneFrames } from '../shared/lesson-timeline';
import { packCapabilities, type PackManifest } from '../shared/manifest';
import { defaultOptions, validateGenerateOptions, type CodecPreference } from '../shared/options';
import { jobFraction } from '../shared/progress';
import type { ClipRecord } from '../shared/provenance';
import { getClip, putClip, type ClipKey } from './lesson-db';

export type SceneState =
  | { status: 'waiting' }
  | { status: 'working'; part: number; parts: number; fraction: number }
  | { status: 'ready'; parts: number; cachedParts: number }
  | { status: 'failed'; message: string };

export interface SceneFrames {
  /** The scene's source frames (clips joined, continuation context dropped). */
  frames: ModelFrames;
  clips: ClipRecord[];
}

export interface LessonRunContext {
  engine: EngineClient;
  manifest: PackManifest;
  model: string;
  backend: 'webgpu' | 'wasm';
  codec: CodecPreference;
  signal: AbortSignal;
  onScene: (index: number, state: SceneState) => void;
}

export function lessonSteps(lesson: Lesson, manifest: PackManifest): { steps: number; guidance: number } {
  const caps = packCapabilities(manifest);
  // A lesson made on one pack may be played on another: a step count this pack's sampler was not
  // distilled for (or is outside its range) falls back to the pack's default rather than failing
  // every scene. A kind without guidance always runs at 0, whatever the lesson says.
  const wanted = lesson.steps ?? caps.defaultSteps;
  const allowed = 'choices' in caps.steps ? caps.steps.choices.includes(wanted) : wanted >= caps.steps.min && wanted <= caps.steps.max;
  return { steps: allowed ? wanted : caps.defaultSteps, guidance: caps.guidance ? (lesson.guidance ?? caps.defaultGuidance) : 0 };
}

/** Generates (or reads from the cache) every scene in order; returns their frames. */
export async function generateLesson(lesson: Lesson, outer: LessonRunContext): Promise<SceneFrames[]> {
  // The engine's progress reaches the page on a message channel of its own, so an event it sent just
  // before a cancel can arrive after the cancel has settled: once cancelled, the scene states are the
  // page's to clear, and late events must not set a scene back to "Generating".
  const ctx: LessonRunContext = { ...outer, onScene: (index, state) => void (outer.signal.aborted || outer.onScene(index, state)) };
  lesson.scenes.forEach((_, i) => ctx.onScene(i, { status: 'waiting' }));
  const out: SceneFrames[] = [];
  for (let i = 0; i < lesson.scenes.length; i++) {
    try {
      out.push(await generateScene(lesson, lesson.scenes[i]!, i, ctx));
    } catch (e) {
      // A cancel is no failure: the scene goes back to waiting, and the page clears it.
      const err = toZoetropeError(e);
      ctx.onScene(i, err.name === 'AbortError' ? { status: 'waiting' } : { status: 'failed', message: err.message });
      throw e;
    }
  }
  return out;
}

async function generateScene(lesson: Lesson, scene: Scene, index: number, ctx: LessonRunContext): Promise<SceneFrames> {
  const { manifest } = ctx;
  const { frames: clipFrames, width, height, fps } = manifest.video;
  const frameBytes = width * height * 4;
  const parts = clipsNeeded(sceneFrames(scene.duration, fps), clipFrames, lesson.extend);
  const { steps, guidance } = lessonSteps(lesson, manifest);
  const pieces: Uint8Array[] = [];
  const clips: ClipRecord[] = [];
  let previous: ModelFrames | null = null;
  let cachedParts = 0;
  for (let part = 0; part < parts; part++) {
    if (ctx.signal.aborted) throw abortError();
    // Each continuation gets its own noise; the known frames tie it to the clip before.
    const seed = (scene.seed + part) >>> 0;
    const key: ClipKey = { model: ctx.model, backend: ctx.backend, prompt: scene.prompt, seed, steps, guidance, part };
    let clip = await getClip(key);
    if (clip) {
      cachedParts++;
    } else {
      ctx.onScene(index, { status: 'working', part, parts, fraction: part / parts });
      const knownFrames = previous ? { rgba: previous.rgba.slice((clipFrames - CONTEXT_FRAMES) * frameBytes), frames: CONTEXT_FRAMES } : null;
      const options = validateGenerateOptions({
        ...defaultOptions(manifest),
        prompt: scene.prompt,
        seed,
        steps,
        guidance,
        previewEvery: 0,
        videoCodec: ctx.codec,
        knownFrames,
      }, packCapabilities(manifest));
      // The lesson composes (and encodes, once) from the model-resolution frames: the engine makes no MP4 of the clip.
      const phases = new Set<string>();
      const result = await ctx.engine.generate({ ...options, output: 'frames' }, {
        signal: ctx.signal,
        onProgress: (p) => {
          phases.add(p.kind);
          ctx.onScene(index, { status: 'working', part, parts, fraction: (part + jobFraction(p)) / parts });
        },
      });
      // What the bench and lesson.spec read: the clip's phases (no 'encoding') and that no MP4 came back.
      console.info(`[zoetrope:timing] ${JSON.stringify({ event: 'lesson-clip', scene: index, part, mp4: result.mp4, phases: [...phases], encodeMs: result.timings.encodeMs, totalMs: result.timings.totalMs })}`);
      clip = { frames: result.modelFrames, framesSha256: result.framesSha256 };
      await putClip(key, clip);
    }
    clips.push({ prompt: scene.prompt, seed, framesSha256: clip.framesSha256 });
    // A continuation's first frames repeat the clip before: keep only the new ones.
    pieces.push(part === 0 ? clip.frames.rgba : clip.frames.rgba.subarray(CONTEXT_FRAMES * frameBytes));
    previous = clip.frames;
  }
  const rgba = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    rgba.set(p, offset);
    offset += p.length;
  }
  ctx.onScene(index, { status: 'ready', parts, cachedParts });
  return { frames: { rgba, frames: rgba.length / frameBytes, width, height }, clips };
}
