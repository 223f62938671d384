// Owns the seam between the generic manifest and a pipeline kind's own part
// of it. A pack's `pipeline` field names its kind; the common fields (files,
// tokenizer, video, variants, licence …) are validated by manifest.ts, then
// the kind validates the rest (sample, scheduler, graphs, anything of its
// own) and says what the prompt form may offer. Adding a kind = a contract
// file beside this one + one line in ./index.ts (+ the engine side in
// workers/pipelines/). No DOM and no onnxruntime here.

import type { FileEntry } from '../manifest';
import type { GraphRole, GraphVariants } from '../graph-variants';

/** A graph kept as one ONNX file, or one whose weights live in external data files (each ≤ 2 GB). */
export interface GraphFile {
  file: string;
  externalData: string[];
}
/** What `graphs.<role>` holds: a plain path, or `{ file, externalData }`. */
export type GraphRef = string | GraphFile;

/** A checkpoint file the pack was converted from (manifest `sources`), for provenance. */
export interface SourceEntry {
  role: string;
  file: string;
  sha256: string;
}

export interface TokenizerSpec {
  file: string;
  maxLength: number;
  padId: number;
  unkId: number;
  /** CLIP-style tokenizers: ids put around the prompt's own ids (pipelines that need them say so). */
  bosId?: number;
  eosId?: number;
}

/** The fields every pack has, whatever its pipeline (validated by manifest.ts). */
export interface ManifestCommon {
  format: 'zoetrope-pack';
  formatVersion: 1;
  id: string;
  name: string;
  version: string;
  license: string;
  /** The licence's full text, shown before install (at most 64 KiB). */
  licenseText?: string;
  /** The checkpoint files the pack was made from (at most 16). */
  sources?: SourceEntry[];
  fixture: boolean;
  description?: string;
  video: { frames: number; height: number; width: number; fps: number };
  tokenizer: TokenizerSpec;
  /** Optional per-backend replacements of the default graphs (src/shared/graph-variants.ts). */
  variants?: GraphVariants;
  vocabulary?: Record<string, string[]>;
  /** WebGPU limits the pack's graphs need at least (its largest weight buffer); checked before any session is made. */
  gpuLimits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
  /**
   * The pack is too big or too slow for WASM (a multi-GB UNet): "Automatic" without a suitable hardware GPU
   * says so and does not start it on WASM; a person may still force WASM (workers/backend-choice.ts).
   */
  requiresGpu?: boolean;
  shardSize: number;
  totalBytes: number;
  files: FileEntry[];
}

/** What every kind's own fields include, so that generic code can read them. */
export interface KindFieldsBase {
  sample: { shape: readonly number[] };
  scheduler: { defaultSteps: number; defaultGuidance: number };
  /** Default graph per role; null or absent: the pack has none for that role. */
  graphs: { [role in GraphRole]?: GraphRef | null } & { denoiser: GraphRef };
}

/** What the prompt form (and options.ts) may offer for a pack. */
export interface PromptCapabilities {
  /** 'words': the tokenizer knows whole words only, so the form checks them; 'free': any text (subword BPE). */
  prompt: 'words' | 'free';
  /**
   * Free text: whether the engine lowercases the prompt before its tokenizer (CLIP's lower(); umT5 keeps
   * case), so that the page's live token count does as the engine does. Absent: case is kept.
   */
  lowercase?: boolean;
  maxTokens: number;
  /** The step counts the pack allows: a list (a distilled sampler) or a range. */
  steps: { choices: number[] } | { min: number; max: number };
  /** False: the kind has no classifier-free guidance, and guidance is always 0. */
  guidance: boolean;
  defaultSteps: number;
  defaultGuidance: number;
}

/** The common fields, and the set of file paths they list, handed to a kind's validate(). */
export interface CommonValidated {
  common: ManifestCommon;
  paths: ReadonlySet<string>;
}

export interface PipelineContract<Id extends string, Fields extends KindFieldsBase> {
  readonly id: Id;
  /** The roles a variant may fill for this kind (a variant naming another is refused, naming its field). */
  readonly variantRoles: readonly GraphRole[];
  /**
   * Validates the kind's own fields of an untrusted manifest (the raw parsed object) and returns
   * them typed; throws ManifestError naming the field (src/shared/manifest-fields.ts).
   */
  validate(raw: Record<string, unknown>, validated: CommonValidated): Fields;
  capabilities(manifest: ManifestCommon & Fields): PromptCapabilities;
}
