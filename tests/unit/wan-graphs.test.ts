// The wan TEST FIXTURE's three ONNX graphs (the converter's source folder tests/fixtures/wan-tiny-model)
// against PyTorch's golden vectors, in onnxruntime-web's own WASM build under Node (the browser's
// runtime and version), each within golden.json's stated tolerance: umT5 on the golden
// inputs_embeds and mask gives context (zero over the padding); the DiT on x = s_0 · noise at the
// first timestep gives velocity0; the whole rCM loop with the DiT from the golden context lands on
// final_latent; and TAEW2.1, one latent frame a call with its memories fed back and the clip's first
// frames trimmed, turns final_latent into the golden video. The fp16 WebGPU variants (DiT and
// decoder; "requires": ["shader-f16"]), which WASM runs with fp32 kernels between Casts, so that only
// their fp16 storage rounding shows, are held to golden.json's tolerance_fp16. Weights are random:
// this proves the export and the runtime's numbers, not picture quality.
import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphRef } from '../../src/shared/manifest';
import type { ModelSession } from '../../workers/ort-runtime';
import { ditTimestep, initialSample, rcmStep, rcmTimes } from '../../workers/pipelines/wan/rcm';
import { latentFrame, zeroState } from '../../workers/pipelines/wan/taew-frames';
import { errors, finalLatentTolerance, flatIds, modelFile, nodeSession, wanFloats, wanGolden, wanModelJson, wanTolerance } from './wan-golden';

const golden = wanGolden();
const model = wanModelJson();
const SETS: { name: string; graphs: Record<string, GraphRef>; tolerance: Record<string, number> | undefined }[] = [
  { name: 'fp32 graphs', graphs: model['graphs'], tolerance: golden.tolerance },
  // The kind's fp16 variants cover the DiT and the decoder; the text encoder stays the fp32 graph.
  { name: 'fp16 WebGPU variants', graphs: { ...model['graphs'], ...model['variants']?.webgpu }, tolerance: golden.tolerance_fp16 },
];

async function session(ref: GraphRef): Promise<ModelSession> {
  if (typeof ref === 'string') return nodeSession(modelFile(ref));
  return nodeSession(modelFile(ref.file), ref.externalData.map((path) => ({ path, data: modelFile(path) })));
}

describe.each(SETS)('wan TEST FIXTURE $name vs PyTorch', ({ name, graphs, tolerance }) => {
  const found: Record<string, { max: number; mean: number }> = {};
  const sessions: Record<string, ModelSession> = {};
  const [c, f, h, w] = model['sample'].shape as [number, number, number, number];
  const L = model['tokenizer'].maxLength as number;
  const dim = model['embeddings'].dim as number;
  const n = c * f * h * w;

  beforeAll(async () => {
    expect(name === 'fp32 graphs' || Object.keys(model['variants']?.webgpu ?? {}).length > 0, 'model.json has fp16 WebGPU variants').toBe(true);
    for (const role of ['textEncoder', 'denoiser', 'decoder']) sessions[role] = await session(graphs[role]!);
  }, 120_000);

  it('text encoder: context of the golden inputs_embeds and mask, zero over the padding', async () => {
    const mask = flatIds(golden.attention_mask);
    const out = await sessions['textEncoder']!.run({
      inputs_embeds: { type: 'float32', data: wanFloats(golden, 'inputs_embeds'), dims: [1, L, dim] },
      attention_mask: { type: 'int64', data: BigInt64Array.from(mask, BigInt), dims: [1, L] },
    });
    const context = out['context']!;
    expect(context.dims).toEqual([1, L, dim]);
    found['context'] = errors(context.data, wanFloats(golden, 'context'));
    expect(found['context'].max).toBeLessThanOrEqual(wanTolerance(golden.tolerance, 'context'));
    mask.forEach((m, i) => {
      if (m === 0) expect(context.data.subarray(i * dim, (i + 1) * dim).every((v) => v === 0)).toBe(true);
    });
  }, 60_000);

  it("denoiser: velocity0 at the first step's timestep, and the whole loop's final_latent", async () => {
    const s = rcmTimes(model['scheduler'], golden.steps);
    const noise = wanFloats(golden, 'noise');
    const context = { type: 'float32' as const, data: wanFloats(golden, 'context'), dims: [1, L, dim] };
    const x = initialSample(noise, n, s);
    for (let i = 0; i < golden.steps; i++) {
      const out = await sessions['denoiser']!.run({
        sample: { type: 'float32', data: x, dims: [1, c, f, h, w] },
        timestep: { type: 'float32', data: Float32Array.of(ditTimestep(s, i)), dims: [1] },
        context,
      });
      const v = out['velocity']!;
      expect(v.dims).toEqual([1, c, f, h, w]);
      if (i === 0) {
        found['velocity0'] = errors(v.data, wanFloats(golden, 'velocity0'));
        expect(found['velocity0'].max).toBeLessThanOrEqual(wanTolerance(tolerance, 'velocity0'));
      }
      rcmStep(x, v.data, noise, s, i);
      if (i === 0) {
        found['step_output0'] = errors(x, wanFloats(golden, 'step_output0'));
        expect(found['step_output0'].max).toBeLessThanOrEqual(wanTolerance(tolerance, 'step_output0'));
      }
    }
    found['final_latent'] = errors(x, wanFloats(golden, 'final_latent'));
    expect(found['final_latent'].max).toBeLessThanOrEqual(finalLatentTolerance(tolerance));
  }, 120_000);

  it('decoder: one latent frame a call, memories fed back, the first frames trimmed: the golden video', async () => {
    const latent = wanFloats(golden, 'final_latent');
    const { framesPerLatent, trimFrames, state } = model['decoder'] as { framesPerLatent: number; trimFrames: number; state: { input: string; output: string; shape: number[] }[] };
    const { height: H, width: W, frames } = model['video'] as { height: number; width: number; frames: number };
    const memories = zeroState(state);
    const images: Float32Array[] = [];
    for (let k = 0; k < f; k++) {
      const feeds: Parameters<ModelSession['run']>[0] = { latent: { type: 'float32', data: latentFrame(latent, [c, f, h, w], k, new Float32Array(c * h * w)), dims: [1, c, h, w] } };
      state.forEach((st, j) => (feeds[st.input] = { type: 'float32', data: memories[j]!, dims: st.shape }));
      const out = await sessions['decoder']!.run(feeds);
      expect(out['image']!.dims).toEqual([framesPerLatent, 3, H, W]);
      state.forEach((st, j) => {
        expect(out[st.output]!.dims).toEqual(st.shape);
        memories[j] = out[st.output]!.data;
      });
      images.push(out['image']!.data);
    }
    const plane = 3 * H * W;
    const video = new Float32Array(frames * plane);
    images.forEach((image, k) => {
      for (let j = 0; j < framesPerLatent; j++) {
        const frame = k * framesPerLatent + j - trimFrames;
        if (frame >= 0) video.set(image.subarray(j * plane, (j + 1) * plane), frame * plane);
      }
    });
    found['video'] = errors(video, wanFloats(golden, 'video'));
    expect(found['video'].max).toBeLessThanOrEqual(wanTolerance(tolerance, 'video'));
    console.log(`wan fixture ${name} errors (max / mean |ONNX − PyTorch|): ${JSON.stringify(found)}`);
  }, 120_000);
});
