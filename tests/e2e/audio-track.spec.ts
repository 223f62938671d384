// The lesson MP4's audio track, in Debian's Chromium on the production build:
// a TEST FIXTURE lesson (4 scenes at 8 fps, solid-colour frames) with two
// TEST FIXTURE voices (a tone at 22.05 kHz, as espeak-ng speaks, and noise
// bursts too long for their window) is mixed by narration-mix, encoded by
// exportLesson and audio-track, then decoded back in the page: the sample
// rate and duration are right, it is loud inside the voices' spans and near
// zero elsewhere, at the right times (±50 ms); a <video> plays its sound;
// ffprobe (when installed) sees an audio stream of the right length. A
// lesson without voices has no audio track. The page reaches the modules
// through the documented test hook (?testhook=audio, src/lib/audio-test-hook.ts).
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioReport } from '../../src/lib/audio-inspect';
import type {} from '../../src/lib/audio-test-hook';
import { logConsole } from './helpers';

const FPS = 8;
// 16 + 20 + 16 + 24 frames less three 4-frame crossfades: 64 frames, 8 s. Voice windows (the caption cues):
// [0, 1.75], [1.75, 3.75], [3.75, 5.25], [5.25, 8].
const DURATIONS = [2, 2.5, 2, 3];
const TONE_SECONDS = 0.8;
const NOISE_SECONDS = 2.5;
const SLACK = 0.05;

interface Made {
  mp4Base64: string;
  audio: { codec: string; sampleRate: number; channels: number; encodeMs: number } | null;
  /** The container's duration (the longer of its tracks). */
  fileSeconds: number;
  mixPeak: number;
  frames: number;
  windows: { start: number; end: number }[];
  voiceStarts: number[];
  report: AudioReport | null;
  probes: { start: number; end: number }[];
  hasAudio: boolean;
}

async function openHook(page: Page): Promise<void> {
  logConsole(page);
  await page.goto('/?testhook=audio&view=lesson');
  await page.waitForFunction(() => window.zoetropeAudio !== undefined, undefined, { timeout: 60_000 });
}

/** Makes the fixture lesson in the page, with or without its two voices, and reads it back. */
function makeLesson(page: Page, voiced: boolean): Promise<Made> {
  return page.evaluate(
    async ({ voiced, fps, durations, toneSeconds, noiseSeconds, slack }) => {
      const z = window.zoetropeAudio!;
      const colours: [number, number, number][] = [[200, 40, 40], [40, 160, 60], [40, 60, 200], [220, 200, 40]];
      const scenes = durations.map((d, i) => z.newScene('TEST FIXTURE', `Scene ${i + 1}`, d));
      const lesson = { ...z.newLesson('Audio TEST FIXTURE', scenes), outputHeight: 480 as const };
      const timeline = z.buildTimeline(lesson.scenes, fps);
      const windows = z.voiceWindows(timeline);
      const voices = voiced
        ? [
            // Turned up past full scale (0.6 × 1.6 = 0.96 peak): the soft limiter must bend it under the ceiling.
            { samples: z.toneVoice(toneSeconds, 22050, 440, 0.6), sampleRate: 22050, volume: 1.6 },
            null,
            { samples: z.noiseVoice(noiseSeconds, 48000, 0.3), sampleRate: 48000, volume: 1 },
            null,
          ]
        : [null, null, null, null];
      const narration = z.mixNarration(timeline, voices);
      let mixPeak = 0;
      for (const v of narration ?? []) mixPeak = Math.max(mixPeak, Math.abs(v));
      const video = await z.exportLesson({
        lesson,
        scenes: colours.map((c, i) => ({ frames: z.fixtureFrames(16, 32, c), caption: lesson.scenes[i]!.caption })),
        fps,
        provenance: z.fixtureProvenance(4),
        codec: 'auto',
        signal: new AbortController().signal,
        onFrame: () => {},
        narration,
      });
      const [w0, , w2, w3] = windows;
      const start0 = z.voiceStart(w0!);
      const start2 = z.voiceStart(w2!);
      // Where sound must be and where it must not, each edge moved inwards by the slack.
      const probes = [
        { start: 0, end: start0 - slack }, // before the first voice: the lead
        { start: start0 + slack, end: start0 + toneSeconds - slack }, // the tone
        { start: start0 + toneSeconds + slack, end: start2 - slack }, // after it, scene 2 (silent) and scene 3's lead
        { start: start2 + slack, end: w2!.end - 0.12 - slack }, // the noise bursts, before the cut's fade
        { start: w3!.start + slack, end: timeline.totalFrames / fps }, // after the cut: the last scene is silent
      ];
      const report = await z.inspectAudio(video.mp4, probes);
      const mp4 = await z.inspectMp4(video.mp4, { hash: false });
      const bytes = new Uint8Array(await video.mp4.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return {
        mp4Base64: btoa(binary),
        audio: video.audio,
        fileSeconds: mp4.durationSeconds,
        mixPeak,
        frames: mp4.frames,
        windows,
        voiceStarts: [start0, start2],
        report,
        probes,
        hasAudio: await z.hasAudioTrack(video.mp4),
      };
    },
    { voiced, fps: FPS, durations: DURATIONS, toneSeconds: TONE_SECONDS, noiseSeconds: NOISE_SECONDS, slack: SLACK },
  );
}

/** ffprobe's streams and duration, or null (with the reason printed) when ffprobe is not installed. */
function ffprobe(mp4Base64: string): { streams: { codec_type: string; codec_name: string; sample_rate?: string; channels?: number; duration?: string }[]; format: { duration: string } } | null {
  const version = spawnSync('ffprobe', ['-version']);
  if (version.error || version.status !== 0) {
    console.log('[audio-track] ffprobe is not installed (apt-get install ffmpeg): skipping the ffprobe checks');
    return null;
  }
  const file = join(mkdtempSync(join(tmpdir(), 'zoetrope-audio-')), 'lesson.mp4');
  writeFileSync(file, Buffer.from(mp4Base64, 'base64'));
  const out = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,sample_rate,channels,duration:format=duration', '-of', 'json', file], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout);
}

test('a voiced lesson has an audio track that is loud where the voices are and silent elsewhere', async ({ page }) => {
  await openHook(page);
  const made = await makeLesson(page, true);
  console.log(`[audio-track] codec ${made.audio?.codec}, ${made.audio?.sampleRate} Hz, ${made.audio?.channels} ch, encoded in ${made.audio?.encodeMs.toFixed(0)} ms; file ${made.fileSeconds} s, audio ${made.report?.durationSeconds} s (decoded ${made.report?.decodedSeconds.toFixed(3)} s); RMS ${made.report?.rms.map((r) => r.toFixed(4)).join(', ')}; peak: mix ${made.mixPeak.toFixed(3)}, decoded ${made.report?.peak.toFixed(3)}`);
  // 64 frames at 8 fps: the video lasts 8 s, and the file within one frame of it.
  const videoSeconds = 8;
  expect(made.frames).toBe(64);
  expect(Math.abs(made.fileSeconds - videoSeconds)).toBeLessThanOrEqual(1 / FPS);
  expect(made.hasAudio).toBe(true);
  expect(made.audio).not.toBeNull();
  // Debian's Chromium encodes Opus but not AAC; a browser with an AAC encoder gets AAC-LC.
  expect(['mp4a.40.2', 'opus']).toContain(made.audio?.codec);
  const r = made.report!;
  expect(r.sampleRate).toBe(48000);
  expect(r.channels).toBe(1);
  expect(r.codec).toBe(made.audio?.codec);
  // The track lasts as long as the video, within one frame.
  expect(Math.abs(r.durationSeconds - videoSeconds)).toBeLessThanOrEqual(1 / FPS);
  expect(Math.abs(r.decodedSeconds - videoSeconds)).toBeLessThanOrEqual(1 / FPS);
  const [lead, tone, between, noise, after] = r.rms as [number, number, number, number, number];
  // Silence stays silence through the codec (under −46 dBFS); the tone (RMS 0.66) and the noise bursts (0.15) are far above it.
  for (const quiet of [lead, between, after]) expect(quiet).toBeLessThan(0.005);
  expect(tone).toBeGreaterThan(0.5);
  expect(noise).toBeGreaterThan(0.1);
  // The mix never reaches full scale though the tone was turned up past it. (The decoded peak is only printed:
  // Opus at 64 kbit/s rebuilds white noise with the same energy but a higher crest, up to 1.8× the input's peak.)
  expect(made.mixPeak).toBeGreaterThan(0.9);
  expect(made.mixPeak).toBeLessThanOrEqual(0.98);

  // It plays with sound in the page's own <video>.
  const played = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob([bytes], { type: 'video/mp4' }));
    document.body.append(video);
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stream = (video as HTMLVideoElement & { captureStream(): MediaStream }).captureStream();
    const out = {
      audioBytes: (video as HTMLVideoElement & { webkitAudioDecodedByteCount?: number }).webkitAudioDecodedByteCount ?? -1,
      audioTracks: stream.getAudioTracks().length,
      currentTime: video.currentTime,
    };
    video.pause();
    video.remove();
    return out;
  }, made.mp4Base64);
  console.log(`[audio-track] <video>: ${played.audioBytes} audio bytes decoded, ${played.audioTracks} captured audio track(s), at ${played.currentTime.toFixed(2)} s`);
  expect(played.currentTime).toBeGreaterThan(0.5);
  expect(played.audioBytes).toBeGreaterThan(0);
  expect(played.audioTracks).toBe(1);

  const probe = ffprobe(made.mp4Base64);
  if (probe) {
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    console.log(`[audio-track] ffprobe: ${JSON.stringify(probe)}`);
    expect(audio).toBeDefined();
    expect(audio?.codec_name).toBe(made.audio?.codec === 'opus' ? 'opus' : 'aac');
    expect(audio?.sample_rate).toBe('48000');
    expect(Math.abs(Number(audio?.duration) - 8)).toBeLessThanOrEqual(1 / FPS);
    expect(Math.abs(Number(probe.format.duration) - 8)).toBeLessThanOrEqual(1 / FPS);
    expect(probe.streams.some((s) => s.codec_type === 'video')).toBe(true);
  }
});

test('a lesson without voices has no audio track', async ({ page }) => {
  await openHook(page);
  const made = await makeLesson(page, false);
  expect(made.frames).toBe(64);
  expect(made.audio).toBeNull();
  expect(made.report).toBeNull();
  expect(made.hasAudio).toBe(false);
  const probe = ffprobe(made.mp4Base64);
  if (probe) {
    expect(probe.streams.map((s) => s.codec_type)).not.toContain('audio');
    expect(Math.abs(Number(probe.format.duration) - 8)).toBeLessThanOrEqual(1 / FPS);
  }
});
