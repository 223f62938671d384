// Owns pipeline kind "dit-rectified-flow" on the engine side: the graph
// roles it loads and the runtime (pipeline.ts) made from their sessions.
// The maths (denoise-loop.ts, scheduler.ts, the step kernels, gpu-latents.ts)
// lives beside it and is used by no other kind.

import type { ManifestOf } from '../../../src/shared/manifest';
import { ZoetropeError } from '../../../src/shared/errors';
import { createPromptTokenizer } from '../../tokenize';
import type { PipelineKind } from '../types';
import { Pipeline } from './pipeline';

export const ditRectifiedFlowKind: PipelineKind<ManifestOf<'dit-rectified-flow'>> = {
  id: 'dit-rectified-flow',

  roles(manifest, tuning) {
    return [
      ...(manifest.graphs.textEncoder !== null ? [{ role: 'textEncoder' as const, optional: false, label: 'text encoder' }] : []),
      { role: 'denoiser', optional: false, label: 'denoiser' },
      // The batch-1 graph for the steps outside the guidance interval (a variant only; the built-in pack's, on WASM).
      // ?conditionalGraph=0: unguided steps take the batch-2 graph's conditional row (the bench's "before").
      ...(tuning.conditionalGraph ? [{ role: 'conditionalDenoiser' as const, optional: true, label: 'conditional denoiser' }] : []),
    ];
  },

  create({ manifest, tokenizerJson, sessions, tuning }) {
    if (manifest.graphs.decoder !== null) {
      throw new ZoetropeError('UnsupportedModelError', 'A dit-rectified-flow pack with a decoder graph is not supported: its sample is the RGB video itself.', { graph: 'decoder' });
    }
    const denoiser = sessions.denoiser;
    if (!denoiser) throw new ZoetropeError('UnsupportedModelError', 'The pack has no denoiser graph.', { graph: 'denoiser' });
    const tokenizer = createPromptTokenizer(tokenizerJson, manifest.tokenizer);
    return new Pipeline(manifest, tokenizer, sessions.textEncoder ?? null, denoiser, tuning.gpuLatents, sessions.conditionalDenoiser ?? null, tuning.wasmStep);
  },
};
