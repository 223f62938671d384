// Owns the documented test hook for the lesson's sound: with `?testhook=audio`
// in the URL, src/main.ts loads this chunk and it puts the real narration
// modules on `window.zoetropeAudio`, so tests/e2e/audio-track.spec.ts and
// scripts/bench-audio.mjs can mix, encode and decode in the production build
// (a built page has no module paths to import). Without the parameter this
// chunk is never fetched. It gives a page nothing it could not already do.

import type { ModelFrames } from '../shared/engine-api';
import { newLesson, newScene } from '../shared/lesson';
import { buildTimeline } from '../shared/lesson-timeline';
import { mixNarration, narrationLength } from '../shared/narration-mix';
import { voiceStart, voiceWindows } from '../shared/narration-timing';
import { GENERATOR, type Provenance } from '../shared/provenance';
import { inspectAudio, hasAudioTrack } from './audio-inspect';
import { narrationCodec } from './audio-track';
import { exportLesson } from './lesson-export';
import { inspectMp4 } from './mp4-inspect';

/** TEST FIXTURE frames: `frames` solid-colour model frames of size×size, standing in for a generated clip. */
function fixtureFrames(frames: number, size: number, rgb: readonly [number, number, number]): ModelFrames {
  const rgba = new Uint8Array(frames * size * size * 4);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = rgb[0];
    rgba[i + 1] = rgb[1];
    rgba[i + 2] = rgb[2];
    rgba[i + 3] = 255;
  }
  return { rgba, frames, width: size, height: size };
}

/** TEST FIXTURE voice: a sine tone of `seconds`, standing in for speech. */
function toneVoice(seconds: number, rate: number, hz: number, amplitude: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

/** TEST FIXTURE voice: bursts of seeded white noise (`burst` s on, `gap` s off), standing in for syllables. */
function noiseVoice(seconds: number, rate: number, amplitude: number, burst = 0.12, gap = 0.04, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  let state = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    // xorshift32: the same noise on every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const on = (i / rate) % (burst + gap) < burst;
    out[i] = on ? amplitude * ((state >>> 0) / 0xffffffff - 0.5) * 2 : 0;
  }
  return out;
}

/** A TEST FIXTURE provenance record for a lesson made of fixture frames. */
function fixtureProvenance(clips: number): Provenance {
  const clip = { prompt: 'TEST FIXTURE', seed: 0, framesSha256: '0'.repeat(64) };
  return { zoetrope: 1, generator: GENERATOR, kind: 'lesson', model: 'test-fixture@0', modelHash: '0'.repeat(64), backend: 'wasm', steps: 1, guidance: 1, clips: Array.from({ length: clips }, () => clip) };
}

const hook = {
  fixtureFrames,
  toneVoice,
  noiseVoice,
  fixtureProvenance,
  newLesson,
  newScene,
  buildTimeline,
  voiceWindows,
  voiceStart,
  mixNarration,
  narrationLength,
  narrationCodec,
  exportLesson,
  inspectAudio,
  hasAudioTrack,
  inspectMp4,
};

export type AudioTestHook = typeof hook;

declare global {
  interface Window {
    zoetropeAudio?: AudioTestHook;
  }
}

export function install(): void {
  window.zoetropeAudio = hook;
}
