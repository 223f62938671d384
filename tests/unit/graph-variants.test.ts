// Per-backend graph variants (src/shared/graph-variants.ts): the manifest's
// `variants` field is validated naming the field, and the choice of graph
// per backend is the one the engine, the golden test and the bench all use.
// The built-in pack's real manifest is one of the inputs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZoetropeError } from '../../src/shared/errors';
import { chooseGraphs, graphFiles } from '../../src/shared/graph-variants';
import { validateManifest, type PackManifest } from '../../src/shared/manifest';
import { BUILT_IN_PACK, FIXTURE_PACK, readJson } from './golden';

const fixture = readJson<PackManifest>(join(FIXTURE_PACK, 'manifest.json'));
const builtIn = validateManifest(readJson(join(BUILT_IN_PACK, 'manifest.json')));

/** The fixture manifest with `variants` set; its files are tokenizer.json, text_encoder.onnx, denoiser.onnx and denoiser.cond.onnx. */
function withVariants(variants: unknown): Record<string, unknown> {
  return { ...(structuredClone(fixture) as unknown as Record<string, unknown>), variants };
}

function fieldOf(variants: unknown): string {
  try {
    validateManifest(withVariants(variants));
  } catch (e) {
    expect(e).toBeInstanceOf(ZoetropeError);
    expect((e as ZoetropeError).name).toBe('ManifestError');
    return String((e as ZoetropeError).details['field']);
  }
  throw new Error('expected a ManifestError');
}

describe('variants in the manifest', () => {
  it('is optional, and kept when valid', () => {
    expect(validateManifest(withVariants(undefined)).variants).toBeUndefined();
    const m = validateManifest(withVariants({ wasm: { denoiser: { file: 'text_encoder.onnx', externalData: ['denoiser.onnx'] } } }));
    expect(m.variants).toEqual({ wasm: { denoiser: { file: 'text_encoder.onnx', externalData: ['denoiser.onnx'] } } });
    expect(validateManifest(withVariants({ webgpu: { denoiser: { file: 'denoiser.onnx' } } })).variants).toEqual({
      webgpu: { denoiser: { file: 'denoiser.onnx', externalData: [] } },
    });
  });

  it.each([
    ['not an object', [], 'variants'],
    ['an unknown backend', { webnn: {} }, 'variants.webnn'],
    ['__proto__ as a backend', JSON.parse('{"__proto__": {}}'), 'variants.__proto__'],
    ['an unknown role', { wasm: { decoder: { file: 'denoiser.onnx' } } }, 'variants.wasm.decoder'],
    ['a file not in the pack', { wasm: { denoiser: { file: 'other.onnx' } } }, 'variants.wasm.denoiser.file'],
    ['a path outside the pack', { wasm: { denoiser: { file: '../denoiser.onnx' } } }, 'variants.wasm.denoiser.file'],
    ['an unknown key', { wasm: { denoiser: { file: 'denoiser.onnx', precision: 'int8' } } }, 'variants.wasm.denoiser.precision'],
    ['external data that is not an array', { wasm: { denoiser: { file: 'denoiser.onnx', externalData: 'x' } } }, 'variants.wasm.denoiser.externalData'],
    ['external data not in the pack', { wasm: { denoiser: { file: 'denoiser.onnx', externalData: ['w.bin'] } } }, 'variants.wasm.denoiser.externalData[0]'],
    ['the graph as its own external data', { wasm: { denoiser: { file: 'denoiser.onnx', externalData: ['denoiser.onnx'] } } }, 'variants.wasm.denoiser.externalData[0]'],
    ['a file named twice', { wasm: { denoiser: { file: 'denoiser.onnx', externalData: ['tokenizer.json', 'tokenizer.json'] } } }, 'variants.wasm.denoiser.externalData'],
  ])('refuses %s, naming the field', (_, variants, field) => {
    expect(fieldOf(variants)).toBe(field);
  });

  it('refuses a text-encoder variant in a pack without a text encoder', () => {
    const m = withVariants({ wasm: { textEncoder: { file: 'denoiser.onnx' } } });
    (m['graphs'] as Record<string, unknown>)['textEncoder'] = null;
    expect(() => validateManifest(m)).toThrow(/^variants\.wasm\.textEncoder: expected nothing/);
  });
});

describe('chooseGraphs', () => {
  it('gives the built-in pack its dynamic-int8 graph on WASM, reading weights from the default graph', () => {
    const wasm = chooseGraphs(builtIn, 'wasm', true);
    expect(wasm.denoiser).toEqual({ file: 'denoiser.wasm.onnx', externalData: ['denoiser.onnx'], variant: true });
    expect(wasm.textEncoder).toEqual({ file: 'text_encoder.onnx', externalData: [], variant: false });
    // And its batch-1 conditional graph for the unguided steps, reading the same weights.
    expect(wasm.conditionalDenoiser).toEqual({ file: 'denoiser.cond.wasm.onnx', externalData: ['denoiser.onnx'], variant: true });
    expect(graphFiles(wasm)).toEqual(['text_encoder.onnx', 'denoiser.wasm.onnx', 'denoiser.onnx', 'denoiser.cond.wasm.onnx']);
  });

  it('keeps the default graphs on WebGPU, and everywhere when variants are off', () => {
    for (const [backend, use] of [['webgpu', true], ['wasm', false], ['webgpu', false]] as const) {
      const choice = chooseGraphs(builtIn, backend, use);
      expect(choice.denoiser).toEqual({ file: 'denoiser.onnx', externalData: [], variant: false });
      expect(graphFiles(choice)).toEqual(['text_encoder.onnx', 'denoiser.onnx']);
    }
  });

  it('handles a pack without variants or without a text encoder', () => {
    const bare = { graphs: { textEncoder: null, denoiser: 'd.onnx', decoder: null } };
    expect(chooseGraphs(bare, 'wasm', true)).toEqual({ textEncoder: null, denoiser: { file: 'd.onnx', externalData: [], variant: false }, conditionalDenoiser: null });
  });

  it('gives a backend the batch-1 conditional graph only where the pack has one, and only with variants on', () => {
    const m = validateManifest(structuredClone(fixture));
    const wasm = chooseGraphs(m, 'wasm', true);
    expect(wasm.conditionalDenoiser).toEqual({ file: 'denoiser.cond.onnx', externalData: ['denoiser.onnx'], variant: true });
    expect(wasm.denoiser).toEqual({ file: 'denoiser.onnx', externalData: [], variant: false });
    // Every file once: the conditional graph's weights are the default graph's file.
    expect(graphFiles(wasm)).toEqual(['text_encoder.onnx', 'denoiser.onnx', 'denoiser.cond.onnx']);
    expect(chooseGraphs(m, 'webgpu', true).conditionalDenoiser).toBeNull();
    expect(chooseGraphs(m, 'wasm', false).conditionalDenoiser).toBeNull();
  });
});
