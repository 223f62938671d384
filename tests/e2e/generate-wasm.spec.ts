// Generates with ?backend=wasm on the TEST FIXTURE pack: a valid MP4 that
// decodes back to 8 frames of 256x256, and the same seed gives the same frames.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('wasm: valid MP4, deterministic per seed', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  expect(await waitReady(page)).toBe('wasm');
  await expect(page.getByTestId('backend-info')).toContainText('WASM');

  const first = await generate(page, { prompt: 'a red ball bouncing on green grass', seed: 1234, steps: 4 });
  expectValidFixtureVideo(first);
  expect(first.backend).toBe('wasm');

  const again = await generate(page, { prompt: 'a red ball bouncing on green grass', seed: 1234, steps: 4 });
  expect(again.framesSha256).toBe(first.framesSha256);
  expect(again.decodedSha256).toBe(first.decodedSha256);

  const other = await generate(page, { prompt: 'a red ball bouncing on green grass', seed: 99, steps: 4 });
  expect(other.framesSha256).not.toBe(first.framesSha256);
});
