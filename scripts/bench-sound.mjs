#!/usr/bin/env node
// @ts-check
// Owns the sound figures of `npm run bench` (and `npm run bench:sound` on its
// own): what a narrated lesson costs against the same lesson silent, in the
// real app with the built-in model on WASM. A template lesson is made once
// (its clips generated, the voice data installed), then made again and again
// with every scene spoken and with every scene silent, alternating, so both
// sides reuse the same cached clips and differ only in their sound: the
// voices spoken in the TTS worker, the mix, and the audio encode. From the
// app's own "[zoetrope:timing]" lesson lines it prints the extra seconds, the
// TTS real-time factor (speaking time / seconds of voice) and the audio
// encode speed (seconds of audio per second). Asserts nothing.
// Usage: npm run bench:sound [-- --runs 3 --port 4392 --template gravity --height 480 --steps 2 --no-build]

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { launchChromium, servePreview } from './preview-browser.mjs';

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] ?? NaN : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2) : NaN;
};

/**
 * @param {import('@playwright/test').Browser} browser
 * @param {string} origin the app's origin (a production build)
 * @param {{ runs?: number, template?: string, height?: number, steps?: number, model?: string }} [o]
 */
export async function soundBench(browser, origin, o = {}) {
  const runs = o.runs ?? 3;
  const context = await browser.newContext();
  const page = await context.newPage();
  /** @type {any[]} */
  const lessons = [];
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' || m.type() === 'warning') console.log(`  [page ${m.type()}] ${t.slice(0, 300)}`);
    if (t.startsWith('[zoetrope:timing] ') && t.includes('"event":"lesson"')) lessons.push(JSON.parse(t.slice('[zoetrope:timing] '.length)));
  });
  const model = o.model ? `&model=${encodeURIComponent(o.model)}` : '';
  await page.goto(`${origin}/?backend=wasm&view=lesson${model}`);
  await page.locator('[data-testid=model-status][data-state=ready]').waitFor({ state: 'attached', timeout: 300_000 });
  await page.getByTestId(`template-${o.template ?? 'gravity'}`).click();
  await page.getByTestId('lesson-size').selectOption(String(o.height ?? 480));
  if (o.steps) await page.getByTestId('lesson-steps').fill(String(o.steps));
  const scenes = page.getByTestId('scene');
  const count = await scenes.count();
  /** @param {'tts' | 'none'} source */
  const setAll = async (source) => {
    for (let i = 0; i < count; i++) await scenes.nth(i).getByTestId(`narration-source-${source}`).check();
  };
  let serial = 0;
  const make = async () => {
    const before = lessons.length;
    await page.getByTestId('lesson-generate').click();
    await page.locator(`[data-testid=lesson-result][data-serial="${++serial}"][data-checked=yes]`).waitFor({ timeout: 1_800_000 });
    await page.waitForTimeout(200);
    const t = lessons[before];
    if (!t) throw new Error('the app logged no lesson timing');
    return t;
  };
  console.log('  sound bench: the model is ready; first make (clips generated, voice data downloaded)…');
  const first = await make(); // Clips generated, voice data downloaded and stored.
  /** @type {{ narrated: any[], silent: any[] }} */
  const sides = { narrated: [], silent: [] };
  for (let r = 0; r < runs; r++) {
    /** @type {('narrated' | 'silent')[]} */
    const order = r % 2 ? ['silent', 'narrated'] : ['narrated', 'silent'];
    for (const side of order) {
      await setAll(side === 'narrated' ? 'tts' : 'none');
      sides[side].push(await make());
      console.log(`  sound bench: run ${r + 1} ${side}: ${(sides[side].at(-1).totalMs / 1000).toFixed(2)} s`);
    }
  }
  await context.close();
  const narratedMs = median(sides.narrated.map((t) => t.totalMs));
  const silentMs = median(sides.silent.map((t) => t.totalMs));
  const voiceSeconds = median(sides.narrated.map((t) => t.sound.voiceSeconds));
  return {
    scenes: count,
    runs,
    firstMakeMs: first.totalMs,
    firstVoicesMs: first.sound?.voicesMs ?? null,
    narratedMs,
    silentMs,
    extraMs: narratedMs - silentMs,
    extraShare: (narratedMs - silentMs) / silentMs,
    voiceSeconds,
    voicesMs: median(sides.narrated.map((t) => t.sound.voicesMs)),
    ttsRealTimeFactor: median(sides.narrated.map((t) => t.sound.voicesMs / 1000 / t.sound.voiceSeconds)),
    mixMs: median(sides.narrated.map((t) => t.sound.mixMs)),
    // The sound's own stages inside a narrated make (speaking, mixing, encoding): the difference without the noise of two whole runs.
    soundOwnMs: median(sides.narrated.map((t) => t.sound.voicesMs + t.sound.mixMs + (t.sound.audio?.encodeMs ?? 0))),
    audioEncodeMs: median(sides.narrated.map((t) => t.sound.audio?.encodeMs ?? NaN)),
    audioCodec: sides.narrated[0]?.sound.audio?.codec ?? null,
    silentHasAudio: sides.silent.some((t) => t.sound.audio !== null),
  };
}

/** @param {Awaited<ReturnType<typeof soundBench>>} s */
export function printSound(s) {
  const sec = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nSound: template lesson of ${s.scenes} scenes, clips cached, median of ${s.runs} runs per side, alternating`);
  console.log(`  narrated ${sec(s.narratedMs)} vs silent ${sec(s.silentMs)}: ${s.extraMs >= 0 ? '+' : ''}${sec(s.extraMs)} (${(s.extraShare * 100).toFixed(0)} %)`);
  console.log(`  the sound's own stages in a narrated make (speak + mix + encode): ${sec(s.soundOwnMs)} (${((s.soundOwnMs / s.silentMs) * 100).toFixed(0)} % of the silent make)`);
  console.log(`  TTS in the worker: ${s.voiceSeconds.toFixed(2)} s of voice spoken in ${sec(s.voicesMs)}, real-time factor ${s.ttsRealTimeFactor.toFixed(3)}`);
  console.log(`  first make (clips generated, 24 MB voice data downloaded from the app's origin): ${sec(s.firstMakeMs)}, of which voices ${sec(s.firstVoicesMs ?? NaN)}`);
  console.log(`  mix ${sec(s.mixMs)}, ${s.audioCodec} encode ${sec(s.audioEncodeMs)} (${(s.voiceSeconds / (s.audioEncodeMs / 1000)).toFixed(0)}x the voiced seconds; the track covers the whole lesson); silent lessons have an audio track: ${s.silentHasAudio}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  /** @param {string} name @param {number} fallback */
  const opt = (name, fallback) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
  const PORT = opt('port', 4392);
  const OUT_DIR = 'dist-bench-sound';
  const server = await servePreview({ outDir: OUT_DIR, port: PORT, skipBuild: args.includes('--no-build') });
  const browser = await launchChromium();
  try {
    const loadStart = os.loadavg();
    const s = await soundBench(browser, `http://127.0.0.1:${PORT}`, { runs: opt('runs', 3), height: opt('height', 480), steps: opt('steps', 0) || undefined, template: args.includes('--template') ? args[args.indexOf('--template') + 1] : undefined });
    printSound(s);
    mkdirSync('bench', { recursive: true });
    writeFileSync('bench/sound.json', `${JSON.stringify({ date: new Date().toISOString(), browser: `Chromium ${browser.version()}`, loadAverage: { start: loadStart, end: os.loadavg() }, ...s }, null, 1)}\n`);
    console.log('wrote bench/sound.json');
  } finally {
    await browser.close();
    await new Promise((r) => server.httpServer.close(r));
  }
}
