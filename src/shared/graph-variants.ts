// Owns per-backend graph variants of a pack: the manifest's optional
// `variants` field, its validation, and the one pure choice of which graph
// file each backend runs. A pack's `graphs` are the defaults, which every
// backend can run; a variant replaces one of them on one backend, because
// what is fastest differs: the built-in pack's WASM variant computes its
// MatMuls in dynamic int8 (DynamicQuantizeLinear + MatMulInteger), which
// WASM runs 1.6-1.9x faster, but which has no WebGPU kernels (README,
// "Performance"). A variant may read its weights out of other pack files
// (ONNX external data, `externalData`), so it costs no second copy of them.
//
//   "variants": { "wasm": { "denoiser": { "file": "denoiser.wasm.onnx", "externalData": ["denoiser.onnx"] } } }
//
// One role exists only as a variant: `conditionalDenoiser`, the denoiser at
// batch 1 for the steps outside the pack's guidance interval, which need the
// conditional velocity alone (manifest scheduler.guidanceInterval). Where a
// backend has none, those steps run the batch-2 denoiser and read its
// conditional row: the same velocity for twice the work, which on a GPU costs
// little, and on WASM is what the variant saves (half a call per such step).
//
// A variant may need adapter features ("requires": ["shader-f16"] for fp16
// graphs): the engine takes it only on an adapter that has every one.
//
// Apps that predate this field ignore it and run the defaults everywhere.

import { externalDataList, fail, obj } from './manifest-fields';
import type { GraphRef } from './pipelines/types';
import type { Backend } from './options';

export const VARIANT_BACKENDS = ['wasm', 'webgpu'] as const satisfies readonly Backend[];
/**
 * Every graph role a pack may have. A kind names the ones it loads and the ones a variant may fill
 * (PipelineContract.variantRoles); conditionalDenoiser has no default graph.
 */
export const GRAPH_ROLES = ['textEncoder', 'denoiser', 'conditionalDenoiser', 'decoder'] as const;
export type GraphRole = (typeof GRAPH_ROLES)[number];
/** The roles of the first kind; kept for callers that name them. */
export const VARIANT_ROLES = ['textEncoder', 'denoiser', 'conditionalDenoiser'] as const satisfies readonly GraphRole[];
/** A multi-GB graph split at 256 MiB needs many external data files (each ≤ 2 GB, protobuf's limit). */
export const MAX_EXTERNAL_DATA = 64;
/** Adapter features a variant may need (WebGPU `GPUAdapter.features`). */
export const VARIANT_FEATURES = ['shader-f16'] as const;

export interface GraphVariant {
  /** The ONNX graph this backend runs instead of the default. */
  file: string;
  /** Pack files holding tensors the graph stores as external data, named by the tensors' `location`. */
  externalData: string[];
  /** Adapter features the graph needs (e.g. fp16 weights: "shader-f16"); absent: none. */
  requires?: string[];
}

export type GraphVariants = Partial<Record<Backend, Partial<Record<GraphRole, GraphVariant>>>>;

/** A graph to load: its file, the files its external data lives in, and whether it is a variant. */
export interface GraphChoice {
  file: string;
  externalData: string[];
  variant: boolean;
}

/** The graph each role runs; a role the pack lacks is null (decoder: absent). */
export interface GraphChoices {
  textEncoder: GraphChoice | null;
  denoiser: GraphChoice;
  conditionalDenoiser: GraphChoice | null;
  decoder?: GraphChoice;
}

function validateRequires(value: unknown, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  const expected = `an array of adapter features (known: ${VARIANT_FEATURES.join(', ')})`;
  if (!Array.isArray(value) || value.length > VARIANT_FEATURES.length) fail(field, expected, value);
  value.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || !(VARIANT_FEATURES as readonly string[]).includes(f)) fail(`${field}[${i}]`, `one of ${VARIANT_FEATURES.map((x) => JSON.stringify(x)).join(', ')}`, f);
  });
  if (new Set(value).size !== value.length) fail(field, 'no feature twice', value);
  return [...(value as string[])];
}

/**
 * Validates an untrusted `variants` field against the pack's file paths and the roles its kind
 * lets a variant fill; undefined when absent.
 */
export function validateVariants(value: unknown, paths: ReadonlySet<string>, roles: readonly GraphRole[] = VARIANT_ROLES): GraphVariants | undefined {
  if (value === undefined) return undefined;
  const raw = obj(value, 'variants');
  const out: GraphVariants = {};
  for (const backend of Object.keys(raw)) {
    if (!(VARIANT_BACKENDS as readonly string[]).includes(backend)) fail(`variants.${backend}`, `nothing (backends: ${VARIANT_BACKENDS.join(', ')})`, raw[backend]);
    const byRole = obj(raw[backend], `variants.${backend}`);
    const chosen: Partial<Record<GraphRole, GraphVariant>> = {};
    for (const role of Object.keys(byRole)) {
      const field = `variants.${backend}.${role}`;
      if (!(roles as readonly string[]).includes(role)) fail(field, `nothing (roles: ${roles.join(', ')})`, byRole[role]);
      const v = obj(byRole[role], field);
      for (const key of Object.keys(v)) if (key !== 'file' && key !== 'externalData' && key !== 'requires') fail(`${field}.${key}`, 'nothing (known: file, externalData, requires)', v[key]);
      const file = v['file'];
      if (typeof file !== 'string' || !paths.has(file)) fail(`${field}.file`, 'the path of a file listed in files', file);
      const variant: GraphVariant = { file, externalData: externalDataList(v['externalData'], `${field}.externalData`, file, paths, MAX_EXTERNAL_DATA) };
      const requires = validateRequires(v['requires'], `${field}.requires`);
      if (requires) variant.requires = requires;
      chosen[role as GraphRole] = variant;
    }
    out[backend as Backend] = chosen;
  }
  return out;
}

/** `graphs.<role>` as a path or `{ file, externalData }`: validated the same way as a variant's. */
export function validateGraphRef(value: unknown, field: string, paths: ReadonlySet<string>, required: boolean): GraphRef | null {
  if (value === null || value === undefined) {
    if (required) fail(field, 'the path of a file listed in files, or { file, externalData }', value);
    return null;
  }
  if (typeof value === 'string') {
    if (!paths.has(value)) fail(field, 'the path of a file listed in files, or { file, externalData }', value);
    return value;
  }
  const v = obj(value, field);
  for (const key of Object.keys(v)) if (key !== 'file' && key !== 'externalData') fail(`${field}.${key}`, 'nothing (known: file, externalData)', v[key]);
  const file = v['file'];
  if (typeof file !== 'string' || !paths.has(file)) fail(`${field}.file`, 'the path of a file listed in files', file);
  return { file, externalData: externalDataList(v['externalData'], `${field}.externalData`, file, paths, MAX_EXTERNAL_DATA) };
}

function defaultChoice(ref: GraphRef): GraphChoice {
  return typeof ref === 'string' ? { file: ref, externalData: [], variant: false } : { file: ref.file, externalData: [...ref.externalData], variant: false };
}

/**
 * The graph each role runs on `backend`: the pack's variant for that
 * backend when it has one, `useVariants` is on (the default; the
 * `backendGraphs` tuning turns it off to measure the "before"), and the
 * adapter has every feature the variant requires; else the default graph.
 * Pure: the engine reads exactly the files this names.
 */
export function chooseGraphs(
  manifest: { graphs: { [role in GraphRole]?: GraphRef | null } & { denoiser: GraphRef }; variants?: GraphVariants | undefined },
  backend: Backend,
  useVariants: boolean,
  features: readonly string[] = [],
): GraphChoices {
  const variants = useVariants ? manifest.variants?.[backend] : undefined;
  const variant = (role: GraphRole): GraphChoice | null => {
    const v = variants?.[role];
    if (!v || !(v.requires ?? []).every((f) => features.includes(f))) return null;
    return { file: v.file, externalData: [...v.externalData], variant: true };
  };
  const pick = (role: GraphRole): GraphChoice | null => {
    const ref = manifest.graphs[role];
    return ref === null || ref === undefined ? null : (variant(role) ?? defaultChoice(ref));
  };
  const choices: GraphChoices = {
    textEncoder: pick('textEncoder'),
    denoiser: pick('denoiser')!,
    // A variant-only role: no default graph to fall back to.
    conditionalDenoiser: variant('conditionalDenoiser'),
  };
  const decoder = pick('decoder');
  if (decoder) choices.decoder = decoder;
  return choices;
}

/** Every file a backend's session needs, graphs and their external data, each once. */
export function graphFiles(choice: GraphChoices): string[] {
  const files = [choice.textEncoder, choice.denoiser, choice.conditionalDenoiser, choice.decoder ?? null].flatMap((c) => (c ? [c.file, ...c.externalData] : []));
  return [...new Set(files)];
}
