// Network faults during a model download, against a real pack server on
// 127.0.0.1 that misbehaves on purpose (tests/e2e/pack-server.ts), with the
// TEST FIXTURE pack: a connection dropped mid-shard, HTTP 404 / 500 / 429 on
// a shard (bounded retry with back-off, Retry-After honoured), a very slow
// server, and wrong bytes. In every case either the retry succeeds or a clear
// error shows, and a model never counts as installed with bad data.
import { expect, test, type Page } from '@playwright/test';
import { FIXTURE_BYTES, FIXTURE_SHARDS, logConsole } from './helpers';
import { type PackServer, startFixtureServer } from './pack-server';
import { storeFacts } from './store-facts';

const FIXTURE_KEY = 'zoetrope-fixture-tiny@0.1.0';
let server: PackServer;
let origin: string;

test.beforeEach(async () => ({ server, origin } = await startFixtureServer('/p/manifest.json')));
test.afterEach(async () => server.stop());

async function startDownload(page: Page): Promise<void> {
  const url = `${origin}/p/manifest.json`;
  await page.goto(`/?view=library&backend=wasm&model=${encodeURIComponent(url)}`);
  await page.getByTestId('add-url').fill(url);
  await page.getByTestId('add-check').click();
  await expect(page.getByTestId('add-preview')).toBeVisible();
  await page.getByTestId('add-download').click();
}

/** The pack installed, every stored shard hashes to its name, nothing partial is left. */
async function expectInstalledIntact(page: Page): Promise<void> {
  await expect(page.getByTestId('library-model')).toHaveCount(1);
  const facts = await storeFacts(page);
  expect(facts.records).toEqual([FIXTURE_KEY]);
  expect(facts.keys).toHaveLength(FIXTURE_SHARDS);
  expect(facts.verified).toBe(FIXTURE_SHARDS);
  expect(facts.partials).toBe(0);
}

/** Not installed, and whatever was kept is only verified shards (resumable). */
async function expectNotInstalledNothingBad(page: Page): Promise<void> {
  await expect(page.getByTestId('library-model')).toHaveCount(0);
  const facts = await storeFacts(page);
  expect(facts.records).toEqual([]);
  expect(facts.verified).toBe(facts.keys.length);
}

const shardRequests = () => server.log.filter((l) => l.path.includes('/shards/'));
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

test('a connection dropped mid-shard is retried at once from the byte it stopped at, without the user doing anything', async ({ page }) => {
  logConsole(page);
  server.dropAfter(200_000, false); // Inside the second shard (128 KiB each); the network comes back.
  await startDownload(page);
  await expectInstalledIntact(page);
  await expect(page.getByTestId('error')).toHaveCount(0);
  const resumed = shardRequests().filter((l) => l.status === 206);
  expect(resumed).toHaveLength(1);
  const sent = server.shardBytesSent();
  console.log(`[figures] dropped mid-shard: ${sent} B sent for a ${FIXTURE_BYTES} B pack (${sent - FIXTURE_BYTES} B twice), resumed with Range ${resumed[0]!.range}`);
  expect(sent).toBe(FIXTURE_BYTES);
});

test('HTTP 500 twice on a shard: retried after a growing back-off, then installed', async ({ page }) => {
  logConsole(page);
  server.shardFault = { status: 500, count: 2 };
  await startDownload(page);
  await expectInstalledIntact(page);
  const first = shardRequests().slice(0, 3);
  expect(first.map((l) => l.status)).toEqual([500, 500, 200]);
  expect(new Set(first.map((l) => l.path)).size).toBe(1);
  const waits = gaps(first.map((l) => l.at));
  console.log(`[figures] 500 back-off: waits ${waits.join(', ')} ms`);
  expect(waits[0]).toBeGreaterThanOrEqual(450);
  expect(waits[1]).toBeGreaterThanOrEqual(950);
});

test('HTTP 429 with Retry-After: waits as long as the server asks, then installed', async ({ page }) => {
  logConsole(page);
  server.shardFault = { status: 429, count: 1, retryAfter: '2' };
  await startDownload(page);
  await expectInstalledIntact(page);
  const [limited, next] = shardRequests();
  expect(limited!.status).toBe(429);
  console.log(`[figures] 429 Retry-After 2: retried after ${next!.at - limited!.at} ms`);
  expect(next!.at - limited!.at).toBeGreaterThanOrEqual(1950);
});

test('HTTP 429 asking for an hour: a clear "server is busy" error at once, resumable later', async ({ page }) => {
  logConsole(page);
  server.shardFault = { status: 429, count: Infinity, retryAfter: '3600' };
  await startDownload(page);
  const error = page.getByTestId('error').last();
  await expect(error).toHaveAttribute('data-error-name', 'DownloadError');
  await expect(error).toContainText('too busy');
  await expect(error).toContainText('wait 3600 s');
  expect(shardRequests()).toHaveLength(1);
  await expectNotInstalledNothingBad(page);
  server.shardFault = null;
  await page.getByTestId('resume').click();
  await expectInstalledIntact(page);
});

const persistent = [
  { title: 'HTTP 500 on every try: gives up after 4 tries with a clear error, nothing installed', status: 500, says: ['download stopped', 'Tried 4 times'], tries: 4 },
  { title: 'HTTP 404 on a shard: not retried, says the piece is missing on the server, nothing installed', status: 404, says: ['missing on the server'], tries: 1 },
];
for (const c of persistent) {
  test(c.title, async ({ page }) => {
    logConsole(page);
    server.shardFault = { status: c.status, count: Infinity };
    await startDownload(page);
    const error = page.getByTestId('error').last();
    await expect(error).toHaveAttribute('data-error-name', 'DownloadError');
    for (const text of c.says) await expect(error).toContainText(text);
    expect(shardRequests()).toHaveLength(c.tries);
    await expect(page.getByTestId('add-model')).toHaveAttribute('data-phase', 'paused');
    await expectNotInstalledNothingBad(page);
  });
}

test('wrong bytes: IntegrityError after one more try, nothing marked installed; correct bytes then install', async ({ page }) => {
  logConsole(page);
  server.corrupt = true;
  await startDownload(page);
  const error = page.getByTestId('error').last();
  await expect(error).toHaveAttribute('data-error-name', 'IntegrityError');
  await expect(error).toContainText('arrived damaged');
  expect(shardRequests()).toHaveLength(2); // The same shard, fetched once more from byte 0.
  await expectNotInstalledNothingBad(page);
  expect((await storeFacts(page)).partials).toBe(0); // Bad bytes are not kept for a resume.
  server.corrupt = false;
  await page.getByTestId('resume').click();
  await expectInstalledIntact(page);
});

test('a very slow server: progress keeps moving, and Cancel stops it at once and leaves nothing', async ({ page }) => {
  logConsole(page);
  server.chunkDelayMs = 400; // 16 KiB every 0.4 s: about 40 KB/s, the whole pack would take 12 s.
  await startDownload(page);
  const bar = page.getByTestId('download-progress').getByRole('progressbar');
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    await page.waitForTimeout(1000);
    seen.push(Number(await bar.getAttribute('aria-valuenow')));
  }
  console.log(`[figures] slow server: progress ${seen.join(' → ')} % at 1 s intervals`);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(seen.at(-1)!).toBeGreaterThan(seen[0]!);
  const asked = Date.now();
  await page.getByTestId('cancel-download').click();
  await expect(page.getByTestId('add-done')).toContainText('was cancelled');
  console.log(`[figures] slow server: cancel took ${Date.now() - asked} ms`);
  const facts = await storeFacts(page);
  expect([facts.keys.length, facts.partials, facts.records.length]).toEqual([0, 0, 0]);
});
