// Downloads that are interrupted, resumed, cancelled and updated, against a
// real pack server on 127.0.0.1 that drops the connection on purpose. Each
// test prints the bytes sent against the ideal ([figures] lines).
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectValidFixtureVideo, FIXTURE_BYTES, generate, logConsole, waitReady } from './helpers';
import { FIXTURE_PACK_DIR, makeUpdatedFixturePack, type PackServer, startFixtureServer } from './pack-server';
import { countRows } from './store-facts';

let server: PackServer;
let origin: string;

test.beforeEach(async () => ({ server, origin } = await startFixtureServer('/p/manifest.json')));
test.afterEach(async () => server.stop());

const manifestUrl = () => `${origin}/p/manifest.json`;

async function openLibrary(page: Page): Promise<void> {
  await page.goto(`/?view=library&backend=wasm&model=${encodeURIComponent(manifestUrl())}`);
  await expect(page.getByTestId('library')).toBeVisible();
}

async function check(page: Page): Promise<void> {
  await page.getByTestId('add-url').fill(manifestUrl());
  await page.getByTestId('add-check').click();
  await expect(page.getByTestId('add-preview')).toBeVisible();
}

/** Installs version 0.1.0 of the fixture pack from the pack server, through the library. */
async function installFirstVersion(page: Page): Promise<void> {
  await openLibrary(page);
  await check(page);
  await page.getByTestId('add-download').click();
  await expect(page.getByTestId('library-model')).toContainText('0.1.0');
}

function shardsOf(dir: string): Map<string, number> {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: { shards: { sha256: string; size: number }[] }[] };
  return new Map(m.files.flatMap((f) => f.shards.map((s) => [s.sha256, s.size] as const)));
}

test('a download cut off halfway resumes after a reload, fetching only the bytes it did not have', async ({ page }) => {
  logConsole(page);
  server.dropAfter(Math.floor(FIXTURE_BYTES / 2)); // Mid-shard: the connection drops, then the network stays down.
  await openLibrary(page);
  await check(page);
  await page.getByTestId('add-download').click();
  await expect(page.getByTestId('error').last()).toHaveAttribute('data-error-name', 'DownloadError');
  await expect(page.getByTestId('add-model')).toHaveAttribute('data-phase', 'paused');
  const firstSent = server.shardBytesSent();

  server.down = false;
  const from = server.log.length;
  await page.reload();
  await expect(page.getByTestId('pending')).toContainText('Unfinished download: Tiny random-weights TEST FIXTURE 0.1.0');
  await page.getByTestId('pending-continue').click();
  await page.getByTestId('add-download').click();
  await expect(page.getByTestId('library-model')).toHaveCount(1);
  await expect(page.getByTestId('pending')).toHaveCount(0);

  const secondSent = server.shardBytesSent(from);
  const ideal = FIXTURE_BYTES - firstSent;
  console.log(`[figures] resume: first try sent ${firstSent} B before the drop; after the reload ${secondSent} B were sent, ideal ${ideal} B (${secondSent - ideal} B re-downloaded)`);
  expect(server.log.slice(from).some((l) => l.status === 206 && l.range !== null)).toBe(true); // Resumed inside the cut shard.
  expect(secondSent).toBe(ideal);
  expect(await countRows(page, 'zoetrope-partials', 'parts')).toBe(0);
});

test('cancel removes everything the unfinished download stored', async ({ page }) => {
  logConsole(page);
  server.chunkDelayMs = 60;
  await openLibrary(page);
  await check(page);
  await page.getByTestId('add-download').click();
  await expect(page.getByTestId('download-progress')).toContainText(/Downloaded [\d.]+ KB/);
  await expect.poll(() => countRows(page, 'zoetrope-shards', 'shards')).toBeGreaterThan(0);
  await page.getByTestId('cancel-download').click();
  await expect(page.getByTestId('add-done')).toContainText('was cancelled');
  expect(await countRows(page, 'zoetrope-shards', 'shards')).toBe(0);
  expect(await countRows(page, 'zoetrope-partials', 'parts')).toBe(0);
  await page.reload();
  await expect(page.getByTestId('library-empty')).toBeVisible();
  await expect(page.getByTestId('pending')).toHaveCount(0);
});

test('an update where one file changed fetches only its shards, keeps the old version through a failure, and swaps over', async ({ page }) => {
  logConsole(page);
  test.setTimeout(360_000); // Two installs, an engine load and a generation, on a busy 2-core machine.
  const updated = makeUpdatedFixturePack();
  try {
    await installFirstVersion(page);

    // The publisher replaces the pack at the same URL with version 0.2.0 (tokenizer.json changed).
    server.packs.set('/p/manifest.json', updated.dir);
    const oldShards = shardsOf(FIXTURE_PACK_DIR);
    const changed = [...shardsOf(updated.dir)].filter(([sha]) => !oldShards.has(sha));
    const ideal = changed.reduce((n, [, size]) => n + size, 0);
    expect(changed.length).toBeGreaterThan(0);

    await check(page);
    await expect(page.getByTestId('add-update')).toContainText('from 0.1.0');
    await expect(page.getByTestId('add-preview')).toHaveAttribute('data-missing-bytes', String(ideal));

    // First try: the connection drops part-way. The old version must stay installed and complete.
    const from = server.log.length;
    server.dropAfter(Math.floor(ideal / 2));
    await page.getByTestId('add-download').click();
    await expect(page.getByTestId('add-model')).toHaveAttribute('data-phase', 'paused');
    await page.getByTestId('nav-generate').click();
    await page.getByTestId('nav-library').click();
    await expect(page.getByTestId('library-model')).toHaveCount(1);
    await expect(page.getByTestId('library-model')).toContainText('0.1.0');

    server.down = false;
    await page.getByTestId('resume').click();
    await expect(page.getByTestId('library-model')).toContainText('0.2.0');
    await expect(page.getByTestId('library-model')).toHaveCount(1);
    await expect(page.getByTestId('default-badge')).toBeVisible(); // The default follows the update.

    const fetched = server.log.slice(from).filter((l) => l.path.includes('/shards/'));
    const sent = fetched.reduce((n, l) => n + l.bytes, 0);
    console.log(`[figures] update: ${sent} B sent for ${changed.length} changed shard(s) of ${ideal} B (pack ${FIXTURE_BYTES} B), with one dropped connection; ${sent - ideal} B re-downloaded`);
    expect(new Set(fetched.map((l) => l.path.split('/').pop()))).toEqual(new Set(changed.map(([sha]) => sha)));
    expect(sent).toBe(ideal);
    // Shards only the old version used are gone; no partial bytes are left.
    expect(await countRows(page, 'zoetrope-shards', 'shards')).toBe(shardsOf(updated.dir).size);
    expect(await countRows(page, 'zoetrope-partials', 'parts')).toBe(0);

    // The new version generates.
    await page.goto(`/?backend=wasm&model=${encodeURIComponent(manifestUrl())}`);
    await waitReady(page);
    expectValidFixtureVideo(await generate(page, { prompt: 'a red ball moving left', seed: 3, steps: 2 }));
  } finally {
    updated.cleanup();
  }
});

test('"Check for updates" on a model finds the newer version at its URL, with its cost, and updates through Add a model', async ({ page }) => {
  logConsole(page);
  test.setTimeout(180_000);
  const updated = makeUpdatedFixturePack();
  try {
    await installFirstVersion(page);

    const status = page.getByTestId('update-status');
    await page.getByTestId('check-update').click();
    await expect(status).toHaveAttribute('data-state', 'current');
    await expect(status).toHaveText('0.1.0 is the newest version at its address.');

    // The publisher puts 0.2.0 at the same URL: only the changed file's shards are to download.
    server.packs.set('/p/manifest.json', updated.dir);
    const oldShards = shardsOf(FIXTURE_PACK_DIR);
    const ideal = [...shardsOf(updated.dir)].filter(([sha]) => !oldShards.has(sha)).reduce((n, [, size]) => n + size, 0);
    const from = server.log.length;
    await page.getByTestId('check-update').click();
    await expect(status).toHaveAttribute('data-state', 'newer');
    await expect(status).toContainText(`A newer version, 0.2.0, is at its address: ${ideal < 1024 ? `${ideal} B` : `${(ideal / 1024).toFixed(1)} KB`} to download`);
    expect(server.log.slice(from).map((l) => l.path)).toEqual(['/p/manifest.json']); // Checking downloads nothing else.

    await page.getByTestId('update-offer').click();
    await expect(page.getByTestId('add-update')).toContainText('from 0.1.0');
    await expect(page.getByTestId('add-preview')).toHaveAttribute('data-missing-bytes', String(ideal));
    await page.getByTestId('add-download').click();
    await expect(page.getByTestId('library-model')).toContainText('0.2.0');
    await expect(page.getByTestId('library-model')).toHaveCount(1);
    const sent = server.log.slice(from).filter((l) => l.path.includes('/shards/')).reduce((n, l) => n + l.bytes, 0);
    expect(sent).toBe(ideal);
  } finally {
    updated.cleanup();
  }
});
