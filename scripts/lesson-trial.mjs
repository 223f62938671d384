#!/usr/bin/env node
// @ts-check
// Owns `npm run trial:lesson`: a lesson made the way a new user would, with
// the built-in model on WASM in Debian Chromium: open the Lesson screen, pick
// a template, press "Make lesson video", download. It prints the time taken
// and the file size, saves a screenshot of the page and a few frames of the
// video as PNGs, and measures the joins inside long scenes: the mean frame-
// to-frame change where one model clip meets the next, against the mean
// change inside clips (crossfades left out), to compare continuation,
// ping-pong and loop. With --record-scene N, scene N (1-based) is recorded
// with the microphone as a teacher would (Record, speak, Stop) — Chromium's
// fake microphone plays --voice-wav, a WAV of someone speaking — while the
// other scenes keep their spoken (TTS) voice; it then prints the audio track
// (ffprobe, when installed) and each scene's loudness.
// Usage: npm run trial:lesson -- [--template gravity] [--extend pingpong|continue|loop] [--steps 0] [--out /tmp/lesson-trial] [--port 4184]
//        [--record-scene 1 --voice-wav /tmp/voice.wav]

import { launchChromium, servePreview } from './preview-browser.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const opt = (name, fallback) => (args.includes(`--${name}`) ? (args[args.indexOf(`--${name}`) + 1] ?? fallback) : fallback);
const TEMPLATE = opt('template', 'gravity');
const EXTEND = opt('extend', 'pingpong');
const STEPS = Number(opt('steps', '0'));
const OUT = opt('out', '/tmp/lesson-trial');
const PORT = Number(opt('port', '4184'));
const RECORD_SCENE = Number(opt('record-scene', '0'));
const VOICE_WAV = opt('voice-wav', '');
if (RECORD_SCENE > 0 && !VOICE_WAV) throw new Error('--record-scene needs --voice-wav FILE (what the fake microphone plays)');
mkdirSync(OUT, { recursive: true });

const server = await servePreview({ outDir: 'dist', port: PORT, skipBuild: args.includes('--no-build') });
const browser = await launchChromium(
  RECORD_SCENE > 0 ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${VOICE_WAV}%noloop`] : [],
);
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 }, acceptDownloads: true, permissions: RECORD_SCENE > 0 ? ['microphone'] : [] });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.text().startsWith('[zoetrope:timing]') || m.type() === 'error') console.log(`  ${m.text()}`);
  });
  const opened = performance.now();
  await page.goto(`http://127.0.0.1:${PORT}/?backend=wasm&view=lesson`);
  await page.getByTestId('model-status').and(page.locator('[data-state=ready]')).waitFor({ state: 'attached', timeout: 300_000 });
  const readyS = (performance.now() - opened) / 1000;
  await page.getByTestId(`template-${TEMPLATE}`).click();
  await page.getByTestId('lesson-extend').selectOption(EXTEND);
  if (STEPS > 0) await page.getByTestId('lesson-steps').fill(String(STEPS));
  let recordS = 0;
  if (RECORD_SCENE > 0) {
    const scene = page.getByTestId('scene').nth(RECORD_SCENE - 1);
    const wavSeconds = (statSync(VOICE_WAV).size - 44) / (2 * 22050);
    const t0 = performance.now();
    await scene.getByTestId('narration-source-recording').check();
    await scene.getByTestId('narration-record').click();
    await scene.getByTestId('narration-stop').waitFor();
    await page.waitForTimeout(Math.round(wavSeconds * 1000) + 1500);
    await scene.getByTestId('narration-stop').click();
    await scene.getByTestId('narration-stored').waitFor({ timeout: 30_000 });
    recordS = (performance.now() - t0) / 1000;
    console.log(`recorded scene ${RECORD_SCENE}: ${await scene.getByTestId('narration-lengths').textContent()} (${recordS.toFixed(1)} s from Record to stored)`);
  }
  const durations = await page.getByTestId('scene-duration').evaluateAll((els) => els.map((e) => Number(/** @type {HTMLInputElement} */ (e).value)));
  const started = performance.now();
  await page.getByTestId('lesson-generate').click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(OUT, 'ui-generating.png'), fullPage: true });
  await page.locator('[data-testid=lesson-result][data-checked=yes]').waitFor({ timeout: 3_600_000 });
  const makeS = (performance.now() - started) / 1000;
  await page.getByTestId('lesson-result').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUT, 'ui-done.png'), fullPage: true });

  const downloading = page.waitForEvent('download');
  await page.getByTestId('lesson-download').click();
  const file = join(OUT, `lesson-${TEMPLATE}-${EXTEND}.mp4`);
  await (await downloading).saveAs(file);
  const result = page.getByTestId('lesson-result');
  const fps = Number(await result.getAttribute('data-fps'));
  const frames = Number(await result.getAttribute('data-decoded-frames'));
  const src = /** @type {string} */ (await page.getByTestId('lesson-video').getAttribute('src'));

  // Every frame through a <video> seek: PNGs of a few, and the change between neighbours in the picture's middle square.
  const picks = durations.map((_, i) => i);
  const measured = await page.evaluate(async ({ src, fps, frames }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.src = src;
    await new Promise((r) => v.addEventListener('loadeddata', r, { once: true }));
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d', { willReadFrequently: true }));
    const side = c.height;
    const x0 = (c.width - side) / 2;
    /** @type {Uint8ClampedArray | null} */
    let prev = null;
    const diffs = [];
    /** @type {Record<number, string>} */
    const png = {};
    for (let f = 0; f < frames; f++) {
      v.currentTime = (f + 0.5) / fps;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      ctx.drawImage(v, 0, 0);
      // The caption band is left out: only the upper 70% of the square.
      const data = ctx.getImageData(x0, 0, side, Math.round(side * 0.7)).data;
      if (prev) {
        let sum = 0;
        let n = 0;
        for (let i = 0; i < data.length; i += 16) {
          for (let k = 0; k < 3; k++) sum += Math.abs((data[i + k] ?? 0) - (prev[i + k] ?? 0));
          n += 3;
        }
        diffs.push(sum / n);
      } else diffs.push(0);
      prev = data;
      if (f % 12 === 6) png[f] = c.toDataURL('image/png');
    }
    return { diffs, png };
  }, { src, fps, frames });
  for (const [f, url] of Object.entries(measured.png)) writeFileSync(join(OUT, `frame-${String(f).padStart(3, '0')}.png`), Buffer.from(url.split(',')[1] ?? '', 'base64'));

  // The same timeline arithmetic as src/shared/lesson-timeline.ts.
  const clipFrames = 16;
  const lengths = durations.map((d) => Math.round(d * fps));
  const crossfade = Math.min(Math.round(0.5 * fps), Math.floor(Math.min(...lengths) / 2));
  /** @type {number[]} */ const joins = [];
  /** @type {Set<number>} */ const fades = new Set();
  let start = 0;
  for (const len of lengths) {
    for (let k = 0; k <= crossfade; k++) fades.add(start + k);
    // Where the scene's picture leaves one model clip for the next (or turns, or loops).
    const step = EXTEND === 'continue' ? clipFrames - 4 : EXTEND === 'pingpong' ? clipFrames - 1 : clipFrames;
    for (let j = clipFrames; j < len; j += step) joins.push(start + j);
    start += len - crossfade;
  }
  const inside = measured.diffs.filter((_, f) => f > 0 && !fades.has(f) && !joins.includes(f));
  const atJoins = joins.filter((f) => !fades.has(f)).map((f) => measured.diffs[f] ?? 0);
  const mean = (/** @type {number[]} */ xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  console.log(`\nLesson "${TEMPLATE}", ${durations.length} scenes, extend=${EXTEND}, steps=${STEPS || 'model default'}`);
  console.log(`model ready after ${readyS.toFixed(1)} s; lesson made in ${makeS.toFixed(1)} s (press to checked file)`);
  console.log(`file ${file}: ${statSync(file).size} bytes, ${frames} frames at ${fps} fps = ${(frames / fps).toFixed(2)} s`);
  console.log(`frame-to-frame change (mean |diff|, 0-255): inside clips ${mean(inside).toFixed(2)}, at ${atJoins.length} clip joins ${mean(atJoins).toFixed(2)} (max ${Math.max(...atJoins).toFixed(2)})`);
  console.log(`screenshots and PNG frames in ${OUT}; picked scenes ${picks.length}`);
  console.log(`sound: ${await page.getByTestId('lesson-sound').textContent()}`);
  if (spawnSync('ffprobe', ['-version']).status === 0) {
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]).toString());
    for (const st of probe.streams) console.log(`ffprobe: ${st.codec_type} ${st.codec_name} ${st.sample_rate ?? `${st.width}x${st.height}`} ${st.duration} s`);
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], { maxBuffer: 1 << 28 });
    const audio = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
    let at = 0;
    for (const [i, len] of lengths.entries()) {
      const a = Math.round((at / fps) * 48000);
      const b = Math.round(((at + len) / fps) * 48000);
      let sum = 0;
      for (let k = a; k < b && k < audio.length; k++) sum += (audio[k] ?? 0) ** 2;
      console.log(`scene ${i + 1}: RMS ${Math.sqrt(sum / Math.max(1, b - a)).toFixed(4)} over ${(len / fps).toFixed(2)} s`);
      at += len - crossfade;
    }
  }
} finally {
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
