// @ts-check
// Owns the printed report of `npm run bench` (scripts/bench.mjs): the stage
// table per backend with ratios to the native references, the memory, the
// before/after of each optimisation, and the native figures. Markdown, so
// that README's "Performance" section can take it as it is.

import { overheadRows } from './bench-overhead.mjs';

const MB = 1e6;

/** @param {number | null | undefined} x */
const ms = (x) => (x == null || !Number.isFinite(x) ? '—' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
/** @param {number | null | undefined} x */
const mb = (x) => (x == null || !Number.isFinite(x) || x === 0 ? '—' : `${(x / MB).toFixed(0)} MB`);
/** @param {number | null | undefined} x @param {number | null | undefined} y */
const ratio = (x, y) => (x == null || y == null || !Number.isFinite(x / y) ? '—' : `${(x / y).toFixed(2)}×`);

/** @param {string[]} head @param {string[][]} rows */
function table(head, rows) {
  console.log(`| ${head.join(' | ')} |`);
  console.log(`| ${head.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** @param {Record<string, any>} results */
export function printReport(results) {
  const { meta, configs: c, native: n } = results;
  const steps = meta.settings.steps;
  /** The clip the pack's sampler replaces at the same adherence (bench.mjs); absent in older results. */
  const ref = meta.settings.reference;
  const frames = meta.pack.frames;
  console.log(`\n## Zoetrope benchmark: ${meta.pack.id} ${meta.pack.version}, ${meta.browser}, ${meta.machine.cores} cores (${meta.machine.cpu}), ${meta.date}`);
  console.log(`load average ${meta.machine.loadAverage.start.map((/** @type {number} */ x) => x.toFixed(1)).join('/')} at the start; COOP ${meta.servedHeaders.coop}, COEP ${meta.servedHeaders.coep}\n`);

  const cols = ['wasm', 'wasm-1t', 'webgpu'].filter((k) => c[k]);
  const torchThreads = String(meta.machine.cores);
  const torch = n?.pytorch?.threads?.[torchThreads];
  /** PyTorch's step timed right after the configuration (main WASM pages), else the one timed at the start. */
  const torchStep = (/** @type {any} */ r) => r.pytorchStepMs ?? torch?.step_ms ?? null;
  /** Whole clip at the pack's steps; WebGPU ran fewer and is extrapolated from its step median. */
  const whole = (/** @type {any} */ r, /** @type {number} */ x) => x + (steps - r.steps) * r.stepMs;
  const extra = (/** @type {any} */ r) => (r.steps < steps ? ` (extrapolated from ${r.steps} step${r.steps > 1 ? 's' : ''})` : '');
  const encodeFps = (/** @type {any} */ r) => (frames / r.encodeMs) * 1000;
  const rows = [
    ['crossOriginIsolated, threads, wasm file', ...cols.map((k) => `${c[k].crossOriginIsolated}, ${c[k].backend === 'wasm' ? c[k].threads : '—'}, ${c[k].backend === 'wasm' ? c[k].wasmFile : 'asyncify (WebGPU EP)'}`)],
    ['denoiser graph', ...cols.map((k) => c[k].load?.graphs?.denoiser ?? '—')],
    ['session creation, text encoder + denoiser graphs', ...cols.map((k) => ms(c[k].sessionMs))],
    ['warm-up run of the graphs at load (WASM)', ...cols.map((k) => (c[k].warmUpMs ? ms(c[k].warmUpMs) : '—'))],
    ['text encoding (inside ORT)', ...cols.map((k) => `${ms(c[k].textMs)} (${ms(c[k].textOrtMs)})`)],
    ['one denoising step, batch 2 with CFG, median (inside ORT)', ...cols.map((k) => `${ms(c[k].stepMs)} (${ms(c[k].stepOrtMs)})`)],
    ['onnxruntime-node on the default graph / its fp32 fold, same threads, timed right after', ...cols.map((k) => `${ms(c[k].native?.int8)} / ${ms(c[k].native?.fp32)} (${c[k].native?.threads} thread${c[k].native?.threads === 1 ? '' : 's'})`)],
    ['… browser / native default graph', ...cols.map((k) => ratio(c[k].stepOrtMs, c[k].native?.int8))],
    ['… browser / native fp32', ...cols.map((k) => ratio(c[k].stepOrtMs, c[k].native?.fp32))],
    [`… browser / PyTorch eager, ${torchThreads} threads (${ms(torch?.step_ms)} at the start; ${cols.map((k) => ms(c[k].pytorchStepMs)).join(' / ')} timed right after)`, ...cols.map((k) => ratio(c[k].stepOrtMs, torchStep(c[k])))],
    ['decoding', ...cols.map(() => 'n/a (the pack has no decoder graph)')],
    ['samples to frames + hash', ...cols.map((k) => ms(c[k].framesMs))],
    [`upscale + MP4 encoding of ${frames} frames (fps, × real time)`, ...cols.map((k) => `${ms(c[k].encodeMs)} (${encodeFps(c[k]).toFixed(0)} fps, ${(encodeFps(c[k]) / meta.pack.fps).toFixed(1)}×)`)],
    [`prompt to MP4, ${steps} steps (${meta.settings.sampler ?? 'rectified-flow-euler'}), cold (first job after the page loads)`, ...cols.map((k) => ms(whole(c[k], c[k].coldMs)) + extra(c[k]))],
    [`prompt to MP4, ${steps} steps (${meta.settings.sampler ?? 'rectified-flow-euler'}), warm (median)`, ...cols.map((k) => ms(whole(c[k], c[k].warmMs)) + extra(c[k]))],
    [`… ratio to onnxruntime-node fp32, same threads, ${steps} steps (timed right after)`, ...cols.map((k) => ratio(whole(c[k], c[k].warmMs), steps * (c[k].native?.fp32 ?? NaN)))],
    ...(ref && (ref.steps !== steps || ref.sampler !== meta.settings.sampler)
      ? [
          [`… ratio to the reference clip: onnxruntime-node fp32, same threads, ${ref.steps} Euler steps (the same adherence)`, ...cols.map((k) => ratio(whole(c[k], c[k].warmMs), ref.steps * (c[k].native?.fp32 ?? NaN)))],
          [`… ratio to PyTorch eager's reference clip, ${torchThreads} threads, ${ref.steps} Euler steps (${cols.map((k) => ms(ref.steps * (torchStep(c[k]) ?? NaN))).join(' / ')}, timed right after where it was)`, ...cols.map((k) => ratio(whole(c[k], c[k].warmMs), ref.steps * (torchStep(c[k]) ?? NaN)))],
        ]
      : []),
    ['pipeline overhead (not inside ORT), share of warm', ...cols.map((k) => `${(c[k].overhead * 100).toFixed(1)}%`)],
    ['peak JS heap: page + workers (engine worker) / main thread (DevTools)', ...cols.map((k) => `${mb(c[k].peakJsHeap)} (${mb(c[k].peakWorkerJsHeap)}) / ${mb(c[k].memory.heap)}`)],
    ['GPU buffers: after load / peak in a job', ...cols.map((k) => (c[k].backend === 'webgpu' ? `${mb(c[k].gpuBytes)} / ${mb(c[k].gpuPeakBytes)}` : '—'))],
    ['peak RSS: renderer / GPU process / all browser processes', ...cols.map((k) => `${mb(c[k].memory.renderer)} / ${mb(c[k].memory.gpu)} / ${mb(c[k].memory.total)}`)],
  ];
  console.log(`Install from the app's own origin, fresh profile: ${(meta.pack.bytes / MB).toFixed(2)} MB in ${ms(results.install.ms)}, ${(meta.pack.bytes / MB / (results.install.ms / 1000)).toFixed(1)} MB/s\n`);
  table(['stage', ...cols.map((k) => c[k].label)], rows);

  const wasmCols = Object.keys(c).filter((k) => c[k].backend === 'wasm' && c[k].overheadBreakdown);
  if (wasmCols.length) {
    console.log(`\nWhere the pipeline overhead goes, warm jobs, ${steps} steps (median of each row over the warm jobs, so rows need not add up exactly)\n`);
    table(['phase', ...wasmCols.map((k) => c[k].label)], overheadRows(c, wasmCols));
  }
  console.log('\nOptimisations, before → after in this run, the two sides interleaved job by job (ratio > 1: the optimisation is faster; load-normalised: each side divided by the native fp32 step timed right after it)\n');
  /** @type {string[][]} */
  const opt = [];
  const pair = (/** @type {string} */ before, /** @type {string} */ what, /** @type {(r: any) => number} */ f, /** @type {string} */ label, reverse = false) => {
    // The base as measured interleaved with the "before" configuration (pairedBase), job by job.
    const [b, a] = reverse ? [c[before]?.pairedBase, c[before]] : [c[before], c[before]?.pairedBase];
    // Each configuration divided by the native step timed right after it: the load on a shared machine drifts between configurations.
    const norm = (/** @type {any} */ r) => f(r) / (r.native?.fp32 ?? NaN);
    if (a && b) opt.push([what, label, ms(f(b)), ms(f(a)), ratio(f(b), f(a)), ratio(norm(b), norm(a))]);
  };
  pair('wasm-asyncify', 'plain WASM build instead of Asyncify', (r) => r.stepMs, 'denoising step');
  pair('wasm-asyncify', 'plain WASM build instead of Asyncify', (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-asyncify', 'plain WASM build instead of Asyncify', (r) => r.sessionMs, 'session creation');
  pair('webgpu-cpu-latents', 'latents stay on the GPU', (r) => r.stepMs, 'denoising step');
  pair('webgpu-cpu-latents', 'latents stay on the GPU', (r) => r.warmMs, `prompt to MP4, ${c['webgpu']?.steps} step(s), warm`);
  pair('wasm-default-graph', 'WASM graph variant (dynamic int8) instead of the default graph', (r) => r.stepMs, 'denoising step');
  pair('wasm-default-graph', 'WASM graph variant (dynamic int8) instead of the default graph', (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-same', 'nothing (A/A: the same settings on both pages)', (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-same', 'nothing (A/A: the same settings on both pages)', (r) => r.stepMs, 'denoising step');
  pair('wasm-no-warmup', 'a warm-up run of the graphs at load (WASM)', (r) => r.coldMs, `prompt to MP4, ${steps} steps, cold (the first job after load)`);
  pair('wasm-no-warmup', 'a warm-up run of the graphs at load (WASM)', (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-no-warmup', 'a warm-up run of the graphs at load (WASM)', (r) => r.sessionMs + r.warmUpMs, 'session creation + warm-up');
  const cond = 'batch-1 conditional graph for the unguided steps, instead of the batch-2 graph';
  pair('wasm-batch2-unguided', cond, (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-batch2-unguided', cond, (r) => r.warmMs * (1 - r.overhead), 'inside ORT, a warm clip');
  pair('wasm-batch2-unguided', cond, (r) => r.sessionMs, 'session creation');
  const kernel = "the sampler's step in WebAssembly SIMD instead of JS";
  pair('wasm-js-step', kernel, (r) => r.overheadBreakdown?.stepOutsideOrt ?? NaN, 'the steps outside session.run, summed');
  pair('wasm-js-step', kernel, (r) => r.overheadBreakdown?.total ?? NaN, 'pipeline overhead');
  pair('wasm-js-step', kernel, (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  const asked = "the codec and encoder config asked once per worker (at load), not every job";
  pair('wasm-no-encoder-cache', asked, (r) => r.overheadBreakdown?.encoderStart ?? NaN, 'codec choice + MP4 output start');
  pair('wasm-no-encoder-cache', asked, (r) => r.overheadBreakdown?.total ?? NaN, 'pipeline overhead');
  const spin = "ORT's WASM pool threads spin between runs (its default) instead of sleeping";
  pair('wasm-no-spin', spin, (r) => r.stepMs, 'denoising step');
  pair('wasm-no-spin', spin, (r) => r.overheadBreakdown?.total ?? NaN, 'pipeline overhead');
  pair('wasm-no-spin', spin, (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  const before = `${meta.pack.id}@${meta.pack.version} instead of ${meta.pack.before ?? 'the older pack'}`;
  pair('wasm-before-pack', before, (r) => r.stepMs, 'denoising step');
  const beforeSteps = c['wasm-before-pack']?.steps;
  pair('wasm-before-pack', before, (r) => r.warmMs, beforeSteps && beforeSteps !== steps ? `prompt to MP4 at each pack's default steps (${beforeSteps} → ${steps}), warm` : `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-before-pack', before, (r) => r.sessionMs, 'session creation');
  pair('wasm-1t-before-pack', `${before}, 1 thread`, (r) => r.stepMs, 'denoising step');
  pair('wasm-1t-before-pack', `${before}, 1 thread`, (r) => r.warmMs, `prompt to MP4, ${steps} steps, warm`);
  pair('wasm-batch-encode', 'frames streamed into the encoder', (r) => r.encodeMs, 'upscale + encode');
  pair('wasm-one-upscaler', 'a second worker upscales every other frame', (r) => r.encodeMs, 'upscale + encode');
  pair('wasm-one-upscaler', 'a second worker upscales every other frame', (r) => r.overhead * r.warmMs, 'pipeline overhead');
  table(['optimisation', 'what', 'before', 'after', 'before / after', 'the same, load-normalised'], opt);
  const same = (/** @type {string} */ k) => c[k]?.pairedBase && c[k].framesSha256.every((/** @type {string} */ h) => c[k].pairedBase.framesSha256.includes(h));
  console.log('\n"—" for page + workers: measureUserAgentSpecificMemory did not answer within 5 s (seen on WebGPU pages, and at times while ORT\'s WASM thread pool blocks in Atomics.wait).');
  console.log(`\nSame frames before and after: GPU latents ${c['webgpu-cpu-latents'] ? same('webgpu-cpu-latents') : '—'}; Asyncify ${same('wasm-asyncify')}; WASM variant ${c['wasm-default-graph'] ? same('wasm-default-graph') : '—'} (not expected: other arithmetic)`);

  if (!n) return;
  const variant = (/** @type {string} */ k) => c[k]?.native && `${ms(c[k].native.int8)} → ${ms(c[k].native.wasmVariant)} (${ratio(c[k].native.int8, c[k].native.wasmVariant)})`;
  console.log(`\nThe pack's WASM variant (dynamic int8) instead of its default graph, onnxruntime-node step, paired: ${cols.filter((k) => c[k].backend === 'wasm').map((k) => `${c[k].threads} thread(s) ${variant(k)}`).join('; ')}`);
  const gd = n.goldenDiff ?? {};
  console.log(`onnxruntime-node's max |velocity − golden| (PyTorch; tests/unit/golden-step.test.ts holds WASM to 1e-3 on the default graph): default graph ${gd.int8?.toFixed(4)}, its fp32 fold ${gd.fp32?.toFixed(4)}, WASM variant ${gd.wasm?.toFixed(4)} (onnxruntime-node's x64 dynamic-int8 kernel saturates 16-bit sums; in WASM the same graph is within 0.07)`);
  console.log('\nNative references on the same graphs (median of 5 calls, batch 2)\n');
  /** @type {string[][]} */
  const nat = [];
  for (const [key, v] of Object.entries(n)) {
    if (!/^(node|wasm-in-node)-/.test(key)) continue;
    nat.push([key, ms(v.sessionMs), ms(v.textMs), ms(v.stepMs), v.loopMs == null ? '—' : ms(v.loopMs)]);
  }
  for (const [threads, v] of Object.entries(n.pytorch?.threads ?? {})) {
    nat.push([`pytorch-eager-fp32-${threads}t (torch ${n.pytorch.torch})`, '—', ms(/** @type {any} */ (v).text_ms), ms(/** @type {any} */ (v).step_ms), '—']);
  }
  table(['runtime', 'session creation', 'text encoder', 'denoiser step', `text + ${steps} steps with CFG`], nat);
  for (const [what, why] of Object.entries(n.missing ?? {})) console.log(`- ${what}: ${why}`);
}
