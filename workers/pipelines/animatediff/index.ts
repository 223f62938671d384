// Owns pipeline kind "animatediff" on the engine side: the three graph roles
// it loads (CLIP text encoder, UNet + motion modules, per-frame VAE decoder)
// and the runtime (runtime.ts) made from their sessions and the pack's CLIP
// tokenizer. The maths lives beside it and is used by no other kind.

import { ZoetropeError } from '../../../src/shared/errors';
import type { ManifestOf } from '../../../src/shared/manifest';
import type { PipelineKind } from '../types';
import { createClipTokenizer } from './clip-tokens';
import { AnimateDiffRuntime } from './runtime';

export const animateDiffKind: PipelineKind<ManifestOf<'animatediff'>> = {
  id: 'animatediff',

  roles() {
    return [
      { role: 'textEncoder', optional: false, label: 'text encoder' },
      { role: 'denoiser', optional: false, label: 'denoiser' },
      { role: 'decoder', optional: false, label: 'decoder' },
    ];
  },

  create({ manifest, tokenizerJson, sessions }) {
    const { textEncoder, denoiser, decoder } = sessions;
    for (const [role, session] of Object.entries({ textEncoder, denoiser, decoder })) {
      if (!session) throw new ZoetropeError('UnsupportedModelError', `The pack has no ${role} graph, which pipeline "animatediff" needs.`, { graph: role });
    }
    return new AnimateDiffRuntime(manifest, createClipTokenizer(tokenizerJson, manifest.tokenizer), textEncoder!, denoiser!, decoder!);
  },
};
