// Cancels a long job between steps (cooperative, through the AbortSignal),
// then generates again at once with the same loaded engine; and cancels a
// job while it encodes the MP4 (between frames).
import { expect, test, type Page } from '@playwright/test';
import { appUrl, expectValidFixtureVideo, generate, logConsole, waitReady } from './helpers';

async function readyWith(page: Page, prompt: string, steps: number): Promise<void> {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('steps').fill(String(steps));
}

/** The job is gone without a result or an error, and the model is ready for the next one. */
async function expectCancelledCleanly(page: Page): Promise<void> {
  await expect(page.getByTestId('job')).toBeHidden({ timeout: 20_000 });
  await expect(page.getByTestId('generate')).toHaveText('Generate video');
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('result')).toHaveCount(0);
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'ready');
}

test('cancel in the middle of a job, then generate again', async ({ page }) => {
  await readyWith(page, 'a blue square moving up at sunset', 200);
  await page.getByTestId('generate').click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toContainText(/Step [3-9]\d* of 200/);
  await expect(page.getByTestId('preview')).toBeVisible();
  await expect(page.getByTestId('generate')).toHaveText('Cancel');
  await page.getByTestId('generate').click();
  await expectCancelledCleanly(page);

  const facts = await generate(page, { prompt: 'a blue square moving up at sunset', seed: 5, steps: 3 });
  expectValidFixtureVideo(facts);
});

test('cancel while the video is being encoded, then generate again', async ({ page }) => {
  await readyWith(page, 'a red ball bouncing', 2);
  // Encoding the fixture's 8 frames takes about 50 ms: too short for a click from the test, so the page
  // itself presses Cancel the moment the progress says "Encoding".
  await page.evaluate(() => {
    const observer = new MutationObserver(() => {
      const text = document.querySelector('[data-testid="job-progress"]')?.textContent ?? '';
      if (!text.includes('Encoding the video')) return;
      observer.disconnect();
      (document.querySelector('[data-testid="generate"]') as HTMLButtonElement).click();
      document.body.dataset['cancelledAt'] = text;
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('generate').click();
  await expect(page.locator('body')).toHaveAttribute('data-cancelled-at', /Encoding the video: frame \d of 8/);
  await expectCancelledCleanly(page);
  expectValidFixtureVideo(await generate(page, { prompt: 'a red ball bouncing', seed: 5, steps: 2 }));
});
