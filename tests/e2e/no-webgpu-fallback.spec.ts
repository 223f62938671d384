// Runs in the "chromium-no-webgpu" project: the browser has no WebGPU, so
// "auto" falls back to WASM, and forcing WebGPU gives a plain error.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('without WebGPU, auto falls back to WASM and generates', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('auto'));
  expect(await waitReady(page)).toBe('wasm');
  await expect(page.getByTestId('backend-info')).toContainText(/no WebGPU/i);
  const facts = await generate(page, { prompt: 'a yellow circle growing on the sand', seed: 11, steps: 3 });
  expectValidFixtureVideo(facts);
  expect(facts.backend).toBe('wasm');
});

test('without WebGPU, forcing webgpu explains what to do', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('webgpu'));
  await expect(page.getByTestId('error')).toHaveAttribute('data-error-name', 'WebGPUUnavailableError');
  await expect(page.getByTestId('error')).toContainText('Choose "Automatic" or "WASM"');
});
