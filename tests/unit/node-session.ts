// Test glue, no maths: a ModelSession (workers/ort-runtime.ts's interface) over onnxruntime-web's WASM build
// in Node, so that a kind's runtime runs its real graphs in the unit tests exactly as the engine calls them.
import * as ort from 'onnxruntime-web';
import type { FeedTensor, ModelSession, OutputTensor } from '../../workers/ort-runtime';

export async function nodeSession(
  bytes: Uint8Array,
  externalData: { path: string; data: Uint8Array }[] = [],
  options: { threads?: number } = {},
): Promise<ModelSession> {
  if (options.threads !== undefined) ort.env.wasm.numThreads = options.threads;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...(externalData.length ? { externalData } : {}) });
  const api = {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    lastRunMs: 0,
    device: null,
    async run(feeds: Record<string, FeedTensor>) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.type, f.data, f.dims);
      const started = performance.now();
      const results = await session.run(tensors);
      api.lastRunMs = performance.now() - started;
      const out: Record<string, OutputTensor> = {};
      for (const [name, t] of Object.entries(results)) out[name] = { data: t.data as Float32Array, dims: t.dims };
      return out;
    },
    async runOnGpu() {
      throw new Error('no GPU in Node');
    },
    async release() {
      await session.release();
    },
  };
  return api;
}
