// Storage faults, made real in the browser: a quota shrunk through the
// DevTools protocol (Storage.overrideQuotaForOrigin) that runs out in the
// middle of the download, and a browser profile whose IndexedDB cannot open
// (its folder is a plain file, so Chromium's backing store fails exactly as
// on a broken or locked profile): explained, and a .zoepack can still be
// used, held in the page's memory. With the TEST FIXTURE pack.
import { expect, test, type BrowserContext, type BrowserType, type TestInfo } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, expectValidFixtureVideo, FIXTURE_SHARDS, generate, logConsole, waitReady } from './helpers';
import { storeFacts } from './store-facts';

/** Runs `body` in a Chromium whose profile cannot open IndexedDB, then removes the profile. */
async function withoutIndexedDb(
  playwright: { chromium: BrowserType },
  testInfo: TestInfo,
  baseURL: string,
  body: (context: BrowserContext) => Promise<void>,
): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'zoetrope-no-idb-'));
  mkdirSync(join(profile, 'Default'));
  writeFileSync(join(profile, 'Default', 'IndexedDB'), 'not a folder'); // Chromium cannot create its IndexedDB store here.
  const context = await playwright.chromium.launchPersistentContext(profile, { ...testInfo.project.use.launchOptions, baseURL });
  try {
    await body(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test('quota exceeded mid-download: StorageQuotaError, verified shards kept (resumable), and with room again only the rest is fetched', async ({ page }) => {
  logConsole(page);
  await page.goto('/favicon.svg');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  // Room for two or three of the 128 KiB shards once the app's own IndexedDB databases (about 240 KiB
  // of files before any shard) are counted: the quota runs out part-way.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 560 * 1024 });
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
  await withoutIndexedDb(playwright, testInfo, baseURL!, async (context) => {
    const page = context.pages()[0] ?? (await context.newPage());
    logConsole(page);
    await page.goto(appUrl('wasm'));
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('data-error-name', 'StorageUnavailableError');
    await expect(error).toContainText('will not let the site store data');
    await expect(error).toContainText('allow site data');
    await expect(error).toContainText('Internal error opening backing store');
    await expect(page.getByTestId('generate')).toBeDisabled();
  });
});

test('IndexedDB unavailable: a .zoepack opened into memory generates a valid MP4 and is gone after a reload; a damaged one is refused with IntegrityError', async ({ playwright, baseURL }, testInfo) => {
  const work = mkdtempSync(join(tmpdir(), 'zoetrope-memory-pack-'));
  const packFile = join(work, 'fixture.zoepack');
  // Packed with the CLI, as a school's IT person would hand it out.
  expect(spawnSync(process.execPath, ['scripts/zoepack.mjs', 'pack', 'tests/fixtures/fixture-pack', '--out', packFile]).status).toBe(0);
  const damaged = join(work, 'damaged.zoepack');
  const bytes = readFileSync(packFile);
  bytes[200_000] = bytes[200_000]! ^ 0x01; // Inside a stored shard of denoiser.onnx.
  writeFileSync(damaged, bytes);
  try {
    await withoutIndexedDb(playwright, testInfo, baseURL!, async (context) => {
      const page = context.pages()[0] ?? (await context.newPage());
      logConsole(page);
      const shardRequests: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/shards/')) shardRequests.push(r.url());
      });
      await page.goto(appUrl('wasm'));
      const error = page.getByTestId('error');
      await expect(error).toHaveAttribute('data-error-name', 'StorageUnavailableError');
      await expect(error).toContainText('open a .zoepack file below');
      await expect(page.getByTestId('memory-pack')).toContainText('not saved in this browser');

      // The damaged copy: its table of contents is fine, so the engine reads it and the whole-file check refuses it.
      await page.getByTestId('memory-pack-file').setInputFiles(damaged);
      await expect(error).toHaveAttribute('data-error-name', 'IntegrityError');
      await expect(error).toContainText('This .zoepack file is damaged, so its model was not used.');
      await expect(error).toContainText('denoiser.onnx in the .zoepack file does not match its SHA-256');
      await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'failed');
      await expect(page.getByTestId('generate')).toBeDisabled();

      await page.getByTestId('memory-pack-file').setInputFiles(packFile);
      expect(await waitReady(page)).toBe('wasm');
      await expect(error).toHaveCount(0);
      await expect(page.getByTestId('memory-notice')).toContainText('from fixture.zoepack, is held in this page\'s memory only');
      await expect(page.getByTestId('memory-notice')).toContainText('gone when you reload');
      await expect(page.getByTestId('remove')).toHaveCount(0); // Nothing stored, nothing to remove.
      const facts = await generate(page, { prompt: 'a red ball bouncing on the grass', seed: 7, steps: 2 });
      expectValidFixtureVideo(facts);
      expect(shardRequests).toEqual([]); // Every byte came from the file.

      // Held for this page only: a reload finds no model, and says why again.
      await page.reload();
      await expect(error).toHaveAttribute('data-error-name', 'StorageUnavailableError');
      await expect(page.getByTestId('memory-notice')).toHaveCount(0);
      await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'failed');
      await expect(page.getByTestId('generate')).toBeDisabled();
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('IndexedDB unavailable: an AnimateDiff .zoepack held in memory shows its licence first, then counts the prompt with its own CLIP tokenizer', async ({ playwright, baseURL }, testInfo) => {
  const work = mkdtempSync(join(tmpdir(), 'zoetrope-memory-ad-'));
  const packFile = join(work, 'animatediff.zoepack');
  expect(spawnSync(process.execPath, ['scripts/zoepack.mjs', 'pack', 'tests/fixtures/animatediff-tiny-pack', '--out', packFile]).status).toBe(0);
  try {
    await withoutIndexedDb(playwright, testInfo, baseURL!, async (context) => {
      const page = context.pages()[0] ?? (await context.newPage());
      logConsole(page);
      await page.goto(appUrl('wasm'));
      await expect(page.getByTestId('error')).toHaveAttribute('data-error-name', 'StorageUnavailableError');
      await page.getByTestId('memory-pack-file').setInputFiles(packFile);
      // Its licence first: the text, and the button waits for the accept box.
      const licence = JSON.parse(readFileSync('tests/fixtures/animatediff-tiny-pack/manifest.json', 'utf8')).licenseText as string;
      await expect(page.getByTestId('license-step')).toContainText('animatediff.zoepack holds AnimateDiff');
      await expect(page.getByTestId('license-text')).toHaveValue(licence);
      await expect(page.getByTestId('license-step-confirm')).toBeDisabled();
      await page.getByTestId('license-accept').check();
      await page.getByTestId('license-step-confirm').click();
      expect(await waitReady(page)).toBe('wasm');
      // The tokenizer.json comes out of the file in memory, checked like every other file of it.
      await page.getByTestId('prompt').fill('a red ball bouncing on green grass');
      await expect(page.getByTestId('token-count')).toHaveAttribute('data-max', '75');
      await expect(page.getByTestId('token-count')).toContainText('of 75 tokens');
      expect(Number(await page.getByTestId('token-count').getAttribute('data-count'))).toBeGreaterThan(0);
      await page.getByTestId('prompt').fill(Array.from({ length: 12 }, () => 'a red ball bouncing on green grass').join(' and '));
      await expect(page.getByTestId('token-count')).toContainText('the end will be cut');
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
