// Shared steps of the e2e specs: open the app on the TEST FIXTURE pack (tiny
// random weights, tests/fixtures/fixture-pack), wait for states, generate,
// and read the facts the page exposes about its result.
import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { formatBytes } from '../../src/lib/format';

export const FIXTURE_ID = 'zoetrope-fixture-tiny';
export const FIXTURE_MANIFEST = `/models/${FIXTURE_ID}/manifest.json`;
// Read from the committed fixture pack, so a re-exported fixture does not break the figures the tests expect.
const fixturePack = JSON.parse(readFileSync(new URL('../fixtures/fixture-pack/manifest.json', import.meta.url), 'utf8')) as {
  totalBytes: number;
  files: { shards: { sha256: string }[] }[];
};
/** Distinct shards of the fixture pack (what an install fetches). */
export const FIXTURE_SHARDS = new Set(fixturePack.files.flatMap((f) => f.shards.map((s) => s.sha256))).size;
/** The fixture pack's bytes, and its size as the page writes it ("554 KB"). */
export const FIXTURE_BYTES = fixturePack.totalBytes;
export const FIXTURE_SIZE = formatBytes(fixturePack.totalBytes);

export function appUrl(backend: 'auto' | 'webgpu' | 'wasm', model = FIXTURE_MANIFEST): string {
  return `/?model=${encodeURIComponent(model)}&backend=${backend}`;
}

/** Forwards page and worker console output to the test log (Playwright sees worker logs too). */
export function logConsole(page: Page): void {
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') console.log(`[browser ${msg.type()}] ${msg.text()}`);
  });
  page.on('pageerror', (err) => console.log(`[pageerror] ${err.message}`));
}

export async function waitReady(page: Page, timeout = 120_000): Promise<string> {
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'ready', { timeout });
  return (await status.getAttribute('data-backend')) ?? '';
}

/**
 * Loses the GPU device in the middle of the running job, through the engine worker's test hook
 * (GPUDevice.destroy() on ORT's device, as a driver reset would), and checks what follows:
 * DeviceLostError with its sentence and next step, no result, then the model ready again on a
 * fresh worker. Returns the backend it loaded on.
 */
export async function loseDeviceMidJob(page: Page, timeout: number): Promise<string> {
  await page.evaluate(() => new BroadcastChannel('zoetrope-test-hooks').postMessage('destroy-gpu-device'));
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'DeviceLostError', { timeout });
  await expect(error).toContainText('GPU was reset in the middle of the video');
  await expect(error).toContainText('press Generate to make it again');
  await expect(page.getByTestId('result')).toHaveCount(0);
  return waitReady(page);
}

export interface ResultFacts {
  codec: string;
  width: number;
  height: number;
  frames: number;
  backend: string;
  framesSha256: string;
  decodedFrames: number;
  decodedWidth: number;
  decodedHeight: number;
  decodedSha256: string;
}

export async function generate(page: Page, opts: { prompt: string; seed: number; steps: number }, timeout = 150_000): Promise<ResultFacts> {
  const existing = page.getByTestId('result');
  const previous = (await existing.count()) > 0 ? Number(await existing.getAttribute('data-serial')) : 0;
  await page.getByTestId('prompt').fill(opts.prompt);
  await page.getByTestId('seed').fill(String(opts.seed));
  await page.getByTestId('steps').fill(String(opts.steps));
  await page.getByTestId('generate').click();
  // A fixture job on WASM can start and end between two polls of "is the job shown?", so wait for its
  // result instead (or the error that replaces it, named in the failure message).
  const result = page.getByTestId('result');
  const error = page.getByTestId('error');
  const outcome = async () =>
    (await error.count()) > 0 ? `error ${await error.first().getAttribute('data-error-name')}` : (await result.count()) > 0 ? `serial ${await result.getAttribute('data-serial')}` : 'none';
  await expect.poll(outcome, { timeout }).toBe(`serial ${previous + 1}`);
  await expect(page.getByTestId('job')).toBeHidden();
  return checkedResultFacts(page);
}

/** The shown result's facts, once the page has decoded its own MP4 back (mediabunny + WebCodecs) and marked it "checked". */
export async function checkedResultFacts(page: Page): Promise<ResultFacts> {
  const result = page.getByTestId('result');
  await expect(result).toHaveAttribute('data-checked', 'yes');
  const attr = async (name: string) => (await result.getAttribute(name)) ?? '';
  return {
    codec: await attr('data-codec'),
    width: Number(await attr('data-width')),
    height: Number(await attr('data-height')),
    frames: Number(await attr('data-frames')),
    backend: await attr('data-backend'),
    framesSha256: await attr('data-frames-sha256'),
    decodedFrames: Number(await attr('data-decoded-frames')),
    decodedWidth: Number(await attr('data-decoded-width')),
    decodedHeight: Number(await attr('data-decoded-height')),
    decodedSha256: await attr('data-decoded-sha256'),
  };
}

/** The fixture renders 8 frames of 32x32; the app upscales to 256x256 by default. */
export function expectValidFixtureVideo(facts: ResultFacts): void {
  expect(['avc', 'vp9']).toContain(facts.codec);
  expect(facts.frames).toBe(8);
  expect(facts.decodedFrames).toBe(8);
  expect([facts.width, facts.height]).toEqual([256, 256]);
  expect([facts.decodedWidth, facts.decodedHeight]).toEqual([256, 256]);
  expect(facts.framesSha256).toMatch(/^[0-9a-f]{64}$/);
}

/** Clicks a download link and saves the file into a fresh temporary folder; returns its path and bytes. */
export async function saveDownload(page: Page, testId: string, name: string): Promise<{ file: string; bytes: Buffer }> {
  const { mkdtemp, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const work = await mkdtemp(join(tmpdir(), 'zoetrope-e2e-'));
  const downloading = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const file = join(work, name);
  await (await downloading).saveAs(file);
  return { file, bytes: await readFile(file) };
}

/** A DataTransfer in the page holding one file, for dispatched drop events. */
export async function dataTransferWith(page: Page, bytes: Buffer, name: string, type = '') {
  return page.evaluateHandle(
    ({ b64, name, type }) => {
      const raw = atob(b64);
      const data = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], name, { type }));
      return transfer;
    },
    { b64: bytes.toString('base64'), name, type },
  );
}

/** Records every progress text the page shows (a tiny model's frames decode in milliseconds, faster than a poll). */
export async function recordProgressTexts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __progressTexts: string[] }).__progressTexts = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.progress .text')) {
        const t = el.textContent ?? '';
        if (seen[seen.length - 1] !== t) seen.push(t);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

/** The progress texts recordProgressTexts saw, in order. */
export const progressTexts = (page: Page) => page.evaluate(() => (window as unknown as { __progressTexts: string[] }).__progressTexts);

/**
 * Fills the prompt and seed (and the step count, when given), clicks Generate, and waits for this clip's result
 * (or fails with the page's error); logs the time and the last progress texts recordProgressTexts saw.
 */
export async function generateClip(page: Page, prompt: string, seed: number, steps?: number, timeout = 240_000): Promise<ResultFacts> {
  const existing = page.getByTestId('result');
  const previous = (await existing.count()) > 0 ? Number(await existing.getAttribute('data-serial')) : 0;
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('seed').fill(String(seed));
  if (steps !== undefined) await page.getByTestId('steps').selectOption(String(steps));
  await page.getByTestId('generate').click();
  const result = page.getByTestId('result');
  const error = page.getByTestId('error');
  const outcome = async () =>
    (await error.count()) > 0 ? `error ${await error.first().getAttribute('data-error-name')}: ${await error.first().textContent()}` : (await result.count()) > 0 ? `serial ${await result.getAttribute('data-serial')}` : 'none';
  const started = Date.now();
  try {
    await expect.poll(outcome, { timeout }).toBe(`serial ${previous + 1}`);
  } finally {
    console.log(`clip (seed ${seed}${steps === undefined ? '' : `, ${steps} steps`}) after ${((Date.now() - started) / 1000).toFixed(1)} s; progress seen: ${(await progressTexts(page)).slice(-6).join(' | ')}`);
  }
  return checkedResultFacts(page);
}

/** A converted pack's clip: its frame count, decoded back whole, upscaled so that the short side is 256, hashed. */
export function expectValidClip(facts: ResultFacts, frames: number): void {
  expect(['avc', 'vp9']).toContain(facts.codec);
  expect(facts.frames).toBe(frames);
  expect(facts.decodedFrames).toBe(frames);
  expect([facts.decodedWidth, facts.decodedHeight]).toEqual([facts.width, facts.height]);
  expect(Math.min(facts.width, facts.height)).toBe(256);
  expect(facts.framesSha256).toMatch(/^[0-9a-f]{64}$/);
}
