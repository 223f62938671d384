#!/usr/bin/env node
// @ts-check
// Owns `npm run test:large [-- --dir <folder>] [--layers <n>]`: the multi-GB
// pack check, kept out of `npm test` because it writes several GB. It checks
// free disk first, makes the large-pack TEST FIXTURE if it is missing
// (scripts/make-large-pack.py, random weights, then `npm run pack-model` in
// 64 MiB shards; all under /tmp/zoetrope-large, never in git), then runs
// tests/e2e/large-pack.spec.ts in real Chromium, which installs the pack
// through the app, loads it on WASM and on WebGPU and runs it once, printing
// install MB/s, session times, the worker's JS heap and the renderer and GPU
// processes' RSS ([large] lines).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] ? String(args[at + 1]) : fallback;
};

// --animatediff <pack dir>: only tests/e2e/large-animatediff.spec.ts, on a pack already made
// (the full-size random-weight AnimateDiff pack; README, "Full-size random-weight AnimateDiff pack").
const animatediff = option('--animatediff', '');
if (animatediff) {
  const port = process.env['ZOETROPE_E2E_PORT'] ?? '4184';
  const run = spawnSync('npx', ['playwright', 'test', 'tests/e2e/large-animatediff.spec.ts', '--project', 'chromium-webgpu', '--trace', 'off', '--output', `test-results-large-ad-${port}`], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ZOETROPE_ANIMATEDIFF_LARGE_PACK: resolve(animatediff), ZOETROPE_E2E_PORT: port, ZOETROPE_E2E_OUTDIR: process.env['ZOETROPE_E2E_OUTDIR'] ?? `dist-large-${port}` },
  });
  process.exit(run.status ?? 1);
}

const dir = resolve(option('--dir', '/tmp/zoetrope-large'));
const layers = option('--layers', '40');
const model = join(dir, 'model');
const pack = join(dir, 'pack');
// The source folder and the pack (2.7 GB each) and Chromium's copy in IndexedDB, with room to spare.
const NEEDED = 10e9;

mkdirSync(dir, { recursive: true });
const fs = statfsSync(dir);
const free = fs.bavail * fs.bsize;
console.log(`test-large: ${(free / 1e9).toFixed(1)} GB free in ${dir}`);
if (free < NEEDED && !existsSync(join(pack, 'manifest.json'))) {
  console.error(`test-large: needs about ${NEEDED / 1e9} GB free there (the pack, its source and the browser's copy); free some space or pass --dir`);
  process.exit(1);
}

if (!existsSync(join(pack, 'manifest.json'))) {
  if (!existsSync(join(model, 'model.json'))) {
    console.log('test-large: making the large-pack TEST FIXTURE (random weights)…');
    execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/make-large-pack.py'), model, '--layers', layers], { stdio: 'inherit' });
  }
  console.log('test-large: packing it in 64 MiB shards…');
  execFileSync(process.execPath, [join(ROOT, 'scripts/pack-model.mjs'), model, '--out', pack, '--shard-size', String(64 * 2 ** 20)], { stdio: 'inherit' });
}

const port = process.env['ZOETROPE_E2E_PORT'] ?? '4183';
// Its own output folder (another engineer's run empties test-results/), and no trace: a trace would record
// every shard response, gigabytes of them.
const result = spawnSync('npx', ['playwright', 'test', 'tests/e2e/large-oom.spec.ts', 'tests/e2e/large-pack.spec.ts', '--project', 'chromium-webgpu', '--trace', 'off', '--output', `test-results-large-${port}`], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, ZOETROPE_LARGE_PACK: pack, ZOETROPE_E2E_PORT: port, ZOETROPE_E2E_OUTDIR: process.env['ZOETROPE_E2E_OUTDIR'] ?? `dist-large-${port}` },
});
process.exit(result.status ?? 1);
