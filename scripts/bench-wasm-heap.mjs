#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:wasm-heap`: how much of onnxruntime-web's 4 GB WASM heap one
// AnimateDiff denoiser needs, outside the browser (onnxruntime-web's own WASM build
// under Node, which has the same heap), and how far that graph is from the
// converter's PyTorch golden step. The heap is the WebAssembly.Memory the ORT glue
// creates (caught by wrapping the constructor); it only grows, so its size after a
// call is that call's high-water mark. This is how README's "Full-size random-weight
// AnimateDiff pack" measured that 16 frames do not fit and 8 frames do.
//
//   npm run bench:wasm-heap -- <source folder> [--graph unet.int8.onnx] [--runs 1] [--threads 1]
//                              [--golden <converter output folder>] [--native]
//
// <source folder>: a pack source folder (model.json + the graph and its data files).
// --golden: also runs the graph on golden/step_input.bin (t = the first timestep) and
// prints max / mean |noise_pred - PyTorch|. --native: onnxruntime-node instead (no heap
// figure; for the golden comparison at full speed).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const value = (/** @type {string} */ name, /** @type {string} */ fallback) => (args.includes(`--${name}`) ? (args[args.indexOf(`--${name}`) + 1] ?? fallback) : fallback);
const dir = args[0];
if (!dir || dir.startsWith('--')) throw new Error('usage: npm run bench:wasm-heap -- <source folder> [--graph unet.int8.onnx] [--runs 1] [--threads 1] [--golden <folder>] [--native]');
const graph = value('graph', 'unet.int8.onnx');
const runs = Number(value('runs', '1'));
const golden = value('golden', '');
const native = args.includes('--native');

/** @type {WebAssembly.Memory[]} */
const memories = [];
/** Records every memory the ORT glue makes (a subclass, so `instanceof` still holds). */
class RecordingMemory extends WebAssembly.Memory {
  constructor(/** @type {WebAssembly.MemoryDescriptor} */ descriptor) {
    super(descriptor);
    memories.push(this);
  }
}
WebAssembly.Memory = RecordingMemory;
const heapMiB = () => (memories[0] ? memories[0].buffer.byteLength / 2 ** 20 : 0);

const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const entry = Object.values(manifest.graphs).find((g) => (typeof g === 'string' ? g : g?.file) === graph);
if (!entry) throw new Error(`--graph: ${graph} is not one of the folder's graphs (${JSON.stringify(manifest.graphs)})`);
const externalData = typeof entry === 'string' ? [] : entry.externalData;
const [channels, frames, h, w] = manifest.sample.shape;

/** @type {any} */
const ort = native ? await import('onnxruntime-node') : await import('onnxruntime-web');
if (!native) ort.env.wasm.numThreads = Number(value('threads', '1'));
const started = Date.now();
const session = native
  ? await ort.InferenceSession.create(join(dir, graph), { intraOpNumThreads: Number(value('threads', '2')) })
  : await ort.InferenceSession.create(readFileSync(join(dir, graph)), {
      executionProviders: ['wasm'],
      externalData: externalData.map((/** @type {string} */ path) => ({ path, data: readFileSync(join(dir, path)) })),
    });
console.log(`${graph}: session in ${((Date.now() - started) / 1000).toFixed(1)} s${native ? '' : `, WASM heap ${heapMiB().toFixed(0)} MiB`}`);

const f32 = (/** @type {string} */ name) => {
  const b = readFileSync(join(golden, 'golden', `${name}.bin`));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const g = golden ? JSON.parse(readFileSync(join(golden, 'golden', 'golden.json'), 'utf8')) : null;
const feeds = {
  sample: new ort.Tensor('float32', g ? f32('step_input') : new Float32Array(channels * frames * h * w), [1, channels, frames, h, w]),
  timestep: new ort.Tensor('int64', BigInt64Array.from([BigInt(g ? g.timesteps[0] : manifest.scheduler.trainTimesteps - 1)]), [1]),
  encoder_hidden_states: new ort.Tensor('float32', g ? f32('text_states') : new Float32Array(77 * 768), g ? g.shapes.encoder_hidden_states : [1, 77, 768]),
};
for (let run = 1; run <= runs; run++) {
  const t = Date.now();
  try {
    const out = await session.run(feeds);
    console.log(`call ${run}: ${((Date.now() - t) / 1000).toFixed(1)} s${native ? '' : `, WASM heap ${heapMiB().toFixed(0)} MiB after it`} (${frames} frames of ${w * 8} x ${h * 8})`);
    if (g && run === 1) {
      const a = out.noise_pred.data;
      const b = f32('noise_pred');
      let max = 0, sum = 0, ref = 0;
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i] - (b[i] ?? 0));
        max = Math.max(max, d);
        sum += d;
        ref = Math.max(ref, Math.abs(b[i] ?? 0));
      }
      console.log(`noise_pred against PyTorch (golden step, t = ${g.timesteps[0]}): max ${max.toExponential(2)}, mean ${(sum / a.length).toExponential(2)}, largest |value| ${ref.toFixed(2)}`);
    }
  } catch (error) {
    console.log(`call ${run} failed after ${((Date.now() - t) / 1000).toFixed(1)} s${native ? '' : `, WASM heap ${heapMiB().toFixed(0)} MiB`}: ${String(error).slice(0, 200)}`);
    process.exitCode = 1;
    break;
  }
}
