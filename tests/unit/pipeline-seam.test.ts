// The pipeline-kind seam: the registries agree, each kind says what the
// prompt form offers, options are checked against that, graph variants that
// need adapter features are taken only where the adapter has them, and the
// new common manifest fields are checked like the old ones (the field named).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZoetropeError } from '../../src/shared/errors';
import { chooseGraphs } from '../../src/shared/graph-variants';
import { packCapabilities, PIPELINES, validateManifest, type PromptCapabilities } from '../../src/shared/manifest';
import { validateGenerateOptions, defaultOptions } from '../../src/shared/options';
import { lessonSteps } from '../../src/lib/lesson-generate';
import type { Lesson } from '../../src/shared/lesson';
import { PIPELINE_CONTRACTS } from '../../src/shared/pipelines';
import { pipelineKind } from '../../workers/pipelines/registry';
import { FIXTURE_PACK, readJson } from './golden';

const fixture = readJson<Record<string, unknown>>(join(FIXTURE_PACK, 'manifest.json'));
const clone = (): Record<string, any> => structuredClone(fixture) as Record<string, any>;
const SHA = 'b'.repeat(64);

function fieldOf(m: unknown): string {
  try {
    validateManifest(m);
  } catch (e) {
    expect((e as ZoetropeError).name).toBe('ManifestError');
    return String((e as ZoetropeError).details['field']);
  }
  throw new Error('expected a ManifestError');
}

describe('the registries', () => {
  it('every contract id has an engine kind of the same id, and the manifest accepts exactly those', () => {
    expect([...PIPELINES]).toEqual(Object.keys(PIPELINE_CONTRACTS));
    for (const id of PIPELINES) expect(pipelineKind({ pipeline: id }).id).toBe(id);
  });
  it('an unknown kind is an UnsupportedModelError naming pipeline', () => {
    expect(() => pipelineKind({ pipeline: 'unet-ddpm' as never })).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: expect.objectContaining({ field: 'pipeline' }) }));
  });
  it('the fixture (dit-rectified-flow) loads its text encoder, denoiser and the optional batch-1 graph; ?conditionalGraph=0 drops that one', () => {
    const m = validateManifest(clone());
    const kind = pipelineKind(m);
    const tuning = { conditionalGraph: true } as Parameters<typeof kind.roles>[1];
    expect(kind.roles(m, tuning).map((r) => [r.role, r.optional])).toEqual([['textEncoder', false], ['denoiser', false], ['conditionalDenoiser', true]]);
    expect(kind.roles(m, { ...tuning, conditionalGraph: false }).map((r) => r.role)).toEqual(['textEncoder', 'denoiser']);
  });
});

describe('capabilities and options', () => {
  it('dit-rectified-flow offers word prompts, 1-200 steps and guidance, with the pack defaults', () => {
    const m = validateManifest(clone());
    expect(packCapabilities(m)).toEqual({ prompt: 'words', maxTokens: m.tokenizer.maxLength, steps: { min: 1, max: 200 }, guidance: true, defaultSteps: m.scheduler.defaultSteps, defaultGuidance: m.scheduler.defaultGuidance });
    expect(defaultOptions(m)).toMatchObject({ steps: m.scheduler.defaultSteps, guidance: m.scheduler.defaultGuidance });
  });
  const base = { prompt: 'a red ball', seed: 1, steps: 4, guidance: 0 };
  it('a step-choice kind without guidance refuses other step counts and any guidance, naming the field', () => {
    const caps: PromptCapabilities = { prompt: 'free', maxTokens: 75, steps: { choices: [4] }, guidance: false, defaultSteps: 4, defaultGuidance: 0 };
    expect(validateGenerateOptions(base, caps).steps).toBe(4);
    expect(() => validateGenerateOptions({ ...base, steps: 8 }, caps)).toThrow(/^steps: expected one of 4/);
    expect(() => validateGenerateOptions({ ...base, guidance: 1.5 }, caps)).toThrow(/^guidance: expected 0/);
  });
  it('a lesson made on another pack plays at steps this pack allows, and at no guidance where it has none', () => {
    const animatediff = validateManifest(readJson(join(import.meta.dirname, '../fixtures/animatediff-tiny-pack/manifest.json')));
    const caps = packCapabilities(animatediff);
    const lesson = (steps: number | null, guidance: number | null) => ({ steps, guidance }) as Pick<Lesson, 'steps' | 'guidance'> as Lesson;
    // 12 steps at guidance 5 came from the built-in model's range; the distilled motion file has one step count.
    expect(lessonSteps(lesson(12, 5), animatediff)).toEqual({ steps: caps.defaultSteps, guidance: 0 });
    expect(lessonSteps(lesson(null, null), animatediff)).toEqual({ steps: caps.defaultSteps, guidance: 0 });
    const dit = validateManifest(clone());
    expect(lessonSteps(lesson(12, 5), dit)).toEqual({ steps: 12, guidance: 5 });
    expect(lessonSteps(lesson(500, 5), dit).steps).toBe(dit.scheduler.defaultSteps);
  });
  it('output is mp4 by default, "frames" on request, and nothing else', () => {
    expect(validateGenerateOptions(base).output).toBeUndefined();
    expect(validateGenerateOptions({ ...base, output: 'frames' }).output).toBe('frames');
    expect(() => validateGenerateOptions({ ...base, output: 'gif' })).toThrow(/^output: expected/);
  });
});

describe('graph variants that need adapter features', () => {
  const withVariant = (requires: unknown) => {
    const m = clone();
    m.variants = { webgpu: { denoiser: { file: m.graphs.denoiser, requires } } };
    return m;
  };
  it('are taken only on an adapter with every feature named', () => {
    const m = validateManifest(withVariant(['shader-f16']));
    expect(chooseGraphs(m, 'webgpu', true, ['shader-f16']).denoiser.variant).toBe(true);
    expect(chooseGraphs(m, 'webgpu', true, []).denoiser.variant).toBe(false);
    expect(chooseGraphs(m, 'webgpu', true).denoiser.variant).toBe(false);
  });
  it('name only known features, each once', () => {
    expect(fieldOf(withVariant(['float64']))).toBe('variants.webgpu.denoiser.requires[0]');
    expect(fieldOf(withVariant('shader-f16'))).toBe('variants.webgpu.denoiser.requires');
    expect(fieldOf(withVariant(['shader-f16', 'shader-f16']))).toBe('variants.webgpu.denoiser.requires');
  });
  it('a default graph given as { file, externalData } is loaded with its data files', () => {
    const m = clone();
    const paths = (m.files as { path: string }[]).map((f) => f.path);
    // Any listed file does for the check: pack-model and the engine read external data by name.
    const choice = chooseGraphs({ graphs: { textEncoder: null, denoiser: { file: paths[1]!, externalData: [paths[2]!] } } }, 'wasm', true);
    expect(choice.denoiser).toEqual({ file: paths[1], externalData: [paths[2]], variant: false });
  });
});

describe('common fields added with the seam', () => {
  it('licenseText and sources are kept when valid', () => {
    const m = clone();
    m.licenseText = 'The licence, in full.';
    m.sources = [{ role: 'base', file: 'v1-5-pruned-emaonly.safetensors', sha256: SHA }];
    const v = validateManifest(m);
    expect(v.licenseText).toBe('The licence, in full.');
    expect(v.sources).toEqual([{ role: 'base', file: 'v1-5-pruned-emaonly.safetensors', sha256: SHA }]);
  });
  it.each([
    ['licenseText not a string', (m: Record<string, any>) => (m.licenseText = 5), 'licenseText'],
    ['licenseText over 64 KiB', (m: Record<string, any>) => (m.licenseText = 'x'.repeat(64 * 1024 + 1)), 'licenseText'],
    ['sources not an array', (m: Record<string, any>) => (m.sources = {}), 'sources'],
    ['more than 16 sources', (m: Record<string, any>) => (m.sources = Array.from({ length: 17 }, () => ({ role: 'base', file: 'a', sha256: SHA }))), 'sources'],
    ['a source without a role', (m: Record<string, any>) => (m.sources = [{ file: 'a', sha256: SHA }]), 'sources[0].role'],
    ['a source sha256 not hex', (m: Record<string, any>) => (m.sources = [{ role: 'base', file: 'a', sha256: 'x' }]), 'sources[0].sha256'],
  ])('refuses %s, naming the field', (_, mutate, field) => {
    const m = clone();
    mutate(m);
    expect(fieldOf(m)).toBe(field);
  });
});
