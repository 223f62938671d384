// Owns finding the moments a clip's object makes a sound: a bounce's floor
// contact, a start from rest, a stop. They come from the frames alone (the
// object's track, ./object-track.ts), never from the prompt's words, so the
// sound follows what the model actually drew. Pure, so Vitest checks it on a
// drawn TEST FIXTURE and on real built-in-model clips.
//
// Thresholds are in pixels a frame at the built-in model's 64 px, scaled by
// the frame's height, so that other sizes read the same motion the same way.

import { trackObject, type ClipPixels, type Track } from './object-track';

export type MotionEventKind = 'contact' | 'start' | 'stop';

export interface MotionEvent {
  /** Clip frame of the event, fractional (a contact usually falls between two frames). */
  frame: number;
  /** frame / fps, in seconds. */
  time: number;
  kind: MotionEventKind;
  /** 0–1: how hard the contact, how brisk the start or stop; the sound's loudness follows it. */
  strength: number;
}

/** Slower than this (px a frame at 64 px) is at rest. */
export const STILL_SPEED = 0.5;
/** Faster than this is moving; between the two, the state before holds (hysteresis, so jitter is no start). */
export const MOVE_SPEED = 1.0;
/** Frames of rest (frame-to-frame steps) before a start or after a stop: the top of a bounce rests for none. */
export const MIN_STILL_STEPS = 3;
/** A contact's fall and rebound each at least this fast: the bottom of a slow curve (an orbit) is no contact. */
export const CONTACT_SPEED = 1.0;
/** A contact is this close (fraction of the height) to the lowest point the object reaches in the clip. */
export const FLOOR_MARGIN = 0.15;
/** A step longer than this (fraction of the frame) is a jump (a loop's restart, a glitch), not motion. */
export const CUT_DISTANCE = 0.3;

/** The events in a clip, in frame order. */
export function detectMotionEvents(clip: ClipPixels, fps: number): MotionEvent[] {
  return eventsFromTrack(trackObject(clip), fps, clip.width, clip.height);
}

interface Step {
  dx: number;
  dy: number;
  speed: number;
}

/** The step from frame i to i + 1, or null across a missing object or a jump. */
function steps(track: Track, width: number, height: number): (Step | null)[] {
  const out: (Step | null)[] = [];
  const cut = CUT_DISTANCE * Math.max(width, height);
  for (let i = 0; i + 1 < track.length; i++) {
    const a = track[i], b = track[i + 1];
    if (!a || !b) { out.push(null); continue; }
    const dx = b.x - a.x, dy = b.y - a.y, speed = Math.hypot(dx, dy);
    out.push(speed > cut ? null : { dx, dy, speed });
  }
  return out;
}

export function eventsFromTrack(track: Track, fps: number, width: number, height: number): MotionEvent[] {
  if (!(fps > 0)) throw new RangeError(`eventsFromTrack: fps must be positive, got ${fps}`);
  const scale = height / 64;
  const s = steps(track, width, height);
  const events = [...contacts(track, s, scale, height), ...startsAndStops(s, scale)];
  events.sort((a, b) => a.frame - b.frame);
  return events.map((e) => ({ ...e, time: e.frame / fps }));
}

type Found = Omit<MotionEvent, 'time'>;

/**
 * A contact: the object falls (y grows, rows point down), then rises, at a
 * frame k near the lowest point of the clip. The true contact lies between
 * k − 1 and k + 1. Its time is where the falling path through frames k − 2,
 * k − 1 and the rising path through k + 1, k + 2 meet, each a parabola with
 * the clip's own gravity (their meeting point is a linear equation when both
 * bend alike); clamped to [k − 1, k + 1].
 */
function contacts(track: Track, s: (Step | null)[], scale: number, height: number): Found[] {
  const ys = track.map((p) => p?.y ?? -Infinity);
  const deepest = Math.max(...ys);
  const out: Found[] = [];
  const min = CONTACT_SPEED * scale;
  for (let k = 1; k + 1 < track.length; k++) {
    const before = s[k - 1], after = s[k];
    if (!before || !after || !(before.dy > 0 && after.dy <= 0)) continue;
    if (track[k]!.y < deepest - FLOOR_MARGIN * height) continue;
    // The legs: the step before k (or the one before it) falls fast enough, the step at k (or after) rises.
    const a = [k - 2, k - 1].find((i) => (s[i]?.dy ?? 0) >= min && i >= 0);
    const b = [k + 1, k].find((i) => (s[i]?.dy ?? 0) <= -min);
    if (a === undefined || b === undefined) continue;
    const fall = s[a]!, rise = s[b]!;
    // A bounce moves up and down; a curve through its bottom (an orbit) moves sideways there.
    if (Math.abs(fall.dx) > fall.dy || Math.abs(rise.dx) > -rise.dy) continue;
    const g = gravity(ys, s, k);
    const t = meet(a, ys[a]!, ys[a + 1]!, b, ys[b]!, ys[b + 1]!, g);
    const impact = (fall.dy - rise.dy) / 2;
    out.push({ frame: Math.min(k + 1, Math.max(k - 1, t)), kind: 'contact', strength: clamp01(impact / (10 * scale)) });
  }
  return out;
}

/** The mean second difference of y on the legs away from frame k (px a frame²), 0 where the clip has none. */
function gravity(ys: number[], s: (Step | null)[], k: number): number {
  const found: number[] = [];
  for (const i of [k - 2, k - 3, k + 2, k + 3]) {
    // The second difference at i uses frames i − 1, i, i + 1, all on one side of k's bottom.
    const inLeg = i + 1 <= k - 1, outLeg = i - 1 >= k + 1;
    if ((inLeg || outLeg) && s[i - 1] && s[i]) found.push(ys[i + 1]! - 2 * ys[i]! + ys[i - 1]!);
  }
  const g = found.length ? found.reduce((x, y) => x + y, 0) / found.length : 0;
  return Math.max(0, g);
}

/** Where the parabola through (p, yp), (p+1, yp1) and the one through (q, yq), (q+1, yq1), both of curvature g, meet. */
function meet(p: number, yp: number, yp1: number, q: number, yq: number, yq1: number, g: number): number {
  // y(t) = yp + u (t − p) + (g/2)(t − p)(t − p − 1), with u the chord slope; the t² terms cancel in the difference.
  const u = yp1 - yp, w = yq1 - yq;
  // Coefficients of t in each (constant, linear): expand (t − p)(t − p − 1) = t² − (2p + 1) t + p(p + 1).
  const c1 = yp - u * p + (g / 2) * p * (p + 1), l1 = u - (g / 2) * (2 * p + 1);
  const c2 = yq - w * q + (g / 2) * q * (q + 1), l2 = w - (g / 2) * (2 * q + 1);
  return l1 === l2 ? (p + q + 1) / 2 : (c2 - c1) / (l1 - l2);
}

/**
 * Starts and stops, from the speed of each step: at rest below STILL_SPEED,
 * moving above MOVE_SPEED. A start is the frame a rest of MIN_STILL_STEPS
 * or more ends and motion follows; a stop, the frame motion gives way to
 * such a rest. A missing object or a jump breaks a rest.
 */
function startsAndStops(s: (Step | null)[], scale: number): Found[] {
  const state = s.map((st) => (st === null ? 'gap' : st.speed < STILL_SPEED * scale ? 'still' : st.speed > MOVE_SPEED * scale ? 'moving' : 'mid'));
  const restLength = (from: number, dir: 1 | -1): number => {
    let n = 0;
    for (let i = from; i >= 0 && i < s.length && state[i] === 'still'; i += dir) n++;
    return n;
  };
  const out: Found[] = [];
  for (let m = 0; m < s.length; m++) {
    if (state[m] !== 'moving') continue;
    const speed = s[m]!.speed;
    // Back over the in-between steps to the rest, if it is one.
    let j = m - 1;
    while (j >= 0 && state[j] === 'mid') j--;
    if (j >= 0 && state[j] === 'still' && restLength(j, -1) >= MIN_STILL_STEPS) {
      out.push({ frame: j + 1, kind: 'start', strength: clamp01(speed / (4 * scale)) });
    }
    let k = m + 1;
    while (k < s.length && state[k] === 'mid') k++;
    if (k < s.length && state[k] === 'still' && restLength(k, 1) >= MIN_STILL_STEPS) {
      out.push({ frame: k, kind: 'stop', strength: clamp01(speed / (4 * scale)) });
    }
  }
  return out;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
