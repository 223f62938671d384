// GPU faults on a real WebGPU adapter (SwiftShader here: slow, so the TEST
// FIXTURE pack and very few steps). The device is lost in the middle of a
// job through the engine worker's test hook, which calls GPUDevice.destroy()
// on the device onnxruntime-web created, as a driver reset would lose it.
// (No WebGPU at all is tests/e2e/no-webgpu-fallback.spec.ts.)
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('device lost mid-job: the job fails with DeviceLostError, the engine loads again, and the next job succeeds', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('webgpu'));
  expect(await waitReady(page)).toBe('webgpu');
  await page.getByTestId('prompt').fill('a green triangle orbiting in the night sky');
  await page.getByTestId('steps').fill('6');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-progress')).toContainText(/Step [1-4] of 6/, { timeout: 60_000 });
  await page.evaluate(() => new BroadcastChannel('zoetrope-test-hooks').postMessage('destroy-gpu-device'));

  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'DeviceLostError', { timeout: 60_000 });
  await expect(error).toContainText('GPU was reset in the middle of the video');
  await expect(error).toContainText('press Generate to make it again');
  await expect(page.getByTestId('result')).toHaveCount(0);
  // A fresh worker, fresh sessions on a fresh device.
  expect(await waitReady(page)).toBe('webgpu');

  const facts = await generate(page, { prompt: 'a green triangle orbiting in the night sky', seed: 4, steps: 1 });
  expectValidFixtureVideo(facts);
  expect(facts.backend).toBe('webgpu');
});
