// One int8 UNet call at the pack's shape in onnxruntime-node (native CPU) or onnxruntime-web WASM under Node; prints time and peak RSS.
import { readFileSync } from 'node:fs';
const which = process.argv[2] ?? 'node';
const dir = process.env.D ?? '/tmp/animatediff-sd15-pack-src';
const opts = JSON.parse(process.argv[3] ?? '{}');
let mems = [];
for (const k of ['instantiate','instantiateStreaming']) { const orig = WebAssembly[k]; WebAssembly[k] = async (...a) => { const r = await orig.apply(WebAssembly, a); const inst = r.instance ?? r; for (const v of Object.values(inst.exports)) if (v instanceof WebAssembly.Memory) mems.push(v); return r; }; }
const OrigMem = WebAssembly.Memory; WebAssembly.Memory = function (d) { const m = new OrigMem(d); mems.push(m); console.log('Memory', JSON.stringify(d)); return m; }; WebAssembly.Memory.prototype = OrigMem.prototype;
const memMB = () => mems.map(m => (m.buffer.byteLength/2**20).toFixed(0)+' MiB').join(',');
const ort = which === 'node' ? (await import('onnxruntime-node')).default ?? (await import('onnxruntime-node')) : await import('onnxruntime-web');
if (which !== 'node') { ort.env.wasm.numThreads = Number(process.env.T ?? 1); }
let peak = 0; const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
const t0 = Date.now();
const files = [0,1,2,3,4,5].map(i => ({ path: `unet.int8.onnx.data.${i}`, data: readFileSync(`${dir}/unet.int8.onnx.data.${i}`) }));
const s = which === 'node' ? await ort.InferenceSession.create(`${dir}/unet.int8.onnx`, { graphOptimizationLevel: 'all', ...opts })
  : await ort.InferenceSession.create(readFileSync(`${dir}/${process.env.G ?? 'unet.int8.onnx'}`), { externalData: files, graphOptimizationLevel: 'all', executionProviders: ['wasm'], ...opts });
console.log('heap', memMB(), 'imported mem?', mems.length); console.log('session', Date.now() - t0, 'ms rss', (process.memoryUsage().rss/1e9).toFixed(2), 'GB', s.inputNames, s.outputNames);
const feeds = { sample: new ort.Tensor('float32', new Float32Array(4*Number(process.env.F ?? 16)*32*32), [1,4,Number(process.env.F ?? 16),32,32]), timestep: new ort.Tensor('int64', BigInt64Array.from([999n]), [1]), encoder_hidden_states: new ort.Tensor('float32', new Float32Array(77*768), [1,77,768]) };
const t1 = Date.now(); let lastMB = 0; const poll = setInterval(() => { const mb = mems[0] ? mems[0].buffer.byteLength / 2**20 : 0; if (mb !== lastMB) { console.log(`t=${Date.now()-t1} ms heap ${mb} MiB`); lastMB = mb; } }, 100);
try { for (let r = 1; r < Number(process.env.R ?? 1); r++) { await s.run(feeds); console.log('run', r, 'heap', memMB()); } const out = await s.run(feeds); console.log('run', Date.now() - t1, 'ms', Object.values(out)[0].dims); } catch (e) { console.log('run failed after', Date.now() - t1, 'ms:', String(e).slice(0, 200)); }
clearInterval(t); clearInterval(poll); console.log('heap after', memMB()); console.log('peak rss', (peak/1e9).toFixed(2), 'GB');
