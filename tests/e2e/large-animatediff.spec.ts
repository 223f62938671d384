// The full-size random-weight AnimateDiff pack (SD 1.5 UNet + AnimateDiff motion modules, CLIP
// ViT-L/14 text, VAE decoder, at the published sizes; random weights: a TEST FIXTURE that draws
// noise) in real Chromium, through the app's own path: licence, verified install into IndexedDB,
// sessions on WASM with the engine's warm-up (every graph once: one full denoiser step), then one
// whole job. Run by `npm run test:large -- --animatediff <pack dir>` only (gigabytes; never part
// of `npm test`), which passes the folder in ZOETROPE_ANIMATEDIFF_LARGE_PACK. With
// ZOETROPE_AD_WEBGPU=1 it then also makes the sessions on WebGPU (SwiftShader here).
//
// A persistent profile, as large-pack.spec.ts explains (an off-the-record context refuses GBs).
// Prints [large-ad] lines: install MB/s, each session's time, the load's read/session/warm-up
// times, the renderer's peak RSS and the worker's JS heap, and the job's per-step ORT times.
import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, logConsole } from './helpers';
import { describePeaks, gb, sampleMemory, type ProcessPeak } from './large-memory';
import { PackServer } from './pack-server';

const PACK_DIR = process.env['ZOETROPE_ANIMATEDIFF_LARGE_PACK'] ?? '';
// A whole job at 16 frames of 256 x 256 is four UNet calls and 16 VAE calls on two CPU cores.
const JOB_TIMEOUT = Number(process.env['ZOETROPE_AD_JOB_TIMEOUT_S'] ?? '1500') * 1000;
test.skip(!PACK_DIR, 'run with `npm run test:large -- --animatediff <pack dir>`');
test.setTimeout(3_600_000);

interface Manifest {
  id: string;
  totalBytes: number;
  video: { frames: number; width: number; height: number };
  scheduler: { defaultSteps: number };
}

function timings(page: Page): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  page.on('console', (m) => {
    const at = m.text().indexOf('[zoetrope:timing] ');
    if (at >= 0) events.push(JSON.parse(m.text().slice(at + 18)) as Record<string, unknown>);
  });
  return events;
}

/** 'ready', or the error the page shows, whichever comes first. */
async function readyOrError(page: Page, timeout: number): Promise<string> {
  const state = page.getByTestId('model-status');
  const error = page.getByTestId('error');
  const outcome = async () =>
    (await error.count()) > 0 ? `error ${await error.first().getAttribute('data-error-name')}: ${(await error.first().textContent())?.trim()}` : ((await state.getAttribute('data-state')) ?? '');
  let last = '';
  await expect
    .poll(async () => (last = await outcome()), { timeout, intervals: [2000] })
    .toMatch(/^(ready|error )/);
  return last;
}

function logLoad(backend: string, events: Record<string, unknown>[], from: number, peaks: ProcessPeak[]): void {
  for (const s of events.slice(from).filter((e) => e['event'] === 'session')) console.log(`[large-ad] ${backend} session ${JSON.stringify(s)}`);
  const load = events.slice(from).find((e) => e['event'] === 'load');
  if (load) console.log(`[large-ad] ${backend} load ${JSON.stringify({ readMs: load['readMs'], sessionMs: load['sessionMs'], warmUpMs: load['warmUpMs'], graphs: load['graphs'] })}`);
  console.log(`[large-ad] ${backend} memory: ${describePeaks(peaks)}`);
}

test('the full-size random-weight AnimateDiff pack: install, WASM sessions with a warm-up step, one job', async ({ playwright, baseURL }, testInfo) => {
  const manifest = JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')) as Manifest;
  const profile = mkdtempSync(join(process.env['ZOETROPE_LARGE_PROFILE_DIR'] ?? tmpdir(), 'zoetrope-large-ad-profile-'));
  const context = await playwright.chromium.launchPersistentContext(profile, { ...testInfo.project.use.launchOptions, baseURL });
  const page = context.pages()[0] ?? (await context.newPage());
  logConsole(page);
  const events = timings(page);
  const server = new PackServer();
  server.packs.set('/ad/manifest.json', PACK_DIR);
  const manifestUrl = `${await server.start()}/ad/manifest.json`;
  try {
    await page.goto(appUrl('wasm', manifestUrl));
    await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'needs-install', { timeout: 60_000 });
    await expect(page.getByTestId('model-status')).toContainText('TEST FIXTURE');
    await page.getByTestId('license-accept').check();
    const memory = sampleMemory(profile);
    const started = Date.now();
    await page.getByTestId('install').click();
    await expect.poll(() => events.some((e) => e['event'] === 'download'), { timeout: 1_200_000, intervals: [1000] }).toBe(true);
    const installMs = Date.now() - started;
    const sent = server.log.filter((l) => l.path.includes('/shards/')).reduce((n, l) => n + l.bytes, 0);
    console.log(`[large-ad] install: ${gb(manifest.totalBytes)} pack, ${gb(sent)} fetched, verified and stored in ${(installMs / 1000).toFixed(1)} s = ${(sent / 1e6 / (installMs / 1000)).toFixed(0)} MB/s`);
    expect(sent).toBe(manifest.totalBytes);

    const loadFrom = events.length;
    const outcome = await readyOrError(page, 2_400_000);
    const loadPeaks = await memory.stop();
    console.log(`[large-ad] wasm: ${outcome.slice(0, 400)}, ${((Date.now() - started) / 1000).toFixed(1)} s after the click`);
    logLoad('wasm', events, loadFrom, loadPeaks);
    expect(outcome).toBe('ready');
    expect(await page.getByTestId('model-status').getAttribute('data-backend')).toBe('wasm');

    // One whole job (the pack's only step count, no guidance): per-step ORT times from the engine.
    const jobMemory = sampleMemory(profile);
    await page.getByTestId('prompt').fill('a red ball bouncing on green grass');
    await page.getByTestId('seed').fill('42');
    const jobFrom = events.length;
    const jobStarted = Date.now();
    await page.getByTestId('generate').click();
    const result = page.getByTestId('result');
    const error = page.getByTestId('error');
    const progress = page.locator('.progress .text');
    let lastProgress = '';
    const job = async () => {
      if ((await progress.count()) > 0) {
        const t = ((await progress.first().textContent()) ?? '').trim();
        if (t && t !== lastProgress) console.log(`[large-ad] job ${((Date.now() - jobStarted) / 1000).toFixed(1)} s: ${(lastProgress = t)}`);
      }
      return (await error.count()) > 0 ? `error ${await error.first().getAttribute('data-error-name')}: ${(await error.first().textContent())?.trim()}` : (await result.count()) > 0 ? 'done' : 'running';
    };
    let end = '';
    await expect.poll(async () => (end = await job()), { timeout: JOB_TIMEOUT, intervals: [2000] }).toMatch(/^(done|error )/);
    const jobPeaks = await jobMemory.stop();
    const gen = events.slice(jobFrom).find((e) => e['event'] === 'generate');
    console.log(`[large-ad] wasm job: ${end.slice(0, 300)} after ${((Date.now() - jobStarted) / 1000).toFixed(1)} s; ${JSON.stringify(gen ? { textOrtMs: gen['textOrtMs'], stepOrtMs: gen['stepOrtMs'], decodeMs: gen['decodeMs'], phases: gen['phases'], encodeMs: gen['encodeMs'], totalMs: gen['totalMs'] } : null)}`);
    console.log(`[large-ad] wasm job memory: ${describePeaks(jobPeaks)}`);
    expect(end).toBe('done');
    await expect(result).toHaveAttribute('data-checked', 'yes', { timeout: 120_000 });
    expect(Number(await result.getAttribute('data-frames'))).toBe(manifest.video.frames);

    if (process.env['ZOETROPE_AD_WEBGPU'] === '1') {
      // Sessions only: on SwiftShader one UNet call would take far longer than WASM's.
      const gpuMemory = sampleMemory(profile);
      const gpuFrom = events.length;
      const gpuStarted = Date.now();
      await page.goto(appUrl('webgpu', manifestUrl));
      const gpu = await readyOrError(page, 1_800_000);
      console.log(`[large-ad] webgpu: ${gpu.slice(0, 400)}, ${((Date.now() - gpuStarted) / 1000).toFixed(1)} s`);
      logLoad('webgpu', events, gpuFrom, await gpuMemory.stop());
    }
  } finally {
    await server.stop();
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
