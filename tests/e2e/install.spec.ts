// Installs the TEST FIXTURE pack into IndexedDB, checks every stored shard
// against its SHA-256, then reloads: still installed, nothing downloaded again.
import { expect, test } from '@playwright/test';
import { appUrl, FIXTURE_ID, FIXTURE_SHARDS, FIXTURE_SIZE, logConsole, waitReady } from './helpers';
import { storeFacts } from './store-facts';

test('installs the fixture pack with every shard verified, and keeps it across a reload', async ({ page }) => {
  logConsole(page);
  const shardRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/shards/')) shardRequests.push(r.url());
  });

  await page.goto(appUrl('wasm'));
  await expect(page.getByText('TEST FIXTURE', { exact: true })).toBeVisible();
  await waitReady(page);
  expect(shardRequests).toHaveLength(FIXTURE_SHARDS);

  const stored = await storeFacts(page);
  expect(stored.keys).toHaveLength(FIXTURE_SHARDS);
  expect(stored.verified).toBe(FIXTURE_SHARDS);
  expect(stored.records).toEqual([`${FIXTURE_ID}@0.1.0`]);

  shardRequests.length = 0;
  await page.reload();
  await waitReady(page);
  expect(shardRequests).toEqual([]);
  expect((await storeFacts(page)).verified).toBe(FIXTURE_SHARDS);
});

test('a corrupt shard is refused with IntegrityError, and a retry downloads only what is missing', async ({ page }) => {
  logConsole(page);
  const manifest = (await (await page.request.get(`/models/${FIXTURE_ID}/manifest.json`)).json()) as {
    files: { shards: { sha256: string }[] }[];
  };
  // The pack's last shard: the install stops at it, so the retry needs nothing else.
  const victim = manifest.files.at(-1)!.shards.at(-1)!.sha256;
  await page.route(`**/shards/${victim}`, async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[0] = body[0]! ^ 0xff; // One flipped byte, as a broken proxy might do.
    await route.fulfill({ response, body });
  });
  await page.goto(appUrl('wasm'));
  await expect(page.getByTestId('error')).toHaveAttribute('data-error-name', 'IntegrityError');
  await expect(page.getByTestId('error')).toContainText('damaged');
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'needs-install');

  await page.unroute(`**/shards/${victim}`);
  const shardRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/shards/')) shardRequests.push(r.url());
  });
  await page.getByTestId('install').click();
  await waitReady(page);
  expect(shardRequests.every((u) => u.endsWith(victim))).toBe(true);
  expect(shardRequests.length).toBeGreaterThanOrEqual(1);
});

test('not enough storage fails with StorageQuotaError saying what is needed and free', async ({ page }) => {
  logConsole(page);
  await page.goto('/favicon.svg');
  const cdp = await page.context().newCDPSession(page);
  // A real quota, shrunk by the browser itself (DevTools protocol), below the pack's size.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 200 * 1024 });
  await page.goto(appUrl('wasm'));
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'StorageQuotaError');
  await expect(error).toContainText('not enough storage');
  await error.getByText('Details').click();
  // Chromium's estimate() does not show a DevTools quota override, so the
  // refusal comes from the write itself; the message still says both sizes.
  await expect(error).toContainText(/Needed: [\d.]+ KB\. Free: the browser reported [\d.]+ [KMG]B, but refused to store more\./);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'needs-install');
});

test('a missing model pack shows a plain ModelNotFoundError', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm', '/models/no-such-model/manifest.json'));
  await expect(page.getByTestId('error')).toHaveAttribute('data-error-name', 'ModelNotFoundError');
  await expect(page.getByTestId('error')).toContainText('model was not found');
  await expect(page.getByTestId('generate')).toBeDisabled();
});

test('a pack from another origin waits for one click on "Install model"', async ({ page, baseURL }) => {
  logConsole(page);
  // localhost and 127.0.0.1 are different origins served by the same preview server.
  const remote = `${baseURL!.replace('127.0.0.1', 'localhost')}/models/${FIXTURE_ID}/manifest.json`;
  const shardRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/shards/')) shardRequests.push(r.url());
  });
  await page.goto(appUrl('wasm', remote));
  const install = page.getByTestId('install');
  await expect(install).toBeVisible();
  await expect(install).toContainText(FIXTURE_SIZE);
  expect(shardRequests).toEqual([]);
  await install.click();
  await waitReady(page);
  expect(shardRequests).toHaveLength(FIXTURE_SHARDS);
});

test('download progress shows bytes and time left; removing the model frees its shards', async ({ page }) => {
  logConsole(page);
  // Slow each shard down (content untouched) so the progress can be watched.
  await page.route('**/shards/*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.continue();
  });
  await page.goto(appUrl('wasm'));
  const progress = page.getByTestId('install-progress');
  await expect(progress).toContainText(new RegExp(`Downloading [\\d.]+ (B|KB) of ${FIXTURE_SIZE} · piece \\d of ${FIXTURE_SHARDS}`));
  await expect(progress).toContainText(/about .+ left/);
  const values: number[] = [];
  while ((await page.getByTestId('model-status').getAttribute('data-state')) === 'installing') {
    // Bounded: the bar vanishes the moment the install ends, and an unbounded wait would hang the loop.
    const now = await progress.getByRole('progressbar').getAttribute('aria-valuenow', { timeout: 250 }).catch(() => null);
    if (now !== null) values.push(Number(now));
    await page.waitForTimeout(50);
  }
  expect(values.length).toBeGreaterThan(3);
  expect(values).toEqual([...values].sort((a, b) => a - b)); // Never backwards.
  await waitReady(page);

  await page.getByTestId('remove').click();
  await expect(page.getByTestId('install')).toBeVisible();
  expect((await storeFacts(page)).keys).toEqual([]);
  await expect(page.getByTestId('generate')).toBeDisabled();
});
