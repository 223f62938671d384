// @ts-check
// Owns the private-window flow (Firefox only: its private browsing can be
// started headless with a pref, `browser.privatebrowsing.autostart`). It
// measures what a private window gives the app: IndexedDB (kept in memory
// and gone with the window) or none; either way the page must end in a
// model ready to use or in the plain StorageUnavailableError with the
// in-memory .zoepack path as the next step, never a hang or a stack trace.

import puppeteer from 'puppeteer-core';
import { generateClip, resultFacts, waitModelReady } from './page-log.mjs';

/**
 * @param {string} executablePath Firefox
 * @param {string} origin
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function privateFlows(executablePath, origin) {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true, extraPrefsFirefox: { 'browser.privatebrowsing.autostart': true } });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/?backend=wasm`);
    await waitModelReady(page, 180_000, true);
    const state = await page.evaluate(async () => {
      const idb = await new Promise((resolve) => {
        try {
          const req = indexedDB.open('zoetrope-private-probe');
          req.onsuccess = () => { req.result.close(); resolve('opens'); };
          req.onerror = () => resolve(`refuses (${req.error?.name})`);
        } catch (e) { resolve(`throws (${String(e)})`); }
      });
      const error = document.querySelector('[data-testid=error]');
      return { idb, error: error ? `${error.getAttribute('data-error-name')}: ${error.textContent?.trim().slice(0, 160)}` : null };
    });
    if (state.error) {
      const plain = /StorageUnavailableError/.test(state.error) && /\.zoepack/.test(state.error);
      return { private: { ok: plain, detail: `IndexedDB ${state.idb}; the page says ${state.error}` } };
    }
    const failed = await generateClip(page);
    const facts = failed ? null : await resultFacts(page);
    return {
      private: {
        ok: !failed && Boolean(facts && facts.decoded === facts.frames),
        detail: failed ?? `IndexedDB ${state.idb} in a private window: the pack installs (held until the window closes) and a clip of ${facts?.frames} frames is made`,
      },
    };
  } finally {
    await browser.close();
  }
}
