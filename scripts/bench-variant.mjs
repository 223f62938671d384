#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:variant`: this pack's WASM denoiser variant against
// another pack's (e.g. the version before, from git history), call by call,
// in onnxruntime-web's own WASM build under Node (the browser's kernels
// without the browser), with no profiler. A graph change worth a few percent
// per call is below what the browser pairs of `npm run bench` can resolve on
// this shared 2-core machine, and ORT's profiler (`bench:ops`) adds a cost per
// node, which flatters a graph with fewer nodes. Here the two sessions
// alternate which goes first, on the same inputs, and the figure is the median
// of the per-pair ratios, so the machine's drift falls on both sides alike.
// Usage: npm run bench:variant -- --before <packdir> [--pack models/zoetrope-shapes --pairs 30 --threads 1,2]
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packFile } from './bench-native.mjs';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ name, /** @type {string} */ fallback) => (args.includes(`--${name}`) ? String(args[args.indexOf(`--${name}`) + 1]) : fallback);
const packDir = opt('pack', 'models/zoetrope-shapes');
const beforeDir = opt('before', '');
if (!beforeDir) throw new Error('give --before <packdir>: the pack to compare with (git archive <commit> models/zoetrope-shapes | tar -x -C /tmp/before)');
const pairs = Number(opt('pairs', '30'));
const threadCounts = opt('threads', '1,2').split(',').map(Number);

/** @param {string} dir */
function pack(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const file = (/** @type {string} */ path) => new Uint8Array(packFile(dir, manifest, path));
  const graph = manifest.variants?.wasm?.denoiser ?? { file: manifest.graphs.denoiser, externalData: [] };
  return {
    label: `${manifest.id}@${manifest.version} ${graph.file}`,
    manifest,
    model: file(graph.file),
    externalData: (graph.externalData ?? []).map((/** @type {string} */ path) => ({ path, data: file(path) })),
  };
}

const after = pack(packDir);
const before = pack(beforeDir);
const [C, T, H, W] = after.manifest.sample.shape;
const n = C * T * H * W;
const L = after.manifest.tokenizer.maxLength + 1;
const D = 160; // the built-in model's text width
// Inputs near what a job feeds: noise-scale samples, a mid-schedule t, random text states.
const feeds = {
  sample: new ort.Tensor('float32', Float32Array.from({ length: 2 * n }, () => Math.random() * 2 - 1), [2, C, T, H, W]),
  timestep: new ort.Tensor('float32', new Float32Array(2).fill(0.7), [2]),
  text_states: new ort.Tensor('float32', Float32Array.from({ length: 2 * L * D }, () => Math.random() - 0.5), [2, L, D]),
  text_mask: new ort.Tensor('float32', new Float32Array(2 * L).fill(1), [2, L]),
};
const median = (/** @type {number[]} */ a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;

console.log(`${before.label} (before) against ${after.label} (after), batch 2, ${pairs} pairs after 2 warm-up pairs`);
for (const threads of threadCounts) {
  ort.env.wasm.numThreads = threads;
  const load = (/** @type {{ model: Uint8Array, externalData: { path: string, data: Uint8Array }[] }} */ g) =>
    ort.InferenceSession.create(g.model, { executionProviders: ['wasm'], externalData: g.externalData });
  const sessions = { before: await load(before), after: await load(after) };
  /** @type {{ before: number[], after: number[] }} */
  const ms = { before: [], after: [] };
  for (let i = 0; i < pairs + 2; i++) {
    /** @type {('before' | 'after')[]} */
    const order = i % 2 ? ['before', 'after'] : ['after', 'before'];
    for (const side of order) {
      const started = performance.now();
      await sessions[side].run(feeds);
      if (i >= 2) ms[side].push(performance.now() - started);
    }
  }
  const ratio = median(ms.before.map((b, i) => b / (ms.after[i] ?? NaN)));
  console.log(`${threads} thread(s): before ${median(ms.before).toFixed(1)} ms, after ${median(ms.after).toFixed(1)} ms a call; median of the per-pair ratios before / after ${ratio.toFixed(3)}x`);
  await sessions.before.release();
  await sessions.after.release();
}
