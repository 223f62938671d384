// int8 UNet (WASM form) against the converter's PyTorch golden step, full size, onnxruntime-node.
import * as ortm from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
const ort = ortm.default ?? ortm;
const [src, model, graph] = process.argv.slice(2);
const g = JSON.parse(readFileSync(`${model}/golden/golden.json`, 'utf8'));
const f32 = (n) => { const b = readFileSync(`${model}/golden/${n}.bin`); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const s = await ort.InferenceSession.create(`${src}/${graph}`, { intraOpNumThreads: 2 });
const t = g.timesteps[0];
const out = await s.run({ sample: new ort.Tensor('float32', f32('step_input'), g.shapes.step_input), timestep: new ort.Tensor('int64', BigInt64Array.from([BigInt(t)]), [1]), encoder_hidden_states: new ort.Tensor('float32', f32('text_states'), g.shapes.encoder_hidden_states) });
const a = out.noise_pred.data, b = f32('noise_pred');
let max = 0, sum = 0, ref = 0; for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - b[i]); max = Math.max(max, d); sum += d; ref = Math.max(ref, Math.abs(b[i])); }
console.log(`${graph}: noise_pred max |int8 - PyTorch| ${max.toExponential(2)}, mean ${(sum / a.length).toExponential(2)}, max |PyTorch| ${ref.toFixed(2)}, timestep ${t}`);
