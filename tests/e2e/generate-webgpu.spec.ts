// WebGPU through SwiftShader (a software adapter, ~100x slower than WASM, so
// few steps): ?backend=webgpu forces it; "auto" must refuse the software
// adapter and pick WASM.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('webgpu: valid MP4, deterministic per seed', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('webgpu'));
  expect(await waitReady(page)).toBe('webgpu');
  await expect(page.getByTestId('backend-info')).toContainText('WebGPU');

  const first = await generate(page, { prompt: 'a green triangle orbiting in the night sky', seed: 2024, steps: 2 });
  expectValidFixtureVideo(first);
  expect(first.backend).toBe('webgpu');
  const again = await generate(page, { prompt: 'a green triangle orbiting in the night sky', seed: 2024, steps: 2 });
  expect(again.framesSha256).toBe(first.framesSha256);
  expect(again.decodedSha256).toBe(first.decodedSha256);
});

test('auto picks WASM over a software (SwiftShader) WebGPU adapter', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('auto'));
  expect(await waitReady(page)).toBe('wasm');
  await expect(page.getByTestId('backend-info')).toContainText('software');
});
