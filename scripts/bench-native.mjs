// @ts-check
// Owns the native references of `npm run bench`, on the same ONNX graphs as
// the browser (read from the pack's shards):
//  - onnxruntime-node on the CPU, 1 thread and all cores: the limit of this
//    machine; per denoiser call, and a whole prompt-to-latents loop (text
//    encoder + every step with CFG and Euler, as the engine does);
//  - the same denoiser with its int8 weights folded to fp32 (the arithmetic
//    the browser's WASM runs on the default graph), and the pack's WASM
//    variant (dynamic int8, src/shared/graph-variants.ts), on both runtimes;
//  - onnxruntime-web's own WASM build under Node, 1 thread: the browser's
//    runtime without the browser, which splits "WASM is slower than native"
//    from "the browser adds overhead";
//  - PyTorch eager, through scripts/bench-pytorch.py and Debian's python3.
// Each part that cannot run here (no onnxruntime-node, no python3-torch) is
// reported as missing with the reason, never guessed.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = process.env['ZOETROPE_PYTHON'] ?? '/usr/bin/python3';

/** @param {number[]} xs */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[Math.floor((s.length - 1) / 2)] ?? NaN) + (s[Math.ceil((s.length - 1) / 2)] ?? NaN)) / 2 : NaN;
};

/** The bytes of one pack file, joined from its shards. @param {string} dir @param {any} manifest @param {string} path */
export function packFile(dir, manifest, path) {
  const file = manifest.files.find((/** @type {any} */ f) => f.path === path);
  return Buffer.concat(file.shards.map((/** @type {any} */ s) => readFileSync(join(dir, 'shards', s.sha256))));
}

/** @typedef {{ model: Uint8Array, externalData: { path: string, data: Uint8Array }[] }} Graph */

/** A graph without external data. @param {Uint8Array} model @returns {Graph} */
export const plainGraph = (model) => ({ model, externalData: [] });

/**
 * The pack's denoiser graphs: `int8`, the default (weight-only int8), and
 * `wasm`, the WASM variant where the pack has one, with the files its
 * external data lives in. @param {string} dir @param {any} manifest @returns {Record<string, Graph>}
 */
export function packDenoisers(dir, manifest) {
  /** @type {Record<string, Graph>} */
  const out = { int8: plainGraph(packFile(dir, manifest, manifest.graphs.denoiser)) };
  const variant = manifest.variants?.wasm?.denoiser;
  if (variant) {
    out['wasm'] = {
      model: packFile(dir, manifest, variant.file),
      externalData: (variant.externalData ?? []).map((/** @type {string} */ path) => ({ path, data: packFile(dir, manifest, path) })),
    };
  }
  return out;
}

/** Session options plus a graph's external data. @param {Graph} graph @param {Record<string, unknown>} so */
const withData = (graph, so) => (graph.externalData.length ? { ...so, externalData: graph.externalData } : so);

/**
 * Times one runtime on the pack's graphs. `ort` is onnxruntime-node or
 * onnxruntime-web's Node build; `sessionOptions` picks threads and EP.
 * @param {any} ort @param {Record<string, unknown>} sessionOptions
 * @param {{ text: Uint8Array, denoiser: Graph, shape: number[], steps: number, guidance: number, runs: number, loop: boolean }} job
 */
async function timeRuntime(ort, sessionOptions, job) {
  const so = { graphOptimizationLevel: 'all', ...sessionOptions };
  let started = performance.now();
  const te = await ort.InferenceSession.create(job.text, so);
  const dn = await ort.InferenceSession.create(job.denoiser.model, withData(job.denoiser, so));
  const sessionMs = performance.now() - started;
  const [C, T, H, W] = job.shape;
  const n = (C ?? 0) * (T ?? 0) * (H ?? 0) * (W ?? 0);
  const ids = new BigInt64Array(32);
  [3, 55, 11, 19, 48, 37, 36].forEach((v, i) => (ids[i] = BigInt(v))); // the golden prompt's ids
  const x = new Float32Array(n).map((_, i) => Math.sin(i * 12.9898) % 1); // any fixed sample
  const both = new Float32Array(2 * n);
  const encode = () => te.run({ input_ids: new ort.Tensor('int64', ids, [2, 16]) });
  const text = await encode();
  const step = async (/** @type {number} */ t) => {
    both.set(x);
    both.set(x, n);
    const out = await dn.run({
      sample: new ort.Tensor('float32', both, [2, ...job.shape]),
      timestep: new ort.Tensor('float32', new Float32Array([t, t]), [2]),
      text_states: text['text_states'],
      text_mask: text['text_mask'],
    });
    return out['velocity'].data;
  };
  await step(0.5); // warm-up
  /** @type {number[]} */
  const stepMs = [];
  for (let i = 0; i < job.runs; i++) {
    started = performance.now();
    await step(0.5);
    stepMs.push(performance.now() - started);
  }
  /** @type {number[]} */
  const textMs = [];
  for (let i = 0; i < 3; i++) {
    started = performance.now();
    await encode();
    textMs.push(performance.now() - started);
  }
  let loopMs = null;
  if (job.loop) {
    // Prompt to final latents, as workers/pipelines/dit-rectified-flow/pipeline.ts does it: text once, then steps with CFG and Euler.
    started = performance.now();
    await encode();
    for (let i = 0; i < job.steps; i++) {
      const t = 1 - i / job.steps;
      const v = await step(t);
      const dt = -1 / job.steps;
      for (let j = 0; j < n; j++) x[j] = (x[j] ?? 0) + dt * ((v[n + j] ?? 0) + job.guidance * ((v[j] ?? 0) - (v[n + j] ?? 0)));
    }
    loopMs = performance.now() - started;
  }
  await te.release();
  await dn.release();
  return { sessionMs, textMs: median(textMs), stepMs: median(stepMs), loopMs };
}

/**
 * The Python side, run before anything else: PyTorch eager through
 * scripts/bench-pytorch.py, which also writes the fp32 fold of the denoiser.
 * @param {string} dir @param {any} manifest @param {number[]} threads @param {number} runs
 * @returns {{ pytorch: any, variants: Record<string, Graph>, missing: Record<string, string> }}
 */
export function runPython(dir, manifest, threads, runs) {
  const work = mkdtempSync(join(tmpdir(), 'zoetrope-bench-'));
  /** @type {Record<string, Graph>} */
  const variants = {};
  /** @type {Record<string, string>} */
  const missing = {};
  const py = (/** @type {string[]} */ args) => execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
  const why = (/** @type {unknown} */ error) => String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
  let pytorch = null;
  try {
    const fp32 = join(work, 'denoiser.fp32.onnx');
    const lines = py(['scripts/bench-pytorch.py', '--threads', threads.join(','), '--runs', String(runs), '--fp32-out', fp32]);
    pytorch = JSON.parse(lines[lines.length - 1] ?? '{}');
    variants['fp32'] = plainGraph(readFileSync(fp32));
  } catch (error) {
    missing['pytorch'] = `${PYTHON} scripts/bench-pytorch.py failed: ${why(error)}`;
  }
  if (!manifest.variants?.wasm?.denoiser) missing['wasm variant'] = `${manifest.id}@${manifest.version} has no WASM graph variant`;
  return { pytorch, variants, missing };
}

/**
 * PyTorch eager's denoiser step at `threads`, timed now (scripts/bench-pytorch.py, a fresh process:
 * about 5 s here), for the configurations whose ratio to PyTorch is a target; null if Python fails.
 * @param {number} threads
 * @param {number} runs
 * @returns {number | null}
 */
export function pytorchStep(threads, runs) {
  try {
    const lines = execFileSync(PYTHON, ['scripts/bench-pytorch.py', '--threads', String(threads), '--runs', String(runs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
    return JSON.parse(lines[lines.length - 1] ?? '{}').threads?.[String(threads)]?.step_ms ?? null;
  } catch {
    return null;
  }
}

/**
 * onnxruntime-node sessions kept open through the whole run, so that each
 * browser configuration is paired with a native step timed right after it:
 * on a shared machine the load changes from minute to minute, and a ratio
 * of two figures taken together is far steadier than one of figures taken
 * minutes apart. Null when onnxruntime-node cannot load.
 * @param {{ dir: string, manifest: any, variants: Record<string, Graph>, threads: number[] }} options
 */
export async function nativeProbe({ dir, manifest, variants, threads }) {
  let ort;
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return null;
  }
  const [C, T, H, W] = manifest.sample.shape;
  const n = C * T * H * W;
  const sample = new ort.Tensor('float32', new Float32Array(2 * n).map((_, i) => Math.sin(i) % 1), [2, C, T, H, W]);
  const ids = new BigInt64Array(32);
  /** @type {Map<string, () => Promise<any>>} */
  const calls = new Map();
  /** @type {Record<string, Graph>} */
  const graphs = { ...packDenoisers(dir, manifest), ...variants };
  for (const t of threads) {
    const so = { graphOptimizationLevel: /** @type {const} */ ('all'), intraOpNumThreads: t, interOpNumThreads: 1 };
    const te = await ort.InferenceSession.create(packFile(dir, manifest, manifest.graphs.textEncoder), so);
    const text = await te.run({ input_ids: new ort.Tensor('int64', ids, [2, 16]) });
    for (const [name, graph] of Object.entries(graphs)) {
      const dn = await ort.InferenceSession.create(graph.model, withData(graph, so));
      const timestep = new ort.Tensor('float32', new Float32Array([0.5, 0.5]), [2]);
      const feeds = { sample, timestep, text_states: /** @type {any} */ (text['text_states']), text_mask: /** @type {any} */ (text['text_mask']) };
      calls.set(`${name}-${t}`, async () => (await dn.run(feeds))['velocity']?.data);
    }
  }
  return {
    version: ort.env.versions.node,
    /** Median ms of `runs` denoiser calls after one warm-up; null for a variant that is missing. */
    async step(/** @type {string} */ variant, /** @type {number} */ t, runs = 5) {
      const call = calls.get(`${variant}-${t}`);
      if (!call) return null;
      await call();
      /** @type {number[]} */
      const ms = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await call();
        ms.push(performance.now() - started);
      }
      return median(ms);
    },
    /**
     * Largest |velocity - golden| of a variant on the pack's golden step
     * (golden/, written by PyTorch for the int8-rounded weights): how far
     * this runtime's arithmetic strays from the model's. Null without golden/.
     */
    async goldenDiff(/** @type {string} */ variant, /** @type {number} */ t) {
      const gdir = join(dir, 'golden');
      const graph = graphs[variant];
      if (!existsSync(join(gdir, 'golden.json')) || !graph) return null;
      const g = JSON.parse(readFileSync(join(gdir, 'golden.json'), 'utf8'));
      const floats = (/** @type {string} */ name) => new Float32Array(new Uint8Array(readFileSync(join(gdir, name))).buffer);
      const so = { graphOptimizationLevel: /** @type {const} */ ('all'), intraOpNumThreads: t };
      const te = await ort.InferenceSession.create(packFile(dir, manifest, manifest.graphs.textEncoder), so);
      const text = await te.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(g.input_ids.flat().map(BigInt)), [2, g.input_ids[0].length]) });
      const x = floats(g.step.sample);
      const both = new Float32Array(2 * x.length);
      both.set(x);
      both.set(x, x.length);
      const dn = await ort.InferenceSession.create(graph.model, withData(graph, so));
      const out = await dn.run({
        sample: new ort.Tensor('float32', both, [2, ...g.step.sample_shape]),
        timestep: new ort.Tensor('float32', new Float32Array([g.step.t, g.step.t]), [2]),
        text_states: /** @type {any} */ (text['text_states']),
        text_mask: /** @type {any} */ (text['text_mask']),
      });
      const v = /** @type {Float32Array} */ (out['velocity']?.data);
      const gold = floats(g.step.velocity);
      let d = 0;
      for (let i = 0; i < gold.length; i++) d = Math.max(d, Math.abs((v[i] ?? NaN) - (gold[i] ?? NaN)));
      return d;
    },
  };
}

/**
 * The native table, printed once: onnxruntime-node int8 and fp32 (whole
 * prompt-to-latents loops), and onnxruntime-web's WASM build under Node.
 * @param {{ dir: string, manifest: any, steps: number, threads: number, runs: number, variants: Record<string, Graph> }} options
 * @returns {Promise<Record<string, any>>}
 */
export async function nativeReferences({ dir, manifest, steps, threads, runs, variants }) {
  /** @type {Record<string, any>} */
  const out = { missing: {} };
  const text = packFile(dir, manifest, manifest.graphs.textEncoder);
  const graphs = { ...packDenoisers(dir, manifest), ...variants };
  const base = { text, shape: manifest.sample.shape, steps, guidance: manifest.scheduler.defaultGuidance, runs };

  try {
    const ort = await import('onnxruntime-node');
    out['ortNodeVersion'] = ort.env.versions.node;
    for (const n of [...new Set([1, threads])]) {
      const so = { intraOpNumThreads: n, interOpNumThreads: 1 };
      for (const [name, graph] of Object.entries(graphs)) out[`node-${name}-${n}t`] = await timeRuntime(ort, so, { ...base, denoiser: graph, loop: true });
    }
  } catch (error) {
    out['missing']['onnxruntime-node'] = `not installed or not loadable (${String(error).split('\n')[0]}); npm install --no-save --ignore-scripts onnxruntime-node@1.30.0`;
  }

  // onnxruntime-web's Node build (plain WASM, the browser's WASM backend runtime), one thread.
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  const so = { executionProviders: ['wasm'] };
  for (const [name, graph] of Object.entries(graphs)) out[`wasm-in-node-${name}-1t`] = await timeRuntime(web, so, { ...base, denoiser: graph, loop: false });
  return out;
}
