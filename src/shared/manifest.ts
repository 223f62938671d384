// Owns model pack format v1: the manifest's common fields, their validation,
// and the union of every kind's manifest (discriminated by `pipeline`). The
// kind's own fields are validated by its contract (src/shared/pipelines/).
// Validation runs before anything is downloaded or loaded, and every error
// names the field and what was expected (see models/README.md for the format).

import { fail, int, literal, num, obj, PATH_RE, SHA_RE, str, type Obj } from './manifest-fields';
import { validateVariants } from './graph-variants';
import { PIPELINE_IDS, pipelineContract, type KindFields, type PipelineId } from './pipelines';
import type { ManifestCommon, PromptCapabilities, SourceEntry } from './pipelines/types';

export type { GraphFile, GraphRef, ManifestCommon, PromptCapabilities, SourceEntry } from './pipelines/types';
export type { PipelineId } from './pipelines';
/** The first kind's samplers, still named from here by older callers. */
export { SCHEDULERS, type SchedulerKind } from './pipelines/dit-rectified-flow';

export const PACK_FORMAT = 'zoetrope-pack';
export const PACK_FORMAT_VERSION = 1;
export const DEFAULT_SHARD_SIZE = 32 * 1024 * 1024;
/** Hostile or broken manifests are refused before they can ask for absurd work: a shard is one ArrayBuffer in memory. */
export const MAX_SHARD_SIZE = 1024 * 1024 * 1024;
export const MAX_PACK_BYTES = 64 * 1024 * 1024 * 1024;
export const MAX_FILES = 256;
export const MAX_SHARDS = 65_536;
export const MAX_LICENSE_TEXT_BYTES = 64 * 1024;
export const MAX_SOURCES = 16;
/** The registered pipeline kinds (src/shared/pipelines/index.ts). */
export const PIPELINES: readonly PipelineId[] = PIPELINE_IDS;

export interface ShardEntry {
  sha256: string;
  size: number;
}

export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
  shards: ShardEntry[];
}

/** A pack of one kind: the common fields, `pipeline`, and the kind's own typed fields. */
export type ManifestOf<P extends PipelineId> = ManifestCommon & { pipeline: P } & KindFields<P>;
/** A validated pack manifest, discriminated by `pipeline`. */
export type PackManifest = { [P in PipelineId]: ManifestOf<P> }[PipelineId];

const ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** Vocabulary group names: plain words, so that "__proto__" and friends never become keys. */
const GROUP_RE = /^[A-Za-z][A-Za-z0-9 _-]{0,63}$/;

function validateFiles(value: unknown, shardSize: number): FileEntry[] {
  if (!Array.isArray(value) || value.length === 0) fail('files', 'a non-empty array', value);
  if (value.length > MAX_FILES) fail('files', `at most ${MAX_FILES} files`, value);
  const seen = new Set<string>();
  // The same shard may appear in two files (stored once), but never with two sizes.
  const shardSizes = new Map<string, number>();
  let shardCount = 0;
  return value.map((raw, i) => {
    const f = obj(raw, `files[${i}]`);
    const path = str(f, 'path', `files[${i}].path`);
    if (!PATH_RE.test(path)) fail(`files[${i}].path`, 'a relative path of letters, digits, ".", "_", "-" and "/"', path);
    if (seen.has(path)) fail(`files[${i}].path`, 'a path not used by another file', path);
    seen.add(path);
    const size = int(f, 'size', `files[${i}].size`, 1, MAX_PACK_BYTES);
    const sha256 = str(f, 'sha256', `files[${i}].sha256`);
    if (!SHA_RE.test(sha256)) fail(`files[${i}].sha256`, '64 lowercase hex digits', sha256);
    const shardsRaw = f['shards'];
    if (!Array.isArray(shardsRaw) || shardsRaw.length === 0) fail(`files[${i}].shards`, 'a non-empty array', shardsRaw);
    shardCount += shardsRaw.length;
    if (shardCount > MAX_SHARDS) fail(`files[${i}].shards`, `at most ${MAX_SHARDS} shards in the whole pack`, shardsRaw);
    let sum = 0;
    const shards = shardsRaw.map((s, j) => {
      const field = `files[${i}].shards[${j}]`;
      const so = obj(s, field);
      const shardSha = str(so, 'sha256', `${field}.sha256`);
      if (!SHA_RE.test(shardSha)) fail(`${field}.sha256`, '64 lowercase hex digits', shardSha);
      const shardBytes = int(so, 'size', `${field}.size`, 1, shardSize);
      const known = shardSizes.get(shardSha);
      if (known !== undefined && known !== shardBytes) fail(`${field}.size`, `${known}, the size listed for the same sha256 before`, shardBytes);
      shardSizes.set(shardSha, shardBytes);
      sum += shardBytes;
      return { sha256: shardSha, size: shardBytes };
    });
    if (sum !== size) fail(`files[${i}].shards`, `shard sizes adding up to the file size ${size}`, `shards adding up to ${sum}`);
    return { path, size, sha256, shards };
  });
}

function validateVocabulary(value: unknown): Record<string, string[]> | undefined {
  if (value === undefined) return undefined;
  const o = obj(value, 'vocabulary');
  const out: Record<string, string[]> = {};
  for (const [key, list] of Object.entries(o)) {
    if (!GROUP_RE.test(key)) fail('vocabulary', 'group names of letters, digits, " ", "_" and "-"', key);
    if (!Array.isArray(list) || !list.every((w) => typeof w === 'string')) {
      fail(`vocabulary.${key}`, 'an array of strings', list);
    }
    out[key] = list as string[];
  }
  return out;
}

function validateGpuLimits(value: unknown): ManifestCommon['gpuLimits'] {
  if (value === undefined) return undefined;
  const o = obj(value, 'gpuLimits');
  const out: NonNullable<ManifestCommon['gpuLimits']> = {};
  for (const key of ['maxBufferSize', 'maxStorageBufferBindingSize'] as const) {
    if (o[key] !== undefined) out[key] = int(o, key, `gpuLimits.${key}`, 1);
  }
  for (const key of Object.keys(o)) if (!(key in out)) fail(`gpuLimits.${key}`, 'nothing (known limits: maxBufferSize, maxStorageBufferBindingSize)', o[key]);
  return out;
}

function validateLicenseText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail('licenseText', 'a string', value);
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_LICENSE_TEXT_BYTES) fail('licenseText', `at most ${MAX_LICENSE_TEXT_BYTES} bytes of text`, `${bytes} bytes`);
  return value;
}

function validateSources(value: unknown): SourceEntry[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_SOURCES) fail('sources', `an array of at most ${MAX_SOURCES} entries`, value);
  return value.map((raw, i) => {
    const o = obj(raw, `sources[${i}]`);
    const sha256 = str(o, 'sha256', `sources[${i}].sha256`);
    if (!SHA_RE.test(sha256)) fail(`sources[${i}].sha256`, '64 lowercase hex digits', sha256);
    return { role: str(o, 'role', `sources[${i}].role`), file: str(o, 'file', `sources[${i}].file`), sha256 };
  });
}

function optionalId(o: Obj, key: 'bosId' | 'eosId'): number | undefined {
  return o[key] === undefined ? undefined : int(o, key, `tokenizer.${key}`, 0);
}

/** Validates an untrusted manifest (parsed JSON) and returns it typed; throws ManifestError. */
export function validateManifest(value: unknown): PackManifest {
  const m = obj(value, 'manifest');
  if (m['format'] !== PACK_FORMAT) fail('format', JSON.stringify(PACK_FORMAT), m['format']);
  if (m['formatVersion'] !== PACK_FORMAT_VERSION) fail('formatVersion', `${PACK_FORMAT_VERSION}`, m['formatVersion']);
  const id = str(m, 'id', 'id');
  if (!ID_RE.test(id)) fail('id', 'lowercase letters, digits and "-" (at most 64)', id);
  const name = str(m, 'name', 'name');
  const version = str(m, 'version', 'version');
  const license = str(m, 'license', 'license');
  const fixtureRaw = m['fixture'] ?? false;
  if (typeof fixtureRaw !== 'boolean') fail('fixture', 'true or false', fixtureRaw);
  const description = m['description'];
  if (description !== undefined && typeof description !== 'string') fail('description', 'a string', description);
  const pipeline = literal(m, 'pipeline', 'pipeline', PIPELINES);
  const licenseText = validateLicenseText(m['licenseText']);
  const sources = validateSources(m['sources']);

  const v = obj(m['video'], 'video');
  const video = {
    frames: int(v, 'frames', 'video.frames', 1, 1024),
    height: int(v, 'height', 'video.height', 1, 4096),
    width: int(v, 'width', 'video.width', 1, 4096),
    fps: num(v, 'fps', 'video.fps', 0, 240, true),
  };

  const shardSize = int(m, 'shardSize', 'shardSize', 1, MAX_SHARD_SIZE);
  const files = validateFiles(m['files'], shardSize);
  const paths = new Set(files.map((f) => f.path));
  const totalBytes = int(m, 'totalBytes', 'totalBytes', 1, MAX_PACK_BYTES);
  const sum = files.reduce((acc, f) => acc + f.size, 0);
  if (totalBytes !== sum) fail('totalBytes', `the sum of the file sizes (${sum})`, totalBytes);

  const t = obj(m['tokenizer'], 'tokenizer');
  const tokenizerFile = str(t, 'file', 'tokenizer.file');
  if (!paths.has(tokenizerFile)) fail('tokenizer.file', 'the path of a file listed in files', tokenizerFile);
  const tokenizer: ManifestCommon['tokenizer'] = {
    file: tokenizerFile,
    maxLength: int(t, 'maxLength', 'tokenizer.maxLength', 1, 4096),
    padId: int(t, 'padId', 'tokenizer.padId', 0),
    unkId: int(t, 'unkId', 'tokenizer.unkId', 0),
  };
  const bosId = optionalId(t, 'bosId');
  if (bosId !== undefined) tokenizer.bosId = bosId;
  const eosId = optionalId(t, 'eosId');
  if (eosId !== undefined) tokenizer.eosId = eosId;

  const common: ManifestCommon = {
    format: PACK_FORMAT,
    formatVersion: PACK_FORMAT_VERSION,
    id,
    name,
    version,
    license,
    fixture: fixtureRaw,
    video,
    tokenizer,
    shardSize,
    totalBytes,
    files,
  };
  if (description !== undefined) common.description = description;
  if (licenseText !== undefined) common.licenseText = licenseText;
  if (sources !== undefined) common.sources = sources;

  // The kind's own fields: sample, scheduler, graphs and whatever else it has.
  const contract = pipelineContract(pipeline);
  const own = contract.validate(m, { common, paths });
  const manifest = { ...common, pipeline, ...own } as PackManifest;

  const vocabulary = validateVocabulary(m['vocabulary']);
  if (vocabulary) manifest.vocabulary = vocabulary;
  const gpuLimits = validateGpuLimits(m['gpuLimits']);
  if (gpuLimits) manifest.gpuLimits = gpuLimits;
  // Large packs: a GPU is needed unless the person forces WASM (workers/backend-choice.ts).
  const requiresGpu = m['requiresGpu'];
  if (requiresGpu !== undefined && typeof requiresGpu !== 'boolean') fail('requiresGpu', 'true or false', requiresGpu);
  if (requiresGpu === true) manifest.requiresGpu = true;
  const variants = validateVariants(m['variants'], paths, contract.variantRoles);
  if (variants) {
    const defaults = own.graphs as Record<string, unknown>;
    for (const [backend, roles] of Object.entries(variants)) {
      for (const role of Object.keys(roles)) {
        // A role the pack has no default graph for (null) gets no variant either; variant-only roles are absent, not null.
        if (defaults[role] === null) fail(`variants.${backend}.${role}`, `nothing (the pack has no ${ROLE_NAMES[role] ?? role})`, roles[role as keyof typeof roles]);
      }
    }
    manifest.variants = variants;
  }
  return manifest;
}

const ROLE_NAMES: Record<string, string> = { textEncoder: 'text encoder', denoiser: 'denoiser', decoder: 'decoder' };

/** The path of a graph's ONNX file, whichever form `graphs.<role>` takes. */
export function graphFilePath(ref: string | { file: string }): string {
  return typeof ref === 'string' ? ref : ref.file;
}

/** What the prompt form may offer for this pack (its kind decides). */
export function packCapabilities(manifest: PackManifest): PromptCapabilities {
  return pipelineContract(manifest.pipeline).capabilities(manifest);
}

/** The key under which an installed pack is recorded; packs are immutable per version. */
export function modelKey(manifest: Pick<PackManifest, 'id' | 'version'>): string {
  return `${manifest.id}@${manifest.version}`;
}

/** Each distinct shard of the pack once (files may share shards; they are stored by SHA-256). */
export function uniqueShards(manifest: PackManifest): ShardEntry[] {
  const seen = new Map<string, ShardEntry>();
  for (const f of manifest.files) for (const s of f.shards) if (!seen.has(s.sha256)) seen.set(s.sha256, s);
  return [...seen.values()];
}

/** Shards are fetched from `shards/<sha256>` beside the manifest: content-addressed, cache-friendly. */
export function shardUrl(manifestUrl: string, sha256: string): string {
  return new URL(`shards/${sha256}`, manifestUrl).href;
}

