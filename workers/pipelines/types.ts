// Owns the engine side of the pipeline-kind seam: what engine.worker.ts
// asks of a kind (the graph roles to load, then a runtime made from their
// sessions) and what a runtime gives back (RGBA frames at the model's
// resolution, and the timings the bench reads). The worker does everything
// generic: reading the pack, choosing graph variants, creating sessions,
// device loss, cancellation, frames → hash → upscale → MP4. A kind does the
// maths from prompt to frames. Adding a kind = a folder beside this file and
// one line in ./registry.ts (plus its contract in src/shared/pipelines/).
// A kind that reads pack files besides its graphs and the tokenizer (the wan
// kind's token table, kept outside its text-encoder graph) names them in
// files(); the engine reads and checks them with the tokenizer, counts them in
// the loading progress, and hands their bytes over in PipelineInit.files.

import type { EngineTuning } from '../../src/shared/engine-tuning';
import type { GraphRole } from '../../src/shared/graph-variants';
import type { PackManifest } from '../../src/shared/manifest';
import type { GenerateOptions } from '../../src/shared/options';
import type { PreviewFrames } from '../../src/shared/progress';
import type { RgbaFrames } from '../frames';
import type { ModelSession } from '../ort-runtime';

/** A graph role the kind loads. An optional role is skipped when the pack (or the backend's variants) has no graph for it. */
export interface RoleSpec {
  role: GraphRole;
  optional: boolean;
  /** For people and ORT's errors: "text encoder", "denoiser", "decoder"… */
  label: string;
}

export interface PipelineHooks {
  /** Throws AbortError (cancel) or DeviceLostError; awaited before every step and every decoded frame. */
  checkpoint(): Promise<void>;
  onText(): void;
  onStep(step: number, steps: number, preview: PreviewFrames | null): void;
  /** A decoder graph (a VAE) has turned latent frame `frame` (1-based count done) of `frames` into pixels. */
  onDecode(frame: number, frames: number): void;
}

export interface PipelineOutput {
  frames: RgbaFrames;
  textMs: number;
  /** Inside ORT's session.run for the text encoder. */
  textOrtMs: number;
  stepMs: number[];
  /** Inside ORT's session.run, per step. */
  stepOrtMs: number[];
  /** Where the latents lived between steps. */
  latents: 'cpu' | 'gpu';
  /** performance.now() when the denoising loop started, and its whole length (ms). */
  loopStartedAt: number;
  loopMs: number;
  /** Preview pixels, summed over the steps that have one (ms). */
  previewMs: number;
  /** Loop start → the first step's checkpoint: the seeded noise and the schedule (ms). */
  setupMs: number;
  /** The decoder graph's runs, all frames (ms); 0 for kinds without one. Counted inside loopMs's end → frames. */
  decodeMs?: number;
}

/** One loaded model of one kind: it owns its sessions from create() to release(). */
export interface PipelineRuntime {
  readonly manifest: PackManifest;
  /** One run of every graph on zeros at load, so that the first video does not pay for ORT's first-run setup. */
  warmUp(): Promise<void>;
  run(options: GenerateOptions, hooks: PipelineHooks): Promise<PipelineOutput>;
  /** Releases every session it was given. */
  release(): Promise<void>;
}

export interface PipelineInit<M extends { pipeline: string } = PackManifest> {
  manifest: M;
  /** The pack's tokenizer.json, parsed (the kind builds its own tokenizer from it). */
  tokenizerJson: unknown;
  /** A session for each role roles() named that the pack has (optional roles may be missing). */
  sessions: Partial<Record<GraphRole, ModelSession>>;
  tuning: EngineTuning;
  /**
   * The bytes of every pack file the kind's files() named, by path, each checked against the manifest.
   * The engine always passes it (empty for a kind without files()); a test of such a kind may leave it out.
   */
  files?: ReadonlyMap<string, Uint8Array>;
}

export interface PipelineKind<M extends { pipeline: string } = PackManifest> {
  readonly id: M['pipeline'];
  /** The graph roles to load, in load order; the tuning may switch an optional one off (e.g. ?conditionalGraph=0). */
  roles(manifest: M, tuning: EngineTuning): RoleSpec[];
  /**
   * Pack files, other than graphs and the tokenizer, that the runtime needs in memory (paths the
   * kind's contract has checked are listed); read at load before any session is made. Absent: none.
   */
  files?(manifest: M): string[];
  /** Builds the runtime; may throw UnsupportedModelError when a graph's inputs or outputs are not what the kind needs. */
  create(init: PipelineInit<M>): PipelineRuntime;
}
