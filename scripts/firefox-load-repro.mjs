#!/usr/bin/env node
// @ts-check
// Owns the repro of issue 20's Firefox defect: in Debian's Firefox ESR 153,
// about one page load in ten never finished loading the built-in model. This
// installs the pack once, then reloads the page N times and records, for each
// load, how long the model took to be ready, the engine's last load step (the
// worker's `[zoetrope:load-step]` lines, src/shared/load-steps.ts), whether
// the page's stall watchdog fired and retried (`[zoetrope:load-stall]`), and
// any console error (the service worker failing to serve a worker script
// shows there). A load that is neither ready nor failed after --timeout
// seconds counts as hung: with the watchdog that must never happen.
//
//   npx vite build --outDir dist-ff
//   node scripts/firefox-load-repro.mjs --outDir dist-ff --loads 20 [--threads 1] [--no-sw] [--timeout 90]
//
// Port 4186 by default: Firefox refuses some ports outright (4190 among them). Writes
// test-results/firefox-load-repro.json (--out another file).

import { mkdirSync, writeFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { preview } from 'vite';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ name, /** @type {string} */ fallback) => (args.includes(name) ? (args[args.indexOf(name) + 1] ?? fallback) : fallback);
const outDir = opt('--outDir', 'dist-ff');
const port = Number(opt('--port', '4186'));
const loads = Number(opt('--loads', '20'));
const timeoutMs = Number(opt('--timeout', '90')) * 1000;
const threads = opt('--threads', '');
const noServiceWorker = args.includes('--no-sw');
const firefox = process.env['ZOETROPE_FIREFOX'] ?? '/usr/bin/firefox-esr';
const outFile = opt('--out', 'test-results/firefox-load-repro.json');

const server = await preview({ build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: firefox,
  headless: true,
  ...(noServiceWorker ? { extraPrefsFirefox: { 'dom.serviceWorkers.enabled': false } } : {}),
});
const url = `http://127.0.0.1:${port}/?backend=wasm${threads ? `&threads=${threads}` : ''}`;

/** @type {{ load: number, outcome: 'ready' | 'error' | 'hung', ms: number, lastStep: string, stalls: string[], errors: string[], recoveredMs: number | null, steps?: string[] }[]} */
const results = [];
const page = await browser.newPage();
/** Console lines of the current load, with the time since its start. */
/** @type {{ at: number, text: string, type: string }[]} */
let lines = [];
let loadStarted = Date.now();
page.on('console', (m) => lines.push({ at: Date.now() - loadStarted, text: m.text(), type: m.type() }));

/** Waits for the model box to be ready or an error, or the timeout; returns which. */
async function waitOutcome() {
  try {
    await page.waitForSelector('[data-testid=model-status][data-state=ready], [data-testid=error]', { timeout: timeoutMs });
  } catch {
    return /** @type {const} */ ('hung');
  }
  return (await page.$('[data-testid=model-status][data-state=ready]')) ? /** @type {const} */ ('ready') : /** @type {const} */ ('error');
}

// Load 0 installs the pack (and lets the service worker take the page); it is not counted.
await page.goto(url);
const installed = await waitOutcome();
console.log(`install: ${installed} in ${Date.now() - loadStarted} ms`);
for (let i = 1; i <= loads; i++) {
  lines = [];
  loadStarted = Date.now();
  await page.reload();
  const outcome = await waitOutcome();
  const ms = Date.now() - loadStarted;
  const steps = lines.filter((l) => l.text.includes('[zoetrope:load-step]'));
  const stalls = lines.filter((l) => l.text.includes('[zoetrope:load-stall]')).map((l) => `${l.at} ms: ${l.text.replace(/^.*\[zoetrope:load-stall\] /, '')}`);
  const errors = lines.filter((l) => l.type === 'error' || /ServiceWorker|Failed to load/.test(l.text)).map((l) => l.text.slice(0, 200));
  const lastStep = steps.at(-1)?.text.replace(/^.*\[zoetrope:load-step\] /, '') ?? '(none)';
  const shown = outcome === 'ready' ? '' : await page.$eval('[data-testid=model-status]', (e) => e.textContent?.trim().replace(/\s+/g, ' ').slice(0, 160) ?? '').catch(() => '?');
  const error = outcome === 'error' ? await page.$eval('[data-testid=error]', (e) => `${e.getAttribute('data-error-name')}`).catch(() => '?') : '';
  // Recovered: the watchdog fired and the retry's worker then got the model ready.
  const recoveredMs = stalls.length > 0 && outcome === 'ready' ? ms - Number(stalls[0]?.split(' ')[0]) : null;
  // The whole timeline of a load that did not go straight to ready: where each attempt stopped.
  const timeline = outcome === 'ready' && stalls.length === 0 ? {} : { steps: lines.filter((l) => /load-step|load-stall/.test(l.text)).map((l) => `${l.at} ${l.text.replace(/^.*\[zoetrope:/, '')}`) };
  results.push({ load: i, outcome, ms, lastStep, stalls, errors, recoveredMs, ...timeline });
  console.log(`load ${i}: ${outcome}${error ? ` ${error}` : ''} in ${ms} ms; last step: ${lastStep}${stalls.length ? `; stalls: ${stalls.join(' | ')}` : ''}${shown ? `; shown: ${shown}` : ''}${errors.length ? `; errors: ${errors.join(' | ')}` : ''}`);
}
await browser.close();
await new Promise((done) => server.httpServer.close(done));

const count = (/** @type {(r: (typeof results)[number]) => boolean} */ f) => results.filter(f).length;
const readyMs = results.filter((r) => r.outcome === 'ready' && r.stalls.length === 0).map((r) => r.ms).sort((a, b) => a - b);
const summary = {
  date: new Date().toISOString(),
  firefox: firefox,
  threads: threads || 'default',
  serviceWorker: !noServiceWorker,
  loads,
  ready: count((r) => r.outcome === 'ready'),
  hung: count((r) => r.outcome === 'hung'),
  failed: count((r) => r.outcome === 'error'),
  stalledThenRetried: count((r) => r.stalls.length > 0),
  recovered: count((r) => r.recoveredMs !== null),
  recoveredMs: results.flatMap((r) => (r.recoveredMs === null ? [] : [r.recoveredMs])),
  normalReadyMs: { min: readyMs[0] ?? null, median: readyMs[Math.floor(readyMs.length / 2)] ?? null, max: readyMs.at(-1) ?? null },
  withConsoleErrors: count((r) => r.errors.length > 0),
  results,
};
console.log(JSON.stringify({ ...summary, results: undefined }));
mkdirSync('test-results', { recursive: true });
writeFileSync(outFile, `${JSON.stringify(summary, null, 1)}\n`);
process.exit(summary.hung > 0 ? 1 : 0);
