#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:conditional`: what the batch-1 conditional graph saves
// per unguided step, measured where nothing else moves. One batch-2 call of the
// pack's WASM denoiser against one batch-1 call of its conditionalDenoiser,
// interleaved call by call, in onnxruntime-web's own WASM build under Node
// (the browser's kernels without the browser), on 1 and on 2 threads. The
// browser pairs of `npm run bench` cannot resolve a 7% change per clip on this
// shared 2-core machine; this can. Graphs are reassembled from the pack's shards.
// Usage: npm run bench:conditional [-- --pack models/zoetrope-shapes --calls 12]
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packFile } from './bench-native.mjs';

const args = process.argv.slice(2);
const opt = (/** @type {string} */ name, /** @type {string} */ fallback) => (args.includes(`--${name}`) ? String(args[args.indexOf(`--${name}`) + 1]) : fallback);
const dir = opt('pack', 'models/zoetrope-shapes');
const calls = Number(opt('calls', '12'));
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const wasm = manifest.variants?.wasm ?? {};
if (!wasm.conditionalDenoiser) throw new Error(`${dir}: the pack has no WASM conditionalDenoiser graph`);
const file = (/** @type {string} */ path) => new Uint8Array(packFile(dir, manifest, path));
const [C, T, H, W] = manifest.sample.shape;
const n = C * T * H * W;
const L = manifest.tokenizer.maxLength + 1;
const D = 160;
/** @param {number} b */
const feeds = (b) => ({
  sample: new ort.Tensor('float32', Float32Array.from({ length: b * n }, () => Math.random() * 2 - 1), [b, C, T, H, W]),
  timestep: new ort.Tensor('float32', new Float32Array(b).fill(0.97), [b]),
  text_states: new ort.Tensor('float32', Float32Array.from({ length: b * L * D }, () => Math.random() - 0.5), [b, L, D]),
  text_mask: new ort.Tensor('float32', new Float32Array(b * L).fill(1), [b, L]),
});
const median = (/** @type {number[]} */ a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;
for (const threads of [1, 2]) {
  ort.env.wasm.numThreads = threads;
  /** @param {{ file: string, externalData?: string[] }} g */
  const load = (g) => ort.InferenceSession.create(file(g.file), { executionProviders: ['wasm'], externalData: (g.externalData ?? []).map((p) => ({ path: p, data: file(p) })) });
  const batch2 = await load(wasm.denoiser ?? { file: manifest.graphs.denoiser });
  const batch1 = await load(wasm.conditionalDenoiser);
  const f1 = feeds(1), f2 = feeds(2);
  /** @type {number[]} */ const t1 = [];
  /** @type {number[]} */ const t2 = [];
  for (let i = 0; i < calls + 2; i++) {
    let s = performance.now();
    await batch2.run(f2);
    if (i >= 2) t2.push(performance.now() - s); // the first two calls of each are warm-up
    s = performance.now();
    await batch1.run(f1);
    if (i >= 2) t1.push(performance.now() - s);
  }
  const [m1, m2] = [median(t1), median(t2)];
  const steps = manifest.scheduler.defaultSteps;
  console.log(`${threads} thread(s): batch-2 call ${m2.toFixed(1)} ms, batch-1 conditional call ${m1.toFixed(1)} ms (${(m1 / m2).toFixed(3)} of a batch-2 call); ` +
    `a ${steps}-step clip with 2 unguided steps: ${(steps * m2).toFixed(0)} -> ${((steps - 2) * m2 + 2 * m1).toFixed(0)} ms inside ORT (${((steps * m2) / ((steps - 2) * m2 + 2 * m1)).toFixed(3)}x)`);
  await batch1.release();
  await batch2.release();
}
