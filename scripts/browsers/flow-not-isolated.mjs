// @ts-check
// Owns flow 2b of the cross-browser run: the same production build served
// WITHOUT cross-origin isolation (COOP/COEP "unsafe-none", as a school's
// plain static host might serve it). Then SharedArrayBuffer is absent, so WASM
// must run on one thread and still make the clip.

import { preview } from 'vite';
import { generateClip, recordPage, resultFacts, waitModelReady } from './page-log.mjs';

const NOT_ISOLATED = { 'Cross-Origin-Opener-Policy': 'unsafe-none', 'Cross-Origin-Embedder-Policy': 'unsafe-none' };

/** A second preview of the build (dist/ unless named) whose documents carry no isolation (the config's headers are overridden, not removed). */
export async function startPlainServer(/** @type {number} */ port, outDir = 'dist') {
  const server = await preview({ build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1', headers: NOT_ISOLATED }, logLevel: 'warn' });
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.httpServer.close(done)) };
}

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin a server from startPlainServer
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function notIsolatedFlows(browser, origin) {
  const page = await browser.newPage();
  const log = recordPage(page);
  await page.goto(`${origin}/?backend=wasm`);
  await waitModelReady(page, 180_000);
  const isolated = await page.evaluate(() => self.crossOriginIsolated);
  const shared = await page.evaluate(() => typeof SharedArrayBuffer !== 'undefined');
  const error = await generateClip(page);
  const load = log.timing('load');
  const gen = log.timing('generate');
  const facts = error ? null : await resultFacts(page);
  await page.close();
  const ok = !error && isolated === false && load?.threads === 1 && Boolean(facts && facts.decoded === facts.frames && facts.frames > 0);
  return {
    'one-thread': {
      ok,
      detail: error ?? `not isolated (crossOriginIsolated ${isolated}, SharedArrayBuffer ${shared ? 'present' : 'absent'}): WASM on ${load?.threads} thread(s), ${gen ? (gen.totalMs / 1000).toFixed(2) : '?'} s, ${facts?.decoded}/${facts?.frames} frames decoded back`,
      threads: load?.threads ?? null,
      clipMs: gen?.totalMs ?? null,
    },
  };
}
