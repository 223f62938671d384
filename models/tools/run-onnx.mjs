// Runs one ONNX graph on inputs from files and writes its outputs to files, for the Python tests that
// hold the exported graphs to PyTorch (models/tests/test_wan_graphs.py): Python has no onnxruntime here,
// Node has onnxruntime-node and onnxruntime-web.
//
//   node models/tools/run-onnx.mjs <spec.json> [--runtime node|wasm] [--threads N]
//
// spec: { "graph": "<path to .onnx>", "externalData": ["<file beside it>", …], "outDir": "<folder>",
//         "runs": [ { "inputs": { "<name>": <input>, … } }, … ] }
// <input>: { "file": "<raw little-endian>", "dtype": "float32"|"int64", "shape": [...] }
//        | { "zeros": true, "dtype", "shape" }
//        | { "from": [<earlier run index>, "<output name>"] }   (a decoder's fed-back state)
// Every output of run i is written as <outDir>/<i>.<output name>.bin (float32 / int64 little-endian), and
// <outDir>/result.json lists them with their dims and the wall time of each run.
import fs from 'node:fs';
import path from 'node:path';

const [specPath, ...rest] = process.argv.slice(2);
const opt = (name, dflt) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : dflt; };
const runtime = opt('--runtime', 'node');
const threads = Number(opt('--threads', '2'));
const level = opt('--optimization', 'all');
if (runtime !== 'node' && runtime !== 'wasm') throw new Error(`--runtime: node or wasm, got ${runtime}`);
const ort = runtime === 'node' ? await import('onnxruntime-node') : await import('onnxruntime-web');
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
const dir = path.dirname(spec.graph);
let session;
if (runtime === 'node') {
  session = await ort.InferenceSession.create(spec.graph, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: level });
} else {
  ort.env.wasm.numThreads = 1;
  const externalData = (spec.externalData ?? []).map((p) => ({ path: p, data: fs.readFileSync(path.join(dir, p)) }));
  session = await ort.InferenceSession.create(fs.readFileSync(spec.graph), { executionProviders: ['wasm'], graphOptimizationLevel: level, ...(externalData.length ? { externalData } : {}) });
}
const ARRAYS = { float32: Float32Array, int64: BigInt64Array };
const tensorOf = (inp, results) => {
  if (inp.from) return results[inp.from[0]][inp.from[1]];
  const Arr = ARRAYS[inp.dtype];
  if (!Arr) throw new Error(`dtype ${inp.dtype}`);
  const n = inp.shape.reduce((a, b) => a * b, 1);
  let data;
  if (inp.zeros) data = new Arr(n);
  else {
    const buf = fs.readFileSync(inp.file);
    data = new Arr(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    if (data.length !== n) throw new Error(`${inp.file}: ${data.length} values, shape ${inp.shape} needs ${n}`);
  }
  return new ort.Tensor(inp.dtype, data, inp.shape);
};
fs.mkdirSync(spec.outDir, { recursive: true });
const results = [];
const summary = { runtime, runs: [] };
for (const [i, run] of spec.runs.entries()) {
  const feeds = {};
  for (const [name, inp] of Object.entries(run.inputs)) feeds[name] = tensorOf(inp, results);
  const t0 = performance.now();
  const out = await session.run(feeds);
  const ms = performance.now() - t0;
  results.push(out);
  const files = {};
  for (const [name, t] of Object.entries(out)) {
    const file = path.join(spec.outDir, `${i}.${name}.bin`);
    fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    files[name] = { file, dims: t.dims, type: t.type };
  }
  summary.runs.push({ ms, files });
}
fs.writeFileSync(path.join(spec.outDir, 'result.json'), JSON.stringify(summary, null, 1));
