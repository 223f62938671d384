// Storage faults, made real in the browser: a quota shrunk through the
// DevTools protocol (Storage.overrideQuotaForOrigin) that runs out in the
// middle of the download, and a browser profile whose IndexedDB cannot open
// (its folder is a plain file, so Chromium's backing store fails exactly as
// on a broken or locked profile). With the TEST FIXTURE pack.
import { expect, test } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, FIXTURE_SHARDS, logConsole, waitReady } from './helpers';
import { storeFacts } from './store-facts';

test('quota exceeded mid-download: StorageQuotaError, verified shards kept (resumable), and with room again only the rest is fetched', async ({ page }) => {
  logConsole(page);
  await page.goto('/favicon.svg');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  // Room for two or three of the six 128 KiB shards: the quota runs out part-way.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 400 * 1024 });
  await page.goto(appUrl('wasm'));
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'StorageQuotaError');
  await expect(error).toContainText('not enough storage');
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'needs-install');

  const kept = await storeFacts(page);
  console.log(`[figures] quota mid-download: ${kept.keys.length} of ${FIXTURE_SHARDS} shards kept, all verified: ${kept.verified === kept.keys.length}`);
  expect(kept.records).toEqual([]); // Never counted as installed.
  expect(kept.keys.length).toBeGreaterThan(0);
  expect(kept.keys.length).toBeLessThan(FIXTURE_SHARDS);
  expect(kept.verified).toBe(kept.keys.length);

  await cdp.send('Storage.overrideQuotaForOrigin', { origin }); // The user freed space.
  const fetched: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/shards/')) fetched.push(r.url());
  });
  await page.getByTestId('install').click();
  await waitReady(page);
  expect(fetched).toHaveLength(FIXTURE_SHARDS - kept.keys.length);
  const whole = await storeFacts(page);
  expect([whole.keys.length, whole.verified, whole.records.length]).toEqual([FIXTURE_SHARDS, FIXTURE_SHARDS, 1]);
});

test('IndexedDB unavailable: the page says the browser will not let it store data, and what to do', async ({ playwright, baseURL }, testInfo) => {
  const profile = mkdtempSync(join(tmpdir(), 'zoetrope-no-idb-'));
  mkdirSync(join(profile, 'Default'));
  writeFileSync(join(profile, 'Default', 'IndexedDB'), 'not a folder'); // Chromium cannot create its IndexedDB store here.
  const context = await playwright.chromium.launchPersistentContext(profile, { ...testInfo.project.use.launchOptions, baseURL: baseURL! });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    logConsole(page);
    await page.goto(appUrl('wasm'));
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('data-error-name', 'StorageUnavailableError');
    await expect(error).toContainText('will not let the site store data');
    await expect(error).toContainText('allow site data');
    await expect(error).toContainText('Internal error opening backing store');
    await expect(page.getByTestId('generate')).toBeDisabled();
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
