#!/usr/bin/env node
// @ts-check
// Owns `npm run bench:ops`: where the time of one denoiser call goes, op type
// by op type, in onnxruntime-web's WASM build (its Node build: the browser's
// WASM kernels without the browser) next to onnxruntime-node on the CPU, on
// the same graphs, with ORT's own profiler. Every session runs interleaved,
// call by call, so a shared machine's load falls on all of them alike;
// figures are medians over the calls. It shows which ops WASM runs
// disproportionately slowly, and what a graph change buys per op.
//
//   npm run bench:ops [-- --pack models/zoetrope-shapes --threads 1 --runs 5 --graphs default,wasm,fp32 --before <packdir>]
//   npm run bench:ops -- --graphs wasm,before-wasm --before <packdir>   # two packs' WASM variants
//
// Graphs: `default` (the pack's denoiser), `wasm` (its WASM variant, with its
// external data), `fp32` (the default with its int8 weights folded to fp32,
// via scripts/bench-pytorch.py), `before` (another pack's denoiser, e.g.
// an older version checked out with `git archive`) and `before-wasm` (that
// pack's WASM variant). It prints Markdown tables
// and writes bench/ops.json.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, packFile } from './bench-native.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const opt = (name, fallback) => (args.includes(`--${name}`) ? (args[args.indexOf(`--${name}`) + 1] ?? fallback) : fallback);
const PACK = opt('pack', 'models/zoetrope-shapes');
const THREADS = Number(opt('threads', '1'));
const RUNS = Number(opt('runs', '5'));
const BEFORE = opt('before', '');
const WANT = opt('graphs', `default,wasm,fp32${BEFORE ? ',before' : ''}`).split(',');
const manifest = JSON.parse(readFileSync(join(PACK, 'manifest.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'zoetrope-ops-'));

/** @typedef {{ model: Uint8Array, externalData: { path: string, data: Uint8Array }[] }} Graph */
/** @type {Record<string, Graph>} */
const graphs = {};
if (WANT.includes('default')) graphs['default'] = { model: packFile(PACK, manifest, manifest.graphs.denoiser), externalData: [] };
const variant = manifest.variants?.wasm?.denoiser;
if (WANT.includes('wasm') && variant) {
  graphs['wasm'] = {
    model: packFile(PACK, manifest, variant.file),
    externalData: (variant.externalData ?? []).map((/** @type {string} */ path) => ({ path, data: packFile(PACK, manifest, path) })),
  };
}
if (WANT.includes('fp32')) {
  const out = join(work, 'denoiser.fp32.onnx');
  const src = join(work, 'denoiser.onnx');
  writeFileSync(src, packFile(PACK, manifest, manifest.graphs.denoiser));
  execFileSync(process.env['ZOETROPE_PYTHON'] ?? '/usr/bin/python3', ['scripts/bench-pytorch.py', '--fold-only', src, '--fp32-out', out], { stdio: 'inherit' });
  graphs['fp32'] = { model: readFileSync(out), externalData: [] };
}
if (WANT.includes('before') && BEFORE) {
  const m = JSON.parse(readFileSync(join(BEFORE, 'manifest.json'), 'utf8'));
  graphs[`before (${m.id}@${m.version})`] = { model: packFile(BEFORE, m, m.graphs.denoiser), externalData: [] };
}
if (WANT.includes('before-wasm') && BEFORE) {
  // The older pack's WASM variant: a change to the WASM graph alone (0.2.5's LayerNorms), op by op.
  const m = JSON.parse(readFileSync(join(BEFORE, 'manifest.json'), 'utf8'));
  const v = m.variants?.wasm?.denoiser;
  if (!v) throw new Error(`${BEFORE}: the pack has no WASM variant`);
  graphs[`before-wasm (${m.id}@${m.version})`] = {
    model: packFile(BEFORE, m, v.file),
    externalData: (v.externalData ?? []).map((/** @type {string} */ path) => ({ path, data: packFile(BEFORE, m, path) })),
  };
}

const web = await import('onnxruntime-web');
web.env.wasm.numThreads = THREADS;
const native = await import('onnxruntime-node');
const [C, T, H, W] = manifest.sample.shape;
const n = C * T * H * W;
const x = new Float32Array(2 * n).map((_, i) => Math.sin(i) % 1);

/** @param {any} ort @param {Record<string, unknown>} so */
async function textStates(ort, so) {
  const te = await ort.InferenceSession.create(packFile(PACK, manifest, manifest.graphs.textEncoder), so);
  const ids = new BigInt64Array(32);
  [3, 55, 11, 19, 48, 37, 36].forEach((v, i) => (ids[i] = BigInt(v)));
  return te.run({ input_ids: new ort.Tensor('int64', ids, [2, 16]) });
}

/** @type {{ label: string, runtime: 'wasm' | 'native', graph: string, session: any, feeds: any, ms: number[], prefix: string }[]} */
const sessions = [];
for (const runtime of /** @type {const} */ (['wasm', 'native'])) {
  /** @type {any} */
  const ort = runtime === 'wasm' ? web : native;
  /** @type {Record<string, unknown>} */
  const so =
    runtime === 'wasm'
      ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling: true }
      : { graphOptimizationLevel: 'all', intraOpNumThreads: THREADS, interOpNumThreads: 1, enableProfiling: true };
  const text = await textStates(ort, { ...so, enableProfiling: false });
  for (const [graph, g] of Object.entries(graphs)) {
    // One profile file per session: onnxruntime-node names it by prefix and the second it started.
    const prefix = { profileFilePrefix: join(work, `native-${sessions.length}-`) };
    const session = await ort.InferenceSession.create(g.model, { ...so, ...(runtime === 'native' ? prefix : {}), ...(g.externalData.length ? { externalData: g.externalData } : {}) });
    const feeds = {
      sample: new ort.Tensor('float32', x, [2, C, T, H, W]),
      timestep: new ort.Tensor('float32', new Float32Array([0.5, 0.5]), [2]),
      text_states: text['text_states'],
      text_mask: text['text_mask'],
    };
    await session.run(feeds); // warm-up, left out below
    sessions.push({ label: `${runtime} ${graph}`, runtime, graph, session, feeds, ms: [], prefix: `native-${sessions.length}-` });
  }
}
for (let r = 0; r < RUNS; r++) {
  for (const s of sessions) {
    const started = performance.now();
    await s.session.run(s.feeds);
    s.ms.push(performance.now() - started);
  }
}

/** ORT's profile (Chrome trace JSON) of one session. */
function profileOf(/** @type {(typeof sessions)[number]} */ s) {
  if (s.runtime === 'native') {
    s.session.endProfiling();
    const file = readdirSync(work).find((f) => f.startsWith(s.prefix));
    if (!file) throw new Error('onnxruntime-node wrote no profile');
    return JSON.parse(readFileSync(join(work, file), 'utf8'));
  }
  // The WASM build prints its profile to stdout through fs.writeSync(1, ...): catch it.
  const write = fs.writeSync;
  /** @type {string[]} */
  const out = [];
  fs.writeSync = /** @type {any} */ ((/** @type {number} */ fd, /** @type {any} */ data, /** @type {any[]} */ ...rest) => {
    if (fd === 1 && typeof data === 'string') return out.push(data), Buffer.byteLength(data);
    return /** @type {any} */ (write)(fd, data, ...rest);
  });
  try {
    s.session.endProfiling();
  } finally {
    fs.writeSync = write;
  }
  const text = out.join('');
  return JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1));
}

/** Per op type: node count and median (over the timed calls) of the summed kernel time, in ms. */
function perOp(/** @type {any[]} */ events) {
  const runs = events.filter((e) => e.name === 'model_run').slice(1); // the first is the warm-up
  /** @type {Map<string, { count: number, ms: number[] }>} */
  const ops = new Map();
  runs.forEach((run, i) => {
    const counts = new Map();
    for (const e of events) {
      if (e.cat !== 'Node' || !String(e.name).endsWith('_kernel_time') || e.ts < run.ts || e.ts > run.ts + run.dur) continue;
      const op = e.args.op_name;
      const o = ops.get(op) ?? { count: 0, ms: [] };
      o.ms[i] = (o.ms[i] ?? 0) + e.dur / 1000;
      counts.set(op, (counts.get(op) ?? 0) + 1);
      ops.set(op, o);
    }
    for (const [op, c] of counts) (ops.get(op) ?? { count: 0 }).count = c;
  });
  return new Map([...ops].map(([op, o]) => [op, { count: o.count, ms: median(o.ms.map((v) => v ?? 0)) }]));
}

const profiles = Object.fromEntries(sessions.map((s) => [s.label, { ops: perOp(profileOf(s)), callMs: median(s.ms) }]));
const fmt = (/** @type {number} */ v) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
/** @type {Record<string, any>} */
const record = { pack: `${manifest.id}@${manifest.version}`, threads: THREADS, runs: RUNS, date: new Date().toISOString(), graphs: {} };
console.log(`\n## Denoiser ops: ${manifest.id}@${manifest.version}, ${THREADS} thread(s), median of ${RUNS} interleaved calls\n`);
console.log('| graph | WASM ms per call | onnxruntime-node ms | WASM / native | WASM, ratio to the first graph |');
console.log('| --- | --- | --- | --- | --- |');
const first = profiles[`wasm ${Object.keys(graphs)[0]}`]?.callMs ?? NaN;
for (const graph of Object.keys(graphs)) {
  const w = profiles[`wasm ${graph}`]?.callMs ?? NaN;
  const nat = profiles[`native ${graph}`]?.callMs ?? NaN;
  console.log(`| ${graph} | ${fmt(w)} | ${fmt(nat)} | ${(w / nat).toFixed(2)}× | ${(w / first).toFixed(2)}× |`);
}
for (const graph of Object.keys(graphs)) {
  const w = profiles[`wasm ${graph}`]?.ops ?? new Map();
  const nat = profiles[`native ${graph}`]?.ops ?? new Map();
  const total = [...w.values()].reduce((a, o) => a + o.ms, 0);
  console.log(`\n### ${graph}: per op type (kernel time; WASM ops sorted by time)\n`);
  console.log('| op | nodes | WASM ms | share | native ms | WASM / native |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const rows = [];
  for (const [op, o] of [...w].sort((a, b) => b[1].ms - a[1].ms)) {
    const nv = nat.get(op)?.ms;
    rows.push({ op, nodes: o.count, wasmMs: o.ms, nativeMs: nv ?? null });
    if (o.ms < 0.05 * (total / 100)) continue; // under 0.05% of the call: left out of the table, kept in the JSON
    console.log(`| ${op} | ${o.count} | ${fmt(o.ms)} | ${((100 * o.ms) / total).toFixed(1)}% | ${nv == null ? '— (other fusion)' : fmt(nv)} | ${nv ? `${(o.ms / nv).toFixed(1)}×` : '—'} |`);
  }
  for (const [op, o] of nat) if (!w.has(op)) rows.push({ op, nodes: o.count, wasmMs: null, nativeMs: o.ms });
  record.graphs[graph] = { wasmCallMs: profiles[`wasm ${graph}`]?.callMs, nativeCallMs: profiles[`native ${graph}`]?.callMs, ops: rows };
}
mkdirSync('bench', { recursive: true });
writeFileSync('bench/ops.json', `${JSON.stringify(record, null, 1)}\n`);
console.log('\nwrote bench/ops.json');
