// Test glue, no maths: real clips from the shipped built-in pack
// (models/zoetrope-shapes), made in Node as the engine makes them on WASM:
// the graphs the WASM backend chooses (its dynamic-int8 denoiser and the
// batch-1 conditional graph, src/shared/graph-variants.ts), reassembled from
// the pack's shards, run by onnxruntime-web's WASM build (./node-session.ts)
// through the kind's own pipeline, with the pack's default steps and guidance.
import { join } from 'node:path';
import { DEFAULT_TUNING } from '../../src/shared/engine-tuning';
import type { ModelFrames } from '../../src/shared/engine-api';
import { chooseGraphs, type GraphRole } from '../../src/shared/graph-variants';
import { validateManifest, type ManifestOf } from '../../src/shared/manifest';
import { ditRectifiedFlowKind } from '../../workers/pipelines/dit-rectified-flow';
import type { ModelSession } from '../../workers/ort-runtime';
import type { PipelineRuntime } from '../../workers/pipelines/types';
import { BUILT_IN_PACK, readJson, readPackFile } from './golden';
import { nodeSession } from './node-session';

export interface BuiltInModel {
  manifest: ManifestOf<'dit-rectified-flow'>;
  generate(prompt: string, seed: number): Promise<ModelFrames>;
  release(): Promise<void>;
}

export async function loadBuiltIn(): Promise<BuiltInModel> {
  const manifest = validateManifest(readJson(join(BUILT_IN_PACK, 'manifest.json'))) as ManifestOf<'dit-rectified-flow'>;
  const read = (path: string) => readPackFile(BUILT_IN_PACK, path);
  const tokenizerJson: unknown = JSON.parse(new TextDecoder().decode(read(manifest.tokenizer.file)));
  const chosen = chooseGraphs(manifest, 'wasm', true);
  const tuning = { ...DEFAULT_TUNING, gpuLatents: false };
  const sessions: Partial<Record<GraphRole, ModelSession>> = {};
  for (const { role } of ditRectifiedFlowKind.roles(manifest, tuning)) {
    const choice = role === 'textEncoder' ? chosen.textEncoder : role === 'denoiser' ? chosen.denoiser : role === 'conditionalDenoiser' ? chosen.conditionalDenoiser : null;
    if (!choice) continue;
    sessions[role] = await nodeSession(read(choice.file), choice.externalData.map((path) => ({ path, data: read(path) })));
  }
  const runtime: PipelineRuntime = ditRectifiedFlowKind.create({ manifest, tokenizerJson, sessions, tuning });
  const hooks = { checkpoint: async () => {}, onText() {}, onStep() {}, onDecode() {} };
  return {
    manifest,
    async generate(prompt, seed) {
      const { scheduler } = manifest;
      const out = await runtime.run(
        { prompt, seed, steps: scheduler.defaultSteps, guidance: scheduler.defaultGuidance, previewEvery: 0, outputShortSide: manifest.video.height, videoCodec: 'avc' },
        hooks,
      );
      const { rgba, frames, width, height } = out.frames;
      return { rgba: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), frames, width, height };
    },
    release: () => runtime.release(),
  };
}
