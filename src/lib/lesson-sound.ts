// Owns a lesson's sound before it is encoded: each scene's voice gathered
// from its source (spoken on the device from the caption through the TTS
// worker, or read from IndexedDB for a recording or a file), the scene
// durations that follow their voice ("fit to voice"), the provenance lines
// that say where each voice came from, and the one mixed track (voices, and
// the effects track when it is on) handed to the exporter. A lesson with no
// voice and no effects gets no track at all, so its MP4 stays silent-free.

import type { ModelFrames } from '../shared/engine-api';
import { effectsForLesson } from '../shared/effects-timeline';
import { abortError } from '../shared/errors';
import type { ExtendMode, Lesson } from '../shared/lesson';
import type { Timeline } from '../shared/lesson-timeline';
import { hasVoice, spokenText, NARRATION_RATE } from '../shared/narration';
import { mixNarration, softLimit, type SceneVoice } from '../shared/narration-mix';
import { fitDuration, voiceStart, voiceWindows } from '../shared/narration-timing';
import type { NarrationRecord } from '../shared/provenance';
import { detectMotionEvents } from '../shared/motion-events';
import type { TtsApi, VoiceDataProgress } from '../shared/tts-api';
import { inspectAudio } from './audio-inspect';
import { renderEffects } from './effects-audio';
import { deleteAudio, getAudio, listAudioIds } from './narration-db';

/** How far gathering the voices has come, for the lesson's progress bar. */
export type VoiceProgress =
  | { stage: 'voice-data'; progress: VoiceDataProgress }
  | { stage: 'voices'; done: number; total: number };

export interface LessonVoices {
  /** One per scene; null where the scene is silent. */
  voices: (SceneVoice | null)[];
  /** Each voice's length in seconds; null where silent. */
  seconds: (number | null)[];
  records: NarrationRecord[];
}

/** Gathers every scene's voice, in order. A stored recording that is gone leaves its scene silent, and says so in `missing`. */
export async function gatherVoices(
  lesson: Lesson,
  tts: TtsApi,
  signal: AbortSignal,
  onProgress: (p: VoiceProgress) => void,
): Promise<LessonVoices & { missing: number[] }> {
  const voices: (SceneVoice | null)[] = [];
  const seconds: (number | null)[] = [];
  const records: NarrationRecord[] = [];
  const missing: number[] = [];
  const total = lesson.scenes.filter((s) => hasVoice(s.narration, s.caption)).length;
  let done = 0;
  onProgress({ stage: 'voices', done, total });
  for (const [i, scene] of lesson.scenes.entries()) {
    if (signal.aborted) throw abortError();
    const n = scene.narration;
    let voice: SceneVoice | null = null;
    if (hasVoice(n, scene.caption)) {
      if (n.source === 'tts') {
        const spoken = await tts.speak(spokenText(scene.caption), n.voice, signal, (progress) => onProgress({ stage: 'voice-data', progress }));
        voice = { samples: spoken.samples, sampleRate: spoken.sampleRate, volume: n.volume };
        records.push({ scene: i, source: 'tts', engine: spoken.engine, voice: n.voice });
      } else if (n.audioId) {
        const stored = await getAudio(n.audioId);
        if (stored) {
          voice = { samples: stored.samples, sampleRate: stored.sampleRate, volume: n.volume };
          records.push(n.source === 'file' ? { scene: i, source: 'file', fileName: n.fileName ?? stored.fileName ?? 'audio' } : { scene: i, source: 'recording' });
        } else {
          missing.push(i);
        }
      }
      done++;
      onProgress({ stage: 'voices', done, total });
    }
    voices.push(voice);
    seconds.push(voice ? voice.samples.length / voice.sampleRate : null);
  }
  return { voices, seconds, records, missing };
}

/** The lesson with each "fit to voice" scene's duration set from its voice's length; other scenes keep theirs. */
export function fitToVoices(lesson: Lesson, seconds: readonly (number | null)[], fps: number): Lesson {
  const count = lesson.scenes.length;
  return {
    ...lesson,
    scenes: lesson.scenes.map((s, i) => {
      const voice = seconds[i];
      return s.narration.fit && voice != null ? { ...s, duration: fitDuration(voice, i, count, fps) } : s;
    }),
  };
}

/**
 * The lesson's one audio track at NARRATION_RATE: the voices mixed on the
 * timeline, with the effects track (already at NARRATION_RATE, as long as the
 * video) under them. Null when there is neither, so no track is written.
 */
export function lessonSoundtrack(timeline: Timeline, voices: readonly (SceneVoice | null)[], effects: Float32Array | null): Float32Array | null {
  const mixed = mixNarration(timeline, voices, NARRATION_RATE);
  if (!effects) return mixed;
  if (!mixed) return effects;
  const out = new Float32Array(mixed.length);
  for (let i = 0; i < out.length; i++) out[i] = softLimit(mixed[i]! + (effects[i] ?? 0));
  return out;
}

/**
 * The effects track (src/shared/motion-events.ts): events found on each
 * scene's own frames, carried through the lesson's frame mapping, and
 * rendered with OfflineAudioContext at NARRATION_RATE for the whole video.
 */
export async function lessonEffects(timeline: Timeline, scenes: readonly ModelFrames[], mode: ExtendMode): Promise<{ track: Float32Array; events: number }> {
  const events = effectsForLesson(
    timeline,
    scenes.map((frames) => ({ events: detectMotionEvents(frames, timeline.fps), sourceFrames: frames.frames })),
    mode,
  );
  return { track: await renderEffects(events, timeline.totalFrames / timeline.fps, NARRATION_RATE), events: events.length };
}

/**
 * Deletes stored recordings and files that no saved lesson points at any
 * more (a deleted scene or lesson, a replaced take whose delete failed), so
 * narration never fills the device's storage unseen. Returns how many went.
 */
export async function pruneUnusedAudio(lessons: readonly Lesson[]): Promise<number> {
  const used = new Set(lessons.flatMap((l) => l.scenes.map((s) => s.narration.audioId).filter((id): id is string => id !== null)));
  let removed = 0;
  for (const id of await listAudioIds()) {
    if (used.has(id)) continue;
    await deleteAudio(id);
    removed++;
  }
  return removed;
}

/** What the page heard when it decoded a finished lesson's sound back. */
export interface SoundCheck {
  codec: string;
  sampleRate: number;
  decodedSeconds: number;
  /** Per scene: the RMS of its lead (caption shown, voice not yet started) and of its voice's part of the window. */
  scenes: { lead: number; voice: number }[];
  /** 1-based numbers of the voiced scenes in which the decoded file is audible. */
  heard: number[];
}

/** A voice this quiet (RMS, full scale 1) or quieter is not heard: about −46 dBFS. */
const HEARD_RMS = 0.005;

/**
 * Decodes the MP4's audio track back (WebCodecs, through mediabunny) and
 * measures each scene's lead and voice, so the page can say that the file it
 * offers really speaks where it should. Null when the file has no audio.
 */
export async function checkSound(mp4: Blob, timeline: Timeline, voiced: readonly boolean[]): Promise<SoundCheck | null> {
  const windows = voiceWindows(timeline);
  const asked = windows.flatMap((w) => [
    { start: w.start + 0.02, end: voiceStart(w) - 0.02 },
    { start: voiceStart(w), end: w.end },
  ]);
  const report = await inspectAudio(mp4, asked);
  if (!report) return null;
  const scenes = windows.map((_, i) => ({ lead: report.rms[2 * i] ?? 0, voice: report.rms[2 * i + 1] ?? 0 }));
  return {
    codec: report.codec,
    sampleRate: report.sampleRate,
    decodedSeconds: report.decodedSeconds,
    scenes,
    heard: scenes.flatMap((s, i) => (voiced[i] && s.voice > HEARD_RMS ? [i + 1] : [])),
  };
}
