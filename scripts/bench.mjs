#!/usr/bin/env node
// @ts-check
// Owns `npm run bench`: measures a pack end to end in Debian Chromium (or
// ZOETROPE_CHROMIUM) and prints a table: download + install, session
// creation, one denoising step and a whole prompt-to-MP4 clip on WASM and on
// WebGPU (SwiftShader here), and MP4 encoding. It builds the app, serves it
// with `vite preview` on 127.0.0.1, and reads the app's own
// "[zoetrope:timing]" console lines. --model picks the TEST FIXTURE pack
// (default) or the built-in model; --steps 0 uses the pack's default steps.
// Usage: npm run bench [-- --model fixture|builtin --steps 8 --webgpu-steps 2 --runs 2]

import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { build, preview } from 'vite';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PACKS = {
  fixture: { url: '/models/zoetrope-fixture-tiny/manifest.json', dir: 'tests/fixtures/fixture-pack' },
  builtin: { url: '/models/zoetrope-shapes/manifest.json', dir: 'models/zoetrope-shapes' },
};
const modelArg = args.includes('--model') ? args[args.indexOf('--model') + 1] : 'fixture';
if (modelArg !== 'fixture' && modelArg !== 'builtin') throw new Error(`--model: expected fixture or builtin, got ${modelArg}`);
const PACK = PACKS[modelArg];
const MODEL = PACK.url;
const manifest = JSON.parse(readFileSync(`${PACK.dir}/manifest.json`, 'utf8'));
const shardCount = manifest.files.reduce((/** @type {number} */ n, /** @type {any} */ f) => n + f.shards.length, 0);
const STEPS = opt('steps', 8) || manifest.scheduler.defaultSteps;
const WEBGPU_STEPS = opt('webgpu-steps', 2);
const RUNS = opt('runs', 2);
const PORT = opt('port', 4199);

process.env['ZOETROPE_EXTRA_PACKS'] = 'tests/fixtures/fixture-pack';
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const browser = await chromium.launch({
  executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** @type {Record<string, any>[]} */
const timings = [];
/** @param {import('@playwright/test').Page} page */
function listen(page) {
  page.on('console', (m) => {
    const match = /^\[zoetrope:timing\] (.*)$/.exec(m.text());
    if (match) timings.push(JSON.parse(match[1] ?? '{}'));
  });
}
/** @param {string} event @returns {Record<string, any>} */
const last = (event) => {
  const found = [...timings].reverse().find((t) => t.event === event);
  if (!found) throw new Error(`the app logged no "${event}" timing`);
  return found;
};

/** @param {import('@playwright/test').Page} page @param {number} steps @param {number} seed */
async function generate(page, steps, seed) {
  const before = timings.length;
  await page.getByTestId('prompt').fill('a red ball bouncing on green grass');
  await page.getByTestId('seed').fill(String(seed));
  await page.getByTestId('steps').fill(String(steps));
  await page.getByTestId('generate').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=result][data-checked=yes]') !== null && !document.querySelector('[data-testid=job]'), null, { timeout: 600_000 });
  await page.waitForTimeout(50);
  const found = timings.slice(before).find((t) => t.event === 'generate');
  if (!found) throw new Error('the app logged no "generate" timing');
  return found;
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[Math.floor((s.length - 1) / 2)] ?? NaN) + (s[Math.ceil((s.length - 1) / 2)] ?? NaN)) / 2 : NaN;
};
const ms = (/** @type {number} */ x) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
/** @type {[string, string][]} */
const rows = [];

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  listen(page);
  for (const backend of ['wasm', 'webgpu']) {
    await page.goto(`http://127.0.0.1:${PORT}/?model=${encodeURIComponent(MODEL)}&backend=${backend}`);
    await page.waitForSelector('[data-testid=model-status][data-state=ready]', { timeout: 300_000 });
    if (backend === 'wasm') {
      rows.push([`download + verify + install (fresh profile, ${(manifest.totalBytes / 1e6).toFixed(2)} MB, ${shardCount} shards)`, ms(last('install').ms)]);
    }
    const load = last('load');
    rows.push([`read from IndexedDB (${backend})`, ms(load.readMs)]);
    rows.push([`session creation, text encoder + denoiser (${backend}${backend === 'wasm' ? `, ${load.threads} threads` : ''})`, ms(load.sessionMs)]);
    const steps = backend === 'wasm' ? STEPS : WEBGPU_STEPS;
    /** @type {number[]} */
    const all = [];
    /** @type {number[]} */
    const firsts = [];
    /** @type {number[]} */
    const encodes = [];
    /** @type {number[]} */
    const totals = [];
    for (let run = 0; run < RUNS; run++) {
      const g = await generate(page, steps, 1000 + run);
      firsts.push(g.stepMs[0]);
      all.push(...g.stepMs.slice(1));
      encodes.push(g.encodeMs);
      totals.push(g.totalMs);
    }
    rows.push([`whole clip, prompt to checked MP4, ${steps} steps (${backend}), median of ${totals.length}`, ms(median(totals))]);
    rows.push([`one denoising step, batch 2 (${backend}), median of ${all.length}`, ms(median(all))]);
    rows.push([`first step of a job (${backend}), median of ${firsts.length}`, ms(median(firsts))]);
    rows.push([`encode ${manifest.video.frames} frames to MP4 (during the ${backend} runs), median of ${encodes.length}`, ms(median(encodes))]);
  }
  await context.close();
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}

const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nZoetrope benchmark: ${manifest.name} ${manifest.version} (Chromium ${browser.version()}, ${new Date().toISOString()})`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
