import * as ortm from 'onnxruntime-node';
const ort = ortm.default ?? ortm;
const dir = '/tmp/animatediff-sd15-pack-src';
const s = await ort.InferenceSession.create(`${dir}/${process.env.G ?? 'unet.int8.onnx'}`, { graphOptimizationLevel: 'all', intraOpNumThreads: 2, ...JSON.parse(process.argv[3] ?? '{}') });
console.log('after session rss', (process.memoryUsage().rss/1e9).toFixed(2));
if (process.argv[2] === 'run') {
  const feeds = { sample: new ort.Tensor('float32', new Float32Array(4*16*32*32), [1,4,16,32,32]), timestep: new ort.Tensor('int64', BigInt64Array.from([999n]), [1]), encoder_hidden_states: new ort.Tensor('float32', new Float32Array(77*768), [1,77,768]) };
  globalThis.__m = Buffer.alloc(7777777); let peak = 0; const iv = setInterval(() => peak = Math.max(peak, process.memoryUsage().rss), 20);
  const t = Date.now(); await s.run(feeds); clearInterval(iv); console.log('run', Date.now()-t, 'ms; sampled peak rss', (peak/1e9).toFixed(2));
}
