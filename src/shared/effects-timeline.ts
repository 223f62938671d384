// Owns placing a scene's motion events (./motion-events.ts) on a lesson's
// timeline (./lesson-timeline.ts), through the same frame mapping the video
// uses (sourceFrameIndex), so a sound plays when its frame shows. Pure.
//
// Events are found once, on the scene's source frames (its clip; for
// continuation, the clips joined), then carried through the mapping, rather
// than found again on the mapped frames: a step between output frames i − 1
// and i that shows source frames a → a + 1 plays the events between a and
// a + 1; a step a → a − 1 (ping-pong's way back) plays them in reverse, where
// a start becomes a stop and a stop a start, and a contact stays a contact;
// any other step (loop's jump back to frame 0, a held last frame) plays
// none. Detecting on the mapped frames instead would take ping-pong's turn
// for a mid-air bounce and the loop's restart for a jump, which are editing,
// not events the picture shows.

import type { ExtendMode } from './lesson';
import { sourceFrameIndex, type Timeline } from './lesson-timeline';
import type { MotionEvent, MotionEventKind } from './motion-events';

/** The events of a scene of `localFrames` output frames, in scene-local (fractional) frames, in order. */
export function sceneEvents(clipEvents: readonly MotionEvent[], localFrames: number, sourceFrames: number, mode: ExtendMode): Omit<MotionEvent, 'time'>[] {
  const out: Omit<MotionEvent, 'time'>[] = [];
  for (let i = 1; i < localFrames; i++) {
    const a = sourceFrameIndex(i - 1, sourceFrames, mode);
    const b = sourceFrameIndex(i, sourceFrames, mode);
    if (b === a + 1) {
      // Forward: events in (a, a + 1], so an event on a frame plays once, when that frame shows.
      for (const e of clipEvents) if (e.frame > a && e.frame <= b) out.push({ ...e, frame: i - 1 + (e.frame - a) });
    } else if (b === a - 1) {
      // Backward: events in [a − 1, a), the mirror of the forward interval.
      for (const e of clipEvents) if (e.frame >= b && e.frame < a) out.push({ ...e, frame: i - 1 + (a - e.frame), kind: reversed(e.kind) });
    }
  }
  return out.sort((x, y) => x.frame - y.frame);
}

function reversed(kind: MotionEventKind): MotionEventKind {
  return kind === 'start' ? 'stop' : kind === 'stop' ? 'start' : kind;
}

/**
 * Scene `scene`'s events at lesson time (frames from the lesson's start,
 * seconds). A scene fading in (the crossfade at its start) plays its events
 * at the picture's opacity then, so a sound is as faint as what makes it.
 */
export function effectsForScene(timeline: Timeline, scene: number, clipEvents: readonly MotionEvent[], sourceFrames: number, mode: ExtendMode): MotionEvent[] {
  const span = timeline.spans[scene];
  if (!span) throw new RangeError(`effectsForScene: no scene ${scene} in a timeline of ${timeline.spans.length}`);
  return sceneEvents(clipEvents, span.frames, sourceFrames, mode).map((e) => {
    const local = Math.floor(e.frame);
    const alpha = scene > 0 && local < timeline.crossfade ? (local + 1) / (timeline.crossfade + 1) : 1;
    const frame = span.start + e.frame;
    return { ...e, frame, time: frame / timeline.fps, strength: e.strength * alpha };
  });
}

/** Every scene's events, in lesson time and order: the effects track's input (src/lib/effects-audio.ts renderEffects). */
export function effectsForLesson(timeline: Timeline, scenes: readonly { events: readonly MotionEvent[]; sourceFrames: number }[], mode: ExtendMode): MotionEvent[] {
  if (scenes.length !== timeline.spans.length) throw new RangeError(`effectsForLesson: ${scenes.length} scenes for a timeline of ${timeline.spans.length}`);
  return scenes.flatMap((s, i) => effectsForScene(timeline, i, s.events, s.sourceFrames, mode)).sort((a, b) => a.frame - b.frame);
}
