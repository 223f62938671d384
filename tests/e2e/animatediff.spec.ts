// The animatediff kind in real Chromium, on the TEST FIXTURE pack (random weights in the published
// SD 1.5 + AnimateDiff layouts at reduced size, tests/fixtures/animatediff-tiny-pack, served beside
// the other packs by playwright.config.ts): its licence text is shown before install and Install
// waits for the accept box; it installs with progress; the form adapts (free text with a live
// token count against CLIP's limit and a note when the end will be cut, the distilled step count,
// no guidance field); it generates an MP4 on WASM and on WebGPU (SwiftShader), with "Decoding frame
// i of F" in the progress; the same seed gives the same frames; the page decodes its own MP4 to the
// clip's frame count and size.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appUrl, expectValidClip, generateClip, logConsole, loseDeviceMidJob, progressTexts, recordProgressTexts, waitReady } from './helpers';

// The pack playwright.config.ts serves for this kind (ZOETROPE_ANIMATEDIFF_PACK names another one).
const PACK_DIR = process.env['ZOETROPE_ANIMATEDIFF_PACK'] ?? join(import.meta.dirname, '../fixtures/animatediff-tiny-pack');
const PACK = JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')) as {
  id: string;
  licenseText?: string;
  video: { frames: number; width: number; height: number };
  scheduler: { defaultSteps: number };
};
const MANIFEST = `/models/${PACK.id}/manifest.json`;
const PROMPT = 'a red ball bouncing on green grass';

/** The page's per-job timings ([zoetrope:timing] console lines): per-stage times of each clip, for the log. */
function logTimings(page: Page): void {
  page.on('console', (msg) => {
    const text = msg.text();
    if (!text.startsWith('[zoetrope:timing] ')) return;
    const t = JSON.parse(text.slice('[zoetrope:timing] '.length)) as Record<string, any>;
    if (t['event'] === 'load') console.log(`load on ${t['backend']}: read ${Math.round(t['readMs'])} ms, sessions ${Math.round(t['sessionMs'])} ms, warm-up ${Math.round(t['warmUpMs'])} ms`);
    if (t['event'] !== 'generate') return;
    const ms = (v: number) => Math.round(v);
    console.log(
      `clip on ${t['backend']}: text ${ms(t['textOrtMs'])} ms, UNet steps ${(t['stepOrtMs'] as number[]).map(ms).join('/')} ms, ` +
        `after the loop (VAE, all frames) ${ms(t['phases']['afterLoopMs'])} ms, encode ${ms(t['encodeMs'])} ms, total ${ms(t['totalMs'])} ms`,
    );
  });
}


/** Opens the pack by ?model=, accepts its licence, installs it; returns the backend it loaded on. */
async function installWithLicence(page: Page, backend: 'wasm' | 'webgpu'): Promise<string> {
  await page.goto(appUrl(backend, MANIFEST));
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'needs-install');
  await expect(status).toContainText('TEST FIXTURE');
  // The licence comes before any download: its text is on the page and Install waits for the accept box.
  await expect(page.getByTestId('license-text')).toHaveValue(PACK.licenseText ?? '');
  const install = page.getByTestId('install');
  await expect(install).toBeDisabled();
  await page.screenshot({ path: `test-results/animatediff-licence-${backend}.png`, fullPage: true });
  await page.getByTestId('license-accept').check();
  await expect(install).toBeEnabled();
  await install.click();
  return waitReady(page);
}

test('animatediff on WASM: licence before install, the form adapts, deterministic MP4 with per-frame decoding', async ({ page }) => {
  logConsole(page);
  logTimings(page);
  await recordProgressTexts(page);
  expect(await installWithLicence(page, 'wasm')).toBe('wasm');
  expect((await progressTexts(page)).some((t) => /^Downloading .* of /.test(t))).toBe(true);

  // Free text, no word chips, CLIP's 75 tokens counted live; one step count (the motion file's); no guidance.
  await page.getByTestId('prompt').fill(PROMPT);
  await expect(page.getByTestId('token-count')).toHaveAttribute('data-max', '75');
  await expect(page.getByTestId('token-count')).toContainText('of 75 tokens');
  const count = Number(await page.getByTestId('token-count').getAttribute('data-count'));
  expect(count).toBeGreaterThan(0);
  await expect(page.getByTestId('prompt-check')).toHaveCount(0);
  await expect(page.getByTestId('guidance')).toHaveCount(0);
  await expect(page.getByTestId('steps')).toHaveValue(String(PACK.scheduler.defaultSteps));
  await expect(page.getByTestId('steps').locator('option')).toHaveCount(1);

  const long = Array.from({ length: 12 }, () => PROMPT).join(' and ');
  await page.getByTestId('prompt').fill(long);
  await expect(page.getByTestId('token-count')).toContainText('the end will be cut');
  await expect(page.getByTestId('token-cut')).not.toBeEmpty();
  await page.screenshot({ path: 'test-results/animatediff-too-long.png' });
  await page.getByTestId('prompt').fill(PROMPT);
  await page.screenshot({ path: 'test-results/animatediff-form.png', fullPage: true });

  const first = await generateClip(page, PROMPT, 42);
  expectValidClip(first, PACK.video.frames);
  expect(first.backend).toBe('wasm');
  const texts = await progressTexts(page);
  const { frames } = PACK.video;
  for (let i = 1; i <= frames; i++) expect(texts).toContain(`Decoding frame ${i} of ${frames}`);
  await page.screenshot({ path: 'test-results/animatediff-result.png', fullPage: true });

  const again = await generateClip(page, PROMPT, 42);
  expect(again.framesSha256).toBe(first.framesSha256);
  expect(again.decodedSha256).toBe(first.decodedSha256);
  const other = await generateClip(page, PROMPT, 7);
  expect(other.framesSha256).not.toBe(first.framesSha256);
});

test('animatediff in the library: Add a model shows the licence text and Download waits for the accept box', async ({ page }) => {
  logConsole(page);
  await page.goto('/?view=library');
  await page.getByTestId('add-url').fill(new URL(MANIFEST, page.url()).href);
  await page.getByTestId('add-check').click();
  await expect(page.getByTestId('add-preview')).toContainText('TEST FIXTURE');
  await expect(page.getByTestId('add-preview').getByTestId('license-text')).toHaveValue(PACK.licenseText ?? '');
  const download = page.getByTestId('add-download');
  await expect(download).toBeDisabled();
  await page.getByTestId('license-accept').check();
  await expect(download).toBeEnabled();
  await download.click();
  await expect(page.getByTestId('add-done')).toContainText('is installed', { timeout: 60_000 });
  await expect(page.getByTestId('library-model').filter({ hasText: 'AnimateDiff' }).getByTestId('library-sources')).toContainText('motion animatediff_lightning_4step_diffusers.safetensors');
});

// SwiftShader (the only WebGPU here) runs the tiny UNet's ~4,500 nodes ~50x slower than WASM: one clip
// took 202-288 s on the shared 2-core machine (WASM: 5 s). So one clip by default; the same seed twice
// gave the same frames there too (measured), and ZOETROPE_E2E_GPU_REPEAT=1 checks it again.
test('animatediff on WebGPU (SwiftShader): an MP4 of the right frames, decoded frame by frame', async ({ page }) => {
  const repeat = process.env['ZOETROPE_E2E_GPU_REPEAT'] === '1';
  test.setTimeout(repeat ? 1_200_000 : 660_000);
  logConsole(page);
  logTimings(page);
  await recordProgressTexts(page);
  expect(await installWithLicence(page, 'webgpu')).toBe('webgpu');
  await expect(page.getByTestId('graph-info')).toContainText('Denoiser graph: unet.onnx.');
  const first = await generateClip(page, PROMPT, 42, undefined, 540_000);
  expectValidClip(first, PACK.video.frames);
  expect(first.backend).toBe('webgpu');
  const { frames } = PACK.video;
  const texts = await progressTexts(page);
  for (let i = 1; i <= frames; i++) expect(texts).toContain(`Decoding frame ${i} of ${frames}`);
  if (repeat) {
    const again = await generateClip(page, PROMPT, 42, undefined, 540_000);
    expect(again.framesSha256).toBe(first.framesSha256);
  }
});

// The GPU device lost inside a UNet step (the engine worker's test hook destroys ORT's device, as a
// driver reset would): a named error, a fresh worker with fresh sessions, and the pack still installed.
test('animatediff on WebGPU: the device lost inside a UNet step ends in DeviceLostError, and the model loads again', async ({ page }) => {
  test.setTimeout(300_000);
  logConsole(page);
  expect(await installWithLicence(page, 'webgpu')).toBe('webgpu');
  await page.getByTestId('prompt').fill(PROMPT);
  await page.getByTestId('generate').click();
  // "Step 1 of 4" shows while the first UNet call runs on SwiftShader (about 12 s here).
  await expect(page.getByTestId('job-progress')).toContainText(/Step [1-3] of 4/, { timeout: 120_000 });
  expect(await loseDeviceMidJob(page, 120_000)).toBe('webgpu');
});
