// @ts-check
// Owns flows 1–4 and 6 of the cross-browser run (4 in reloadFlows), on the cross-origin-isolated
// origin: 1. install the built-in pack with progress shown; 2. a WASM clip
// (threaded when isolated); 3. the page decodes its own MP4 back; 4. reload:
// still installed, no shard fetched again; 6. privacy: no request at all while
// a clip is made.

import { generateClip, recordPage, resultFacts, waitModelReady, watchProgress } from './page-log.mjs';

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function appFlows(browser, origin) {
  /** @type {Record<string, import('./flow.mjs').Flow>} */
  const flows = {};
  const page = await browser.newPage();
  const log = recordPage(page);
  await watchProgress(page);

  // 1. Install, with progress on the page.
  const started = Date.now();
  await page.goto(`${origin}/?backend=wasm`);
  await waitModelReady(page, 180_000);
  const progress = /** @type {string[]} */ (await page.evaluate(() => /** @type {any} */ (window).__progress));
  const install = log.timing('install');
  flows['install'] = {
    ok: Boolean(install) && progress.some((t) => /^Downloading .* of /.test(t)) && log.shards.length > 0,
    detail: `${((Date.now() - started) / 1000).toFixed(1)} s to ready; ${log.shards.length} shards; progress seen: ${progress.slice(0, 2).join(' | ')}`,
    ms: install?.ms ?? null,
  };

  // 2 + 3 + 6. One clip on WASM, decoded back by the page, with no request while it is made.
  const isolated = await page.evaluate(() => self.crossOriginIsolated);
  log.openWindow();
  const error = await generateClip(page);
  const sent = log.closeWindow();
  flows['privacy'] = { ok: sent.length === 0, detail: sent.length ? `requests during the generation: ${sent.slice(0, 3).join(', ')}` : 'no request during the generation' };
  if (error) {
    flows['generate'] = { ok: false, detail: error };
  } else {
    const facts = await resultFacts(page);
    const load = log.timing('load');
    const gen = log.timing('generate');
    flows['generate'] = { ok: Boolean(gen), detail: `WASM, ${load?.threads} thread(s), crossOriginIsolated ${isolated}; ${gen ? (gen.totalMs / 1000).toFixed(2) : '?'} s`, threads: load?.threads ?? null, isolated, clipMs: gen?.totalMs ?? null };
    flows['encode'] = { ok: facts.codec === 'avc' || facts.codec === 'vp9' || facts.codec === 'av1', detail: `MP4 with ${facts.codec}`, codec: facts.codec };
    flows['decode'] = { ok: facts.frames > 0 && facts.decoded === facts.frames, detail: `${facts.decoded} of ${facts.frames} frames decoded back in the page` };
  }

  await page.close();
  return flows;
}

/**
 * 4. Reload: the installed pack is used again and no shard is fetched, on the first load of a fresh page and
 * after its reload. Its own group, so that a stalled load runs again without installing anything.
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin where flow 1 installed the pack
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function reloadFlows(browser, origin) {
  const page = await browser.newPage();
  const log = recordPage(page);
  await page.goto(`${origin}/?backend=wasm`);
  await waitModelReady(page, 120_000);
  await page.reload();
  await waitModelReady(page, 120_000);
  await page.close();
  return { reload: { ok: log.shards.length === 0, detail: `${log.shards.length} shards fetched on a new page and after its reload` } };
}
