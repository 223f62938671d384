// Owns the engine worker's load-step messages and how long each step may
// take before a load counts as stalled. Firefox ESR 153 sometimes never
// finishes a model load (issue 20, README "Browser support"); the worker
// posts one message per step of a load, so the page can tell where a load
// stopped and give up on a worker that makes no progress, instead of
// showing "Preparing the model…" forever.
//
// The messages go over the worker's own port, beside comlink's: comlink's
// wrap ignores any message without an `id`, and these have none. They are
// not progress events (those feed the bar and must only move forward); a
// step is posted even when the bar would not move.

export const LOAD_STEPS = [
  /** The worker's module ran to its end and comlink listens: posted once per worker. */
  'worker-started',
  'load-started',
  'probe-done',
  'pack-opened',
  /** A pack file is about to be read and checked; `bytes` is its size. */
  'file-read-started',
  'file-read-done',
  /** onnxruntime-web's bundle is being imported (and, on the first session, its wasm compiled). */
  'ort-import-started',
  'ort-imported',
  /** The browser finished fetching one of onnxruntime's files (its wasm glue or binary): the resource timing entry. */
  'ort-file-fetched',
  /** InferenceSession.create was called; `bytes` is the graph's size with its external data. */
  'session-create-started',
  'session-created',
  /** The graphs run once on zeros (WASM); `bytes` is all the graphs' size. */
  'warm-up-started',
  'warm-up-done',
  'load-done',
  /** After load-done, before the reply: the encoder question was asked (off the first job's path). */
  'encoder-asked',
] as const;

export type LoadStepName = (typeof LOAD_STEPS)[number];

export interface LoadStep {
  zoetropeLoadStep: LoadStepName;
  /** The graph or file the step is about, when there is one. */
  label: string;
  /** The bytes of work that the step starts (0 for a step that ends one). */
  bytes: number;
}

export function isLoadStep(data: unknown): data is LoadStep {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return (LOAD_STEPS as readonly unknown[]).includes(d['zoetropeLoadStep']) && typeof d['label'] === 'string' && typeof d['bytes'] === 'number';
}

/**
 * How long, after a step, the next one may take. Measured (scripts/firefox-load-repro.mjs, 2026-12-04, the
 * 2-core machine, 456 reloads): the built-in model was ready 2.1–13.8 s after a reload in Firefox ESR 153
 * (median 2.7 s idle, 5–8 s at a load average of 10–16), and the longest single step was the warm-up, 4.7 s
 * under that load; the 2.69 GB large-pack fixture's session took 13–56 s and a 256 MiB file's read and
 * check at most about 17 s (README "Large packs"). So 20 s, plus 60 s for every GiB of work the step
 * starts: four times the slowest built-in step seen, three times the slowest large-pack one.
 */
export const STALL_BASE_MS = 20_000;
export const STALL_MS_PER_GIB = 60_000;

export function stepBudgetMs(bytes: number): number {
  return STALL_BASE_MS + Math.ceil((Math.max(0, bytes) / 2 ** 30) * STALL_MS_PER_GIB);
}

/** A step as one console line: what the page logs, and what the Firefox repro script reads. */
export function describeStep(step: LoadStep): string {
  return `${step.zoetropeLoadStep}${step.label ? ` ${step.label}` : ''}${step.bytes ? ` (${step.bytes} B)` : ''}`;
}
