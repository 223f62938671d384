// A multi-GB pack in real Chromium, through the app's own verified path: the
// large-pack TEST FIXTURE (scripts/make-large-pack.py: 2.7 GB of random
// weights in 11 external-data files of <= 256 MiB, packed in 64 MiB shards).
// Run by `npm run test:large` only (it writes several GB; it is not part of
// `npm test`), which makes the pack and passes its folder in ZOETROPE_LARGE_PACK.
//
// A persistent profile on disk, as a person's browser has: Playwright's
// default context is off the record, whose IndexedDB lives in memory and
// refused a write at 1.6 GB here (QuotaExceededError) while estimate()
// reported 12 GB of quota. One context, in order, so that the 2.7 GB are stored once:
//  1. the quota runs out part-way through the install (a DevTools quota
//     override, which the browser's estimate does not show, so the install
//     starts): StorageQuotaError, no install record, every kept shard verified;
//  2. a reload with room again resumes: only the shards not stored are fetched;
//  3. sessions on WASM, then on WebGPU (SwiftShader), each with one 1-step video.
// Prints install MB/s, session-creation time, the worker's JS heap and the
// renderer and GPU processes' RSS ([large] lines).
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, generate, logConsole, waitReady } from './helpers';
import { describePeaks, gb, sampleMemory, type ProcessPeak } from './large-memory';
import { PackServer } from './pack-server';

const PACK_DIR = process.env['ZOETROPE_LARGE_PACK'] ?? '';
test.skip(!PACK_DIR, 'run with `npm run test:large` (ZOETROPE_LARGE_PACK names the large pack folder)');
test.setTimeout(1_800_000);

interface Manifest {
  totalBytes: number;
  files: { path: string; size: number; shards: { sha256: string; size: number }[] }[];
}

/** Every stored shard key, each hashed again one at a time (getAll of GBs would hold them all at once). */
async function storedShards(page: Page): Promise<{ keys: string[]; verified: number; records: number }> {
  return page.evaluate(async () => {
    const open = (name: string) =>
      new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const request = <T,>(db: IDBDatabase, store: string, make: (s: IDBObjectStore) => IDBRequest) =>
      new Promise<T>((resolve, reject) => {
        if (!db.objectStoreNames.contains(store)) return resolve([] as T);
        const r = make(db.transaction(store).objectStore(store));
        r.onsuccess = () => resolve(r.result as T);
        r.onerror = () => reject(r.error);
      });
    const shards = await open('zoetrope-shards');
    const keys = await request<string[]>(shards, 'shards', (s) => s.getAllKeys());
    let verified = 0;
    for (const key of keys) {
      const bytes = await request<Uint8Array>(shards, 'shards', (s) => s.get(key));
      const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
      if (Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('') === key) verified++;
    }
    const records = (await request<string[]>(await open('zoetrope-models'), 'models', (s) => s.getAllKeys())).length;
    return { keys, verified, records };
  });
}

/** Collects the app's [zoetrope:timing] events (page and worker). */
function timings(page: Page): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  page.on('console', (m) => {
    const at = m.text().indexOf('[zoetrope:timing] ');
    if (at >= 0) events.push(JSON.parse(m.text().slice(at + 18)) as Record<string, unknown>);
  });
  return events;
}

test('a 2.7 GB pack: quota runs out part-way, a reload resumes it, and it loads and runs on WASM and WebGPU', async ({ playwright, baseURL }, testInfo) => {
  const profile = mkdtempSync(join(process.env['ZOETROPE_LARGE_PROFILE_DIR'] ?? tmpdir(), 'zoetrope-large-profile-'));
  const context = await playwright.chromium.launchPersistentContext(profile, { ...testInfo.project.use.launchOptions, baseURL });
  const page = context.pages()[0] ?? (await context.newPage());
  logConsole(page);
  const manifest = JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')) as Manifest;
  const shards = new Map(manifest.files.flatMap((f) => f.shards.map((s) => [s.sha256, s.size] as const)));
  const events = timings(page);
  const server = new PackServer();
  server.packs.set('/large/manifest.json', PACK_DIR);
  const manifestUrl = `${await server.start()}/large/manifest.json`;
  try {
    // 1. The quota runs out part-way.
    await page.goto('/favicon.svg');
    const cdp = await context.newCDPSession(page);
    const origin = new URL(page.url()).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1024 * 2 ** 20 });
    await page.goto(appUrl('wasm', manifestUrl));
    const firstStarted = Date.now();
    await page.getByTestId('install').click();
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('data-error-name', 'StorageQuotaError', { timeout: 600_000 });
    await expect(error).toContainText('not enough storage');
    const firstMs = Date.now() - firstStarted;
    const kept = await storedShards(page);
    console.log(`[large] quota 1 GiB: StorageQuotaError after ${(firstMs / 1000).toFixed(1)} s; ${kept.keys.length} of ${shards.size} shards kept, ${kept.verified} verified, ${kept.records} install records; "${(await error.textContent())?.trim().slice(0, 200)}"`);
    expect(kept.records).toBe(0);
    expect(kept.keys.length).toBeGreaterThan(0);
    expect(kept.keys.length).toBeLessThan(shards.size);
    expect(kept.verified).toBe(kept.keys.length);
    const keptBytes = kept.keys.reduce((n, k) => n + (shards.get(k) ?? 0), 0);

    // 2. Room again, and a reload: only what was not stored is fetched.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    const from = server.log.length;
    await page.reload();
    const memory = sampleMemory(profile);
    const installStarted = Date.now();
    await page.getByTestId('install').click();
    await expect.poll(() => events.some((e) => e['event'] === 'download'), { timeout: 900_000, intervals: [1000] }).toBe(true);
    const installMs = Date.now() - installStarted;
    const fetched = server.log.slice(from).filter((l) => l.path.includes('/shards/'));
    const fetchedBytes = fetched.reduce((n, l) => n + l.bytes, 0);
    // The shard the refusal cut short had its downloaded pieces saved (partial-db): those bytes are not fetched again either.
    const resumed = Number(events.find((e) => e['event'] === 'download')?.['resumedBytes'] ?? 0);
    console.log(`[large] resumed install: ${fetched.length} shards, ${gb(fetchedBytes)} fetched in ${(installMs / 1000).toFixed(1)} s = ${(fetchedBytes / 1e6 / (installMs / 1000)).toFixed(0)} MB/s (verified and stored); ${gb(keptBytes)} of whole shards and ${gb(resumed)} of a cut one kept from before, not fetched again`);
    expect(new Set(fetched.map((l) => l.path.split('/').pop())).size).toBe(shards.size - kept.keys.length);
    expect(resumed).toBeLessThan(64 * 2 ** 20);
    expect(fetchedBytes).toBe(manifest.totalBytes - keptBytes - resumed);

    // 3a. Sessions on WASM, and one video.
    await loadAndRun(page, events, 'wasm', memory, installStarted);

    // 3b. The same installed pack on WebGPU.
    await page.goto(appUrl('webgpu', manifestUrl));
    const gpuMemory = sampleMemory(profile);
    await loadAndRun(page, events, 'webgpu', gpuMemory, Date.now());
  } finally {
    await server.stop();
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

async function loadAndRun(page: Page, events: Record<string, unknown>[], backend: 'wasm' | 'webgpu', memory: { stop(): Promise<ProcessPeak[]> }, started: number): Promise<void> {
  const before = events.length;
  const state = page.getByTestId('model-status');
  await expect
    .poll(async () => ((await page.getByTestId('error').count()) > 0 ? `error ${await page.getByTestId('error').first().getAttribute('data-error-name')}: ${await page.getByTestId('error').first().textContent()}` : await state.getAttribute('data-state')), {
      timeout: 1_200_000,
      intervals: [1000],
    })
    .toBe('ready');
  const peaks = await memory.stop();
  expect(await waitReady(page)).toBe(backend);
  const load = events.slice(before).find((e) => e['event'] === 'load') ?? events.findLast((e) => e['event'] === 'load');
  const sessions = events.slice(before).filter((e) => e['event'] === 'session');
  const device = events.slice(before).find((e) => e['event'] === 'webgpu-device');
  console.log(`[large] ${backend}: ready ${((Date.now() - started) / 1000).toFixed(1)} s after the click; load ${JSON.stringify({ readMs: load?.['readMs'], sessionMs: load?.['sessionMs'], warmUpMs: load?.['warmUpMs'] })}`);
  for (const s of sessions) console.log(`[large] ${backend} session ${JSON.stringify(s)}`);
  if (device) console.log(`[large] ${backend} device limits ${JSON.stringify(device)}`);
  console.log(`[large] ${backend} memory while installing/loading: ${describePeaks(peaks)}`);
  const runStarted = Date.now();
  const facts = await generate(page, { prompt: 'a red ball', seed: 1, steps: 1 }, 900_000);
  console.log(`[large] ${backend}: one 1-step video in ${((Date.now() - runStarted) / 1000).toFixed(1)} s (${facts.codec}, ${facts.frames} frame, ${facts.width}x${facts.height}, backend ${facts.backend})`);
  expect(facts.backend).toBe(backend);
  expect(facts.frames).toBe(1);
  expect(facts.decodedFrames).toBe(1);
}
