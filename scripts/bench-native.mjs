// @ts-check
// Owns the native references of `npm run bench`, on the same ONNX graphs as
// the browser (read from the pack's shards):
//  - onnxruntime-node on the CPU, 1 thread and all cores: the limit of this
//    machine; per denoiser call, and a whole prompt-to-latents loop (text
//    encoder + every step with CFG and Euler, as the engine does);
//  - the same denoiser with its int8 weights folded to fp32, on both
//    runtimes: does the precision matter?
//  - onnxruntime-web's own WASM build under Node, 1 thread: the browser's
//    runtime without the browser, which splits "WASM is slower than native"
//    from "the browser adds overhead";
//  - PyTorch eager, through scripts/bench-pytorch.py and Debian's python3.
// Each part that cannot run here (no onnxruntime-node, no python3-torch) is
// reported as missing with the reason, never guessed.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

/**
 * Times one runtime on the pack's graphs. `ort` is onnxruntime-node or
 * onnxruntime-web's Node build; `sessionOptions` picks threads and EP.
 * @param {any} ort @param {Record<string, unknown>} sessionOptions
 * @param {{ text: Uint8Array, denoiser: Uint8Array, shape: number[], steps: number, guidance: number, runs: number, loop: boolean }} job
 */
async function timeRuntime(ort, sessionOptions, job) {
  const so = { graphOptimizationLevel: 'all', ...sessionOptions };
  let started = performance.now();
  const te = await ort.InferenceSession.create(job.text, so);
  const dn = await ort.InferenceSession.create(job.denoiser, so);
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
    // Prompt to final latents, as workers/pipeline.ts does it: text once, then steps with CFG and Euler.
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
 * @param {{ dir: string, manifest: any, steps: number, threads: number, runs: number }} options
 * @returns {Promise<Record<string, any>>}
 */
export async function nativeReferences({ dir, manifest, steps, threads, runs }) {
  /** @type {Record<string, any>} */
  const out = { missing: {} };
  const text = packFile(dir, manifest, manifest.graphs.textEncoder);
  const int8 = packFile(dir, manifest, manifest.graphs.denoiser);
  const base = { text, shape: manifest.sample.shape, steps, guidance: manifest.scheduler.defaultGuidance, runs };

  // PyTorch first: it also writes the fp32 copy of the denoiser.
  let fp32 = null;
  try {
    const fp32Path = join(mkdtempSync(join(tmpdir(), 'zoetrope-bench-')), 'denoiser.fp32.onnx');
    const args = ['scripts/bench-pytorch.py', '--threads', [...new Set([1, threads])].join(','), '--runs', String(runs), '--fp32-out', fp32Path];
    const lines = execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
    out['pytorch'] = JSON.parse(lines[lines.length - 1] ?? '{}');
    if (existsSync(fp32Path)) fp32 = readFileSync(fp32Path);
  } catch (error) {
    out['missing']['pytorch'] = `${PYTHON} scripts/bench-pytorch.py failed: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`;
  }

  try {
    const ort = await import('onnxruntime-node');
    out['ortNodeVersion'] = ort.env.versions.node;
    for (const n of [...new Set([1, threads])]) {
      const so = { intraOpNumThreads: n, interOpNumThreads: 1 };
      out[`node-int8-${n}t`] = await timeRuntime(ort, so, { ...base, denoiser: int8, loop: true });
      if (fp32) out[`node-fp32-${n}t`] = await timeRuntime(ort, so, { ...base, denoiser: fp32, loop: true });
    }
  } catch (error) {
    out['missing']['onnxruntime-node'] = `not installed or not loadable (${String(error).split('\n')[0]}); npm install --no-save --ignore-scripts onnxruntime-node@1.30.0`;
  }

  // onnxruntime-web's Node build (plain WASM, the browser's WASM backend runtime), one thread.
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  const so = { executionProviders: ['wasm'] };
  out['wasm-in-node-int8-1t'] = await timeRuntime(web, so, { ...base, denoiser: int8, loop: false });
  if (fp32) out['wasm-in-node-fp32-1t'] = await timeRuntime(web, so, { ...base, denoiser: fp32, loop: false });
  return out;
}
