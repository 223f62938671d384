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
// Flows (so far): 1. install the built-in pack with progress shown; 2. generate
// on WASM (threads when the page is cross-origin isolated); 3. the page decodes
// its own MP4 back to the clip's frame count; 4. reload: the model is still
// there and no shard is fetched again; 6. privacy: no request at all while a
// clip is made. Each browser gets a fresh profile.
// Writes test-results/browsers.json (scripts/browser-table.mjs turns it into
// README's "Browser support" table) and exits 1 when a flow fails or Firefox
// cannot be started (Debian has it; ZOETROPE_FIREFOX names another binary).
//
//   npm run test:browsers [-- --port 4178 --only firefox]

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { preview } from 'vite';

const args = process.argv.slice(2);
const PORT = Number(args.includes('--port') ? args[args.indexOf('--port') + 1] : 4178);
const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : null;
const BROWSERS = [
  { name: 'chromium', browser: /** @type {const} */ ('chrome'), executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] },
  { name: 'firefox', browser: /** @type {const} */ ('firefox'), executablePath: process.env['ZOETROPE_FIREFOX'] ?? '/usr/bin/firefox-esr', args: [] },
].filter((b) => !only || only.includes(b.name));

if (!existsSync('dist/index.html')) throw new Error('test:browsers: run `npm run build` first (it tests the production build in dist/)');
const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const origin = `http://127.0.0.1:${PORT}`;

/** @typedef {{ ok: boolean, detail: string, [k: string]: unknown }} Flow */
/** @type {{ name: string, version: string, started: boolean, reason?: string, flows: Record<string, Flow> }[]} */
const results = [];
let failed = false;
try {
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
    try {
      const page = await browser.newPage();
      /** @type {Record<string, any>[]} */
      const timings = [];
      const shardRequests = [];
      page.on('console', (m) => {
        const match = /\[zoetrope:timing\] (.*)$/.exec(m.text());
        if (match) timings.push(JSON.parse(match[1] ?? '{}'));
      });
      /** Every request the page (or its workers) makes while `during` is set: flow 6, privacy. */
      let during = /** @type {string[] | null} */ (null);
      page.on('request', (r) => {
        if (r.url().includes('/shards/')) shardRequests.push(r.url());
        // blob: and data: URLs are the page's own bytes (the clip, inline icons), not network requests.
        if (/^(https?|wss?):/.test(r.url())) during?.push(r.url());
      });

      // 1. Install, with progress on the page. The progress text is sampled in the page itself, as the install is quick.
      await page.evaluateOnNewDocument(() => {
        const seen = /** @type {string[]} */ ([]);
        /** @type {any} */ (window).__progress = seen;
        new MutationObserver(() => {
          for (const el of document.querySelectorAll('.progress .text')) if (seen.at(-1) !== el.textContent) seen.push(el.textContent ?? '');
        }).observe(document, { subtree: true, childList: true, characterData: true });
      });
      const started = Date.now();
      await page.goto(`${origin}/?backend=wasm`);
      await page.waitForSelector('[data-testid=model-status][data-state=ready]', { timeout: 180_000 });
      const progress = /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).__progress));
      const install = timings.find((t) => t.event === 'install');
      flows['install'] = { ok: Boolean(install) && progress.some((t) => /^Downloading .* of /.test(t)) && shardRequests.length > 0, detail: `${((Date.now() - started) / 1000).toFixed(1)} s to ready; ${shardRequests.length} shards; progress seen: ${progress.slice(0, 2).join(' | ')}`, ms: install?.ms ?? null };

      // 2 + 3. One clip on WASM, decoded back by the page.
      const load = timings.find((t) => t.event === 'load');
      const isolated = await page.evaluate(() => self.crossOriginIsolated);
      await page.type('[data-testid=prompt]', 'a red ball bouncing on the grass');
      during = [];
      await page.click('[data-testid=generate]');
      await page.waitForSelector('[data-testid=result][data-checked=yes], [data-testid=error]', { timeout: 300_000 });
      const sent = during;
      during = null;
      // 6. Privacy: the prompt and the video stay on the device, so a generation makes no request at all.
      flows['privacy'] = { ok: sent.length === 0, detail: sent.length ? `requests during the generation: ${sent.slice(0, 3).join(', ')}` : 'no request during the generation' };
      const error = await page.$('[data-testid=error]');
      if (error) {
        const text = await page.$eval('[data-testid=error]', (e) => `${e.getAttribute('data-error-name')}: ${e.textContent}`);
        flows['generate'] = { ok: false, detail: text.slice(0, 300) };
      } else {
        const facts = await page.$eval('[data-testid=result]', (e) => ({ codec: e.getAttribute('data-codec'), frames: Number(e.getAttribute('data-frames')), decoded: Number(e.getAttribute('data-decoded-frames')) }));
        const gen = timings.find((t) => t.event === 'generate');
        flows['generate'] = { ok: Boolean(gen), detail: `WASM, ${load?.threads} thread(s), crossOriginIsolated ${isolated}; ${gen ? (gen.totalMs / 1000).toFixed(2) : '?'} s`, threads: load?.threads ?? null, isolated, clipMs: gen?.totalMs ?? null };
        flows['encode'] = { ok: facts.codec === 'avc' || facts.codec === 'vp9', detail: `MP4 with ${facts.codec}`, codec: facts.codec };
        flows['decode'] = { ok: facts.frames > 0 && facts.decoded === facts.frames, detail: `${facts.decoded} of ${facts.frames} frames decoded back in the page` };
      }

      // 4. Reload: still installed, nothing fetched again.
      const before = shardRequests.length;
      await page.reload();
      await page.waitForSelector('[data-testid=model-status][data-state=ready]', { timeout: 120_000 });
      flows['reload'] = { ok: shardRequests.length === before, detail: `${shardRequests.length - before} shards fetched after the reload` };
    } catch (error) {
      flows['error'] = { ok: false, detail: String(error).slice(0, 300) };
    } finally {
      await browser.close();
    }
    for (const [flow, r] of Object.entries(flows)) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${b.name} ${version}: ${flow}: ${r.detail}`);
      if (!r.ok) failed = true;
    }
    results.push({ name: b.name, version, started: true, flows });
  }
} finally {
  await new Promise((done) => server.httpServer.close(done));
}
const chromium = results.find((r) => r.name === 'chromium')?.flows['generate']?.['clipMs'];
for (const r of results) {
  const ms = r.flows['generate']?.['clipMs'];
  if (typeof ms === 'number' && typeof chromium === 'number') console.log(`${r.name}: one clip ${(ms / 1000).toFixed(2)} s = ${(ms / chromium).toFixed(2)}x Chromium's in this run`);
}
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/browsers.json', `${JSON.stringify({ date: new Date().toISOString(), results }, null, 1)}\n`);
console.log('wrote test-results/browsers.json');
process.exit(failed ? 1 : 0);
