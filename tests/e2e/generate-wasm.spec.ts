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

// The fixture's guidance interval (0, 0.8] leaves the first steps unguided; on WASM they run the
// pack's batch-1 conditional graph (denoiser.cond.onnx, fp32 like the fixture's denoiser), whose
// velocity is the conditional row of the batch-2 graph: with the variants off (?backendGraphs=0)
// the same steps take that row, and the clip is the same.
test('wasm: unguided steps run the batch-1 conditional graph, with the frames of the batch-2 graph', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  await expect(page.getByTestId('graph-info')).toContainText('Unguided steps: denoiser.cond.onnx (batch 1).');
  const job = { prompt: 'a red ball bouncing on green grass', seed: 5, steps: 8 };
  const conditional = await generate(page, job);
  expectValidFixtureVideo(conditional);

  await page.goto(`${appUrl('wasm')}&backendGraphs=0`);
  await waitReady(page);
  await expect(page.getByTestId('graph-info')).not.toContainText('Unguided steps');
  const batch2 = await generate(page, job);
  expect(batch2.framesSha256).toBe(conditional.framesSha256);
});
