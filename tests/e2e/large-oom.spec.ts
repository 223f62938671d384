// A session that runs out of memory while it is made, in real Chromium: the
// out-of-memory TEST FIXTURE (scripts/make-large-pack.py --oom, 2.7 KB on
// disk) has a WASM graph whose constants fold into 4.7 GB while ORT makes the
// session, more than a wasm32 heap (4 GB) holds. The load ends in a named
// OutOfMemoryError with a plain sentence, the pack stays installed, and in the
// same page (no reload) the engine, on a fresh worker, loads the pack's other
// graph on WebGPU and makes a video. Run by `npm run test:large` (it makes the
// tab's memory grow to about 4 GB).
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, generate, logConsole, waitReady } from './helpers';
import { PackServer } from './pack-server';

test.skip(!process.env['ZOETROPE_LARGE_PACK'], 'run with `npm run test:large`');

test('a WASM session over the 4 GB heap: OutOfMemoryError in plain words, and the engine still works in the same page', async ({ page }) => {
  logConsole(page);
  const work = mkdtempSync(join(tmpdir(), 'zoetrope-oom-'));
  execFileSync('/usr/bin/python3', ['scripts/make-large-pack.py', '--oom', join(work, 'model')], { stdio: 'pipe' });
  execFileSync(process.execPath, ['scripts/pack-model.mjs', join(work, 'model'), '--out', join(work, 'pack')], { stdio: 'pipe' });
  const server = new PackServer();
  server.packs.set('/oom/manifest.json', join(work, 'pack'));
  const url = `${await server.start()}/oom/manifest.json`;
  try {
    await page.goto(appUrl('wasm', url));
    await page.getByTestId('install').click();
    const error = page.getByTestId('error');
    const started = Date.now();
    await expect(error).toHaveAttribute('data-error-name', 'OutOfMemoryError', { timeout: 240_000 });
    console.log(`[large] out of memory after ${((Date.now() - started) / 1000).toFixed(1)} s: ${(await error.textContent())?.trim().slice(0, 400)}`);
    await expect(error).toContainText('does not fit in the memory this backend has here');
    await expect(error).toContainText('Nothing was changed: the model is still installed.');
    await error.getByText('Details').click();
    await expect(error).toContainText('does not fit in memory on WASM, whose memory is limited to 4 GB');
    await expect(page.getByTestId('model-status')).toHaveAttribute('data-state', 'failed');

    // Same page: WebGPU runs the pack's default graph, on the fresh worker the client started.
    await page.getByTestId('backend-select').selectOption('webgpu');
    expect(await waitReady(page, 240_000)).toBe('webgpu');
    const facts = await generate(page, { prompt: 'a red ball', seed: 3, steps: 1 });
    expect([facts.backend, facts.frames, facts.decodedFrames]).toEqual(['webgpu', 1, 1]);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
