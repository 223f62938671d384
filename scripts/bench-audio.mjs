#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:audio`: how fast a lesson's narration is mixed and
// encoded in Debian's Chromium, against the video encode of the same lesson
// in the same run. The production build is served with vite preview, and the
// page reaches the real modules through the documented test hook
// (?testhook=audio, src/lib/audio-test-hook.ts). The lesson is a TEST
// FIXTURE: solid-colour frames (the renderer, captions and H.264 encoder are
// the real ones) and noise-burst voices at 22.05 kHz, as espeak-ng speaks,
// so the resampler runs. Each run exports the lesson twice, with and without
// its narration, so the audio's cost shows next to the video's.
// Prints a table and writes bench/audio.json; asserts nothing.
// Usage: npm run bench:audio [-- --scenes 8 --seconds 6 --height 720 --runs 3 --port 4391 --no-build]

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { launchChromium, servePreview } from './preview-browser.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SCENES = opt('scenes', 8);
const SECONDS = opt('seconds', 6);
const HEIGHT = opt('height', 720);
const RUNS = opt('runs', 3);
const PORT = opt('port', 4391);
const FPS = 8;
// Its own build folder, so a bench does not overwrite another run's dist/.
const OUT_DIR = 'dist-bench-audio';

const server = await servePreview({ outDir: OUT_DIR, port: PORT, skipBuild: args.includes('--no-build') });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/?testhook=audio&view=lesson`);
  await page.waitForFunction(() => window.zoetropeAudio !== undefined, undefined, { timeout: 60_000 });
  const version = browser.version();
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    runs.push(
      await page.evaluate(
        async ({ scenes, seconds, height, fps, silentFirst }) => {
          const z = /** @type {import('../src/lib/audio-test-hook').AudioTestHook} */ (window.zoetropeAudio);
          const list = Array.from({ length: scenes }, (_, i) => z.newScene('TEST FIXTURE', `Scene ${i + 1}`, seconds));
          const lesson = { ...z.newLesson('Audio bench TEST FIXTURE', list), outputHeight: /** @type {720} */ (height) };
          const timeline = z.buildTimeline(lesson.scenes, fps);
          // Each voice fills its scene's room after the lead, less the tail: the most a fitted scene holds.
          const voices = z.voiceWindows(timeline).map((w, i) => ({ samples: z.noiseVoice(w.end - w.start - 0.5, 22050, 0.3, 0.12, 0.04, i + 1), sampleRate: 22050, volume: 1 }));
          const voiceSeconds = voices.reduce((n, v) => n + v.samples.length / v.sampleRate, 0);
          const mixStarted = performance.now();
          const narration = z.mixNarration(timeline, voices);
          const mixMs = performance.now() - mixStarted;
          const frames = [[200, 40, 40], [40, 160, 60], [40, 60, 200], [220, 200, 40]];
          const request = (/** @type {Float32Array | null} */ mix) => ({
            lesson,
            scenes: lesson.scenes.map((s, i) => ({ frames: z.fixtureFrames(16, 64, /** @type {[number, number, number]} */ (frames[i % 4])), caption: s.caption })),
            fps,
            provenance: z.fixtureProvenance(scenes),
            codec: /** @type {'auto'} */ ('auto'),
            signal: new AbortController().signal,
            onFrame: () => {},
            narration: mix,
          });
          // The order alternates run by run, so a machine that speeds up or slows down favours neither.
          const silent = silentFirst ? await z.exportLesson(request(null)) : null;
          const voiced = await z.exportLesson(request(narration));
          const silentAfter = silent ?? (await z.exportLesson(request(null)));
          return {
            lessonSeconds: timeline.totalFrames / fps,
            voiceSeconds,
            mixMs,
            silentMs: silentAfter.encodeMs,
            voicedMs: voiced.encodeMs,
            audio: voiced.audio,
            videoCodec: voiced.codec,
            bytesSilent: silentAfter.mp4.size,
            bytesVoiced: voiced.mp4.size,
            width: voiced.width,
            height: voiced.height,
          };
        },
        { scenes: SCENES, seconds: SECONDS, height: HEIGHT, fps: FPS, silentFirst: run % 2 === 0 },
      ),
    );
  }
  const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const first = runs[0];
  if (!first || !first.audio) throw new Error('the voiced export has no audio track');
  const lessonSeconds = first.lessonSeconds;
  const audioMs = median(runs.map((r) => r.audio?.encodeMs ?? NaN));
  const videoMs = median(runs.map((r) => r.silentMs));
  const voicedMs = median(runs.map((r) => r.voicedMs));
  const mixMs = median(runs.map((r) => r.mixMs));
  const rows = [
    ['mix (resample 22.05 → 48 kHz, place, limit)', mixMs, first.voiceSeconds / (mixMs / 1000)],
    [`audio encode (${first.audio.codec}, ${first.audio.sampleRate} Hz mono)`, audioMs, lessonSeconds / (audioMs / 1000)],
    [`video render + encode (${first.videoCodec} ${first.width}×${first.height} @ ${FPS} fps), silent lesson`, videoMs, lessonSeconds / (videoMs / 1000)],
    ['whole export with narration', voicedMs, lessonSeconds / (voicedMs / 1000)],
  ];
  console.log(`Chromium ${version}, ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}; lesson ${SCENES} × ${SECONDS} s = ${lessonSeconds} s, ${first.voiceSeconds.toFixed(1)} s of voice; median of ${RUNS} runs`);
  console.log('| stage | ms | seconds of lesson (or voice) per second |');
  console.log('| --- | --- | --- |');
  for (const [name, ms, speed] of rows) console.log(`| ${name} | ${Number(ms).toFixed(0)} | ${Number(speed).toFixed(1)}× |`);
  console.log(`audio encode is ${(videoMs / audioMs).toFixed(0)}× faster than the video (${((audioMs / videoMs) * 100).toFixed(1)}% of its time); mixing is ${((mixMs / videoMs) * 100).toFixed(1)}%; the narration adds ${((first.bytesVoiced - first.bytesSilent) / 1024).toFixed(0)} KiB to the file (${(((first.bytesVoiced - first.bytesSilent) * 8) / lessonSeconds / 1000).toFixed(0)} kbit/s)`);
  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/audio.json', `${JSON.stringify({ date: new Date().toISOString(), chromium: version, cores: os.cpus().length, load: os.loadavg()[0], scenes: SCENES, seconds: SECONDS, height: HEIGHT, fps: FPS, runs }, null, 2)}\n`);
} finally {
  await browser.close();
  await server.close();
}
