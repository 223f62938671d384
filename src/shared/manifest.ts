// Owns model pack format v1: the manifest's types and its validation.
// Validation runs before anything is downloaded or loaded, and every error
// names the field and what was expected (see models/README.md for the format).

import { fieldError } from './errors';
import { validateVariants, type GraphVariants } from './graph-variants';

export const PACK_FORMAT = 'zoetrope-pack';
export const PACK_FORMAT_VERSION = 1;
export const DEFAULT_SHARD_SIZE = 32 * 1024 * 1024;
/** Hostile or broken manifests are refused before they can ask for absurd work: a shard is one ArrayBuffer in memory. */
export const MAX_SHARD_SIZE = 1024 * 1024 * 1024;
export const MAX_PACK_BYTES = 64 * 1024 * 1024 * 1024;
export const MAX_FILES = 256;
export const MAX_SHARDS = 65_536;
export const PIPELINES = ['dit-rectified-flow'] as const;
/** The samplers of workers/scheduler.ts (and models/zoetrope/flow.py); a pack names the one it was evaluated with. */
export const SCHEDULERS = ['rectified-flow-euler', 'rectified-flow-dpmpp-2m'] as const;
export type SchedulerKind = (typeof SCHEDULERS)[number];

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

export interface PackManifest {
  format: typeof PACK_FORMAT;
  formatVersion: typeof PACK_FORMAT_VERSION;
  id: string;
  name: string;
  version: string;
  license: string;
  fixture: boolean;
  description?: string;
  pipeline: (typeof PIPELINES)[number];
  video: { frames: number; height: number; width: number; fps: number };
  sample: { shape: [number, number, number, number] };
  scheduler: {
    kind: (typeof SCHEDULERS)[number];
    defaultSteps: number;
    defaultGuidance: number;
    shift: number;
    /**
     * Classifier-free guidance only on steps whose t lies in (lo, hi]; the others take the conditional
     * velocity alone (half a call with the backend's conditionalDenoiser graph). Absent: every step.
     */
    guidanceInterval?: [number, number];
  };
  tokenizer: { file: string; maxLength: number; padId: number; unkId: number };
  graphs: { textEncoder: string | null; denoiser: string; decoder: string | null };
  /** Optional per-backend replacements of the default graphs (src/shared/graph-variants.ts). */
  variants?: GraphVariants;
  vocabulary?: Record<string, string[]>;
  /** WebGPU limits the pack's graphs need at least (its largest weight buffer); checked before any session is made. */
  gpuLimits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
  shardSize: number;
  totalBytes: number;
  files: FileEntry[];
}

const ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SHA_RE = /^[0-9a-f]{64}$/;
const PATH_RE = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
/** Vocabulary group names: plain words, so that "__proto__" and friends never become keys. */
const GROUP_RE = /^[A-Za-z][A-Za-z0-9 _-]{0,63}$/;

type Obj = Record<string, unknown>;

function fail(field: string, expected: string, got: unknown): never {
  throw fieldError('ManifestError', field, expected, got);
}

function obj(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value);
  return value as Obj;
}

function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'a non-empty string', v);
  return v;
}

function int(o: Obj, key: string, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}`, v);
  }
  return v;
}

function num(o: Obj, key: string, field: string, min: number, max: number, minExclusive = false): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (minExclusive ? v <= min : v < min)) {
    fail(field, `a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and at most' : 'to'} ${max}`, v);
  }
  return v;
}

function literal<T extends string>(o: Obj, key: string, field: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, v);
  }
  return v as T;
}

function graphRef(o: Obj, key: string, field: string, files: Set<string>, required: boolean): string | null {
  const v = o[key];
  if (v === null || v === undefined) {
    if (required) fail(field, 'the path of a file listed in files', v);
    return null;
  }
  if (typeof v !== 'string' || !files.has(v)) fail(field, 'the path of a file listed in files', v);
  return v;
}

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

function validateGuidanceInterval(value: unknown): [number, number] | undefined {
  if (value === undefined) return undefined;
  const expected = 'an array [lo, hi] of two numbers with 0 <= lo < hi <= 1';
  if (!Array.isArray(value) || value.length !== 2) fail('scheduler.guidanceInterval', expected, value);
  const [lo, hi] = value as unknown[];
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo >= 0 && lo < hi && hi <= 1)) fail('scheduler.guidanceInterval', expected, value);
  return [lo, hi];
}

function validateGpuLimits(value: unknown): PackManifest['gpuLimits'] {
  if (value === undefined) return undefined;
  const o = obj(value, 'gpuLimits');
  const out: NonNullable<PackManifest['gpuLimits']> = {};
  for (const key of ['maxBufferSize', 'maxStorageBufferBindingSize'] as const) {
    if (o[key] !== undefined) out[key] = int(o, key, `gpuLimits.${key}`, 1);
  }
  for (const key of Object.keys(o)) if (!(key in out)) fail(`gpuLimits.${key}`, 'nothing (known limits: maxBufferSize, maxStorageBufferBindingSize)', o[key]);
  return out;
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

  const v = obj(m['video'], 'video');
  const video = {
    frames: int(v, 'frames', 'video.frames', 1, 1024),
    height: int(v, 'height', 'video.height', 1, 4096),
    width: int(v, 'width', 'video.width', 1, 4096),
    fps: num(v, 'fps', 'video.fps', 0, 240, true),
  };

  const sample = obj(m['sample'], 'sample');
  const shapeRaw = sample['shape'];
  if (!Array.isArray(shapeRaw) || shapeRaw.length !== 4) fail('sample.shape', 'an array of 4 integers [C, T, H, W]', shapeRaw);
  const shape = shapeRaw.map((d, i) => int({ d }, 'd', `sample.shape[${i}]`, 1, 4096)) as [number, number, number, number];

  const s = obj(m['scheduler'], 'scheduler');
  const scheduler = {
    kind: literal(s, 'kind', 'scheduler.kind', SCHEDULERS),
    defaultSteps: int(s, 'defaultSteps', 'scheduler.defaultSteps', 1, 1000),
    defaultGuidance: num(s, 'defaultGuidance', 'scheduler.defaultGuidance', 0, 50),
    shift: num(s.shift === undefined ? { shift: 1 } : s, 'shift', 'scheduler.shift', 0, 100, true),
  };
  const interval = validateGuidanceInterval(s['guidanceInterval']);
  if (interval) (scheduler as PackManifest['scheduler']).guidanceInterval = interval;

  const shardSize = int(m, 'shardSize', 'shardSize', 1, MAX_SHARD_SIZE);
  const files = validateFiles(m['files'], shardSize);
  const paths = new Set(files.map((f) => f.path));
  const totalBytes = int(m, 'totalBytes', 'totalBytes', 1, MAX_PACK_BYTES);
  const sum = files.reduce((acc, f) => acc + f.size, 0);
  if (totalBytes !== sum) fail('totalBytes', `the sum of the file sizes (${sum})`, totalBytes);

  const t = obj(m['tokenizer'], 'tokenizer');
  const tokenizerFile = str(t, 'file', 'tokenizer.file');
  if (!paths.has(tokenizerFile)) fail('tokenizer.file', 'the path of a file listed in files', tokenizerFile);
  const tokenizer = {
    file: tokenizerFile,
    maxLength: int(t, 'maxLength', 'tokenizer.maxLength', 1, 4096),
    padId: int(t, 'padId', 'tokenizer.padId', 0),
    unkId: int(t, 'unkId', 'tokenizer.unkId', 0),
  };

  const g = obj(m['graphs'], 'graphs');
  const graphs = {
    textEncoder: graphRef(g, 'textEncoder', 'graphs.textEncoder', paths, false),
    denoiser: graphRef(g, 'denoiser', 'graphs.denoiser', paths, true) as string,
    decoder: graphRef(g, 'decoder', 'graphs.decoder', paths, false),
  };

  // Without a decoder the denoised sample is the video itself, so its shape
  // must be exactly RGB frames of the advertised size.
  if (shape[1] !== video.frames) fail('sample.shape[1]', `the frame count ${video.frames}`, shape[1]);
  if (graphs.decoder === null) {
    if (shape[0] !== 3) fail('sample.shape[0]', '3 (RGB) when there is no decoder', shape[0]);
    if (shape[2] !== video.height) fail('sample.shape[2]', `video.height (${video.height}) when there is no decoder`, shape[2]);
    if (shape[3] !== video.width) fail('sample.shape[3]', `video.width (${video.width}) when there is no decoder`, shape[3]);
  }

  const manifest: PackManifest = {
    format: PACK_FORMAT,
    formatVersion: PACK_FORMAT_VERSION,
    id,
    name,
    version,
    license,
    fixture: fixtureRaw,
    pipeline,
    video,
    sample: { shape },
    scheduler,
    tokenizer,
    graphs,
    shardSize,
    totalBytes,
    files,
  };
  if (description !== undefined) manifest.description = description;
  const vocabulary = validateVocabulary(m['vocabulary']);
  if (vocabulary) manifest.vocabulary = vocabulary;
  const gpuLimits = validateGpuLimits(m['gpuLimits']);
  if (gpuLimits) manifest.gpuLimits = gpuLimits;
  const variants = validateVariants(m['variants'], paths);
  if (variants) {
    for (const [backend, roles] of Object.entries(variants)) {
      if (roles.textEncoder && graphs.textEncoder === null) fail(`variants.${backend}.textEncoder`, 'nothing (the pack has no text encoder)', roles.textEncoder);
    }
    manifest.variants = variants;
  }
  return manifest;
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

