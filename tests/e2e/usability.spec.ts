// Keyboard alone and a phone-sized screen: the whole flow without a mouse,
// and no sideways scrolling at 360 px.
import { expect, test } from '@playwright/test';
import { appUrl, FIXTURE_MANIFEST, logConsole, waitReady } from './helpers';

test('generate with the keyboard alone', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  let focused = '';
  for (let i = 0; i < 15 && focused !== 'prompt'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
  }
  expect(focused).toBe('prompt');
  await page.keyboard.type('a pink box shrinking on a white background');
  // Tab on to the steps field and lower it, then back to generate with Enter.
  await page.keyboard.press('Tab'); // seed
  await page.keyboard.press('Tab'); // dice
  await page.keyboard.press('Tab'); // steps
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter'); // Submits the form.
  await expect(page.getByTestId('result')).toHaveAttribute('data-checked', 'yes', { timeout: 60_000 });
  await page.getByTestId('download').focus();
  await expect(page.getByTestId('download')).toHaveAttribute('download', /^a-pink-box-shrinking-on-a-white-background-seed\d+-zoetrope-fixture-tiny\.mp4$/);
});

test('readable on a phone-sized screen', async ({ page }) => {
  logConsole(page);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const button = await page.getByTestId('generate').boundingBox();
  expect(button).not.toBeNull();
  expect(button!.x + button!.width).toBeLessThanOrEqual(360);
});

test('an example prompt uses only words the model knows', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  await page.getByTestId('example').click();
  const prompt = await page.getByTestId('prompt').inputValue();
  const manifest = (await (await page.request.get(FIXTURE_MANIFEST)).json()) as { vocabulary: Record<string, string[]> };
  const known = new Set(['a', ...Object.values(manifest.vocabulary).flatMap((list) => list.join(' ').split(' '))]);
  const words = prompt.split(' ');
  expect(words.length).toBeGreaterThanOrEqual(5);
  expect(words.filter((w) => !known.has(w))).toEqual([]);
  await page.getByText('Words this model knows').click();
  await expect(page.getByText('bouncing', { exact: false }).first()).toBeVisible();
  await expect(page.getByTestId('generate')).toBeEnabled();
});
