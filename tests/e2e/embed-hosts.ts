// Host pages for the embed specs, each served from a real origin other than
// the app's (the app is http://127.0.0.1:<port>; hosts are http://localhost:
// 4392 and 4393). They use scripts/serve-example.mjs, the server of the
// example host page, which is served as well.
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';
import { startStaticServer } from '../../scripts/serve-example.mjs';
import { FIXTURE_ID } from './helpers';

export const HOST_A = 'http://localhost:4392';
export const HOST_B = 'http://localhost:4393';

/**
 * A bare host: an iframe, the client module imported from the embed's origin
 * (window.zoetrope), and every message this window receives (window.received;
 * an ArrayBuffer is recorded as its length).
 */
const HARNESS = `<!doctype html><meta charset="utf-8"><title>embed test host</title>
<iframe id="embed" name="embed" style="width:100%;height:420px" allow="cross-origin-isolated"></iframe>
<iframe id="sibling" style="width:100%;height:60px"></iframe>
<script type="module">
  const src = new URLSearchParams(location.search).get('src');
  window.received = [];
  addEventListener('message', (e) => {
    const d = e.data;
    const copy = d && typeof d === 'object' ? { ...d, mp4: d.mp4 instanceof ArrayBuffer ? d.mp4.byteLength : d.mp4 } : d;
    window.received.push({ origin: e.origin, data: copy });
  });
  const { ZoetropeEmbed } = await import(new URL('/embed/zoetrope-client.js', src).href);
  const frame = document.getElementById('embed');
  frame.src = src;
  window.zoetrope = new ZoetropeEmbed(frame);
  window.embedWindow = () => frame.contentWindow;
  window.embedOrigin = new URL(src).origin;
  window.harnessReady = true;
</script>`;

/** Records every message it gets; the test reads window.caught. */
const CATCHER = `<!doctype html><meta charset="utf-8"><title>catcher</title>
<script>window.caught = []; addEventListener('message', (e) => window.caught.push({ origin: e.origin, type: e.data && e.data.type }));</script>`;

export async function startHosts(): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL('../../examples/host/', import.meta.url));
  const pages = { '/harness.html': HARNESS, '/catcher.html': CATCHER };
  const servers: Server[] = [await startStaticServer({ root, port: 4392, pages }), await startStaticServer({ root, port: 4393, pages })];
  return async () => {
    for (const s of servers) await new Promise((done) => s.close(done));
  };
}

export function embedUrl(appOrigin: string, params: Record<string, string>): string {
  const url = new URL('/embed.html', appOrigin);
  url.search = new URLSearchParams({ model: FIXTURE_ID, backend: 'wasm', ...params }).toString();
  return url.href;
}

/** Opens the harness on `host` around embed.html?origins=<origins>, and waits for the embed's model. */
export async function openHarness(page: Page, host: string, appOrigin: string, params: Record<string, string>): Promise<void> {
  await page.goto(`${host}/harness.html?src=${encodeURIComponent(embedUrl(appOrigin, params))}`);
  await page.waitForFunction(() => (window as unknown as { harnessReady?: boolean }).harnessReady === true);
  await expect(page.frameLocator('#embed').getByTestId('embed-status')).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
}

export interface Received {
  origin: string;
  data: { zoetrope?: number; type?: string; id?: unknown; name?: string; message?: string; [key: string]: unknown };
}

export function received(page: Page): Promise<Received[]> {
  return page.evaluate(() => (window as unknown as { received: Received[] }).received);
}
