#!/usr/bin/env node
// @ts-check
// Owns `npm run bench -- --model <pack dir>`: per-stage times and peak memory
// of any pack folder (made for the converted kinds: animatediff's and wan's
// tiny TEST FIXTURE packs, or a full-size random-weight one), in headless Chromium (Debian's,
// or ZOETROPE_CHROMIUM) against the production build, through the app's own
// path: licence, verified install into IndexedDB, sessions, then whole jobs.
// scripts/bench.mjs hands over to this file when --model names a folder; the
// built-in model's deeper comparison (native references, tuning knobs) stays
// there.
//  - Stages: install (MB/s), each graph's session creation, the load's read /
//    sessions / warm-up, and per job text encoding, each denoiser step,
//    decoding (the VAE or TAEW, all frames), frames + hash, MP4 encoding, the whole job.
//  - Memory: peak RSS of the renderer (the engine worker lives there), the GPU
//    process and all browser processes while installing, loading and
//    generating; the page's and the engine worker's JS heap
//    (measureUserAgentSpecificMemory) after load and after the last job.
//  - Backends: WASM, then WebGPU (SwiftShader here: about 100x slower than
//    WASM, so --webgpu-jobs 0 keeps it to the sessions for a big pack).
// A persistent profile: an off-the-record context refuses packs of gigabytes.
// Usage: npm run bench -- --model <pack dir> [--backends wasm,webgpu] [--runs 2]
//        [--webgpu-jobs 1] [--job-timeout-s 1800] [--port 4193]
// Prints a Markdown table and writes bench/pack-<id>.json.

import { chromium } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { build, preview } from 'vite';
import { MARKER, peakMemory } from './bench-memory.mjs';
import { median } from './bench-native.mjs';

/** @param {string[]} args */
export async function benchPack(args) {
  /** @param {string} name */
  const value = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  /** @param {string} name @param {number} fallback */
  const num = (name, fallback) => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number, got ${v}`);
    return n;
  };
  const dir = resolve(value('model') ?? '');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const backends = (value('backends') ?? 'wasm,webgpu').split(',');
  for (const b of backends) if (b !== 'wasm' && b !== 'webgpu') throw new Error(`--backends: expected wasm and/or webgpu, got ${b}`);
  const RUNS = num('runs', 2);
  const WEBGPU_JOBS = num('webgpu-jobs', 1);
  const JOB_TIMEOUT = num('job-timeout-s', 1800) * 1000;
  const PORT = num('port', 4193);
  const manifestUrl = `/models/${manifest.id}/manifest.json`;

  // Served by the Vite plugin from the folder itself, never copied into the build.
  process.env['ZOETROPE_EXTRA_PACKS'] = dir;
  await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const origin = `http://127.0.0.1:${PORT}`;
  const profile = mkdtempSync(join(os.tmpdir(), 'zoetrope-bench-pack-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium',
    args: [MARKER, '--no-sandbox', '--enable-unsafe-webgpu', '--enable-blink-features=ForceEagerMeasureMemory', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const loadStart = os.loadavg();
  /** @type {Record<string, any>[]} */
  const events = [];
  /** @param {string} event @param {number} from */
  const after = (event, from) => events.slice(from).filter((e) => e.event === event);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    const match = /\[zoetrope:timing\] (.*)$/.exec(m.text());
    if (match) events.push(JSON.parse(match[1] ?? '{}'));
    else if (m.type() === 'error') console.log(`[page error] ${m.text().slice(0, 300)}`);
  });

  /** The model's state, or the error the page shows. */
  const state = async () => {
    const error = page.getByTestId('error');
    if ((await error.count()) > 0) return `error ${await error.first().getAttribute('data-error-name')}: ${(await error.first().textContent())?.trim()}`;
    return (await page.getByTestId('model-status').getAttribute('data-state')) ?? '';
  };
  /** Polls until `done` accepts the state; throws with the state otherwise. @param {(s: string) => boolean} done @param {number} timeout */
  const until = async (done, timeout) => {
    const end = Date.now() + timeout;
    for (let s = await state(); ; s = await state()) {
      if (done(s)) return s;
      if (s.startsWith('error ') || Date.now() > end) throw new Error(`bench-pack: the page says "${s.slice(0, 300)}"`);
      await page.waitForTimeout(250);
    }
  };

  /** @type {Record<string, any>} */
  const results = { install: null, backends: {} };
  try {
    for (const backend of backends) {
      const r = /** @type {Record<string, any>} */ ({ jobs: [], jsHeap: [] });
      const from = events.length;
      let clickedAt = 0;
      r.memoryLoad = await peakMemory(page, async () => {
        await page.goto(`${origin}/?model=${encodeURIComponent(manifestUrl)}&backend=${backend}`);
        const first = await until((s) => s === 'needs-install' || s === 'ready', 120_000);
        if (first === 'needs-install') {
          // The licence comes before the download, as for a user.
          if ((await page.getByTestId('license-accept').count()) > 0) await page.getByTestId('license-accept').check();
          clickedAt = Date.now();
          await page.getByTestId('install').click();
        }
        await until((s) => s === 'ready', 3_600_000);
      });
      if (clickedAt) {
        const install = after('install', from)[0];
        const ms = install?.ms ?? Date.now() - clickedAt;
        results.install = { ms, bytes: manifest.totalBytes, mbPerS: manifest.totalBytes / 1e6 / (ms / 1000), memory: r.memoryLoad };
      }
      r.backend = await page.getByTestId('model-status').getAttribute('data-backend');
      r.sessions = after('session', from).map((s) => ({ graph: s.graph, ms: s.ms, modelBytes: s.modelBytes, externalBytes: s.externalBytes, externalFiles: s.externalFiles, jsHeapAfter: s.jsHeapAfter }));
      r.load = after('load', from).at(-1) ?? null;
      r.jsHeap.push(await jsMemory(page));
      const jobs = backend === 'webgpu' ? Math.min(WEBGPU_JOBS, RUNS) : RUNS;
      r.memoryJobs = await peakMemory(page, async () => {
        for (let run = 0; run < jobs; run++) {
          const jobFrom = events.length;
          const started = Date.now();
          // One seed throughout: every job must give the same frames (the table counts the distinct hashes).
          await generate(page, 42, JOB_TIMEOUT);
          const g = after('generate', jobFrom)[0];
          if (!g) throw new Error('bench-pack: the app logged no "generate" timing');
          r.jobs.push({ ...g, pageMs: Date.now() - started });
          console.log(`[bench-pack] ${backend} job ${run + 1}/${jobs}: ${(g.totalMs / 1000).toFixed(1)} s`);
        }
      });
      r.jsHeap.push(await jsMemory(page));
      results.backends[backend] = summarise(r);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await new Promise((done) => server.httpServer.close(done));
  }
  results.meta = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${args.join(' ')}`,
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGB: +(os.totalmem() / 1e9).toFixed(1), loadAverage: { start: loadStart, end: os.loadavg() } },
    browser: `Chromium ${context.browser()?.version() ?? ''}`.trim(),
    pack: { id: manifest.id, version: manifest.version, pipeline: manifest.pipeline, bytes: manifest.totalBytes, video: manifest.video, steps: manifest.scheduler.defaultSteps },
  };
  mkdirSync('bench', { recursive: true });
  const out = `bench/pack-${manifest.id}.json`;
  writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
  printPackReport(results);
  console.log(`\nwrote ${out}`);
}

/** One job through the form (the pack's own step count; a kind without guidance shows none). @param {import('@playwright/test').Page} page @param {number} seed @param {number} timeout */
async function generate(page, seed, timeout) {
  const result = page.getByTestId('result');
  const previous = (await result.count()) > 0 ? Number(await result.getAttribute('data-serial')) : 0;
  await page.getByTestId('prompt').fill('a red ball bouncing on green grass');
  await page.getByTestId('seed').fill(String(seed));
  await page.getByTestId('generate').click();
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid=result][data-checked=yes]');
      if (document.querySelector('[data-testid=error]')) return true;
      return el !== null && Number(el.getAttribute('data-serial')) === n && !document.querySelector('[data-testid=job]');
    },
    previous + 1,
    { timeout, polling: 500 },
  );
  if ((await page.getByTestId('error').count()) > 0) throw new Error(`bench-pack: the job failed: ${await page.getByTestId('error').first().textContent()}`);
}

/**
 * The page's and its workers' JS heap, ArrayBuffers included (measureUserAgentSpecificMemory);
 * null where it does not answer in 90 s. It answers at the renderer's next scheduled GC, which
 * was 60 s here on Chromium 156 whatever ForceEagerMeasureMemory or a forced GC did, so the bench
 * asks only after load and after the last job, never inside a timed span.
 * @param {import('@playwright/test').Page} page
 */
async function jsMemory(page) {
  return page.evaluate(async () => {
    const perf = /** @type {any} */ (performance);
    if (!self.crossOriginIsolated || typeof perf.measureUserAgentSpecificMemory !== 'function') return null;
    const m = await Promise.race([perf.measureUserAgentSpecificMemory().catch(() => null), new Promise((r) => setTimeout(() => r(null), 90_000))]);
    if (!m) return null;
    let worker = 0;
    for (const b of m.breakdown) if (b.attribution.some((/** @type {any} */ a) => a.scope === 'DedicatedWorkerGlobalScope')) worker += b.bytes;
    return { bytes: m.bytes, workerBytes: worker };
  });
}

/** Medians over the jobs after the first (the first is cold); with one job, that job. @param {Record<string, any>} r */
function summarise(r) {
  const warm = r.jobs.length > 1 ? r.jobs.slice(1) : r.jobs;
  /** @param {(g: any) => number} f */
  const pick = (f) => (warm.length ? median(warm.map(f)) : null);
  const heaps = r.jsHeap.filter(Boolean);
  return {
    backend: r.backend,
    sessions: r.sessions,
    readMs: r.load?.readMs ?? null,
    sessionMs: r.load?.sessionMs ?? null,
    warmUpMs: r.load?.warmUpMs ?? null,
    graphs: r.load?.graphs ?? null,
    jobs: r.jobs.length,
    coldMs: r.jobs[0]?.totalMs ?? null,
    textOrtMs: pick((g) => g.textOrtMs),
    stepOrtMs: pick((g) => median(g.stepOrtMs)),
    stepMs: pick((g) => median(g.stepMs)),
    steps: r.jobs[0]?.stepMs.length ?? null,
    decodeMs: pick((g) => g.decodeMs ?? 0),
    framesMs: pick((g) => g.framesMs),
    encodeMs: pick((g) => g.encodeMs),
    totalMs: pick((g) => g.totalMs),
    framesSha256: [...new Set(r.jobs.map((/** @type {any} */ g) => g.framesSha256))],
    gpuPeakBytes: r.jobs[0]?.gpuPeakBytes ?? null,
    peakJsHeap: heaps.length ? Math.max(...heaps.map((/** @type {any} */ h) => h.bytes)) : null,
    peakWorkerJsHeap: heaps.length ? Math.max(...heaps.map((/** @type {any} */ h) => h.workerBytes)) : null,
    memoryLoad: r.memoryLoad,
    memoryJobs: r.memoryJobs,
  };
}

const ms = (/** @type {number | null | undefined} */ x) => (x == null || !Number.isFinite(x) ? '—' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
const mb = (/** @type {number | null | undefined} */ x) => (x == null || !Number.isFinite(x) || x === 0 ? '—' : `${(x / 1e6).toFixed(0)} MB`);

/** @param {Record<string, any>} results */
export function printPackReport(results) {
  const { meta, install, backends } = results;
  const cols = Object.keys(backends);
  const c = (/** @type {string} */ k) => backends[k];
  console.log(`\n## Pack benchmark: ${meta.pack.id} ${meta.pack.version} (${meta.pack.pipeline}, ${mb(meta.pack.bytes)}), ${meta.browser}, ${meta.machine.cores} cores, ${meta.date}`);
  console.log(`${meta.pack.video.frames} frames of ${meta.pack.video.width} × ${meta.pack.video.height}, ${meta.pack.steps} steps; load average ${meta.machine.loadAverage.start.map((/** @type {number} */ x) => x.toFixed(1)).join('/')} at the start\n`);
  if (install) console.log(`install: ${mb(install.bytes)} fetched, verified and stored in ${ms(install.ms)} = ${install.mbPerS.toFixed(1)} MB/s; peak RSS renderer ${mb(install.memory.renderer)}, storage ${mb(install.memory.storage)}, all ${mb(install.memory.total)} (install + first load)\n`);
  const graphNames = [...new Set(cols.flatMap((k) => c(k).sessions.map((/** @type {any} */ s) => s.graph)))];
  const rows = [
    ['backend loaded', ...cols.map((k) => String(c(k).backend))],
    ...graphNames.map((g) => [`session: ${g}`, ...cols.map((k) => ms(c(k).sessions.find((/** @type {any} */ s) => s.graph === g)?.ms))]),
    ['load: read from IndexedDB / sessions / warm-up (every graph once)', ...cols.map((k) => `${ms(c(k).readMs)} / ${ms(c(k).sessionMs)} / ${ms(c(k).warmUpMs)}`)],
    ['jobs (first is cold; the rest are medians)', ...cols.map((k) => String(c(k).jobs))],
    ['text encoder (ORT)', ...cols.map((k) => ms(c(k).textOrtMs))],
    ['one denoiser step: ORT / whole step', ...cols.map((k) => `${ms(c(k).stepOrtMs)} / ${ms(c(k).stepMs)}`)],
    ['decoder (VAE or TAEW, all frames)', ...cols.map((k) => ms(c(k).decodeMs))],
    ['frames + hash', ...cols.map((k) => ms(c(k).framesMs))],
    ['MP4 (upscale + encode)', ...cols.map((k) => ms(c(k).encodeMs))],
    ['whole job: cold / warm', ...cols.map((k) => `${ms(c(k).coldMs)} / ${ms(c(k).totalMs)}`)],
    ['peak RSS while loading: renderer / GPU process / all', ...cols.map((k) => `${mb(c(k).memoryLoad.renderer)} / ${mb(c(k).memoryLoad.gpu)} / ${mb(c(k).memoryLoad.total)}`)],
    ['peak RSS in jobs: renderer / GPU process / all', ...cols.map((k) => `${mb(c(k).memoryJobs.renderer)} / ${mb(c(k).memoryJobs.gpu)} / ${mb(c(k).memoryJobs.total)}`)],
    ['JS heap after load / after the jobs, the larger: page + workers (engine worker)', ...cols.map((k) => `${mb(c(k).peakJsHeap)} (${mb(c(k).peakWorkerJsHeap)})`)],
    ['GPU buffers, peak in a job', ...cols.map((k) => mb(c(k).gpuPeakBytes))],
    ['same seed, same frames (distinct hashes over the jobs)', ...cols.map((k) => (c(k).jobs ? String(c(k).framesSha256.length) : '—'))],
  ];
  console.log(`| stage | ${cols.join(' | ')} |`);
  console.log(`| --- | ${cols.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
