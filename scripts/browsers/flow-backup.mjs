// @ts-check
// Owns the backup flow of the cross-browser run: "Export .zoepack" in the
// Model library, where the browser may lack showSaveFilePicker (Firefox and
// Safari do). The export must then stream into a temporary OPFS file (so a
// multi-GB pack is never held in memory) and be offered as a download; the
// engine's timing line says which path ran and how many bytes it wrote.

import { recordPage } from './page-log.mjs';

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin where the built-in pack is installed
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function backupFlows(browser, origin) {
  const page = await browser.newPage();
  const log = recordPage(page);
  await page.goto(`${origin}/?view=library&backend=wasm`);
  await page.waitForSelector('[data-testid=export-model]', { timeout: 120_000 });
  const picker = await page.evaluate(() => typeof (/** @type {any} */ (window)).showSaveFilePicker === 'function');
  const packBytes = await page.evaluate(async () => {
    const manifest = await (await fetch('/models/zoetrope-shapes/manifest.json')).json();
    return /** @type {{ size: number }[]} */ (manifest.files).reduce((n, f) => n + f.size, 0);
  });
  if (picker) {
    await page.close();
    // A save dialog cannot be answered headless; Chromium's picker path is covered by tests/e2e/zoepack.spec.ts.
    return { backup: { ok: true, detail: 'showSaveFilePicker present: the export writes into the file the person picks (not driven here)', via: 'picked' } };
  }
  await page.click('[data-testid=export-model]');
  const deadline = Date.now() + 120_000;
  while (!log.timing('export') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const done = log.timing('export');
  const note = await page.$eval('[data-testid=library]', (e) => /is ready in your downloads/.test(e.textContent ?? ''));
  await page.close();
  if (!done) return { backup: { ok: false, detail: 'no export finished within 2 minutes' } };
  // The archive is the pack's files plus its table of contents.
  const ok = done.via === 'opfs' && done.bytes >= packBytes && done.bytes < packBytes + 1_048_576 && note;
  return {
    backup: {
      ok,
      detail: `no showSaveFilePicker: ${done.bytes} bytes (pack ${packBytes}) streamed via ${done.via} in ${(done.ms / 1000).toFixed(2)} s${note ? ', offered as a download' : ', but the page did not say it is in the downloads'}`,
      via: done.via,
    },
  };
}
