// .zoepack files between browsers: export the TEST FIXTURE pack from one
// profile, import it into a fresh profile (no shard comes over the network)
// and generate with it; then a truncated copy (file picker) and a tampered
// copy (drag and drop) are both rejected, with nothing left stored.
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, expectValidFixtureVideo, FIXTURE_MANIFEST, FIXTURE_SHARDS, generate, logConsole, waitReady } from './helpers';

const work = mkdtempSync(join(tmpdir(), 'zoetrope-zoepack-e2e-'));
test.afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The library of a fresh profile, on a pack address from another origin so nothing installs by itself. */
async function openLibrary(page: Page, baseURL: string): Promise<void> {
  const remote = `${baseURL.replace('127.0.0.1', 'localhost')}${FIXTURE_MANIFEST}`;
  await page.goto(`/?view=library&backend=wasm&model=${encodeURIComponent(remote)}`);
  await expect(page.getByTestId('library-empty')).toBeVisible();
}

/** The temporary export files in OPFS, name → bytes. */
async function exportFiles(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('zoepack-exports', { create: true });
    const files: Record<string, number> = {};
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
      files[name] = (await handle.getFile()).size;
    }
    return files;
  });
}

async function storedCounts(page: Page): Promise<{ shards: number; models: number }> {
  return page.evaluate(async () => {
    const count = async (db: string, store: string) => {
      const opened = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(db);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      if (!opened.objectStoreNames.contains(store)) return 0;
      return new Promise<number>((resolve) => {
        const r = opened.transaction(store).objectStore(store).count();
        r.onsuccess = () => resolve(r.result);
      });
    };
    return { shards: await count('zoetrope-shards', 'shards'), models: await count('zoetrope-models', 'models') };
  });
}

test('export, import into a fresh profile, generate; truncated and tampered copies are rejected cleanly', async ({ browser, baseURL }) => {
  // Profile 1: install from the network, then export. Headless Chromium cannot
  // click a native save dialog, so the first export runs with no
  // showSaveFilePicker: it streams into a temporary OPFS file, then downloads.
  const first = await browser.newContext();
  await first.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true });
  });
  const a = await first.newPage();
  logConsole(a);
  await a.goto(appUrl('wasm'));
  await waitReady(a);
  await a.getByTestId('nav-library').click();
  const downloading = a.waitForEvent('download');
  await a.getByTestId('export-model').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('zoetrope-fixture-tiny-0.1.0.zoepack');
  const packFile = join(work, download.suggestedFilename());
  await download.saveAs(packFile);
  const packBytes = readFileSync(packFile);
  // The download came from a file on disk in OPFS, not from a Blob in memory.
  expect(await exportFiles(a)).toEqual({ 'zoetrope-fixture-tiny-0.1.0.zoepack': packBytes.byteLength });

  // Where the browser offers a save dialog, the archive streams into the picked
  // file. The dialog is the one part replaced here: it hands back an OPFS file.
  await a.evaluate(() => {
    Object.defineProperty(window, 'showSaveFilePicker', {
      configurable: true,
      value: async () => (await navigator.storage.getDirectory()).getFileHandle('picked.zoepack', { create: true }),
    });
  });
  await a.getByTestId('export-model').click();
  await expect(a.getByTestId('library-note')).toHaveText(/^picked\.zoepack \(.+\) is saved\.$/);
  const picked = await a.evaluate(async () => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle('picked.zoepack')).getFile();
    return Array.from(new Uint8Array(await file.arrayBuffer()));
  });
  expect(Buffer.from(picked).equals(packBytes)).toBe(true);

  // A temporary export left behind (a tab closed mid-export) is removed when the app next starts.
  await a.reload();
  await waitReady(a);
  await expect.poll(() => exportFiles(a)).toEqual({});
  await first.close();

  // Profile 2: import with the file picker; no shard is fetched; generate.
  const second = await browser.newContext();
  const b = await second.newPage();
  logConsole(b);
  const shardRequests: string[] = [];
  b.on('request', (r) => {
    if (r.url().includes('/shards/')) shardRequests.push(r.url());
  });
  await openLibrary(b, baseURL!);
  await b.getByTestId('import-file').setInputFiles(packFile);
  await expect(b.getByTestId('import-done')).toContainText('was imported from zoetrope-fixture-tiny-0.1.0.zoepack: every piece checked');
  await expect(b.getByTestId('library-model')).toContainText('Tiny random-weights TEST FIXTURE 0.1.0');
  expect(await storedCounts(b)).toEqual({ shards: FIXTURE_SHARDS, models: 1 });
  await b.goto(appUrl('wasm'));
  await waitReady(b);
  expectValidFixtureVideo(await generate(b, { prompt: 'a blue square moving up', seed: 5, steps: 2 }));
  expect(shardRequests).toEqual([]);
  await second.close();

  // Profile 3: a truncated copy by the picker, a tampered copy by drag and drop.
  const bytes = readFileSync(packFile);
  const truncated = join(work, 'truncated.zoepack');
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.byteLength * 0.6)));
  const tampered = Buffer.from(bytes);
  tampered[200_000] = tampered[200_000]! ^ 0x01; // Inside a shard's stored bytes.

  const third = await browser.newContext();
  const c = await third.newPage();
  logConsole(c);
  await openLibrary(c, baseURL!);
  await c.getByTestId('import-file').setInputFiles(truncated);
  const error = c.getByTestId('import').getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'PackFileError');
  await expect(error).toContainText('cannot be used, so nothing from it was installed');
  expect(await storedCounts(c)).toEqual({ shards: 0, models: 0 });
  await error.getByRole('button', { name: 'Dismiss' }).click();

  const dataTransfer = await c.evaluateHandle((b64) => {
    const raw = atob(b64);
    const data = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], 'tampered.zoepack'));
    return transfer;
  }, tampered.toString('base64'));
  await c.getByTestId('import-zone').dispatchEvent('drop', { dataTransfer });
  await expect(error).toHaveAttribute('data-error-name', 'PackFileError');
  await error.getByText('Details').click();
  await expect(error).toContainText('does not match its SHA-256');
  // Shards of the tampered file that checked out before the bad one were stored, then removed again.
  expect(await storedCounts(c)).toEqual({ shards: 0, models: 0 });
  await expect(c.getByTestId('library-empty')).toBeVisible();
  await third.close();
});

test('a .zoepack with a licence text: the licence before anything is stored; Cancel stores nothing, accept imports it', async ({ page, baseURL }) => {
  logConsole(page);
  const work = mkdtempSync(join(tmpdir(), 'zoetrope-licence-import-'));
  const packFile = join(work, 'animatediff.zoepack');
  expect(spawnSync(process.execPath, ['scripts/zoepack.mjs', 'pack', 'tests/fixtures/animatediff-tiny-pack', '--out', packFile]).status).toBe(0);
  const licence = JSON.parse(readFileSync('tests/fixtures/animatediff-tiny-pack/manifest.json', 'utf8')).licenseText as string;
  try {
    await openLibrary(page, baseURL!);
    await page.getByTestId('import-file').setInputFiles(packFile);
    await expect(page.getByTestId('license-text')).toHaveValue(licence);
    await expect(page.getByTestId('license-step-confirm')).toBeDisabled();
    await page.getByTestId('license-step-cancel').click();
    await expect(page.getByTestId('license-step')).toHaveCount(0);
    expect(await storedCounts(page)).toEqual({ shards: 0, models: 0 });

    await page.getByTestId('import-file').setInputFiles(packFile);
    await page.getByTestId('license-accept').check();
    await page.getByTestId('license-step-confirm').click();
    await expect(page.getByTestId('import-done')).toContainText('was imported from animatediff.zoepack: every piece checked');
    await expect(page.getByTestId('library-model').filter({ hasText: 'AnimateDiff' })).toHaveCount(1);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
