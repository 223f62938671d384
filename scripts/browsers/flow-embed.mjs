// @ts-check
// Owns flow 8 of the cross-browser run: the example host page
// (examples/host/) on another origin (http://localhost:<port>, the app being
// http://127.0.0.1:<port>) frames embed.html, which installs the built-in
// pack inside the frame (its storage is the frame's, partitioned or not, as
// the browser decides) and makes a clip the host receives as MP4 bytes.

import { startStaticServer } from '../serve-example.mjs';

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin the app's origin
 * @param {number} port the host page's port
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function embedFlows(browser, origin, port) {
  // Listens on 127.0.0.1 and is opened as localhost: a different origin from the app's, as in the embed specs.
  const host = await startStaticServer({ root: 'examples/host', port });
  try {
    const page = await browser.newPage();
    // Shard requests from the frame: whether the browser gave it storage of its own (partitioned) or the app's.
    let shards = 0;
    page.on('request', (r) => { if (r.url().includes('/shards/')) shards++; });
    await page.goto(`http://localhost:${port}/index.html?embed=${encodeURIComponent(origin)}&backend=wasm&steps=2`);
    await page.waitForSelector('#host-generate:not([disabled])', { timeout: 180_000 });
    const ready = await page.$eval('#host-log', (e) => e.textContent ?? '');
    await page.click('#host-generate');
    // The result, or the host's own error line: whichever comes first.
    await page.waitForFunction(() => document.querySelector('#host-video[data-ms]') || /error:/.test(document.querySelector('#host-log')?.textContent ?? ''), { timeout: 300_000 });
    const facts = await page.evaluate(async () => {
      const video = /** @type {HTMLVideoElement} */ (document.querySelector('#host-video'));
      if (!video.dataset['ms']) return { error: document.querySelector('#host-log')?.textContent ?? '' };
      const head = new Uint8Array(await (await fetch(video.src)).arrayBuffer()).slice(4, 8);
      if (video.readyState < 1) await new Promise((resolve, reject) => ((video.onloadedmetadata = resolve), (video.onerror = reject)));
      return { ms: Number(video.dataset['ms']), frames: Number(video.dataset['frames']), bytes: Number(video.dataset['bytes']), box: String.fromCharCode(...head), width: video.videoWidth, duration: video.duration };
    });
    await page.close();
    if ('error' in facts) return { embed: { ok: false, detail: `${ready.slice(0, 120)} / ${String(facts.error).slice(-200)}` } };
    return {
      embed: {
        ok: facts.box === 'ftyp' && facts.frames > 0 && facts.width > 0 && facts.duration > 0,
        detail: `host on http://localhost:${port} got a ${facts.bytes}-byte MP4 (${facts.frames} frames, plays at ${facts.width} px, ${facts.duration.toFixed(2)} s) ${facts.ms} ms after its generate message; the frame fetched ${shards} shard(s) before it was ready (0: it saw the app's own storage)`,
        frameShards: shards,
        ms: facts.ms,
      },
    };
  } finally {
    await new Promise((done) => host.close(done));
  }
}
