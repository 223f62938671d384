// Owns the engine's registry of pipeline kinds: one line per kind. Its type
// requires a line for every kind the contract registry knows
// (src/shared/pipelines/index.ts), so the two cannot drift apart.

import { ZoetropeError } from '../../src/shared/errors';
import type { ManifestOf, PackManifest } from '../../src/shared/manifest';
import type { PipelineId } from '../../src/shared/pipelines';
import { animateDiffKind } from './animatediff';
import { ditRectifiedFlowKind } from './dit-rectified-flow';
import type { PipelineKind } from './types';
import { wanKind } from './wan';

const KINDS: { [P in PipelineId]: PipelineKind<ManifestOf<P>> } = {
  'dit-rectified-flow': ditRectifiedFlowKind,
  animatediff: animateDiffKind,
  wan: wanKind,
};

/** The kind that runs a pack; UnsupportedModelError naming `pipeline` when this build has none for it. */
export function pipelineKind(manifest: Pick<PackManifest, 'pipeline'>): PipelineKind {
  const id: string = manifest.pipeline;
  const kind = Object.hasOwn(KINDS, id) ? KINDS[id as PipelineId] : undefined;
  if (!kind) {
    throw new ZoetropeError('UnsupportedModelError', `This version of Zoetrope cannot run pipeline "${id}".`, { field: 'pipeline', pipeline: id });
  }
  return kind as unknown as PipelineKind;
}
