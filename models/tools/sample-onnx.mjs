// Samples clips for the held-out evaluation through the exported ONNX graphs, exactly as the browser
// engine does (batch [cond; uncond], CFG, the pack's sampler, mulberry32 noise), so that
// models/evaluate.py scores what the app would produce rather than the PyTorch model.
//
//   node models/tools/sample-onnx.mjs <pack-source-dir> <prompts.json> <clips.bin> [--threads N]
//        [--denoiser FILE] [--conditional FILE] [--runtime node|wasm] [--sampler KIND] [--steps N] [--shift S]
//        [--guidance-interval LO,HI] [--guidance-pattern GCR...]
//
// Guidance on an interval (model.json scheduler.guidanceInterval, or --guidance-interval): steps whose t
// is outside (lo, hi] take the conditional velocity alone, from --conditional (the batch-1 graph, as the
// WASM engine runs them) or else from row 0 of the batch-2 call (as the WebGPU engine does).
// --guidance-pattern (a probe, one letter a step) overrides it: G guided, C conditional only, R the
// conditional velocity plus (g - 1) times the last guided step's (v_c - v_u), rescaled by t_prev / t.
//
// --sampler, --steps and --shift override model.json's scheduler.kind and shift and the prompts file's
// steps, to compare samplers on the same prompts and seeds. The sampler's maths is that of
// workers/pipelines/dit-rectified-flow/scheduler.ts (Euler plus the multistep term c_i (x0_i - x0_{i-1})); golden-step.test.ts holds
// that file to PyTorch's trajectory.
// --runtime node (the default) runs onnxruntime-node; --runtime wasm runs onnxruntime-web's own WASM
// build under Node, the browser's WASM arithmetic. A graph variant must be sampled with the runtime it
// is for: the WASM variant's dynamic int8 gives other numbers in onnxruntime-node, whose x64 kernel
// saturates 16-bit sums (models/quantize_dynamic.py). A variant's external data is read from the files
// model.json's `variants` names for it.
import fs from 'node:fs';
import path from 'node:path';

const [dir, promptsPath, outPath, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : dflt; };
const threads = Number(opt('--threads', '2'));
const denoiserFile = opt('--denoiser', 'denoiser.onnx');
// The batch-1 graph for unguided steps (the pack's conditionalDenoiser), as the engine runs it; without it,
// unguided steps take row 0 of the batch-2 call, as the WebGPU backend does.
const conditionalFile = opt('--conditional', null);
const runtime = opt('--runtime', 'node');
const sampler = opt('--sampler', null);
const stepsOverride = opt('--steps', null);
const shiftOverride = opt('--shift', null);
// Guidance on a limited interval: steps whose t lies outside (lo, hi] take the conditional velocity alone.
const intervalArg = opt('--guidance-interval', null);
if (runtime !== 'node' && runtime !== 'wasm') throw new Error(`--runtime: expected node or wasm, got ${runtime}`);
const ort = runtime === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web');
const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
const prompts = JSON.parse(fs.readFileSync(promptsPath, 'utf8'));
const { items, guidance } = prompts;
const steps = stepsOverride ? Number(stepsOverride) : prompts.steps;
const so = runtime === 'node'
  ? { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' }
  : { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
if (runtime === 'wasm') ort.env.wasm.numThreads = threads;
const externalDataOf = (file) => {
  const variant = Object.values(model.variants ?? {}).flatMap((roles) => Object.values(roles)).find((v) => v.file === file);
  return (variant?.externalData ?? []).map((p) => ({ path: p, data: fs.readFileSync(path.join(dir, p)) }));
};
const externalData = externalDataOf(denoiserFile);
const load = (file, extra = {}) => runtime === 'node'
  ? ort.InferenceSession.create(path.join(dir, file), so) // onnxruntime-node finds external data beside the file
  : ort.InferenceSession.create(fs.readFileSync(path.join(dir, file)), { ...so, ...extra });
const te = await load(model.graphs.textEncoder);
const dn = await load(denoiserFile, externalData.length ? { externalData } : {});
const condData = conditionalFile ? externalDataOf(conditionalFile) : [];
const cond = conditionalFile ? await load(conditionalFile, condData.length ? { externalData: condData } : {}) : null;
const [C, T, H, W] = model.sample.shape;
const n = C * T * H * W;
const shift = shiftOverride ? Number(shiftOverride) : (model.scheduler.shift ?? 1);
const kind = sampler ?? model.scheduler.kind;
const [gLo, gHi] = intervalArg ? intervalArg.split(',').map(Number) : (model.scheduler.guidanceInterval ?? [0, 1]);
const guided = (t) => t > gLo && t <= gHi;
const pattern = opt('--guidance-pattern', null);

function noise(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = (next() + 0.5) / 4294967296, u2 = (next() + 0.5) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
const ts = Array.from({ length: steps + 1 }, (_, i) => { const s = 1 - i / steps; return shift * s / (1 + (shift - 1) * s); });
const lambda = (t) => Math.log((1 - t) / t);
// workers/pipelines/dit-rectified-flow/scheduler.ts stepCorrections: DPM-Solver++(2M) in data prediction is the Euler step plus
// c_i (x0_i - x0_{i-1}); first order at steps 0, 1 and the last.
const corr = ts.slice(0, steps).map((t, i) => {
  if (!kind.includes('2m') || i === 0 || i === steps - 1) return 0;
  const h = lambda(ts[i + 1]) - lambda(t), hPrev = lambda(t) - lambda(ts[i - 1]);
  if (!Number.isFinite(hPrev)) return 0;
  const r = hPrev / h;
  return (1 - ts[i + 1]) * (1 - Math.exp(-h)) / (2 * r);
});
console.log(`guided steps: ${pattern ?? ts.slice(0, steps).map((t) => (guided(t) ? 'G' : '.')).join('')} (interval ${gLo}, ${gHi})`);
console.log(`sampler ${kind}, ${steps} steps, shift ${shift}, corrections ${corr.map((c) => c.toFixed(3)).join(' ')}`);

const out = fs.openSync(outPath, 'w');
const t0 = performance.now();
let denoiseMs = 0;
for (const [k, item] of items.entries()) {
  const L = item.input_ids.length;
  const ids = new BigInt64Array(2 * L);
  item.input_ids.forEach((v, i) => { ids[i] = BigInt(v); });
  const text = await te.run({ input_ids: new ort.Tensor('int64', ids, [2, L]) });
  const row0 = (tensor) => new ort.Tensor('float32', tensor.data.slice(0, tensor.data.length / 2), [1, ...tensor.dims.slice(1)]);
  const condText = { text_states: row0(text.text_states), text_mask: row0(text.text_mask) };
  const x = noise(item.seed);
  const both = new Float32Array(2 * n);
  const x0 = new Float32Array(n);
  const diff = new Float32Array(n);
  let diffT = 1;
  for (let i = 0; i < steps; i++) {
    const mode = pattern ? pattern[i] : (guided(ts[i]) ? 'G' : 'C');
    both.set(x); both.set(x, n);
    const s0 = performance.now();
    const r = mode === 'G' || !cond
      ? await dn.run({
        sample: new ort.Tensor('float32', both, [2, C, T, H, W]),
        timestep: new ort.Tensor('float32', new Float32Array([ts[i], ts[i]]), [2]),
        text_states: text.text_states, text_mask: text.text_mask,
      })
      : await cond.run({ sample: new ort.Tensor('float32', x.slice(), [1, C, T, H, W]), timestep: new ort.Tensor('float32', new Float32Array([ts[i]]), [1]), ...condText });
    denoiseMs += performance.now() - s0;
    const v = r.velocity.data, dt = ts[i + 1] - ts[i];
    // workers/pipelines/dit-rectified-flow/scheduler.ts guidedStep, float32 operation by operation as the browser (and its WGSL kernel) does.
    const f = Math.fround, g32 = f(guidance), cfg = mode === 'G', t32 = f(ts[i]), dt32 = f(dt), c32 = f(corr[i]);
    for (let j = 0; j < n; j++) {
      const vu = v[n + j];
      if (cfg) diff[j] = v[j] - vu;
      const g = cfg ? f(vu + f(g32 * f(v[j] - vu))) : mode === 'R' ? f(v[j] + f((guidance - 1) * diff[j] * diffT / ts[i])) : v[j];
      const x0j = f(x[j] - f(t32 * g));
      const next = f(x[j] + f(dt32 * g));
      x[j] = c32 === 0 ? next : f(next + f(c32 * f(x0j - x0[j])));
      x0[j] = x0j;
    }
    if (mode === 'G') diffT = ts[i];
  }
  // [C, T, H, W] in [-1, 1] -> uint8 [T, H, W, C]
  const clip = new Uint8Array(n);
  for (let c = 0; c < C; c++) for (let t = 0; t < T; t++) for (let p = 0; p < H * W; p++) {
    const val = Math.round((x[(c * T + t) * H * W + p] + 1) * 127.5);
    clip[(t * H * W + p) * C + c] = val < 0 ? 0 : val > 255 ? 255 : val;
  }
  fs.writeSync(out, clip);
  if ((k + 1) % 20 === 0) console.log(`${k + 1}/${items.length} clips, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
fs.closeSync(out);
const calls = items.length * steps;
console.log(`done: ${items.length} clips in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
  `${denoiserFile} ${(denoiseMs / calls).toFixed(1)} ms per call (batch 2, ${threads} threads, ${runtime === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM'})`);
