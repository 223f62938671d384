// Small pure parts of the engine and UI: backend choice, options
// validation, progress ordering, upscaling, pixels, quota check, file names.
import { describe, expect, it } from 'vitest';
import type { EnvironmentReport } from '../../src/shared/engine-api';
import { validateGenerateOptions } from '../../src/shared/options';
import { isForward, jobFraction, type EngineProgress } from '../../src/shared/progress';
import { checkRoom } from '../../src/lib/storage-quota';
import { videoFileName } from '../../src/lib/file-name';
import { etaSeconds, formatBytes } from '../../src/lib/format';
import { examplePrompt } from '../../src/lib/example-prompt';
import { chooseBackend, wasmThreadCount } from '../../workers/backend-choice';
import { rgbaToRgb, sampleToRgba } from '../../workers/frames';
import { outputSize, resizeFrames } from '../../workers/upscale';

const env = (adapter: EnvironmentReport['adapter'], webgpu: EnvironmentReport['webgpu'] = adapter ? 'available' : 'no-adapter'): EnvironmentReport => ({
  webgpu,
  adapter,
  crossOriginIsolated: true,
  hardwareConcurrency: 8,
  webcodecs: true,
});
const hardware = { vendor: 'nvidia', architecture: 'ampere', description: '', isFallbackAdapter: false };
const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: false };

describe('backend choice', () => {
  it('auto picks WebGPU on a hardware adapter', () => expect(chooseBackend('auto', env(hardware)).backend).toBe('webgpu'));
  it('auto picks WASM on SwiftShader', () => expect(chooseBackend('auto', env(swiftshader)).backend).toBe('wasm'));
  it('auto picks WASM on a fallback adapter', () => expect(chooseBackend('auto', env({ ...hardware, isFallbackAdapter: true })).backend).toBe('wasm'));
  it('auto picks WASM without an adapter or without the API', () => {
    expect(chooseBackend('auto', env(null)).backend).toBe('wasm');
    expect(chooseBackend('auto', env(null, 'no-api')).reason).toMatch(/no WebGPU/);
  });
  it('webgpu can be forced onto a software adapter', () => expect(chooseBackend('webgpu', env(swiftshader)).backend).toBe('webgpu'));
  it('forcing webgpu without an adapter throws WebGPUUnavailableError', () =>
    expect(() => chooseBackend('webgpu', env(null))).toThrow(expect.objectContaining({ name: 'WebGPUUnavailableError' })));
  it('wasm is honoured even with a GPU', () => expect(chooseBackend('wasm', env(hardware)).backend).toBe('wasm'));
  it('a GPU whose limits are too small for the pack: auto picks WASM and says why; forcing webgpu throws before any work', () => {
    const small = { ...hardware, limits: { maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 } };
    const needs = { maxStorageBufferBindingSize: 512 * 2 ** 20 };
    expect(chooseBackend('auto', env(small), needs)).toEqual({ backend: 'wasm', reason: 'WASM runs the model: this model needs GPU buffers of 512 MiB (maxStorageBufferBindingSize), and this GPU allows 128 MiB.' });
    expect(() => chooseBackend('webgpu', env(small), needs)).toThrow(/^WebGPU was requested, but this model needs GPU buffers of 512 MiB/);
    expect(chooseBackend('auto', env(small), { maxBufferSize: 2 ** 20 }).backend).toBe('webgpu');
    expect(chooseBackend('auto', env(hardware), needs).backend).toBe('webgpu'); // Limits unknown: let ORT try.
  });
  it('threads only when cross-origin isolated, at most 4', () => {
    expect(wasmThreadCount({ crossOriginIsolated: false, hardwareConcurrency: 8 })).toBe(1);
    expect(wasmThreadCount({ crossOriginIsolated: true, hardwareConcurrency: 2 })).toBe(2);
    expect(wasmThreadCount({ crossOriginIsolated: true, hardwareConcurrency: 16 })).toBe(4);
  });
});

describe('generate options', () => {
  const ok = { prompt: 'a red ball', seed: 1, steps: 8, guidance: 4, previewEvery: 2, outputShortSide: 256, videoCodec: 'auto' };
  it('accepts valid options', () => expect(validateGenerateOptions(ok)).toEqual(ok));
  for (const [field, value] of [
    ['prompt', '  '],
    ['seed', -1],
    ['seed', 2 ** 32],
    ['steps', 0],
    ['steps', 2.5],
    ['guidance', Number.NaN],
    ['previewEvery', -1],
    ['outputShortSide', 8],
    ['videoCodec', 'h265'],
  ] as const) {
    it(`rejects ${field} = ${String(value)} naming the field`, () =>
      expect(() => validateGenerateOptions({ ...ok, [field]: value })).toThrow(expect.objectContaining({ name: 'OptionsError', message: expect.stringMatching(new RegExp(`^${field}: expected`)) })));
  }
});

describe('progress events', () => {
  const steps: EngineProgress[] = [
    { kind: 'text' },
    { kind: 'step', step: 1, steps: 4, preview: null },
    { kind: 'step', step: 2, steps: 4, preview: null },
    { kind: 'decoding', frame: 1, frames: 8 },
    { kind: 'decoding', frame: 8, frames: 8 },
    { kind: 'frames' },
    { kind: 'encoding', frame: 3, frames: 8 },
    { kind: 'done' },
  ];
  it('a job in order only moves forward, and its fraction grows', () => {
    for (let i = 1; i < steps.length; i++) {
      expect(isForward(steps[i - 1]!, steps[i]!)).toBe(true);
      expect(jobFraction(steps[i]!)).toBeGreaterThanOrEqual(jobFraction(steps[i - 1]!));
    }
  });
  it('going back is detected', () => {
    expect(isForward(steps[2]!, steps[1]!)).toBe(false);
    expect(isForward({ kind: 'done' }, { kind: 'text' })).toBe(false);
  });
});

describe('pixels and upscaling', () => {
  it('maps [-1, 1] to [0, 255] with the contract rounding and [C,T,H,W] layout', () => {
    // C=3, T=2, H=1, W=1: channel-major.
    const frames = sampleToRgba(new Float32Array([-1, 1, 0, 2, 0.5, -3]), [3, 2, 1, 1]);
    expect(Array.from(frames.rgba)).toEqual([0, 128, 191, 255, 255, 255, 0, 255]);
    expect(Array.from(rgbaToRgb(frames))).toEqual([0, 128, 191, 255, 255, 0]);
  });
  it('output size: short side at least the target, even, aspect kept', () => {
    expect(outputSize(32, 32, 256)).toEqual({ width: 256, height: 256 });
    expect(outputSize(48, 27, 256)).toEqual({ width: 456, height: 256 });
    expect(outputSize(33, 33, 16)).toEqual({ width: 34, height: 34 });
    const s = outputSize(37, 21, 250);
    expect(s.width % 2 + s.height % 2).toBe(0);
  });
  it('a flat colour stays exactly flat after Lanczos upscaling', () => {
    const rgba = new Uint8ClampedArray(2 * 4 * 4 * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set([10, 200, 77, 255], i);
    const big = resizeFrames({ rgba, frames: 2, width: 4, height: 4 }, 32, 32);
    expect(big.rgba.length).toBe(2 * 32 * 32 * 4);
    for (let i = 0; i < big.rgba.length; i += 4) expect(Array.from(big.rgba.subarray(i, i + 4))).toEqual([10, 200, 77, 255]);
  });
  it('upscaling keeps an edge sharp-ish: left half dark, right half bright', () => {
    const rgba = new Uint8ClampedArray(8 * 4);
    for (let x = 0; x < 8; x++) rgba.set(x < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255], x * 4);
    const big = resizeFrames({ rgba, frames: 1, width: 8, height: 1 }, 64, 2);
    expect(big.rgba[0]).toBeLessThan(10);
    expect(big.rgba[63 * 4]).toBeGreaterThan(245);
  });
});

describe('storage quota check', () => {
  it('passes with room and reports what is needed', () => expect(checkRoom(1000, { quota: 10_000, usage: 0 })).toEqual({ needed: 1100, free: 10_000 }));
  it('throws StorageQuotaError with needed and free', () => {
    try {
      checkRoom(1000, { quota: 1500, usage: 1000 });
      throw new Error('no error');
    } catch (e) {
      expect(e).toMatchObject({ name: 'StorageQuotaError', details: { needed: 1100, free: 500 } });
    }
  });
  it('nothing to download needs no room', () => expect(checkRoom(0, { quota: 0, usage: 0 }).needed).toBe(0));
});

describe('formatting', () => {
  it('file names come from the prompt, seed and model', () =>
    expect(videoFileName('A Red Ball, bouncing!', 7, 'zoetrope-shapes')).toBe('a-red-ball-bouncing-seed7-zoetrope-shapes.mp4'));
  it('bytes and ETA', () => {
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(etaSeconds(50, 100, 1000)).toBeCloseTo(1);
    expect(etaSeconds(0, 100, 1000)).toBeNull();
  });
});

describe('example prompts', () => {
  it('reads naturally from the vocabulary, in size-colour-shape-motion-background order', () => {
    const vocabulary = { backgrounds: ['on the sand'], motions: ['bouncing'], shapes: ['ball'], colours: ['red'], sizes: ['small'] };
    expect(examplePrompt(vocabulary, () => 0)).toBe('a small red ball bouncing on the sand');
  });
  it('is empty without words', () => expect(examplePrompt({})).toBe(''));
});
