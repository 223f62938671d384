// The engine tuning a page address carries (src/shared/engine-tuning.ts),
// on the TEST FIXTURE pack: the page is cross-origin isolated (COOP/COEP),
// so WASM gets threads unless ?threads=1; the "before" settings that
// `npm run bench` measures (Asyncify build, batch encoding, the upscale on
// one thread, no warm-up at load, no spinning, the step in JS) still give the same
// frames, and the same decoded MP4 (the upscaled frames made by the helper worker or not); a bad value is named on
// the page and the defaults are used.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

const PROMPT = 'a red ball bouncing on green grass';

test('threads, runtime build, streamed encoding and the upscale helper from the address; the same frames either way', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await waitReady(page);
  const threads = await page.evaluate(() => Math.min(4, navigator.hardwareConcurrency));
  await expect(page.getByTestId('backend-info')).toContainText(`(${threads} thread${threads === 1 ? '' : 's'})`);
  const plain = await generate(page, { prompt: PROMPT, seed: 7, steps: 3 });
  expectValidFixtureVideo(plain);

  await page.goto(`${appUrl('wasm')}&threads=1&wasmRuntime=asyncify&streamEncode=0`);
  await waitReady(page);
  await expect(page.getByTestId('backend-info')).toContainText('(1 thread)');
  const before = await generate(page, { prompt: PROMPT, seed: 7, steps: 3 });
  expectValidFixtureVideo(before);
  expect(before.framesSha256).toBe(plain.framesSha256);
  expect(before.decodedSha256).toBe(plain.decodedSha256);

  await page.goto(`${appUrl('wasm')}&upscaleWorker=0`);
  await waitReady(page);
  const oneUpscaler = await generate(page, { prompt: PROMPT, seed: 7, steps: 3 });
  expect(oneUpscaler.framesSha256).toBe(plain.framesSha256);
  expect(oneUpscaler.decodedSha256).toBe(plain.decodedSha256);

  // Without the warm-up run at load: the same frames (it runs the graphs on zeros and keeps nothing).
  await page.goto(`${appUrl('wasm')}&warmUp=0`);
  await waitReady(page);
  const cold = await generate(page, { prompt: PROMPT, seed: 7, steps: 3 });
  expect(cold.framesSha256).toBe(plain.framesSha256);

  // ORT's pool threads sleeping between runs, the step in JS rather than WebAssembly, and the encoder
  // question asked afresh: the same frames.
  await page.goto(`${appUrl('wasm')}&spin=0&wasmStep=0&encoderCache=0`);
  await waitReady(page);
  const noSpin = await generate(page, { prompt: PROMPT, seed: 7, steps: 3 });
  expect(noSpin.framesSha256).toBe(plain.framesSha256);
});

test('a bad tuning parameter is named, and the defaults are used', async ({ page }) => {
  logConsole(page);
  await page.goto(`${appUrl('wasm')}&threads=lots`);
  await waitReady(page);
  await expect(page.getByTestId('error')).toContainText('threads: expected a whole number from 1 to 16');
  expectValidFixtureVideo(await generate(page, { prompt: PROMPT, seed: 7, steps: 2 }));
});
