// The wan kind in real Chromium, on the TEST FIXTURE pack (random weights in the published umT5,
// Wan 2.1 DiT and TAEW2.1 layouts at reduced size, tests/fixtures/wan-tiny-pack, served beside the
// other packs by playwright.config.ts): its licence text is shown before install and Install
// waits for the accept box; it installs with progress and loads (the engine reads the token table's
// files with the tokenizer and hands them to the kind); the form adapts (free text with a live token count against umT5's maxLength − 1, the
// rCM step choices, no guidance field); it generates an MP4 on WASM and on WebGPU (SwiftShader, one
// step), with "Decoding frame i of N" once per latent frame (i counts video frames); the same seed gives the same frames;
// the MP4's provenance names the pack's source checkpoints by SHA-256.
import { expect, test, type Page } from '@playwright/test';
import { ALL_FORMATS, BufferSource, Input } from 'mediabunny';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appUrl, expectValidClip, generateClip, logConsole, progressTexts, recordProgressTexts, saveDownload, waitReady } from './helpers';

// The pack playwright.config.ts serves for this kind (ZOETROPE_WAN_PACK names another one).
const PACK_DIR = process.env['ZOETROPE_WAN_PACK'] ?? join(import.meta.dirname, '../fixtures/wan-tiny-pack');
const PACK = JSON.parse(readFileSync(join(PACK_DIR, 'manifest.json'), 'utf8')) as {
  id: string;
  version: string;
  pipeline: string;
  licenseText?: string;
  sources?: { role: string; file: string; sha256: string }[];
  video: { frames: number; width: number; height: number };
  sample: { shape: number[] };
  tokenizer: { maxLength: number };
  scheduler: { defaultSteps: number; steps: number[] };
  decoder: { framesPerLatent: number; trimFrames: number };
};
const MANIFEST = `/models/${PACK.id}/manifest.json`;
const PROMPT = 'A red ball bouncing on green grass';
const LATENT_FRAMES = PACK.sample.shape[1]!;

/** The page's per-job timings ([zoetrope:timing] console lines), for the log: the figures the report quotes. */
function logTimings(page: Page): void {
  page.on('console', (msg) => {
    const text = msg.text();
    if (!text.startsWith('[zoetrope:timing] ')) return;
    const t = JSON.parse(text.slice('[zoetrope:timing] '.length)) as Record<string, any>;
    if (t['event'] === 'load') console.log(`load on ${t['backend']}: read ${Math.round(t['readMs'])} ms, sessions ${Math.round(t['sessionMs'])} ms, warm-up ${Math.round(t['warmUpMs'])} ms`);
    if (t['event'] !== 'generate') return;
    const ms = (v: number) => Math.round(v);
    console.log(
      `clip on ${t['backend']}: text ${ms(t['textOrtMs'])} ms, DiT steps ${(t['stepOrtMs'] as number[]).map(ms).join('/')} ms, ` +
        `decoder (all latent frames) ${ms(t['decodeMs'])} ms, encode ${ms(t['encodeMs'])} ms, total ${ms(t['totalMs'])} ms`,
    );
  });
}


/** Opens the pack by ?model=, accepts its licence when it has one, installs it; returns the backend it loaded on. */
async function install(page: Page, backend: 'wasm' | 'webgpu'): Promise<string> {
  await page.goto(appUrl(backend, MANIFEST));
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-state', 'needs-install');
  await expect(status).toContainText('TEST FIXTURE');
  const install = page.getByTestId('install');
  if (PACK.licenseText !== undefined) {
    // The licence comes before any download: its text is on the page and Install waits for the accept box.
    await expect(page.getByTestId('license-text')).toHaveValue(PACK.licenseText);
    await expect(install).toBeDisabled();
    await page.screenshot({ path: `test-results/wan-licence-${backend}.png`, fullPage: true });
    await page.getByTestId('license-accept').check();
  }
  await expect(install).toBeEnabled();
  await install.click();
  return waitReady(page);
}

/** One progress text per latent frame, counted in video frames: 1, 5, 9 of 9 for the fixture (3 trimmed from the first call). */
async function expectDecodedPerLatentFrame(page: Page): Promise<void> {
  const texts = await progressTexts(page);
  const { framesPerLatent, trimFrames } = PACK.decoder;
  for (let f = 1; f <= LATENT_FRAMES; f++) expect(texts).toContain(`Decoding frame ${f * framesPerLatent - trimFrames} of ${PACK.video.frames}`);
}

test('wan on WASM: licence before install, the form adapts, deterministic MP4 decoded per latent frame, provenance names the sources', async ({ page }) => {
  logConsole(page);
  logTimings(page);
  await recordProgressTexts(page);
  expect(PACK.pipeline).toBe('wan');
  expect(await install(page, 'wasm')).toBe('wasm');
  expect((await progressTexts(page)).some((t) => /^Downloading .* of /.test(t))).toBe(true);

  // Free text, no word chips, umT5's maxLength − 1 tokens counted live; the rCM step choices; no guidance.
  const max = PACK.tokenizer.maxLength - 1;
  await page.getByTestId('prompt').fill(PROMPT);
  await expect(page.getByTestId('token-count')).toHaveAttribute('data-max', String(max));
  await expect(page.getByTestId('token-count')).toContainText(`of ${max} tokens`);
  expect(Number(await page.getByTestId('token-count').getAttribute('data-count'))).toBeGreaterThan(0);
  await expect(page.getByTestId('prompt-check')).toHaveCount(0);
  await expect(page.getByTestId('guidance')).toHaveCount(0);
  await expect(page.getByTestId('steps')).toHaveValue(String(PACK.scheduler.defaultSteps));
  const choices = [...PACK.scheduler.steps].sort((a, b) => a - b).map(String);
  await expect(page.getByTestId('steps').locator('option')).toHaveText(choices);
  await page.getByTestId('prompt').fill(Array.from({ length: 12 }, () => PROMPT).join(' and '));
  await expect(page.getByTestId('token-count')).toContainText('the end will be cut');
  await page.getByTestId('prompt').fill(PROMPT);
  await page.screenshot({ path: 'test-results/wan-form.png', fullPage: true });

  const steps = PACK.scheduler.defaultSteps;
  const first = await generateClip(page, PROMPT, 42, steps);
  expectValidClip(first, PACK.video.frames);
  expect(first.backend).toBe('wasm');
  const texts = await progressTexts(page);
  for (let i = 1; i <= steps; i++) expect(texts).toContain(`Step ${i} of ${steps}`);
  await expectDecodedPerLatentFrame(page);
  await page.screenshot({ path: 'test-results/wan-result.png', fullPage: true });

  // The MP4's provenance, read back in Node: the pack's source checkpoints by SHA-256, in the record and the sentence.
  const { bytes } = await saveDownload(page, 'download', 'wan.mp4');
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  const tags = await input.getMetadataTags();
  input.dispose();
  const record = JSON.parse(tags.comment ?? '{}');
  expect(record).toMatchObject({ kind: 'clip', model: `${PACK.id}@${PACK.version}`, backend: 'wasm', steps, guidance: 0 });
  expect(record.clips).toEqual([{ prompt: PROMPT, seed: 42, framesSha256: first.framesSha256 }]);
  expect(PACK.sources?.length, 'the pack names its sources').toBeGreaterThan(0);
  expect(record.sources).toEqual(PACK.sources);
  for (const s of PACK.sources ?? []) expect(tags.description).toContain(`${s.role} ${s.file} (sha256 ${s.sha256.slice(0, 16)}…)`);

  const again = await generateClip(page, PROMPT, 42, steps);
  expect(again.framesSha256).toBe(first.framesSha256);
  expect(again.decodedSha256).toBe(first.decodedSha256);
  const other = await generateClip(page, PROMPT, 7, steps);
  expect(other.framesSha256).not.toBe(first.framesSha256);
  // Another step count is another sampling: other frames from the same seed.
  const fewer = await generateClip(page, PROMPT, 42, Number(choices[0]));
  expect(fewer.framesSha256).not.toBe(first.framesSha256);
});

test('wan in the library: the sources are listed, by role and file', async ({ page }) => {
  logConsole(page);
  await page.goto('/?view=library');
  await page.getByTestId('add-url').fill(new URL(MANIFEST, page.url()).href);
  await page.getByTestId('add-check').click();
  await expect(page.getByTestId('add-preview')).toContainText('TEST FIXTURE');
  const download = page.getByTestId('add-download');
  if (PACK.licenseText !== undefined) {
    await expect(page.getByTestId('add-preview').getByTestId('license-text')).toHaveValue(PACK.licenseText);
    await expect(download).toBeDisabled();
    await page.getByTestId('license-accept').check();
  }
  await download.click();
  await expect(page.getByTestId('add-done')).toContainText('is installed', { timeout: 60_000 });
  const sources = page.getByTestId('library-sources');
  for (const s of PACK.sources ?? []) await expect(sources).toContainText(`${s.role} ${s.file}`);
});

// SwiftShader (the only WebGPU here) runs the tiny graphs ~100x slower than WASM (one 1-step clip:
// 22 s here, WASM: 0.2 s), so one step and one clip by default; ZOETROPE_E2E_GPU_REPEAT=1 also
// checks that the same seed gives the same frames there.
test('wan on WebGPU (SwiftShader): a one-step MP4 of the right frames, decoded per latent frame', async ({ page }) => {
  const repeat = process.env['ZOETROPE_E2E_GPU_REPEAT'] === '1';
  test.setTimeout(repeat ? 1_200_000 : 660_000);
  logConsole(page);
  logTimings(page);
  await recordProgressTexts(page);
  expect(await install(page, 'webgpu')).toBe('webgpu');
  // The fp16 variants where the adapter has shader-f16, else the fp32 graphs: either way a graph of the pack.
  await expect(page.getByTestId('graph-info')).toContainText(/Denoiser graph: dit(\.fp16)?\.onnx\./);
  console.log(await page.getByTestId('graph-info').textContent());
  const steps = Math.min(...PACK.scheduler.steps);
  const first = await generateClip(page, PROMPT, 42, steps, 540_000);
  expectValidClip(first, PACK.video.frames);
  expect(first.backend).toBe('webgpu');
  await expectDecodedPerLatentFrame(page);
  if (repeat) {
    const again = await generateClip(page, PROMPT, 42, steps, 540_000);
    expect(again.framesSha256).toBe(first.framesSha256);
  }
});
