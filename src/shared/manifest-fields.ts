// Owns the small field readers that manifest validation is built from
// (src/shared/manifest.ts for the common fields, src/shared/pipelines/*.ts
// for each pipeline kind's own): each throws a ManifestError that names the
// field and what was expected, so that every kind words its errors alike.

import { fieldError } from './errors';

export type Obj = Record<string, unknown>;

export const SHA_RE = /^[0-9a-f]{64}$/;
export const PATH_RE = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export function fail(field: string, expected: string, got: unknown): never {
  throw fieldError('ManifestError', field, expected, got);
}

export function obj(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value);
  return value as Obj;
}

export function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') fail(field, 'a non-empty string', v);
  return v;
}

export function int(o: Obj, key: string, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}`, v);
  }
  return v;
}

export function num(o: Obj, key: string, field: string, min: number, max: number, minExclusive = false): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (minExclusive ? v <= min : v < min)) {
    fail(field, `a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and at most' : 'to'} ${max}`, v);
  }
  return v;
}

export function literal<T extends string>(o: Obj, key: string, field: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, v);
  }
  return v as T;
}

/** `shape` of `sample`: `rank` integers from 1 to 4096, each error naming its index. */
export function shapeOf(sample: Obj, rank: number, expected: string): number[] {
  const shapeRaw = sample['shape'];
  if (!Array.isArray(shapeRaw) || shapeRaw.length !== rank) fail('sample.shape', expected, shapeRaw);
  return shapeRaw.map((d, i) => int({ d }, 'd', `sample.shape[${i}]`, 1, 4096));
}

/** A graph given as a plain path (null when absent and not required). */
export function graphPath(o: Obj, key: string, field: string, files: ReadonlySet<string>, required: boolean): string | null {
  const v = o[key];
  if (v === null || v === undefined) {
    if (required) fail(field, 'the path of a file listed in files', v);
    return null;
  }
  if (typeof v !== 'string' || !files.has(v)) fail(field, 'the path of a file listed in files', v);
  return v;
}

/** Paths of pack files holding a graph's external data: other listed files, each once. */
export function externalDataList(value: unknown, field: string, graph: string, files: ReadonlySet<string>, max: number): string[] {
  const data = value ?? [];
  if (!Array.isArray(data) || data.length > max) fail(field, `an array of at most ${max} file paths`, data);
  data.forEach((p: unknown, i) => {
    if (typeof p !== 'string' || !files.has(p) || p === graph) fail(`${field}[${i}]`, 'the path of another file listed in files', p);
  });
  if (new Set(data).size !== data.length) fail(field, 'no path twice', data);
  return [...(data as string[])];
}
