// Owns the progress events as tagged unions. Events of one job only move
// forward: `progressRank` orders them so producers and the UI can check it.

export interface PreviewFrames {
  /** RGBA bytes for `frames` frames of width x height, back to back. */
  rgba: Uint8ClampedArray;
  frames: number;
  width: number;
  height: number;
}

export type InstallProgress =
  | { kind: 'checking' }
  | { kind: 'downloading'; bytesDone: number; bytesTotal: number; shardsDone: number; shardsTotal: number }
  | { kind: 'installed'; bytesTotal: number; downloadedBytes: number };

export type EngineProgress =
  /** `retrying`: a first load stalled and a fresh engine worker is loading the model again (engine-client.ts). */
  | { kind: 'loading'; stage: 'reading' | 'sessions'; done: number; total: number; retrying?: boolean }
  | { kind: 'text' }
  | { kind: 'step'; step: number; steps: number; preview: PreviewFrames | null }
  /** A decoder graph (a VAE) turning latent frames into pixels, frame by frame; `frame` of them are done. */
  | { kind: 'decoding'; frame: number; frames: number }
  /** The model-resolution frames' RGB conversion and hash. */
  | { kind: 'frames' }
  | { kind: 'encoding'; frame: number; frames: number }
  | { kind: 'done' };

const ENGINE_PHASES: Record<EngineProgress['kind'], number> = {
  loading: 0,
  text: 1,
  step: 2,
  decoding: 3,
  frames: 4,
  encoding: 5,
  done: 6,
};

/** A sortable rank: phase first, then the position inside the phase. */
export function progressRank(event: EngineProgress): [number, number] {
  switch (event.kind) {
    case 'loading':
      return [ENGINE_PHASES.loading, (event.stage === 'reading' ? 0 : 1) + (event.total > 0 ? event.done / event.total : 0) / 2];
    case 'step':
      return [ENGINE_PHASES.step, event.step / Math.max(1, event.steps)];
    case 'decoding':
      return [ENGINE_PHASES.decoding, event.frame / Math.max(1, event.frames)];
    case 'encoding':
      return [ENGINE_PHASES.encoding, event.frame / Math.max(1, event.frames)];
    default:
      return [ENGINE_PHASES[event.kind], 0];
  }
}

/** True when `next` does not go back from `previous` (equal is allowed). */
export function isForward(previous: EngineProgress | null, next: EngineProgress): boolean {
  if (previous === null) return true;
  const [pa, pb] = progressRank(previous);
  const [na, nb] = progressRank(next);
  return na > pa || (na === pa && nb >= pb);
}

/** Overall fraction in [0, 1] of a generation job, for one progress bar. */
export function jobFraction(event: EngineProgress): number {
  switch (event.kind) {
    case 'loading':
      return 0.05 * (event.total > 0 ? event.done / event.total : 0);
    case 'text':
      return 0.05;
    case 'step':
      return 0.05 + 0.8 * (event.step / Math.max(1, event.steps));
    case 'decoding':
      return 0.85 + 0.05 * (event.frame / Math.max(1, event.frames));
    case 'frames':
      return 0.9;
    case 'encoding':
      return 0.9 + 0.1 * (event.frame / Math.max(1, event.frames));
    case 'done':
      return 1;
  }
}
