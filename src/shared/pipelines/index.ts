// Owns the registry of pipeline kinds on the contract side: one line per
// kind. A manifest's `pipeline` must be one of these ids; its kind then
// validates its own fields. The engine's registry (workers/pipelines/
// registry.ts) must have a line for every id here (its type checks that).

import { animateDiff } from './animatediff';
import { ditRectifiedFlow } from './dit-rectified-flow';
import type { KindFieldsBase, PipelineContract } from './types';
import { wan } from './wan';

export const PIPELINE_CONTRACTS = {
  'dit-rectified-flow': ditRectifiedFlow,
  animatediff: animateDiff,
  wan,
} as const;

export type PipelineId = keyof typeof PIPELINE_CONTRACTS;
/** The ids, in registry order (the manifest's `pipeline` error lists them). */
export const PIPELINE_IDS = Object.keys(PIPELINE_CONTRACTS) as PipelineId[];
/** The typed fields a kind's validate() returns. */
export type KindFields<P extends PipelineId> = (typeof PIPELINE_CONTRACTS)[P] extends PipelineContract<P, infer F> ? F : never;

export function pipelineContract(id: PipelineId): PipelineContract<PipelineId, KindFieldsBase> {
  return PIPELINE_CONTRACTS[id] as unknown as PipelineContract<PipelineId, KindFieldsBase>;
}
