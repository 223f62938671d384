// The MP4 plays in the page's own <video>, and the VP9 fallback path
// (used where a browser has no H.264 encoder) also yields a valid MP4.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('the H.264 MP4 plays in the page and loops', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  const facts = await generate(page, { prompt: 'a purple block moving right in the blue sky', seed: 3, steps: 2 });
  expectValidFixtureVideo(facts);
  expect(facts.codec).toBe('avc');
  const video = page.locator('[data-testid=result] video');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(2);
  expect(await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight, v.loop])).toEqual([256, 256, true]);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0);
});

test('?codec=vp9 takes the VP9 path and still gives a valid MP4', async ({ page }) => {
  logConsole(page);
  await page.goto(`${appUrl('wasm')}&codec=vp9`);
  await waitReady(page);
  const facts = await generate(page, { prompt: 'a white circle staying still at sunset', seed: 8, steps: 2 });
  expectValidFixtureVideo(facts);
  expect(facts.codec).toBe('vp9');
});
