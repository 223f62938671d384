// @ts-check
// Owns the WebKitGTK leg of the cross-browser run. Debian's WebKitGTK (the
// Safari engine family, not Safari) is driven through WebDriver classic:
// `WebKitWebDriver` starts its MiniBrowser under Xvfb (MiniBrowser has no
// headless mode of its own). puppeteer speaks CDP and BiDi only, so this is a
// small fetch-based client. Before any flow, one probe page asks the engine
// what it has (WebCodecs encoders, WebGPU, SharedArrayBuffer, IndexedDB); a
// browser whose web process cannot even render that page is reported as not
// started, with the driver's own words, never as a pass.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const DRIVER = process.env['ZOETROPE_WEBKIT_DRIVER'] ?? '/usr/bin/WebKitWebDriver';
const BINARY = process.env['ZOETROPE_WEBKIT'] ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const EXTRA_ARGS = (process.env['ZOETROPE_WEBKIT_ARGS'] ?? '').split(' ').filter(Boolean);

/** What the probe page reports, or why there is no report. */
const PROBE = `const done = arguments[0]; (async () => {
  const out = { ua: navigator.userAgent, webgpu: 'gpu' in navigator, isolated: self.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined', indexedDB: typeof indexedDB !== 'undefined',
    videoEncoder: typeof VideoEncoder !== 'undefined', audioEncoder: typeof AudioEncoder !== 'undefined',
    persist: typeof navigator.storage?.persist === 'function', serviceWorker: 'serviceWorker' in navigator, codecs: {} };
  if (out.videoEncoder) for (const c of ['avc1.42001f', 'vp09.00.10.08', 'av01.0.04M.08']) {
    try { out.codecs[c] = (await VideoEncoder.isConfigSupported({ codec: c, width: 256, height: 256, bitrate: 1e6, framerate: 8 })).supported === true; } catch { out.codecs[c] = false; }
  }
  done(JSON.stringify(out));
})().catch((e) => done(JSON.stringify({ error: String(e) })));`;

/**
 * Starts WebKitWebDriver under Xvfb, opens `origin` in MiniBrowser and runs the probe.
 * @param {string} origin
 * @param {number} port the driver's port
 * @returns {Promise<{ started: boolean, version: string, reason?: string, probe?: Record<string, unknown> }>}
 */
export async function probeWebKit(origin, port) {
  if (!existsSync(DRIVER) || !existsSync(BINARY)) return { started: false, version: '', reason: `WebKitGTK is not installed (${DRIVER}, ${BINARY}); apt-get install webkit2gtk-driver xvfb` };
  const driver = spawn('xvfb-run', ['-a', DRIVER, `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  driver.stdout.on('data', (d) => (log += d));
  driver.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const call = async (/** @type {string} */ path, /** @type {unknown} */ body, method = 'POST') =>
    (await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json();
  try {
    let session = null;
    for (let i = 0; i < 40 && !session; i++) {
      await new Promise((r) => setTimeout(r, 250));
      session = await call('/session', { capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: BINARY, args: ['--automation', ...EXTRA_ARGS] } } } }).catch(() => null);
    }
    const id = session?.value?.sessionId;
    if (!id) return { started: false, version: '', reason: `WebKitWebDriver gave no session: ${JSON.stringify(session?.value ?? null).slice(0, 200)} ${log.slice(-200)}` };
    const version = `MiniBrowser (WebKitGTK) ${session.value.capabilities?.browserVersion ?? '?'}`;
    try {
      await call(`/session/${id}/url`, { url: `${origin}/?backend=wasm` });
      const answer = await call(`/session/${id}/execute/async`, { script: PROBE, args: [] });
      const text = typeof answer?.value === 'string' ? answer.value : null;
      if (!text) {
        // The driver's log says why (e.g. the web process aborting); keep its last meaningful line.
        const why = log.split('\n').map((l) => l.trim()).filter((l) => /ERROR|CRASH|Bail out|error/i.test(l)).slice(-2).join(' / ');
        return { started: false, version, reason: `the page could not run: ${answer?.value?.message ?? 'no answer'}${why ? `; ${why}` : ''}` };
      }
      return { started: true, version, probe: JSON.parse(text) };
    } finally {
      await call(`/session/${id}`, undefined, 'DELETE').catch(() => null);
    }
  } finally {
    try { process.kill(-(driver.pid ?? 0), 'SIGTERM'); } catch { /* already gone */ }
  }
}
