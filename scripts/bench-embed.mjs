#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:embed`: the time from the host posting `generate` to
// receiving `result`, through the embed across two origins, for the built-in
// model (or --model fixture), on WASM at the pack's default steps and on
// WebGPU (SwiftShader here) at a few steps, extrapolated to the default per
// step and labelled so. The app is served by `vite preview` on 127.0.0.1, the
// host page on localhost (another origin), which uses the typed client.
// Prints a table and the machine's load average; asserts nothing.
// Usage: npm run bench:embed [-- --model builtin|fixture --runs 2 --webgpu-steps 2 --port 4186 --host-port 4187]

import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { startStaticServer } from './serve-example.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PACKS = { builtin: 'models/zoetrope-shapes', fixture: 'tests/fixtures/fixture-pack' };
const modelArg = args.includes('--model') ? args[args.indexOf('--model') + 1] : 'builtin';
if (modelArg !== 'builtin' && modelArg !== 'fixture') throw new Error(`--model: expected builtin or fixture, got ${modelArg}`);
const manifest = JSON.parse(readFileSync(`${PACKS[modelArg]}/manifest.json`, 'utf8'));
const STEPS = manifest.scheduler.defaultSteps;
const WEBGPU_STEPS = opt('webgpu-steps', 2);
const RUNS = opt('runs', 2);
const PORT = opt('port', 4186);
const HOST_PORT = opt('host-port', 4187);
const app = `http://127.0.0.1:${PORT}`;
const host = `http://localhost:${HOST_PORT}`;

// The host page: a frame and the client module from the embed's origin.
const HOST_PAGE = `<!doctype html><meta charset="utf-8"><title>bench host</title>
<iframe id="embed" style="width:100%;height:420px" allow="cross-origin-isolated"></iframe>
<script type="module">
  const src = new URLSearchParams(location.search).get('src');
  const { ZoetropeEmbed } = await import(new URL('/embed/zoetrope-client.js', src).href);
  const frame = document.getElementById('embed');
  frame.src = src;
  window.zoetrope = new ZoetropeEmbed(frame);
</script>`;

process.env['ZOETROPE_EXTRA_PACKS'] = 'tests/fixtures/fixture-pack';
const loadBefore = loadavg();
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const hostServer = await startStaticServer({ root: fileURLToPath(new URL('../examples/host/', import.meta.url)), port: HOST_PORT, pages: { '/bench.html': HOST_PAGE } });
const browser = await chromium.launch({
  executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium',
  // Third-party storage allowed (partitioned), as the embed e2e tests run: the frame needs IndexedDB.
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-features=TrackingProtection3pcd', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** @type {Record<string, any>[]} */
const engine = [];
/** @type {[string, string][]} */
const rows = [];
const s = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    const match = /^\[zoetrope:timing\] (.*)$/.exec(m.text());
    const data = match ? JSON.parse(match[1] ?? '{}') : null;
    if (data?.event === 'generate') engine.push(data);
    else if (args.includes('--verbose') || m.type() === 'error' || m.type() === 'warning') console.log(`  [page ${m.type()}] ${m.text().slice(0, 300)}`);
  });
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  for (const backend of /** @type {const} */ (['wasm', 'webgpu'])) {
    const embed = `${app}/embed.html?${new URLSearchParams({ model: manifest.id, backend, origins: host })}`;
    await page.goto(`${host}/bench.html?src=${encodeURIComponent(embed)}`);
    await page.waitForFunction(() => 'zoetrope' in window);
    console.log(`${backend}: host page up, waiting for the frame's model`);
    const ready = await page.evaluate(() => /** @type {any} */ (window).zoetrope.ready(600_000));
    console.log(`${backend}: the frame is ready (${JSON.stringify(ready)})`);
    const steps = backend === 'wasm' ? STEPS : WEBGPU_STEPS;
    const runs = backend === 'wasm' ? RUNS : 1;
    for (let run = 0; run < runs; run++) {
      const before = engine.length;
      const measured = await page.evaluate(async ([steps, seed]) => {
        const started = performance.now();
        const video = await /** @type {any} */ (window).zoetrope.generate({ prompt: 'a red ball moving up on green grass', seed, steps });
        return { ms: performance.now() - started, frames: video.frames, backend: video.backend, bytes: video.mp4.byteLength };
      }, [steps, 100 + run]);
      await page.waitForTimeout(100);
      const inside = engine.slice(before)[0] ?? {};
      const stepMs = /** @type {number[]} */ (inside.stepMs ?? []);
      const label = `${backend} (${measured.backend}, ${ready.backend}), ${measured.frames} frames, ${steps} steps, run ${run + 1}`;
      rows.push([label, `${s(measured.ms)} generate → result; engine inside the frame ${inside.totalMs ? s(inside.totalMs) : '?'}`]);
      console.log(rows.at(-1)?.join(': '));
      if (backend === 'webgpu' && stepMs.length > 0) {
        const perStep = stepMs.reduce((n, x) => n + x, 0) / stepMs.length;
        const extrapolated = measured.ms + (STEPS - steps) * perStep;
        rows.push([`webgpu, EXTRAPOLATED to ${STEPS} steps from ${perStep.toFixed(0)} ms a step`, `about ${s(extrapolated)} generate → result`]);
      }
    }
  }
  await context.close();
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
  await new Promise((resolve) => hostServer.close(resolve));
}

const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nEmbed timing: ${manifest.name} ${manifest.version}, host ${host} → frame ${app} (Chromium ${browser.version()}, ${new Date().toISOString()})`);
console.log(`load average before / after: ${loadBefore.map((x) => x.toFixed(1)).join(' ')} / ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
