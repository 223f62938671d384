// Cancels a long job between steps (cooperative, through the AbortSignal),
// then generates again at once with the same loaded engine.
import { expect, test } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

test('cancel in the middle of a job, then generate again', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  await page.getByTestId('prompt').fill('a blue square moving up at sunset');
  await page.getByTestId('steps').fill('200');
  await page.getByTestId('generate').click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toContainText(/Step [3-9]\d* of 200/);
  await expect(page.getByTestId('preview')).toBeVisible();
  await expect(page.getByTestId('generate')).toHaveText('Cancel');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('job')).toBeHidden({ timeout: 20_000 });
  await expect(page.getByTestId('generate')).toHaveText('Generate video');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('result')).toHaveCount(0);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'ready');

  const facts = await generate(page, { prompt: 'a blue square moving up at sunset', seed: 5, steps: 3 });
  expectValidFixtureVideo(facts);
});
