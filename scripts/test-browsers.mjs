#!/usr/bin/env node
// @ts-check
// Owns `npm run test:browsers`: the cross-browser flows of issue 20 in browsers
// other than the Playwright suite's Chromium, on the production build (dist/,
// served by `vite preview` with COOP/COEP). Firefox is Debian's stock
// firefox-esr, driven over WebDriver BiDi by puppeteer-core: Playwright drives
// only its own patched Firefox build, which cannot be downloaded here.
// Chromium runs the same flows in the same run, so each browser's clip time is
// a ratio to Chromium's on the same machine.
//
// Flows, each in scripts/browsers/: 1–4 and 6 (flow-app: install with
// progress, WASM clip, MP4 decoded back, reload, privacy); 2b (flow-not-
// isolated: one thread without COOP/COEP); WebGPU (flow-webgpu: the browser's
// adapter, or the fallback and what the page says); backup (flow-backup: a
// .zoepack export without showSaveFilePicker streams through OPFS); memory
// (flow-memory: how far shared WASM memory grows); private (flow-private,
// Firefox: a private window); 7 (flow-lesson: lesson export); sound
// (flow-sound: AudioEncoder's AAC/Opus, a narrated lesson's audio track
// decoded back and heard, the TTS voice's time);
// 8 (flow-embed: the embed on another origin); 5 (flow-offline: the server
// shut down, the app from its service worker), last, as it stops the server.
// Each browser gets a fresh profile and its own servers. WebKitGTK (Debian's
// MiniBrowser over WebDriver classic) is probed after them (browsers/webkit.mjs).
// Writes test-results/browsers.json (scripts/browser-table.mjs turns it into
// README's "Browser support" table) and exits 1 when a flow fails or Firefox
// cannot be started (Debian has it; ZOETROPE_FIREFOX names another binary).
//
//   npm run test:browsers [-- --port 4178 --only firefox,webkitgtk --flows app,sound]
//   (--flows: only these flow groups, by the names below, for a quick rerun of one flow; name app too, as the
//   others use the pack it installs; written to test-results/browsers-flows.json, never the README table's file)
//   ZOETROPE_BROWSERS_OUTDIR=dist-ff npm run test:browsers   (another build folder than dist/, so that
//   parallel builds on one machine do not replace the one under test)

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { preview } from 'vite';
import { appFlows, reloadFlows } from './browsers/flow-app.mjs';
import { backupFlows } from './browsers/flow-backup.mjs';
import { embedFlows } from './browsers/flow-embed.mjs';
import { guarded } from './browsers/flow.mjs';
import { lessonFlows } from './browsers/flow-lesson.mjs';
import { memoryFlows } from './browsers/flow-memory.mjs';
import { privateFlows } from './browsers/flow-private.mjs';
import { notIsolatedFlows, startPlainServer } from './browsers/flow-not-isolated.mjs';
import { offlineFlows } from './browsers/flow-offline.mjs';
import { soundFlows } from './browsers/flow-sound.mjs';
import { probeWebKit } from './browsers/webkit.mjs';
import { webgpuFlows } from './browsers/flow-webgpu.mjs';

const args = process.argv.slice(2);
const PORT = Number(args.includes('--port') ? args[args.indexOf('--port') + 1] : 4178);
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : null;
const groups = args.includes('--flows') ? (args[args.indexOf('--flows') + 1] ?? '').split(',') : null;
/** Runs a flow group unless --flows leaves it out. */
const group = (/** @type {string} */ name, /** @type {() => Promise<Record<string, Flow>>} */ run) => (!groups || groups.includes(name) ? guarded(name, run) : Promise.resolve({}));
const BROWSERS = [
  { name: 'chromium', browser: /** @type {const} */ ('chrome'), executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] },
  { name: 'firefox', browser: /** @type {const} */ ('firefox'), executablePath: process.env['ZOETROPE_FIREFOX'] ?? '/usr/bin/firefox-esr', args: [] },
].filter((b) => !only || only.includes(b.name));

const OUT_DIR = process.env['ZOETROPE_BROWSERS_OUTDIR'] || 'dist';
if (!existsSync(`${OUT_DIR}/index.html`)) throw new Error(`test:browsers: run \`npm run build\` first (it tests the production build in ${OUT_DIR}/)`);

/** The isolated preview of the build; stop() also ends kept-alive connections, so the browser really finds it gone. */
async function startAppServer() {
  const server = await preview({ build: { outDir: OUT_DIR }, preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  let stopped = false;
  return {
    origin: `http://127.0.0.1:${PORT}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const closed = new Promise((done) => server.httpServer.close(done));
      /** @type {any} */ (server.httpServer).closeAllConnections?.();
      await closed;
    },
  };
}

/** @typedef {import('./browsers/flow.mjs').Flow} Flow */
/** @type {{ name: string, version: string, started: boolean, reason?: string, probe?: Record<string, unknown>, flows: Record<string, Flow> }[]} */
const results = [];
let failed = false;
for (const b of BROWSERS) {
  /** @type {Record<string, Flow>} */
  const flows = {};
  let browser;
  try {
    browser = await puppeteer.launch({ browser: b.browser, executablePath: b.executablePath, headless: true, args: b.args });
  } catch (error) {
    results.push({ name: b.name, version: '', started: false, reason: String(error).slice(0, 300), flows });
    console.log(`${b.name}: could not be started: ${String(error).slice(0, 300)}`);
    failed = true;
    continue;
  }
  const version = await browser.version();
  const app = await startAppServer();
  const plain = await startPlainServer(PORT + 1, OUT_DIR);
  try {
    Object.assign(flows, await group('app', () => appFlows(browser, app.origin)));
    Object.assign(flows, await group('reload', () => reloadFlows(browser, app.origin)));
    Object.assign(flows, await group('one-thread', () => notIsolatedFlows(browser, plain.origin)));
    Object.assign(flows, await group('webgpu', () => webgpuFlows(browser, app.origin)));
    Object.assign(flows, await group('lesson', () => lessonFlows(browser, app.origin)));
    Object.assign(flows, await group('sound', () => soundFlows(browser, app.origin)));
    Object.assign(flows, await group('backup', () => backupFlows(browser, app.origin)));
    Object.assign(flows, await group('memory', () => memoryFlows(browser, app.origin)));
    if (b.name === 'firefox') Object.assign(flows, await group('private', () => privateFlows(b.executablePath, app.origin)));
    Object.assign(flows, await group('embed', () => embedFlows(browser, app.origin, PORT + 2)));
    Object.assign(flows, await group('offline', () => offlineFlows(browser, app.origin, app.stop)));
  } finally {
    await browser.close();
    await app.stop();
    await plain.close();
  }
  for (const [flow, r] of Object.entries(flows)) {
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${b.name} ${version}: ${flow}: ${r.detail}${r.stalled ? ` (stalled once first: ${r.stalled})` : ''}`);
    if (!r.ok) failed = true;
  }
  results.push({ name: b.name, version, started: true, flows });
}
// WebKitGTK: a probe of what the engine has, on the app's own page. It is reported (started or why not), and
// never fails the run: Debian's WebKitGTK is a best effort here, Firefox is not.
if (!only || only.includes('webkitgtk')) {
  const app = await startAppServer();
  try {
    const webkit = await probeWebKit(app.origin, PORT + 3);
    results.push({ name: 'webkitgtk', version: webkit.version, started: webkit.started, flows: {}, ...(webkit.reason ? { reason: webkit.reason } : {}), ...(webkit.probe ? { probe: webkit.probe } : {}) });
    console.log(`${webkit.started ? 'ok  ' : 'SKIP'} webkitgtk ${webkit.version}: ${webkit.started ? `probe ${JSON.stringify(webkit.probe)}` : `not started: ${webkit.reason}`}`);
  } finally {
    await app.stop();
  }
}
const chromium = results.find((r) => r.name === 'chromium')?.flows['generate']?.['clipMs'];
const chromiumVoice = results.find((r) => r.name === 'chromium')?.flows['sound']?.['voicesMs'];
for (const r of results) {
  const ms = r.flows['generate']?.['clipMs'];
  if (typeof ms === 'number' && typeof chromium === 'number') console.log(`${r.name}: one clip ${(ms / 1000).toFixed(2)} s = ${(ms / chromium).toFixed(2)}x Chromium's in this run`);
  const voice = r.flows['sound']?.['voicesMs'];
  if (typeof voice === 'number' && typeof chromiumVoice === 'number') console.log(`${r.name}: the TTS voice ${(voice / 1000).toFixed(2)} s = ${(voice / chromiumVoice).toFixed(2)}x Chromium's in this run`);
}
mkdirSync('test-results', { recursive: true });
// A run of some flow groups only (--flows) never replaces the full run's results, which the README table is printed from.
const written = groups ? 'test-results/browsers-flows.json' : 'test-results/browsers.json';
writeFileSync(written, `${JSON.stringify({ date: new Date().toISOString(), ...(groups ? { groups } : {}), results }, null, 1)}\n`);
console.log(`wrote ${written}`);
process.exit(failed ? 1 : 0);
