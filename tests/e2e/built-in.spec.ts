// The app's default model is the built-in pack at models/zoetrope-shapes/
// (never the fixture). Before that pack is built the page must say so
// plainly; once it exists it must install from our own origin and be ready.
import { existsSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { logConsole, waitReady } from './helpers';

const BUILT_IN = 'models/zoetrope-shapes/manifest.json';

test('the default page uses the built-in model', async ({ page }) => {
  logConsole(page);
  await page.goto('/?backend=wasm');
  if (!existsSync(BUILT_IN)) {
    const error = page.getByTestId('error');
    await expect(error).toHaveAttribute('data-error-name', 'ModelNotFoundError');
    await expect(error).toContainText('The built-in model was not found.');
    await expect(error).toContainText('Build the built-in model');
    await expect(page.getByTestId('generate')).toBeDisabled();
    return;
  }
  await waitReady(page, 170_000);
  await expect(page.getByText('TEST FIXTURE', { exact: true })).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
});
