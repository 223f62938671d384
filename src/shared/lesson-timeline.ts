// Owns the arithmetic of a lesson video: how many frames each scene gets,
// where the crossfades overlap, which model frame shows at each output frame
// (for scenes longer than one clip: continuation, ping-pong or loop), and
// the WebVTT captions. Pure, so Vitest checks it.

import type { ExtendMode, Scene } from './lesson';

/** Crossfade length between two scenes. */
export const CROSSFADE_SECONDS = 0.5;
/** Frames a continuation clip takes from the end of the one before (re-imposed, RePaint-style). */
export const CONTEXT_FRAMES = 4;

export interface SceneSpan {
  /** First output frame of the scene. */
  start: number;
  /** Frames the scene lasts, its crossfades included. */
  frames: number;
}

export interface Timeline {
  fps: number;
  crossfade: number;
  spans: SceneSpan[];
  totalFrames: number;
}

export function sceneFrames(duration: number, fps: number): number {
  return Math.max(1, Math.round(duration * fps));
}

/** Scenes overlap by `crossfade` frames; the total is the sum less the overlaps. */
export function buildTimeline(scenes: readonly Pick<Scene, 'duration'>[], fps: number): Timeline {
  const lengths = scenes.map((s) => sceneFrames(s.duration, fps));
  const shortest = Math.min(...lengths);
  // A crossfade never takes more than half of the shortest scene.
  const crossfade = scenes.length > 1 ? Math.min(Math.round(CROSSFADE_SECONDS * fps), Math.floor(shortest / 2)) : 0;
  const spans: SceneSpan[] = [];
  let start = 0;
  for (const frames of lengths) {
    spans.push({ start, frames });
    start += frames - crossfade;
  }
  const last = spans[spans.length - 1];
  return { fps, crossfade, spans, totalFrames: last ? last.start + last.frames : 0 };
}

/** The scenes visible at output frame f, with their opacity (the later scene fades in over the earlier). */
export function layersAt(timeline: Timeline, f: number): { scene: number; local: number; alpha: number }[] {
  const out: { scene: number; local: number; alpha: number }[] = [];
  timeline.spans.forEach((span, i) => {
    const local = f - span.start;
    if (local < 0 || local >= span.frames) return;
    const fadingIn = i > 0 && local < timeline.crossfade;
    out.push({ scene: i, local, alpha: fadingIn ? (local + 1) / (timeline.crossfade + 1) : 1 });
  });
  return out;
}

/** How many model clips a scene of `frames` frames needs. */
export function clipsNeeded(frames: number, clipFrames: number, mode: ExtendMode): number {
  if (mode !== 'continue' || frames <= clipFrames) return 1;
  return 1 + Math.ceil((frames - clipFrames) / (clipFrames - CONTEXT_FRAMES));
}

/**
 * Which frame of the scene's joined source frames shows at local frame i.
 * `sourceFrames` counts them: for continuation, the clips joined without
 * their repeated context frames; otherwise the one clip.
 */
export function sourceFrameIndex(i: number, sourceFrames: number, mode: ExtendMode): number {
  if (i < sourceFrames) return i;
  if (mode === 'loop' || sourceFrames < 2) return i % sourceFrames;
  if (mode === 'pingpong') {
    const period = 2 * (sourceFrames - 1);
    const p = i % period;
    return p < sourceFrames ? p : period - p;
  }
  // 'continue' always has enough frames; hold the last one if not.
  return sourceFrames - 1;
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/**
 * Scene i's cue, in output frames (may be a half frame): from the middle of
 * its fade-in to the middle of its fade-out, the first from 0, the last to
 * the end. The captions and the narration's voice windows
 * (src/shared/narration-timing.ts) both use it, so they cannot drift apart.
 */
export function cueFrames(timeline: Timeline, i: number): { from: number; to: number } {
  const span = timeline.spans[i];
  if (!span) throw new RangeError(`cueFrames: no scene ${i} in a timeline of ${timeline.spans.length}`);
  const half = timeline.crossfade / 2;
  const from = i === 0 ? 0 : span.start + half;
  const to = i === timeline.spans.length - 1 ? span.start + span.frames : span.start + span.frames - half;
  return { from, to };
}

/** One cue per captioned scene, from the middle of its fade-in to the middle of its fade-out. */
export function webVtt(scenes: readonly Pick<Scene, 'caption'>[], timeline: Timeline): string {
  const cues: string[] = ['WEBVTT', ''];
  timeline.spans.forEach((_span, i) => {
    const caption = scenes[i]?.caption.trim() ?? '';
    if (!caption) return;
    const { from, to } = cueFrames(timeline, i);
    // A blank line would end the cue early.
    const text = caption.split('\n').filter((l) => l.trim() !== '').join('\n').replace(/-->/g, '→');
    cues.push(`${i + 1}`, `${vttTime(from / timeline.fps)} --> ${vttTime(to / timeline.fps)}`, text, '');
  });
  return cues.join('\n');
}
