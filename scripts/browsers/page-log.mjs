// @ts-check
// Owns what the cross-browser flows record from a page: the engine's
// `[zoetrope:timing]` console lines, the shard requests, and every network
// request made while a window is open (flow 6, privacy). One place, so each
// flow reads the same facts in every browser.

/**
 * @param {import('puppeteer-core').Page} page
 */
export function recordPage(page) {
  /** @type {Record<string, any>[]} */
  const timings = [];
  /** @type {string[]} */
  const shards = [];
  /** @type {string[] | null} */
  let window = null;
  page.on('console', (m) => {
    const match = /\[zoetrope:timing\] (.*)$/.exec(m.text());
    if (match) timings.push(JSON.parse(match[1] ?? '{}'));
  });
  page.on('request', (r) => {
    if (r.url().includes('/shards/')) shards.push(r.url());
    // blob: and data: URLs are the page's own bytes (the clip, inline icons), not network requests.
    if (/^(https?|wss?):/.test(r.url())) window?.push(r.url());
  });
  return {
    timings,
    shards,
    /** The last timing line of this event, if any. */
    timing: (/** @type {string} */ event) => timings.findLast((t) => t.event === event),
    openWindow: () => { window = []; },
    /** Ends the window and returns the requests seen in it. */
    closeWindow: () => { const seen = window ?? []; window = null; return seen; },
  };
}

/** Samples the progress bar's text in the page itself (an install of 8 MB is quick), into window.__progress. */
export async function watchProgress(/** @type {import('puppeteer-core').Page} */ page) {
  await page.evaluateOnNewDocument(() => {
    const seen = /** @type {string[]} */ ([]);
    /** @type {any} */ (window).__progress = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.progress .text')) if (seen.at(-1) !== el.textContent) seen.push(el.textContent ?? '');
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

/** Clicks Generate and waits for a checked result or an error; returns the error's name and text, or null. */
export async function generateClip(/** @type {import('puppeteer-core').Page} */ page, prompt = 'a red ball bouncing on the grass') {
  await page.locator('[data-testid=prompt]').fill(prompt);
  await page.click('[data-testid=generate]');
  await page.waitForSelector('[data-testid=result][data-checked=yes], [data-testid=error]', { timeout: 300_000 });
  if (!(await page.$('[data-testid=error]'))) return null;
  return page.$eval('[data-testid=error]', (e) => `${e.getAttribute('data-error-name')}: ${e.textContent}`.slice(0, 300));
}

/** The shown result's facts (the page decodes its own MP4 back with WebCodecs before it marks it checked). */
export function resultFacts(/** @type {import('puppeteer-core').Page} */ page) {
  return page.$eval('[data-testid=result]', (e) => ({ codec: e.getAttribute('data-codec'), frames: Number(e.getAttribute('data-frames')), decoded: Number(e.getAttribute('data-decoded-frames')) }));
}

/**
 * Waits for the model box to say ready (or an error notice, when `orError`); on a timeout the error says what
 * the page showed instead, so a flow that hangs reports where.
 */
export async function waitModelReady(/** @type {import('puppeteer-core').Page} */ page, timeout = 180_000, orError = false) {
  const selector = orError ? '[data-testid=model-status][data-state=ready], [data-testid=error]' : '[data-testid=model-status][data-state=ready]';
  try {
    await page.waitForSelector(selector, { timeout });
  } catch (error) {
    const shown = await page
      .evaluate(() => {
        const box = document.querySelector('[data-testid=model-status]');
        const err = document.querySelector('[data-testid=error]');
        return `model box ${box ? `state "${box.getAttribute('data-state')}": ${box.textContent?.trim().replace(/\s+/g, ' ').slice(0, 200)}` : 'absent'}${err ? `; error ${err.getAttribute('data-error-name')}: ${err.textContent?.trim().slice(0, 160)}` : ''}; page ${location.href}, controlled by a service worker: ${Boolean(navigator.serviceWorker?.controller)}`;
      })
      .catch((e) => `the page could not be read (${String(e).slice(0, 100)})`);
    throw new Error(`${String(error).slice(0, 120)}; ${shown}`);
  }
}
