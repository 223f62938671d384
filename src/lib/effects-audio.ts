// Owns the sound of the effects track: a short, soft sound at each motion
// event (src/shared/motion-events.ts), rendered offline with Web Audio's
// OfflineAudioContext into one mono Float32Array, which the narration mixer
// lays under the voice. Kept quiet on purpose (peak ≤ EFFECTS_PEAK), so the
// narration stays on top: these sounds only mark what the picture shows.
//
// A contact is a damped low "thump": a sine that drops from 180 to 110 Hz,
// a 4 ms attack, then an exponential decay of about 80 ms. A start or a stop
// is a softer, shorter tick: 25 ms of a higher sine (start 880 Hz, stop
// 660 Hz, so the two can be told apart). Each sound begins at its event's
// time, so the sound's onset is the event's moment.

import type { MotionEvent, MotionEventKind } from '../shared/motion-events';

/** The track's loudest sample, full scale being 1. */
export const EFFECTS_PEAK = 0.3;

interface Voice {
  /** Start and end frequency of the sine (Hz): a falling pitch reads as a thump. */
  from: number;
  to: number;
  attack: number;
  /** Time constant of the exponential decay (s): the sound falls to 5% in 3×. */
  decay: number;
  /** Peak gain at strength 1. */
  gain: number;
}

const VOICES: Record<MotionEventKind, Voice> = {
  contact: { from: 180, to: 110, attack: 0.004, decay: 0.027, gain: 0.28 },
  start: { from: 880, to: 880, attack: 0.002, decay: 0.008, gain: 0.1 },
  stop: { from: 660, to: 660, attack: 0.002, decay: 0.008, gain: 0.1 },
};

/** The quietest an event plays (at strength 0), as a share of its voice's gain: a faint contact is still heard. */
const FLOOR_LEVEL = 0.4;

/**
 * The effects track of `durationSeconds`, mono, at `sampleRate`. Events
 * outside [0, duration) are left out. Where sounds overlap and would pass
 * EFFECTS_PEAK, the whole track is scaled down to it.
 */
export async function renderEffects(events: readonly MotionEvent[], durationSeconds: number, sampleRate = 48_000): Promise<Float32Array> {
  if (!(durationSeconds > 0)) throw new RangeError(`renderEffects: the duration must be positive, got ${durationSeconds}`);
  const length = Math.ceil(durationSeconds * sampleRate);
  const ctx = new OfflineAudioContext({ numberOfChannels: 1, length, sampleRate });
  for (const event of events) {
    if (event.time >= 0 && event.time < durationSeconds) schedule(ctx, event);
  }
  const buffer = await ctx.startRendering();
  const samples = new Float32Array(length);
  buffer.copyFromChannel(samples, 0);
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  if (peak > EFFECTS_PEAK) {
    const k = EFFECTS_PEAK / peak;
    for (let i = 0; i < samples.length; i++) samples[i]! *= k;
  }
  return samples;
}

function schedule(ctx: OfflineAudioContext, event: MotionEvent): void {
  const v = VOICES[event.kind];
  const t = event.time;
  const level = v.gain * (FLOOR_LEVEL + (1 - FLOOR_LEVEL) * Math.min(1, Math.max(0, event.strength)));
  const end = t + v.attack + 6 * v.decay;
  const osc = new OscillatorNode(ctx, { type: 'sine', frequency: v.from });
  const env = new GainNode(ctx, { gain: 0 });
  // setValueAtTime anchors each ramp at the event's own time (a ramp otherwise starts at time 0).
  osc.frequency.setValueAtTime(v.from, t);
  if (v.to !== v.from) osc.frequency.exponentialRampToValueAtTime(v.to, t + v.attack + 3 * v.decay);
  env.gain.setValueAtTime(0, t);
  env.gain.linearRampToValueAtTime(level, t + v.attack);
  env.gain.setTargetAtTime(0, t + v.attack, v.decay);
  osc.connect(env).connect(ctx.destination);
  osc.start(t);
  osc.stop(end);
}
