// @ts-check
// Owns flow 5 of the cross-browser run: offline. After a visit has installed
// the pack and the service worker, the app's server is shut down for real
// (no browser switch: every browser reads a closed port the same way), the
// page is reloaded from the service worker's precache, and a clip is made.

import { generateClip, resultFacts, waitModelReady } from './page-log.mjs';

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin where the pack is installed
 * @param {() => Promise<void>} stopServer shuts the app's server and its open connections
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function offlineFlows(browser, origin, stopServer) {
  const page = await browser.newPage();
  await page.goto(`${origin}/?backend=wasm`);
  await waitModelReady(page, 180_000);
  const controlled = await page.evaluate(async () => {
    if (!('serviceWorker' in navigator)) return 'no service worker API';
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
    return 'controlled';
  });
  await stopServer();
  await page.reload();
  await waitModelReady(page, 180_000);
  const reachable = await page.evaluate(() => fetch('/models/zoetrope-shapes/manifest.json', { cache: 'no-store' }).then(() => 'the server answered', () => 'the server is gone'));
  const error = await generateClip(page);
  const facts = error ? null : await resultFacts(page);
  await page.close();
  return {
    offline: {
      ok: controlled === 'controlled' && reachable === 'the server is gone' && !error && Boolean(facts && facts.decoded === facts.frames && facts.frames > 0),
      detail: error ?? `${controlled}; server shut down (${reachable}); reloaded from the service worker and made ${facts?.frames} frames`,
    },
  };
}
