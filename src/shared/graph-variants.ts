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
// Apps that predate this field ignore it and run the defaults everywhere.

import { fieldError } from './errors';
import type { PackManifest } from './manifest';
import type { Backend } from './options';

export const VARIANT_BACKENDS = ['wasm', 'webgpu'] as const satisfies readonly Backend[];
/** The graph roles a variant may fill (a decoder is not supported by the engine yet); conditionalDenoiser has no default. */
export const VARIANT_ROLES = ['textEncoder', 'denoiser', 'conditionalDenoiser'] as const;
export type GraphRole = (typeof VARIANT_ROLES)[number];
export const MAX_EXTERNAL_DATA = 8;

export interface GraphVariant {
  /** The ONNX graph this backend runs instead of the default. */
  file: string;
  /** Pack files holding tensors the graph stores as external data, named by the tensors' `location`. */
  externalData: string[];
}

export type GraphVariants = Partial<Record<Backend, Partial<Record<GraphRole, GraphVariant>>>>;

/** A graph to load: its file, the files its external data lives in, and whether it is a variant. */
export interface GraphChoice {
  file: string;
  externalData: string[];
  variant: boolean;
}

function fail(field: string, expected: string, got: unknown): never {
  throw fieldError('ManifestError', field, expected, got);
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value);
  return value as Record<string, unknown>;
}

/** Validates an untrusted `variants` field against the pack's file paths; undefined when absent. */
export function validateVariants(value: unknown, paths: ReadonlySet<string>): GraphVariants | undefined {
  if (value === undefined) return undefined;
  const raw = plainObject(value, 'variants');
  const out: GraphVariants = {};
  for (const backend of Object.keys(raw)) {
    if (!(VARIANT_BACKENDS as readonly string[]).includes(backend)) fail(`variants.${backend}`, `nothing (backends: ${VARIANT_BACKENDS.join(', ')})`, raw[backend]);
    const roles = plainObject(raw[backend], `variants.${backend}`);
    const chosen: Partial<Record<GraphRole, GraphVariant>> = {};
    for (const role of Object.keys(roles)) {
      const field = `variants.${backend}.${role}`;
      if (!(VARIANT_ROLES as readonly string[]).includes(role)) fail(field, `nothing (roles: ${VARIANT_ROLES.join(', ')})`, roles[role]);
      const v = plainObject(roles[role], field);
      for (const key of Object.keys(v)) if (key !== 'file' && key !== 'externalData') fail(`${field}.${key}`, 'nothing (known: file, externalData)', v[key]);
      const file = v['file'];
      if (typeof file !== 'string' || !paths.has(file)) fail(`${field}.file`, 'the path of a file listed in files', file);
      const data = v['externalData'] ?? [];
      if (!Array.isArray(data) || data.length > MAX_EXTERNAL_DATA) fail(`${field}.externalData`, `an array of at most ${MAX_EXTERNAL_DATA} file paths`, data);
      data.forEach((p: unknown, i) => {
        if (typeof p !== 'string' || !paths.has(p) || p === file) fail(`${field}.externalData[${i}]`, 'the path of another file listed in files', p);
      });
      if (new Set(data).size !== data.length) fail(`${field}.externalData`, 'no path twice', data);
      chosen[role as GraphRole] = { file, externalData: [...(data as string[])] };
    }
    out[backend as Backend] = chosen;
  }
  return out;
}

/**
 * The graph each role runs on `backend`: the pack's variant for that
 * backend when it has one and `useVariants` is on (the default; the
 * `backendGraphs` tuning turns it off to measure the "before"), else the
 * default graph. Pure: the engine reads exactly the files this names.
 */
export function chooseGraphs(
  manifest: Pick<PackManifest, 'graphs' | 'variants'>,
  backend: Backend,
  useVariants: boolean,
): { textEncoder: GraphChoice | null; denoiser: GraphChoice; conditionalDenoiser: GraphChoice | null } {
  const variants = useVariants ? manifest.variants?.[backend] : undefined;
  const variant = (role: GraphRole): GraphChoice | null => {
    const v = variants?.[role];
    return v ? { file: v.file, externalData: [...v.externalData], variant: true } : null;
  };
  const pick = (role: GraphRole, file: string): GraphChoice => variant(role) ?? { file, externalData: [], variant: false };
  return {
    textEncoder: manifest.graphs.textEncoder === null ? null : pick('textEncoder', manifest.graphs.textEncoder),
    denoiser: pick('denoiser', manifest.graphs.denoiser),
    // A variant-only role: no default graph to fall back to.
    conditionalDenoiser: variant('conditionalDenoiser'),
  };
}

/** Every file a backend's session needs, graphs and their external data, each once. */
export function graphFiles(choice: ReturnType<typeof chooseGraphs>): string[] {
  const files = [choice.textEncoder, choice.denoiser, choice.conditionalDenoiser].flatMap((c) => (c ? [c.file, ...c.externalData] : []));
  return [...new Set(files)];
}
