// GPU faults on a real WebGPU adapter (SwiftShader here: slow, so the TEST
// FIXTURE pack and very few steps). The device is lost in the middle of a
// job through the engine worker's test hook, which calls GPUDevice.destroy()
// on the device onnxruntime-web created, as a driver reset would lose it.
// A pack that needs larger GPU buffers than the adapter allows (a copy of the
// fixture pack whose manifest declares gpuLimits above SwiftShader's 1 GiB)
// is refused before any session is made. (No WebGPU at all is
// tests/e2e/no-webgpu-fallback.spec.ts.)
import { expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, expectValidFixtureVideo, generate, logConsole, loseDeviceMidJob, waitReady } from './helpers';
import { FIXTURE_PACK_DIR, PackServer } from './pack-server';

test('device lost mid-job: the job fails with DeviceLostError, the engine loads again, and the next job succeeds', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('webgpu'));
  expect(await waitReady(page)).toBe('webgpu');
  await page.getByTestId('prompt').fill('a green triangle orbiting in the night sky');
  await page.getByTestId('steps').fill('6');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job-progress')).toContainText(/Step [1-4] of 6/, { timeout: 60_000 });
  // A fresh worker, fresh sessions on a fresh device.
  expect(await loseDeviceMidJob(page, 60_000)).toBe('webgpu');

  const facts = await generate(page, { prompt: 'a green triangle orbiting in the night sky', seed: 4, steps: 1 });
  expectValidFixtureVideo(facts);
  expect(facts.backend).toBe('webgpu');
});

test('an adapter whose limits are too small for the pack: a clear message before any session is made', async ({ page }) => {
  logConsole(page);
  const dir = mkdtempSync(join(tmpdir(), 'zoetrope-big-gpu-'));
  cpSync(FIXTURE_PACK_DIR, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, gpuLimits: { maxBufferSize: 64 * 2 ** 30 } }));
  const server = new PackServer();
  server.packs.set('/big/manifest.json', dir);
  const origin = await server.start();
  try {
    const loading: string[] = [];
    page.on('console', (m) => {
      if (m.text().includes('"event":"load"')) loading.push(m.text());
    });
    await page.goto(appUrl('webgpu', `${origin}/big/manifest.json`));
    await page.getByTestId('install').click();
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('data-error-name', 'WebGPUUnavailableError');
    await expect(error).toContainText('this model needs GPU buffers of 65536 MiB (maxBufferSize), and this GPU allows 1024 MiB');
    await expect(error).toContainText('Choose "Automatic" or "WASM"');
    await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'failed');
    expect(loading).toEqual([]); // No session was made.
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
