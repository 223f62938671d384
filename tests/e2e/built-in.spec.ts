// The app's default model is the built-in pack at models/zoetrope-shapes/
// (never the fixture): the plain page installs it from our own origin with a
// progress bar, and it turns the demo prompt into a 16-frame clip on WASM
// and on WebGPU (SwiftShader: a correctness check, so 2 steps only).
import { expect, test, type Page } from '@playwright/test';
import { generate, logConsole, waitReady, type ResultFacts } from './helpers';

const PROMPT = 'a red ball bouncing on green grass';

function expectBuiltInVideo(facts: ResultFacts): void {
  // 16 frames of 64x64, upscaled 4x for display.
  expect(facts.frames).toBe(16);
  expect(facts.decodedFrames).toBe(16);
  expect([facts.width, facts.height]).toEqual([256, 256]);
  expect([facts.decodedWidth, facts.decodedHeight]).toEqual([256, 256]);
}

async function openDefault(page: Page, backend: 'wasm' | 'webgpu'): Promise<void> {
  logConsole(page);
  await page.goto(`/?backend=${backend}`);
  expect(await waitReady(page, 170_000)).toBe(backend);
  await expect(page.getByText('TEST FIXTURE', { exact: true })).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
}

// A whole clip at the pack's default steps takes about a minute here when the
// machine is busy; SwiftShader runs a step in tens of seconds.
test.setTimeout(420_000);

test('the default page installs the built-in model and generates on WASM', async ({ page }) => {
  await openDefault(page, 'wasm');
  await expect(page.getByTestId('model-status')).toContainText('Zoetrope Shapes');
  // The pack's own default step count: what a person gets without touching settings.
  const steps = Number(await page.getByTestId('steps').inputValue());
  expect(steps).toBeGreaterThanOrEqual(8);
  await page.getByTestId('prompt').fill(PROMPT);
  await expect(page.getByTestId('prompt-check')).toBeEmpty();
  const facts = await generate(page, { prompt: PROMPT, seed: 7, steps }, 400_000);
  expectBuiltInVideo(facts);
  expect(facts.backend).toBe('wasm');
});

test('the built-in model runs on WebGPU (SwiftShader, 2 steps)', async ({ page }) => {
  await openDefault(page, 'webgpu');
  const facts = await generate(page, { prompt: PROMPT, seed: 7, steps: 2 }, 400_000);
  expectBuiltInVideo(facts);
  expect(facts.backend).toBe('webgpu');
});
