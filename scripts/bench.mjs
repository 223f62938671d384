#!/usr/bin/env node
// @ts-check
// Owns `npm run bench`: where the time and memory of a prompt-to-MP4 run go,
// in headless Chromium (Debian's, or ZOETROPE_CHROMIUM) against the
// production build served with COOP/COEP, next to native references on the
// same ONNX graphs, in one run. It prints a table and writes
// bench/results.json (machine, browser, backend, versions, every figure).
//  - Stages: install from the app's origin, session creation, text encoding,
//    one denoising step (median, CFG batched), decoding (n/a: no pack has a
//    decoder graph yet), MP4 encoding, whole prompt-to-MP4 cold and warm.
//  - Backends: WASM with all cores, WASM with 1 thread, WebGPU (SwiftShader
//    here: few steps, whole clips extrapolated and labelled so).
//  - Optimisations, each measured before/after in the same run by turning its
//    tuning knob off (src/shared/engine-tuning.ts): plain WASM build vs
//    Asyncify, latents on the GPU vs round trips, streamed vs batch encoding,
//    the pack's WASM graph variant vs its default graph, its batch-1
//    conditional graph for unguided steps vs the batch-2 graph; and with
//    --before-pack, a whole older pack (e.g. one taken from git history) vs
//    this one (and with `--only ...,wasm-1t,wasm-1t-before-pack`, the same
//    pair on one thread). The two sides run interleaved, job by job, on two pages.
//  - Native: scripts/bench-native.mjs (onnxruntime-node, fp32, PyTorch).
//  - Sound: scripts/bench-sound.mjs (a narrated lesson against a silent one,
//    the TTS real-time factor, the audio encode), with the built-in model.
// The app reports its own figures as "[zoetrope:timing]" console lines.
// Usage: npm run bench [-- --model builtin|fixture|<pack dir> --steps 0 --webgpu-steps 1 --runs 2 --port 4192 --no-webgpu --no-native --only wasm,webgpu --before-pack <dir> --reference-steps 20 --no-sound]
// The reference clip: the work the pack's clip replaces at the same prompt
// adherence (models/README.md, "Samplers, measured"): the built-in pack's
// DPM-Solver++(2M) at its default steps scores as 20 Euler steps did, so the
// report also divides the browser's clip by 20 Euler steps of onnxruntime-node
// fp32 and of PyTorch eager, beside the same-steps ratios.

import { chromium } from '@playwright/test';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { build, preview } from 'vite';
import { MARKER, peakMemory } from './bench-memory.mjs';
import { median, nativeProbe, nativeReferences, pytorchStep, runPython } from './bench-native.mjs';
import { overheadBreakdown } from './bench-overhead.mjs';
import { printReport } from './bench-report.mjs';
import { printSound, soundBench } from './bench-sound.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PACKS = {
  fixture: { url: '/models/zoetrope-fixture-tiny/manifest.json', dir: 'tests/fixtures/fixture-pack' },
  builtin: { url: '/models/zoetrope-shapes/manifest.json', dir: 'models/zoetrope-shapes' },
};
const modelArg = args.includes('--model') ? args[args.indexOf('--model') + 1] : 'builtin';
if (modelArg !== 'fixture' && modelArg !== 'builtin') {
  // A pack folder (an animatediff pack, say): its own per-stage bench, scripts/bench-pack.mjs.
  if (!modelArg || !existsSync(join(modelArg, 'manifest.json'))) throw new Error(`--model: expected fixture, builtin or a pack folder with a manifest.json, got ${modelArg}`);
  await (await import('./bench-pack.mjs')).benchPack(args);
  process.exit(0);
}
const PACK = PACKS[modelArg];
const manifest = JSON.parse(readFileSync(`${PACK.dir}/manifest.json`, 'utf8'));
const STEPS = opt('steps', 0) || manifest.scheduler.defaultSteps;
const WEBGPU_STEPS = opt('webgpu-steps', 1);
const RUNS = opt('runs', 2);
const REFERENCE_STEPS = opt('reference-steps', 20);
const PORT = opt('port', 4192);
const CORES = os.cpus().length;

/**
 * The browser configurations. `base` names the "after" configuration that a
 * "before" one is compared with; `steps` is kept small where only another
 * stage differs.
 * @type {{ name: string, backend: 'wasm' | 'webgpu', query: string, steps: number, runs: number, label: string, base?: string, model?: string }[]}
 */
const ALL_CONFIGS = [
  { name: 'wasm', backend: 'wasm', query: '', steps: STEPS, runs: RUNS, label: `WASM, ${CORES} threads` },
  { name: 'wasm-1t', backend: 'wasm', query: '&threads=1', steps: STEPS, runs: RUNS, label: 'WASM, 1 thread' },
  { name: 'wasm-asyncify', backend: 'wasm', query: '&wasmRuntime=asyncify', steps: STEPS, runs: RUNS, label: `WASM on the Asyncify build, ${CORES} threads (before)`, base: 'wasm' },
  { name: 'wasm-batch-encode', backend: 'wasm', query: '&streamEncode=0', steps: 2, runs: RUNS, label: 'WASM, frames upscaled before encoding (before)', base: 'wasm' },
  { name: 'wasm-one-upscaler', backend: 'wasm', query: '&upscaleWorker=0', steps: STEPS, runs: RUNS, label: 'WASM, frames upscaled by the engine worker alone (before)', base: 'wasm' },
  ...(manifest.variants?.wasm
    ? [{ name: 'wasm-default-graph', backend: /** @type {const} */ ('wasm'), query: '&backendGraphs=0', steps: STEPS, runs: RUNS, label: `WASM on the pack's default graph, not its WASM variant (before)`, base: 'wasm' }]
    : []),
  ...(manifest.variants?.wasm?.conditionalDenoiser
    ? [{ name: 'wasm-batch2-unguided', backend: /** @type {const} */ ('wasm'), query: '&conditionalGraph=0', steps: STEPS, runs: RUNS, label: 'WASM, unguided steps on the batch-2 graph, not the batch-1 conditional graph (before)', base: 'wasm' }]
    : []),
  // An A/A pair: the same configuration on two pages, to show what the pairing itself contributes.
  { name: 'wasm-same', backend: 'wasm', query: '', steps: STEPS, runs: RUNS, label: 'WASM, 2 threads, the same settings on a second page (A/A)', base: 'wasm' },
  { name: 'wasm-no-spin', backend: 'wasm', query: '&spin=0', steps: STEPS, runs: RUNS, label: `WASM, ${CORES} threads, ORT's pool threads sleep between runs (spin=0)`, base: 'wasm' },
  { name: 'wasm-no-encoder-cache', backend: 'wasm', query: '&encoderCache=0', steps: STEPS, runs: RUNS, label: 'WASM, the encoder question asked every job (before)', base: 'wasm' },
  { name: 'wasm-js-step', backend: 'wasm', query: '&wasmStep=0', steps: STEPS, runs: RUNS, label: `WASM, the sampler's step in JS, not WebAssembly (before)`, base: 'wasm' },
  { name: 'wasm-no-warmup', backend: 'wasm', query: '&warmUp=0', steps: STEPS, runs: RUNS, label: 'WASM, no warm-up run at load (before)', base: 'wasm' },
  ...(args.includes('--no-webgpu')
    ? []
    : /** @type {const} */ ([
        { name: 'webgpu', backend: 'webgpu', query: '', steps: WEBGPU_STEPS, runs: 1, label: 'WebGPU' },
        { name: 'webgpu-cpu-latents', backend: 'webgpu', query: '&gpuLatents=0', steps: WEBGPU_STEPS, runs: 1, label: 'WebGPU, latents read back every step (before)', base: 'webgpu' },
      ])),
];

const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : null;
const CONFIGS = ALL_CONFIGS.filter((c) => !only || only.includes(c.name));

const NATIVE = !args.includes('--no-native');
// scripts/bench-pytorch.py knows the built-in model only.
const python = NATIVE && modelArg === 'builtin' ? runPython(PACK.dir, manifest, [...new Set([1, CORES])], 5) : null;
const probe = NATIVE ? await nativeProbe({ dir: PACK.dir, manifest, variants: python?.variants ?? {}, threads: [...new Set([1, CORES])] }) : null;

// An older pack, measured against this one (--before-pack): served under the id `<id>-before`.
const beforeArg = args.includes('--before-pack') ? args[args.indexOf('--before-pack') + 1] : null;
const BEFORE = beforeArg ? renamedPack(beforeArg, 'before') : null;
if (BEFORE && (!only || only.includes('wasm-before-pack'))) {
  // An older pack runs at its own default steps (unless --steps says otherwise): with another sampler,
  // its defaults are the other side of the comparison (0.2.1: 20 Euler steps; 0.2.2: 12 DPM-Solver++(2M)).
  const beforeSteps = opt('steps', 0) || BEFORE.defaultSteps;
  CONFIGS.push({ name: 'wasm-before-pack', backend: 'wasm', query: '', steps: beforeSteps, runs: RUNS, label: `WASM, ${BEFORE.label}, ${beforeSteps} steps ${BEFORE.sampler} (before)`, base: 'wasm', model: `/models/${BEFORE.id}/manifest.json` });
}
if (BEFORE && only?.includes('wasm-1t-before-pack')) {
  // The same pair with ORT on one thread (asked for by name): a graph change can gain more there.
  const beforeSteps = opt('steps', 0) || BEFORE.defaultSteps;
  CONFIGS.push({ name: 'wasm-1t-before-pack', backend: 'wasm', query: '&threads=1', steps: beforeSteps, runs: RUNS, label: `WASM, 1 thread, ${BEFORE.label}, ${beforeSteps} steps ${BEFORE.sampler} (before)`, base: 'wasm-1t', model: `/models/${BEFORE.id}/manifest.json` });
}
process.env['ZOETROPE_EXTRA_PACKS'] = ['tests/fixtures/fixture-pack', BEFORE?.dir].filter(Boolean).join(',');
await build({ logLevel: 'warn' });
const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const origin = `http://127.0.0.1:${PORT}`;
const headers = Object.fromEntries((await fetch(`${origin}/`)).headers);
const browser = await chromium.launch({
  executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium',
  args: [
    MARKER,
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    // measureUserAgentSpecificMemory() answers at once instead of at the next GC (up to 20 s later).
    '--enable-blink-features=ForceEagerMeasureMemory',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const loadStart = os.loadavg();

/** @type {Record<string, any>[]} */
const timings = [];
/** @param {string} event @param {number} from @returns {Record<string, any>} */
const next = (event, from) => {
  const found = timings.slice(from).find((t) => t.event === event);
  if (!found) throw new Error(`the app logged no "${event}" timing`);
  return found;
};

/** A copy of the pack in `src` under the id `<id>-<suffix>`, in a temporary folder (the server serves packs by id). @param {string} src @param {string} suffix */
function renamedPack(src, suffix) {
  const m = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
  const dir = mkdtempSync(join(os.tmpdir(), 'zoetrope-bench-pack-'));
  cpSync(join(src, 'shards'), join(dir, 'shards'), { recursive: true });
  const id = `${m.id}-${suffix}`;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, id, name: `${m.name} (${suffix})` }, null, 1));
  return { dir, id, label: `${m.id}@${m.version}`, defaultSteps: m.scheduler.defaultSteps, sampler: m.scheduler.kind };
}

/**
 * JS heap of the page and its workers (measureUserAgentSpecificMemory), or
 * null where it does not answer within 5 s (seen on WebGPU pages, and at
 * times while ORT's WASM thread pool blocks in Atomics.wait); the table then
 * still has the main thread's heap from the DevTools protocol.
 */
async function jsMemory(/** @type {import('@playwright/test').Page} */ page) {
  return page.evaluate(async () => {
    const perf = /** @type {any} */ (performance);
    if (!self.crossOriginIsolated || typeof perf.measureUserAgentSpecificMemory !== 'function') return null;
    let m;
    try {
      m = await Promise.race([perf.measureUserAgentSpecificMemory(), new Promise((r) => setTimeout(() => r(null), 5_000))]);
    } catch (error) {
      console.warn(`[bench] measureUserAgentSpecificMemory: ${error}`);
    }
    if (!m) return null;
    let worker = 0;
    for (const b of m.breakdown) if (b.attribution.some((/** @type {any} */ a) => a.scope === 'DedicatedWorkerGlobalScope')) worker += b.bytes;
    return { bytes: m.bytes, workerBytes: worker };
  });
}

/** @param {import('@playwright/test').Page} page @param {number} steps @param {number} seed */
async function generate(page, steps, seed) {
  const before = timings.length;
  await page.getByTestId('prompt').fill('a red ball bouncing on green grass');
  await page.getByTestId('seed').fill(String(seed));
  await page.getByTestId('steps').fill(String(steps));
  await page.getByTestId('generate').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=result][data-checked=yes]') !== null && !document.querySelector('[data-testid=job]'), null, { timeout: 900_000, polling: 100 });
  await page.waitForTimeout(50);
  return next('generate', before);
}

/** @type {Record<string, any>} */
/** @type {Record<string, any>} */
const results = { install: null, configs: {}, native: null, sound: null };
try {
  const context = await browser.newContext();
  const open = async () => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.text().startsWith('[bench]')) console.log(m.text());
      const match = /^\[zoetrope:timing\] (.*)$/.exec(m.text());
      if (match) timings.push(JSON.parse(match[1] ?? '{}'));
    });
    return page;
  };
  // Install once in the fresh profile, on a page of its own: the service worker's precache of the
  // build (about 40 MB) runs meanwhile, and measureUserAgentSpecificMemory does not answer on that page.
  const first = await open();
  await first.goto(`${origin}/?model=${encodeURIComponent(PACK.url)}&backend=wasm`);
  await first.waitForSelector('[data-testid=model-status][data-state=ready]', { timeout: 600_000 });
  results.install = next('install', 0);
  await first.close();
  for (const config of CONFIGS) {
    // A "before" configuration runs interleaved with a fresh page of its base, job by job, so that
    // both sides see the same load: on a shared machine a load that drifts over minutes would
    // otherwise decide the ratio. Main configurations run alone, so their memory is theirs.
    const base = CONFIGS.find((c) => c.name === config.base);
    // The base takes the "before" side's steps (a tuning switch compares like with like), except
    // against an older pack, where each side runs its own pack's default steps.
    const group = base ? [{ ...base, steps: config.model ? base.steps : config.steps, runs: config.runs }, config] : [config];
    /** @type {import('@playwright/test').Page[]} */
    const pages = [];
    for (let i = 0; i < group.length; i++) pages.push(await open());
    /** @type {Record<string, any>[]} */
    const records = group.map((c) => ({ label: c.label, backend: c.backend, steps: c.steps, base: config.base ?? null, runs: [], jsHeap: [] }));
    const peak = await peakMemory(/** @type {import('@playwright/test').Page} */ (pages[0]), async () => {
      for (const [i, c] of group.entries()) {
        const page = /** @type {import('@playwright/test').Page} */ (pages[i]);
        const r = /** @type {Record<string, any>} */ (records[i]);
        const from = timings.length;
        await page.goto(`${origin}/?model=${encodeURIComponent(c.model ?? PACK.url)}&backend=${c.backend}${c.query}`);
        await page.waitForSelector('[data-testid=model-status][data-state=ready]', { timeout: 600_000 });
        r.crossOriginIsolated = await page.evaluate(() => self.crossOriginIsolated);
        r.load = next('load', from);
        r.jsHeap.push(await jsMemory(page));
      }
      for (let run = 0; run <= config.runs; run++) {
        // The order alternates from round to round, and the page that generates is brought to the front:
        // an A/A pair (wasm-same) measured the second of two pages 1.14x slower per clip when they ran
        // in a fixed order without that, which had flattered every "after" side.
        const order = [...pages.keys()];
        if (run % 2 === 1) order.reverse();
        for (const i of order) {
          const page = /** @type {import('@playwright/test').Page} */ (pages[i]);
          await page.bringToFront();
          records[i]?.runs.push(await generate(page, group[i]?.steps ?? config.steps, 1000 + run));
          records[i]?.jsHeap.push(await jsMemory(page));
        }
      }
    });
    for (const r of records) {
      r.memory = peak;
      // Native steps timed right after this configuration, under the same load (see nativeProbe).
      if (probe) {
        const threads = r.backend === 'wasm' ? r.load.threads : CORES;
        r.native = { threads, int8: await probe.step('int8', threads), fp32: await probe.step('fp32', threads), wasmVariant: await probe.step('wasm', threads) };
      }
      // The main WASM pages' target is a ratio to PyTorch eager (with all cores): timed right after them
      // too, as the one figure taken at the start drifts with the machine (its step moved 71-107 ms).
      if (python?.pytorch && !config.base && config.backend === 'wasm') r.pytorchStepMs = pytorchStep(CORES, 5);
    }
    const [first, second] = records;
    results.configs[config.name] = summarise(/** @type {Record<string, any>} */ (second ?? first));
    // The base as measured beside this configuration: the "after" of its before/after.
    if (second) results.configs[config.name].pairedBase = summarise(/** @type {Record<string, any>} */ (first));
    console.log(`done: ${config.label}`);
    for (const page of pages) await page.close();
  }
  await context.close();
  // Sound (issue 19): a narrated template lesson against the same lesson silent, on the built-in model.
  if (!args.includes('--no-sound') && modelArg === 'builtin') results.sound = await soundBench(browser, origin, { runs: RUNS });
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}

if (NATIVE && python) {
  results.native = await nativeReferences({ dir: PACK.dir, manifest, steps: STEPS, threads: CORES, runs: 5, variants: python.variants });
  results.native.pytorch = python.pytorch;
  results.native.missing = { ...results.native.missing, ...python.missing };
  if (probe) {
    // onnxruntime-node's error against the golden step, per graph (the browser's WASM matches it to 1e-3: tests/unit/golden-step.test.ts).
    results.native.goldenDiff = Object.fromEntries(await Promise.all(['int8', 'fp32', 'wasm'].map(async (v) => [v, await probe.goldenDiff(v, 1)])));
  }
}

/** Per-configuration figures: cold is the first job after the page loads, warm the median of the others. @param {Record<string, any>} r */
function summarise(r) {
  const [cold, ...warm] = r.runs;
  const pick = (/** @type {string} */ k) => median(warm.map((/** @type {any} */ g) => g[k]));
  // The first step of each job pays one-off costs; the step median leaves it out.
  const steps = warm.flatMap((/** @type {any} */ g) => g.stepMs.slice(1));
  const ortSteps = warm.flatMap((/** @type {any} */ g) => g.stepOrtMs.slice(1));
  const ortMs = warm.map((/** @type {any} */ g) => g.textOrtMs + g.stepOrtMs.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0));
  const heaps = r.jsHeap.filter(Boolean);
  return {
    ...r,
    runs: undefined,
    jsHeap: undefined,
    sessionMs: r.load.sessionMs,
    warmUpMs: r.load.warmUpMs ?? 0,
    readMs: r.load.readMs,
    threads: r.load.threads,
    wasmFile: r.load.runtime.wasmFile,
    gpuBytes: r.load.gpuBytes,
    textMs: pick('textMs'),
    textOrtMs: pick('textOrtMs'),
    stepMs: median(steps.length ? steps : warm.flatMap((/** @type {any} */ g) => g.stepMs)),
    stepOrtMs: median(ortSteps.length ? ortSteps : warm.flatMap((/** @type {any} */ g) => g.stepOrtMs)),
    framesMs: pick('framesMs'),
    encodeMs: pick('encodeMs'),
    coldMs: cold.pageMs,
    warmMs: pick('pageMs'),
    warmEngineMs: pick('totalMs'),
    // Everything in a warm job that is not inside ORT's session.run, as a share of the whole.
    overhead: median(warm.map((/** @type {any} */ g, /** @type {number} */ i) => (g.pageMs - (ortMs[i] ?? 0)) / g.pageMs)),
    // The same, phase by phase (scripts/bench-overhead.mjs).
    overheadBreakdown: overheadBreakdown(warm, median),
    gpuPeakBytes: warm[0]?.gpuPeakBytes ?? null,
    latents: cold.latents,
    framesSha256: [...new Set(r.runs.map((/** @type {any} */ g) => `${g.steps}:${g.framesSha256}`))],
    peakJsHeap: heaps.length ? Math.max(...heaps.map((/** @type {any} */ h) => h.bytes)) : null,
    peakWorkerJsHeap: heaps.length ? Math.max(...heaps.map((/** @type {any} */ h) => h.workerBytes)) : null,
  };
}

const chromiumVersion = browser.version();
results.meta = {
  date: new Date().toISOString(),
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: CORES, memoryGB: +(os.totalmem() / 1e9).toFixed(1), os: `${os.type()} ${os.release()}`, loadAverage: { start: loadStart, end: os.loadavg() } },
  browser: `Chromium ${chromiumVersion}`,
  versions: { node: process.version, onnxruntimeWeb: results.configs.wasm?.load?.runtime?.version ?? null, onnxruntimeNode: probe?.version ?? results.native?.ortNodeVersion ?? null, torch: results.native?.pytorch?.torch ?? null },
  pack: { id: manifest.id, version: manifest.version, bytes: manifest.totalBytes, frames: manifest.video.frames, fps: manifest.video.fps, defaultSteps: manifest.scheduler.defaultSteps, sampler: manifest.scheduler.kind, variants: manifest.variants ?? null, before: BEFORE?.label ?? null },
  servedHeaders: { coop: headers['cross-origin-opener-policy'] ?? null, coep: headers['cross-origin-embedder-policy'] ?? null },
  settings: { steps: STEPS, webgpuSteps: WEBGPU_STEPS, warmRuns: RUNS, sampler: manifest.scheduler.kind, reference: { sampler: 'rectified-flow-euler', steps: REFERENCE_STEPS } },
};
mkdirSync('bench', { recursive: true });
writeFileSync('bench/results.json', `${JSON.stringify(results, null, 1)}\n`);
printReport(results);
if (results.sound) printSound(results.sound);
console.log('\nwrote bench/results.json');
