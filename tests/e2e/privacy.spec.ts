// Privacy, proven in the browser: once a model is installed, a whole
// generation makes no network request at all (pages, dedicated workers and
// the service worker: context-level events include the service worker's own
// fetches), no request ever carries the prompt, and every request of the
// visit goes to the app's own origin. The Content-Security-Policy (header
// and the build's <meta> tag) makes the browser refuse any other host, which
// a second server on 127.0.0.2 (not allowed) proves by never being reached.
// (Hosts a user allows are added by the service worker: allowed-origins.spec.ts.)
import { expect, test, type Request } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';
import { PackServer } from './pack-server';

const PROMPT = 'a purple star bouncing in the desert secret-7f3a';

interface Seen {
  url: string;
  method: string;
  body: string;
  from: string;
}

function record(into: Seen[], from: string) {
  return (request: Request) => {
    into.push({ url: request.url(), method: request.method(), body: request.postData() ?? '', from });
  };
}

/** Requests that leave the page: blob: and data: URLs are in-memory objects, not the network. */
const network = (list: Seen[]) => list.filter((r) => !/^(blob|data):/.test(r.url));

test('no egress: after install, a whole generation makes no request at all, and no request of the visit carries the prompt', async ({ page, context, baseURL }) => {
  logConsole(page);
  const visit: Seen[] = [];
  page.on('request', record(visit, 'page'));
  context.on('request', record(visit, 'context')); // Includes the service worker's fetches in Chromium.
  context.on('serviceworker', (worker) => console.log(`[privacy] service worker: ${worker.url()}`));

  await page.goto(appUrl('wasm'));
  await waitReady(page);
  // The service worker precaches the app shell once, in the background: let it finish first.
  await page.evaluate(async () => {
    if (await navigator.serviceWorker.getRegistration()) await navigator.serviceWorker.ready;
  });
  await page.waitForTimeout(500);

  const during: Seen[] = [];
  page.on('request', record(during, 'page'));
  context.on('request', record(during, 'context'));
  const facts = await generate(page, { prompt: PROMPT, seed: 99, steps: 3 });
  expectValidFixtureVideo(facts);
  await page.getByTestId('download').click().catch(() => {}); // Saving the file is local too (a blob: URL).
  await page.waitForTimeout(500);

  console.log(`[figures] privacy: ${network(visit).length} requests in the visit (install included), ${network(during).length} during the generation`);
  expect(network(during)).toEqual([]);
  const origin = new URL(baseURL!).origin;
  expect(network(visit).filter((r) => new URL(r.url).origin !== origin)).toEqual([]);
  const words = ['secret-7f3a', encodeURIComponent(PROMPT), PROMPT];
  expect(visit.filter((r) => words.some((w) => r.url.includes(w) || r.body.includes(w)))).toEqual([]);
});

test('CSP: the page refuses to talk to a host that is not allowed (fetch, beacon, image, WebSocket), and says why for a model pack', async ({ page, baseURL }) => {
  logConsole(page);
  const outsider = new PackServer();
  const other = await outsider.start('127.0.0.2');
  try {
    const response = await page.goto(appUrl('wasm'));
    const header = response!.headers()['content-security-policy'] ?? '';
    const connect = /connect-src ([^;]*)/.exec(header)?.[1]?.split(' ') ?? [];
    expect(connect[0]).toBe("'self'");
    expect(connect.filter((s) => s === '*' || /^[a-z]+:$/.test(s))).toEqual([]); // No bare * or scheme-wide source.
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("connect-src 'self'");
    await waitReady(page);

    const outcome = await page.evaluate(async (target) => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
      let fetched = 'sent';
      try {
        await fetch(`${target}/leak?q=prompt`);
      } catch (error) {
        fetched = `refused: ${(error as Error).name}`;
      }
      let beacon: boolean | string;
      try {
        beacon = navigator.sendBeacon(`${target}/beacon`, 'prompt');
      } catch (error) {
        beacon = `refused: ${(error as Error).name}`;
      }
      const img = new Image();
      img.src = `${target}/pixel.gif?q=prompt`;
      try {
        new WebSocket(target.replace('http', 'ws'));
      } catch {
        // Chromium reports the WebSocket as a violation (below) rather than throwing.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return { fetched, beacon, violations };
    }, other);
    console.log(`[privacy] outsider: ${JSON.stringify(outcome)}`);
    expect(outcome.fetched).toMatch(/^refused/);
    expect(outcome.violations).toEqual(expect.arrayContaining(['connect-src', 'img-src']));
    expect(outsider.log).toEqual([]); // Nothing reached the other host.

    // A model pack from that host: nothing is fetched; the library asks whether to allow the host
    // (allowed-origins.spec.ts follows that through).
    await page.goto(`/?view=library&backend=wasm`);
    await page.getByTestId('add-url').fill(`${other}/p/manifest.json`);
    await page.getByTestId('add-check').click();
    await expect(page.getByTestId('allow-origin')).toHaveAttribute('data-origin', other);
    expect(outsider.log).toEqual([]);
    // A host no user may allow (plain http to another machine): refused before any request, with the reason.
    await page.getByTestId('allow-cancel').click();
    await page.getByTestId('add-url').fill('http://models.example/p/manifest.json');
    await page.getByTestId('add-check').click();
    const error = page.getByTestId('error').last();
    await expect(error).toHaveAttribute('data-error-name', 'DownloadError');
    await expect(error).toContainText('does not download models from http://models.example');
    await expect(error).toContainText('Only https hosts can be allowed');
    await expect(error).toContainText('.zoepack');
    expect(outsider.log).toEqual([]);
    expect(baseURL).toContain('127.0.0.1');
  } finally {
    await outsider.stop();
  }
});
