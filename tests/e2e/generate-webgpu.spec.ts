// WebGPU through SwiftShader (a software adapter, ~100x slower than WASM, so
// few steps): ?backend=webgpu forces it; "auto" must refuse the software
// adapter and pick WASM. The fixture pack samples with DPM-Solver++(2M), so
// a run of 5 steps takes the WGSL kernel's multistep term (steps 2 and 3).
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

test('webgpu: the GPU-resident multistep sampler gives the frames of the CPU loop (5 steps, DPM-Solver++(2M))', async ({ page, context }) => {
  logConsole(page);
  const job = { prompt: 'a pink box moving left on a beach', seed: 11, steps: 5 };
  await page.goto(appUrl('webgpu'));
  expect(await waitReady(page)).toBe('webgpu');
  const gpu = await generate(page, job);
  expect(gpu.backend).toBe('webgpu');
  // The same job with the latents read back to the CPU every step (scheduler.ts does the step there).
  const cpuLoop = await context.newPage();
  await cpuLoop.goto(`${appUrl('webgpu')}&gpuLatents=0`);
  expect(await waitReady(cpuLoop)).toBe('webgpu');
  const cpu = await generate(cpuLoop, job);
  expect(gpu.framesSha256).toBe(cpu.framesSha256);
  // A 4-step job differs: the multistep term and the step sizes change the result.
  const shorter = await generate(page, { ...job, steps: 4 });
  expect(shorter.framesSha256).not.toBe(gpu.framesSha256);
});

test('auto picks WASM over a software (SwiftShader) WebGPU adapter', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('auto'));
  expect(await waitReady(page)).toBe('wasm');
  await expect(page.getByTestId('backend-info')).toContainText('software');
});
