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
  await expect(page.getByTestId('prompt-check')).toBeEmpty();
  await expect(page.getByTestId('generate')).toBeEnabled();
});

test('word chips build a prompt, and unknown or cut-off words are pointed out', async ({ page }) => {
  logConsole(page);
  await page.goto(appUrl('wasm'));
  await waitReady(page);
  const prompt = page.getByTestId('prompt');
  const chip = (group: string, name: string) => page.getByTestId(`chips-${group}`).getByRole('button', { name, exact: true });
  await chip('colours', 'red').click();
  await chip('shapes', 'ball').click();
  await chip('backgrounds', 'on green grass').click();
  await chip('motions', 'bouncing').click();
  await chip('sizes', 'small').click();
  await expect(prompt).toHaveValue('a small red ball bouncing on green grass');
  await expect(chip('colours', 'red')).toHaveAttribute('aria-pressed', 'true');
  await expect(chip('colours', 'blue')).toHaveAttribute('aria-pressed', 'false');
  // A second colour replaces the first; tapping a pressed chip takes it out.
  await chip('colours', 'blue').click();
  await expect(prompt).toHaveValue('a small blue ball bouncing on green grass');
  await chip('sizes', 'small').click();
  await expect(prompt).toHaveValue('a blue ball bouncing on green grass');
  await expect(page.getByTestId('prompt-check')).toBeEmpty();

  await prompt.fill('a blue ball Dancing on the moon!');
  await expect(page.getByTestId('unknown-words')).toContainText('“dancing”, “moon”, “!”');
  await expect(page.getByTestId('prompt-marked').locator('mark.unknown')).toHaveText(['Dancing', 'moon', '!']);
  // Typed chips are recognised whatever the case.
  await prompt.fill('A BLUE ball bouncing');
  await expect(chip('colours', 'blue')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('unknown-words')).toHaveCount(0);

  // The fixture's text encoder reads 16 tokens; words 17 to 24 are cut.
  await prompt.fill(Array.from({ length: 24 }, (_, i) => (i < 16 ? 'red' : 'blue')).join(' '));
  await expect(page.getByTestId('cut-words')).toContainText('first 16 words');
  await expect(page.getByTestId('cut-words')).toContainText(`“${Array(8).fill('blue').join(' ')}” is cut off`);
  await expect(page.getByTestId('unknown-words')).toHaveCount(0);
  // The words still work as a prompt: generation stays available.
  await expect(page.getByTestId('generate')).toBeEnabled();

  // Keyboard: each chip group is one Tab stop; arrows move inside it, Space toggles.
  await prompt.fill('');
  await chip('colours', 'red').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await expect(prompt).toHaveValue('a orange');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('chips-shapes').getByRole('button').first()).toBeFocused();
});
