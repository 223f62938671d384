// Owns the manifest rules of pipeline kind "dit-rectified-flow" (the
// built-in model and the test fixture): a DiT denoiser predicting
// rectified-flow velocity on an RGB sample [3, T, H, W] (no decoder), a
// batch-2 guided step, and the samplers of
// workers/pipelines/dit-rectified-flow/scheduler.ts. The rules and their
// messages are the ones manifest.ts had before kinds were plug-ins.

import { fail, graphPath, int, literal, num, obj, shapeOf } from '../manifest-fields';
import type { PipelineContract } from './types';

/** The samplers of the kind's scheduler.ts (and models/zoetrope/flow.py); a pack names the one it was evaluated with. */
export const SCHEDULERS = ['rectified-flow-euler', 'rectified-flow-dpmpp-2m'] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

export type DitRectifiedFlowFields = {
  sample: { shape: [number, number, number, number] };
  scheduler: {
    kind: SchedulerKind;
    defaultSteps: number;
    defaultGuidance: number;
    shift: number;
    /**
     * Classifier-free guidance only on steps whose t lies in (lo, hi]; the others take the conditional
     * velocity alone (half a call with the backend's conditionalDenoiser graph). Absent: every step.
     */
    guidanceInterval?: [number, number];
  };
  graphs: { textEncoder: string | null; denoiser: string; decoder: string | null };
};

function validateGuidanceInterval(value: unknown): [number, number] | undefined {
  if (value === undefined) return undefined;
  const expected = 'an array [lo, hi] of two numbers with 0 <= lo < hi <= 1';
  if (!Array.isArray(value) || value.length !== 2) fail('scheduler.guidanceInterval', expected, value);
  const [lo, hi] = value as unknown[];
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo >= 0 && lo < hi && hi <= 1)) fail('scheduler.guidanceInterval', expected, value);
  return [lo, hi];
}

export const ditRectifiedFlow: PipelineContract<'dit-rectified-flow', DitRectifiedFlowFields> = {
  id: 'dit-rectified-flow',
  variantRoles: ['textEncoder', 'denoiser', 'conditionalDenoiser'],

  validate(m, { common, paths }) {
    const { video } = common;
    const shape = shapeOf(obj(m['sample'], 'sample'), 4, 'an array of 4 integers [C, T, H, W]') as [number, number, number, number];

    const s = obj(m['scheduler'], 'scheduler');
    const scheduler: DitRectifiedFlowFields['scheduler'] = {
      kind: literal(s, 'kind', 'scheduler.kind', SCHEDULERS),
      defaultSteps: int(s, 'defaultSteps', 'scheduler.defaultSteps', 1, 1000),
      defaultGuidance: num(s, 'defaultGuidance', 'scheduler.defaultGuidance', 0, 50),
      shift: num(s['shift'] === undefined ? { shift: 1 } : s, 'shift', 'scheduler.shift', 0, 100, true),
    };
    const interval = validateGuidanceInterval(s['guidanceInterval']);
    if (interval) scheduler.guidanceInterval = interval;

    const g = obj(m['graphs'], 'graphs');
    const graphs = {
      textEncoder: graphPath(g, 'textEncoder', 'graphs.textEncoder', paths, false),
      denoiser: graphPath(g, 'denoiser', 'graphs.denoiser', paths, true) as string,
      decoder: graphPath(g, 'decoder', 'graphs.decoder', paths, false),
    };

    // Without a decoder the denoised sample is the video itself, so its shape
    // must be exactly RGB frames of the advertised size.
    if (shape[1] !== video.frames) fail('sample.shape[1]', `the frame count ${video.frames}`, shape[1]);
    if (graphs.decoder === null) {
      if (shape[0] !== 3) fail('sample.shape[0]', '3 (RGB) when there is no decoder', shape[0]);
      if (shape[2] !== video.height) fail('sample.shape[2]', `video.height (${video.height}) when there is no decoder`, shape[2]);
      if (shape[3] !== video.width) fail('sample.shape[3]', `video.width (${video.width}) when there is no decoder`, shape[3]);
    }
    return { sample: { shape }, scheduler, graphs };
  },

  capabilities(manifest) {
    return {
      // A word-level tokenizer: the form checks each word against its vocabulary.
      prompt: 'words',
      maxTokens: manifest.tokenizer.maxLength,
      steps: { min: 1, max: 200 },
      guidance: true,
      defaultSteps: manifest.scheduler.defaultSteps,
      defaultGuidance: manifest.scheduler.defaultGuidance,
    };
  },
};
