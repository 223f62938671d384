// @ts-check
// Owns flow 7 of the cross-browser run: a one-scene lesson from a template,
// made and exported at 480p, and the exported files read back in the page:
// the MP4 behind "Download MP4" (an ISO BMFF file the page decoded back) and
// the captions behind "Download captions" (WebVTT, read by the player's
// <track>). The Download links are blob: anchors with a file name in every
// browser: no showSaveFilePicker is needed to save a lesson. The scene is
// silent (narration "none"): the narrated lesson, its voice and its audio
// track are the sound flow's (flow-sound.mjs), so this one stays the export.

import { waitModelReady } from './page-log.mjs';
/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin the origin where the built-in pack is installed
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function lessonFlows(browser, origin) {
  const page = await browser.newPage();
  await page.goto(`${origin}/?backend=wasm&view=lesson`);
  await waitModelReady(page, 180_000);
  await page.click('[data-testid=template-gravity]');
  await page.waitForSelector('[data-testid=scene]');
  // Down to one short scene, 2 steps, 480p: the flow checks the export path, not the lesson's length.
  for (let n = (await page.$$('[data-testid=scene]')).length; n > 1; n--) {
    const deletes = await page.$$('[data-testid=scene-delete]');
    await deletes.at(-1)?.click();
  }
  await page.click('[data-testid=narration-source-none]');
  await page.locator('[data-testid=scene-duration]').fill('1');
  await page.locator('[data-testid=lesson-steps]').fill('2');
  await page.select('[data-testid=lesson-size]', '480');
  const started = Date.now();
  await page.click('[data-testid=lesson-generate]');
  await page.waitForSelector('[data-testid=lesson-result][data-checked=yes], [data-testid=error]', { timeout: 300_000 });
  const ms = Date.now() - started;
  const facts = await page.evaluate(async () => {
    const result = document.querySelector('[data-testid=lesson-result][data-checked=yes]');
    if (!result) return { error: document.querySelector('[data-testid=error]')?.textContent ?? 'no result' };
    // The page's CSP keeps blob: out of connect-src, so the links' bytes are not fetched again here: the page
    // has already decoded the very Blob the MP4 link points to, and the captions are read through the
    // player's own <track>, which is the .vtt link's Blob.
    const mp4 = /** @type {HTMLAnchorElement} */ (document.querySelector('[data-testid=lesson-download]'));
    const vtt = /** @type {HTMLAnchorElement} */ (document.querySelector('[data-testid=lesson-download-vtt]'));
    const track = /** @type {HTMLTrackElement | null} */ (result.querySelector('track'));
    let cues = 0;
    if (track) {
      track.track.mode = 'hidden';
      if (track.readyState !== 2) await new Promise((resolve) => { track.addEventListener('load', resolve, { once: true }); track.addEventListener('error', resolve, { once: true }); setTimeout(resolve, 5000); });
      cues = track.track.cues?.length ?? 0;
    }
    return {
      frames: Number(result.getAttribute('data-decoded-frames')),
      width: Number(result.getAttribute('data-decoded-width')),
      height: Number(result.getAttribute('data-decoded-height')),
      bytes: Number(result.getAttribute('data-bytes')),
      links: mp4.href.startsWith('blob:') && mp4.download.endsWith('.mp4') && vtt.href.startsWith('blob:') && vtt.download.endsWith('.vtt'),
      cues,
      audio: result.getAttribute('data-audio'),
    };
  });
  await page.close();
  if ('error' in facts) return { lesson: { ok: false, detail: String(facts.error).slice(0, 300) } };
  const ok = facts.links && facts.frames === 8 && facts.height === 480 && facts.bytes > 0 && facts.cues > 0 && facts.audio === 'none';
  return {
    lesson: {
      ok,
      detail: `exported ${facts.width}x${facts.height}, ${facts.bytes} bytes, ${facts.frames} frames decoded back; download links ${facts.links ? 'ready' : 'missing'}; ${facts.cues} caption cue(s) read by the player; audio track ${facts.audio} (a silent scene); ${(ms / 1000).toFixed(1)} s`,
      ms,
    },
  };
}
