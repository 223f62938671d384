// Owns when each scene's voice may sound: its window (exactly the scene's
// caption cue, so voice and caption appear and leave together), where the
// voice starts inside it, whether a voice of a given length is cut, and the
// scene duration that holds a voice whole ("fit to voice"). Pure, so Vitest
// checks it; the mixer (narration-mix.ts) and the editor use the same rules.

import { MAX_DURATION, MIN_DURATION } from './lesson';
import { CROSSFADE_SECONDS, cueFrames, type Timeline } from './lesson-timeline';
import { VOICE_LEAD_SECONDS, VOICE_TAIL_SECONDS } from './narration';

export interface VoiceWindow {
  /** Seconds from the start of the video: the caption appears. */
  start: number;
  /** Seconds: the caption leaves; a longer voice is faded out by here. */
  end: number;
}

/** Each scene's window, equal to its caption cue (lesson-timeline.ts cueFrames) in seconds. */
export function voiceWindows(timeline: Timeline): VoiceWindow[] {
  return timeline.spans.map((_span, i) => {
    const { from, to } = cueFrames(timeline, i);
    return { start: from / timeline.fps, end: to / timeline.fps };
  });
}

/** Where the voice begins: a short silence after the caption appears, so the eye finds the words first. */
export function voiceStart(window: VoiceWindow): number {
  return window.start + VOICE_LEAD_SECONDS;
}

/** Seconds of voice the window holds whole, after its lead (the tail is not needed to avoid a cut). */
export function voiceRoom(window: VoiceWindow): number {
  return Math.max(0, window.end - voiceStart(window));
}

/**
 * Whether a voice of `voiceSeconds` plays whole in its window; false means
 * the mixer cuts it (with a fade ending at the window's end).
 */
export function voiceFits(voiceSeconds: number, window: VoiceWindow): boolean {
  // A microsecond of slack: the window is frame arithmetic in floating point.
  return voiceSeconds <= voiceRoom(window) + 1e-6;
}

/**
 * The duration (seconds, whole frames, MIN_DURATION..MAX_DURATION) of scene
 * `index` of `count` whose window holds lead + voice + tail. The window is the
 * scene less its crossfades' halves: one whole crossfade for a middle scene,
 * half of one for the first or the last, none for a lone scene. The crossfade
 * is taken as round(0.5·fps) frames, its length for scenes of a second or
 * more; buildTimeline may make it a frame shorter for odd fps (it never takes
 * more than half the shortest scene), which only widens the window, so the
 * voice still fits.
 */
export function fitDuration(voiceSeconds: number, index: number, count: number, fps: number): number {
  const crossfade = count > 1 ? Math.round(CROSSFADE_SECONDS * fps) : 0;
  const halves = count <= 1 ? 0 : index === 0 || index === count - 1 ? 1 : 2;
  const needed = (VOICE_LEAD_SECONDS + Math.max(0, voiceSeconds) + VOICE_TAIL_SECONDS) * fps + (halves * crossfade) / 2;
  // Rounded up to whole frames; the 1e-9 keeps an exact frame count from becoming one more through float error.
  const frames = Math.ceil(needed - 1e-9);
  const lo = Math.ceil(MIN_DURATION * fps - 1e-9);
  const hi = Math.floor(MAX_DURATION * fps + 1e-9);
  return Math.min(hi, Math.max(lo, frames)) / fps;
}
