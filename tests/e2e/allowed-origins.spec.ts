// Hosts the user allows for model downloads, end to end in a real browser
// with the real service worker: a pack server on 127.0.0.2 (an origin the
// build's connect-src does not list) serves the TEST FIXTURE pack. Before it
// is allowed the browser's CSP refuses it and nothing reaches it; the library
// asks "Allow Zoetrope to download from …?", the page reloads, the service
// worker serves it with that origin in connect-src (header and <meta>), the
// address is checked again by itself and the pack installs. Removed, the
// origin leaves the policy at the next load and is refused again. Without a
// service worker (blocked, or a forced reload that skips it) the page says
// what is missing instead of failing silently.
import { expect, test, type Page, type Response } from '@playwright/test';
import { logConsole } from './helpers';
import { FIXTURE_PACK_DIR, PackServer } from './pack-server';

let server: PackServer;
let other: string;
let manifestUrl: string;

test.beforeEach(async () => {
  server = new PackServer();
  server.packs.set('/p/manifest.json', FIXTURE_PACK_DIR);
  other = await server.start('127.0.0.2');
  manifestUrl = `${other}/p/manifest.json`;
});
test.afterEach(async () => server.stop());

/** The library, with a remote ?model= so that nothing installs by itself behind it. */
const libraryUrl = () => `/?view=library&backend=wasm&model=${encodeURIComponent(manifestUrl)}`;

/** The CSP header and meta policy of every top-level page load, as the browser received them. */
function recordPages(page: Page): { header: string; fromServiceWorker: boolean }[] {
  const pages: { header: string; fromServiceWorker: boolean }[] = [];
  page.on('response', (r: Response) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
      pages.push({ header: r.headers()['content-security-policy'] ?? '', fromServiceWorker: r.fromServiceWorker() });
    }
  });
  return pages;
}

const metaPolicy = (page: Page) => page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
const connectSrc = (policy: string | null) => /connect-src ([^;]*)/.exec(policy ?? '')?.[1]?.split(' ') ?? [];

/**
 * Fetches the manifest from inside the page: 'refused' or the HTTP status,
 * and the CSP violations it caused, each marked with the policy that refused
 * it (the header's policy is the one with frame-ancestors, which a meta tag cannot carry).
 */
async function fetchFromPage(page: Page, url: string): Promise<{ outcome: string; violations: string[] }> {
  return page.evaluate(async (target) => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      violations.push(`${e.effectiveDirective} ${e.blockedURI} (${e.originalPolicy.includes('frame-ancestors') ? 'header' : 'meta'})`),
    );
    let outcome: string;
    try {
      outcome = String((await fetch(target, { cache: 'no-store' })).status);
    } catch (error) {
      outcome = `refused: ${(error as Error).name}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // The violation event is queued after the rejection.
    return { outcome, violations };
  }, url);
}

async function waitControlled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true }));
    }
  });
}

async function checkAddress(page: Page): Promise<void> {
  const library = page.getByTestId('library');
  await library.getByTestId('add-url').fill(manifestUrl);
  await library.getByTestId('add-check').click();
}

test('a pack host: blocked by the CSP, allowed through the library (header and meta), installed, then removed and blocked again', async ({ page }) => {
  test.setTimeout(240_000); // Four page loads and the 27 MB precache on a busy 2-core machine.
  logConsole(page);
  const pages = recordPages(page);
  await page.goto(libraryUrl());
  const library = page.getByTestId('library');
  await expect(library).toBeVisible();
  await waitControlled(page);

  // The ?model= address names that host: the Generate screen (hidden behind the library) already asks about it.
  await expect(page.getByTestId('allow-origin')).toHaveCount(1);
  await expect(page.getByTestId('allow-origin')).toHaveAttribute('data-origin', other);

  // Before: the browser itself refuses the host (the page's policy), and nothing reaches it.
  expect(connectSrc(await metaPolicy(page))).not.toContain(other);
  const before = await fetchFromPage(page, manifestUrl);
  expect(before.outcome).toMatch(/^refused/);
  // Both policies refuse it: the header the server sent and the build's <meta> tag.
  expect(before.violations.sort()).toEqual([`connect-src ${manifestUrl} (header)`, `connect-src ${manifestUrl} (meta)`]);
  expect(server.log).toEqual([]);

  // The library asks first, in a plain sentence, still without a request.
  await checkAddress(page);
  const ask = library.getByTestId('allow-origin');
  await expect(ask).toHaveAttribute('data-worker', 'ready');
  await expect(library.getByTestId('allow-question')).toHaveText(`Allow Zoetrope to download from ${other}? The page will reload.`);
  expect(server.log).toEqual([]);

  const reloaded = page.waitForEvent('load');
  await library.getByTestId('allow-confirm').click();
  await reloaded;
  // The page the service worker served has the origin in both policies.
  const allowedPage = pages.at(-1)!;
  expect(allowedPage.fromServiceWorker).toBe(true);
  expect(connectSrc(allowedPage.header)).toContain(other);
  expect(allowedPage.header).toContain("frame-ancestors 'self'"); // The rest of the header policy is kept.
  expect(connectSrc(await metaPolicy(page))).toEqual(expect.arrayContaining(["'self'", other]));
  console.log(`[csp] after allowing: ${/connect-src [^;]*/.exec(allowedPage.header)?.[0]}`);

  // The address is checked again by itself after the reload: a preview, then the download.
  await expect(library.getByTestId('add-preview')).toContainText('TEST FIXTURE');
  await expect(library.getByTestId('add-url')).toHaveValue(manifestUrl);
  await library.getByTestId('add-download').click();
  await expect(library.getByTestId('library-model')).toContainText('Tiny random-weights TEST FIXTURE 0.1.0');
  expect(server.log.filter((l) => l.path.includes('/shards/')).length).toBeGreaterThan(0);
  const listed = library.getByTestId('allowed-origin');
  await expect(listed).toHaveCount(1);
  await expect(listed).toHaveAttribute('data-origin', other);
  await expect(listed).toHaveAttribute('data-active', 'yes');
  expect((await fetchFromPage(page, manifestUrl)).outcome).toBe('200');

  // The embed's page gets it too, with its own frame-ancestors kept; and so does any other address of the app.
  const embed = await page.goto('/embed.html?model=zoetrope-fixture-tiny');
  expect(embed!.fromServiceWorker()).toBe(true);
  expect(connectSrc(embed!.headers()['content-security-policy'] ?? '')).toContain(other);
  expect(embed!.headers()['content-security-policy']).toMatch(/frame-ancestors 'self' http:\/\/localhost:\*/);
  expect(connectSrc(await metaPolicy(page))).toContain(other);
  const deep = await page.goto(`/any/address${libraryUrl()}`);
  expect(deep!.fromServiceWorker()).toBe(true);
  expect(connectSrc(deep!.headers()['content-security-policy'] ?? '')).toContain(other);
  await expect(library.getByTestId('allowed-origin')).toHaveAttribute('data-active', 'yes');

  // Removed: it stays in this page's policy until the next load, then it is gone from both policies.
  await listed.getByTestId('remove-origin').click();
  await expect(library.getByTestId('origins-note')).toContainText(`Removed ${other}.`);
  await expect(library.getByTestId('allowed-origins')).toHaveAttribute('data-count', '0');
  const reloadedAgain = page.waitForEvent('load');
  await library.getByTestId('origins-reload').click();
  await reloadedAgain;
  const removedPage = pages.at(-1)!;
  expect(removedPage.fromServiceWorker).toBe(true);
  expect(removedPage.header).toContain('connect-src');
  expect(connectSrc(removedPage.header)).not.toContain(other);
  expect(connectSrc(await metaPolicy(page))).not.toContain(other);
  const seen = server.log.length;
  const after = await fetchFromPage(page, manifestUrl);
  expect(after.outcome).toMatch(/^refused/);
  expect(after.violations.sort()).toEqual([`connect-src ${manifestUrl} (header)`, `connect-src ${manifestUrl} (meta)`]);
  expect(server.log.length).toBe(seen);
  // The installed model stays usable: only new downloads from that host need it.
  await expect(library.getByTestId('library-model')).toHaveCount(1);
  await checkAddress(page);
  await expect(library.getByTestId('allow-question')).toBeVisible();
  expect(server.log.length).toBe(seen);
});

test('without a service worker serving the page, allowing a host is explained instead of failing silently', async ({ browser, page: firstPage }) => {
  test.setTimeout(180_000);
  await firstPage.close();
  // A browser that runs no service worker here (Playwright blocks registration, as some settings do).
  const blocked = await browser.newContext({ serviceWorkers: 'block' });
  const page = await blocked.newPage();
  logConsole(page);
  await page.goto(libraryUrl());
  await checkAddress(page);
  const ask = page.getByTestId('library').getByTestId('allow-origin');
  await expect(ask).toHaveAttribute('data-worker', /starting|unsupported/);
  console.log(`[csp] service workers blocked: data-worker=${await ask.getAttribute('data-worker')}`);
  await expect(ask.getByTestId('allow-explain')).toContainText('.zoepack');
  await expect(ask.getByTestId('allow-confirm')).toHaveCount(0);
  expect(server.log).toEqual([]);
  await blocked.close();

  // Allowed, then loaded by a forced reload, which skips the service worker: the page says so.
  const context = await browser.newContext();
  const second = await context.newPage();
  logConsole(second);
  await second.goto(libraryUrl());
  await waitControlled(second);
  const library = second.getByTestId('library');
  await library.getByTestId('add-url').fill(manifestUrl);
  await library.getByTestId('add-check').click();
  const reloaded = second.waitForEvent('load');
  await library.getByTestId('allow-confirm').click();
  await reloaded;
  await expect(library.getByTestId('add-preview')).toBeVisible();
  const cdp = await context.newCDPSession(second);
  const forced = second.waitForEvent('load');
  await cdp.send('Page.reload', { ignoreCache: true });
  await forced;
  expect(connectSrc(await metaPolicy(second))).not.toContain(other);
  await library.getByTestId('add-url').fill(manifestUrl);
  await library.getByTestId('add-check').click();
  await expect(library.getByTestId('allow-explain')).toContainText(`You allowed ${other}, but this page was loaded without it`);
  await expect(library.getByTestId('allowed-origin')).toHaveAttribute('data-active', 'no');
  await context.close();
});
