// Property-based tests (fast-check) of the two parsers that take input from
// strangers: the manifest validator (a pack from any server) and the prompt
// tokenizer wrapper (anything a person types or a host page sends). The
// validator either returns a manifest whose invariants hold or throws a
// ManifestError that names a field, never anything else; the tokenizer never
// throws and always returns maxLength ids the model can embed.
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZoetropeError } from '../../src/shared/errors';
import { graphFilePath, MAX_PACK_BYTES, MAX_SHARD_SIZE, validateManifest, type PackManifest } from '../../src/shared/manifest';
import { createPromptTokenizer } from '../../workers/tokenize';
import { FIXTURE_MODEL, FIXTURE_PACK, readJson } from './golden';

const fixture = readJson<Record<string, unknown>>(join(FIXTURE_PACK, 'manifest.json'));
type Path = (string | number)[];

/** Every path into the fixture manifest (objects and arrays, leaves included). */
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [at];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...keys.flatMap((k) => pathsOf((value as Record<string | number, unknown>)[k], [...at, k]))];
}
const PATHS = pathsOf(fixture).filter((p) => p.length > 0);

function mutate(path: Path, replacement: unknown, remove: boolean): unknown {
  const copy = structuredClone(fixture) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** Runs the validator; a throw must be a ManifestError naming a field in its message. */
function validateOrFieldError(value: unknown): PackManifest | null {
  try {
    return validateManifest(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ZoetropeError);
    const e = error as ZoetropeError;
    expect(e.name).toBe('ManifestError');
    expect(typeof e.details['field']).toBe('string');
    expect(e.message.startsWith(`${String(e.details['field'])}: expected `)).toBe(true);
    return null;
  }
}

const SAFE_PATH = /^(?!\/)[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

function expectInvariants(m: PackManifest): void {
  expect(m.shardSize).toBeLessThanOrEqual(MAX_SHARD_SIZE);
  expect(m.totalBytes).toBeLessThanOrEqual(MAX_PACK_BYTES);
  expect(m.totalBytes).toBe(m.files.reduce((n, f) => n + f.size, 0));
  const paths = new Set(m.files.map((f) => f.path));
  expect(paths.size).toBe(m.files.length);
  const sizeOf = new Map<string, number>();
  for (const f of m.files) {
    expect(f.path).toMatch(SAFE_PATH);
    expect(f.path.split('/')).not.toContain('..');
    expect(f.shards.reduce((n, s) => n + s.size, 0)).toBe(f.size);
    for (const s of f.shards) {
      expect(s.size).toBeGreaterThan(0);
      expect(s.size).toBeLessThanOrEqual(m.shardSize);
      expect(sizeOf.get(s.sha256) ?? s.size).toBe(s.size);
      sizeOf.set(s.sha256, s.size);
    }
  }
  // A graph is a path or { file, externalData } (pipeline kinds with multi-GB graphs).
  for (const ref of [m.tokenizer.file, m.graphs.denoiser, m.graphs.textEncoder, m.graphs.decoder]) if (ref !== null) expect(paths.has(graphFilePath(ref))).toBe(true);
  expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
  if (m.vocabulary) expect(Object.getPrototypeOf(m.vocabulary)).toBe(Object.prototype);
}

describe('manifest validator, fuzzed', () => {
  it('any JSON value: a manifest or a ManifestError naming a field, nothing else', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => void validateOrFieldError(value)), { numRuns: 500 });
  });
  it('the fixture manifest with any one value replaced or removed: accepted only when every invariant holds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), (path, replacement, remove) => {
        const m = validateOrFieldError(mutate(path, replacement, remove));
        if (m) expectInvariants(m);
      }),
      { numRuns: 1000 },
    );
  });
  it('hostile sizes and counts (negative, fractional, huge, strings) are refused with the field named', () => {
    const hostile = fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.constantFrom(2 ** 53, 1e300, MAX_PACK_BYTES + 1, '100', null, true));
    const sizeFields = fc.constantFrom<Path>(['shardSize'], ['totalBytes'], ['files', 0, 'size'], ['files', 1, 'shards', 0, 'size'], ['video', 'frames']);
    fc.assert(
      fc.property(sizeFields, hostile, (path, value) => {
        expect(validateOrFieldError(mutate(path, value, false))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
  it('file paths: traversal, absolute, backslashes, encoded dots and control characters are refused', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', 'b.onnx', '%2e%2e', 'a\\..\\b', 'c\u0000', ' ', '~');
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    fc.assert(
      fc.property(fc.oneof(path, path.map((p) => `/${p}`), fc.string()), (p) => {
        const m = validateOrFieldError(mutate(['files', 0, 'path'], p, false));
        // The tokenizer is files[0] in the fixture: a new path must also be referenced, so acceptance is rare but legal.
        if (m) expectInvariants(m);
      }),
      { numRuns: 500 },
    );
  });
  it('duplicate entries: a repeated file path, or one shard listed with two sizes, is refused', () => {
    const twice = structuredClone(fixture) as { files: { path: string; shards: { sha256: string; size: number }[] }[] };
    twice.files.push(structuredClone(twice.files[0]!));
    const last = twice.files.length - 1;
    expect(() => validateManifest(twice)).toThrow(new RegExp(`^files\\[${last}\\]\\.path: expected a path not used by another file`));
    const conflicting = structuredClone(fixture) as typeof twice;
    const a = conflicting.files[2]!.shards[0]!;
    const b = conflicting.files[2]!.shards[1]!;
    b.sha256 = a.sha256;
    b.size = a.size - 1;
    expect(() => validateManifest(conflicting)).toThrow(/^files\[2\]\.shards\[1\]\.size: expected \d+, the size listed for the same sha256 before/);
  });
  it('unknown pipeline kinds and vocabulary group names such as __proto__ are refused', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => s !== 'dit-rectified-flow'), (kind) => {
        expect(validateOrFieldError(mutate(['pipeline'], kind, false))).toBeNull();
      }),
    );
    const proto = JSON.parse('{"__proto__": ["x"]}') as unknown;
    expect(() => validateManifest(mutate(['vocabulary'], proto, false))).toThrow(/^vocabulary: expected group names/);
  });
});

describe('prompt tokenizer wrapper, fuzzed', () => {
  const json = readJson<{ model: { vocab: Record<string, number> } }>(join(FIXTURE_MODEL, 'tokenizer.json'));
  const vocabSize = Object.keys(json.model.vocab).length;
  const spec = { file: 'tokenizer.json', maxLength: 16, padId: 0, unkId: 1 };
  const tokenizer = createPromptTokenizer(json, spec);
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc.constantFrom('<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '🟥🔵 ball 🎈', 'כדור אדום קופץ', 'كرة حمراء', '\u202Eevil\u202C', '\u0000\uFFFF\uD800', ' \t\n'),
  );
  it('never throws; always maxLength ids inside the vocabulary; row 1 of the batch is all padding', () => {
    fc.assert(
      fc.property(anyText, (prompt) => {
        const ids = tokenizer.encode(prompt);
        expect(ids).toHaveLength(spec.maxLength);
        for (const id of ids) expect(Number.isInteger(id) && id >= 0 && id < vocabSize).toBe(true);
        const batch = Array.from(tokenizer.batch(prompt), Number);
        expect(batch.slice(0, spec.maxLength)).toEqual(ids);
        expect(batch.slice(spec.maxLength)).toEqual(new Array(spec.maxLength).fill(spec.padId));
        expect(typeof tokenizer.decode(ids)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
  it('a 100,000-character prompt is truncated, not a crash', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), (word) => {
        expect(tokenizer.encode(word.repeat(Math.ceil(100_000 / word.length)))).toHaveLength(spec.maxLength);
      }),
      { numRuns: 5 },
    );
  });
});
