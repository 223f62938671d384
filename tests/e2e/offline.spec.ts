// The offline app shell: after one visit (service worker installed, every
// app file and ORT's wasm precached, the TEST FIXTURE pack in IndexedDB), a
// reload with the network cut shows the app, the installed model and the
// library, and generates a video.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('after one visit the app reloads and generates with the network cut', async ({ browser }) => {
  test.setTimeout(360_000); // Two page loads, a 27 MB precache and a generation, on a busy 2-core machine.
  const context = await browser.newContext();
  const page = await context.newPage();
  logConsole(page);
  await page.goto(appUrl('wasm'));
  // Installed is enough for the first visit: the model is in IndexedDB once the state moves past installing.
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', /loading|ready/, { timeout: 120_000 });
  // The service worker is active (its precache complete) and controls the page.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }));
    }
  });
  const precached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    return urls;
  });
  expect(precached).toEqual(expect.arrayContaining(['/index.html', '/ort/ort-wasm-simd-threaded.asyncify.wasm', '/ort/ort-wasm-simd-threaded.asyncify.mjs']));
  expect(precached.some((p) => /^\/assets\/engine\.worker-.*\.js$/.test(p))).toBe(true);

  await context.setOffline(true);
  const fromNetwork: string[] = [];
  page.on('response', (r) => {
    if (!r.fromServiceWorker() && new URL(r.url()).protocol.startsWith('http')) fromNetwork.push(r.url());
  });
  await page.reload();
  await expect(page.getByText('TEST FIXTURE', { exact: true }).first()).toBeVisible();
  expect(await page.evaluate(() => fetch('/models/zoetrope-fixture-tiny/manifest.json', { cache: 'no-store' }).then(() => 'online', () => 'offline'))).toBe('offline');
  await waitReady(page);
  expectValidFixtureVideo(await generate(page, { prompt: 'a green circle bouncing', seed: 11, steps: 2 }));

  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('library-model')).toContainText('Tiny random-weights TEST FIXTURE 0.1.0');
  expect(fromNetwork).toEqual([]);
  await context.close();
});
