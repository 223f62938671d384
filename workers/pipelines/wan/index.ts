// Owns pipeline kind "wan" on the engine side: the three graph roles it
// loads (umT5 text encoder, Wan 2.1 DiT, TAEW2.1 decoder), the pack files it
// keeps in memory besides them (umT5's token table, outside the text-encoder
// graph), and the runtime (runtime.ts) made from their sessions, that table
// and the pack's Unigram tokenizer. The maths lives beside it and is used by
// no other kind.

import { ZoetropeError } from '../../../src/shared/errors';
import type { ManifestOf } from '../../../src/shared/manifest';
import type { PipelineKind } from '../types';
import { WanRuntime } from './runtime';
import { TokenTable } from './token-table';
import { createUmt5Tokenizer } from './umt5-tokens';

export const wanKind: PipelineKind<ManifestOf<'wan'>> = {
  id: 'wan',

  roles() {
    return [
      { role: 'textEncoder', optional: false, label: 'text encoder' },
      { role: 'denoiser', optional: false, label: 'denoiser' },
      { role: 'decoder', optional: false, label: 'decoder' },
    ];
  },

  files(manifest) {
    const { files, scales } = manifest.embeddings;
    return scales === undefined ? [...files] : [...files, scales];
  },

  create({ manifest, tokenizerJson, sessions, files }) {
    const { textEncoder, denoiser, decoder } = sessions;
    for (const [role, session] of Object.entries({ textEncoder, denoiser, decoder })) {
      if (!session) throw new ZoetropeError('UnsupportedModelError', `The pack has no ${role} graph, which pipeline "wan" needs.`, { graph: role });
    }
    const table = new TokenTable(manifest.embeddings, files ?? new Map());
    return new WanRuntime(manifest, createUmt5Tokenizer(tokenizerJson, manifest.tokenizer), table, textEncoder!, denoiser!, decoder!);
  },
};
