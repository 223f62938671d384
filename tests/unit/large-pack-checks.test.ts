// The checks a multi-GB pack meets before it is installed or loaded: the
// quota check for a 2.7 GB pack names both sizes; persist() left unanswered
// (as Firefox leaves it while its prompt is open) does not hold the install
// up; `requiresGpu` packs are refused by "auto" without a hardware GPU, with
// a plain sentence, and still run where WASM is forced; the manifest field is
// validated by name.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkRoom, requestPersistence } from '../../src/lib/storage-quota';
import { friendlyError } from '../../src/lib/error-messages';
import { chooseBackend } from '../../workers/backend-choice';
import type { EnvironmentReport } from '../../src/shared/engine-api';
import { toZoetropeError } from '../../src/shared/errors';

const PACK = 2_690_653_870; // the large-pack TEST FIXTURE (scripts/make-large-pack.py)

describe('the quota check on a multi-GB pack', () => {
  it('refuses 2.7 GB in 2 GiB free, naming both sizes', () => {
    let error: unknown;
    try {
      checkRoom(PACK, { quota: 2 * 2 ** 30, usage: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'StorageQuotaError', details: { needed: Math.ceil(PACK * 1.1), free: 2 * 2 ** 30 } });
    expect(String((error as Error).message)).toBe('The model needs 2.8 GB of storage, but this browser allows only 2.0 GB more for this site.');
  });
  it('passes with 10 GiB free (a fresh Chromium profile)', () => expect(checkRoom(PACK, { quota: 10 * 2 ** 30, usage: 2 ** 20 }).needed).toBe(Math.ceil(PACK * 1.1)));
});

describe('persist()', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('a prompt nobody answers does not hold the install up', async () => {
    vi.stubGlobal('navigator', { storage: { persisted: async () => false, persist: () => new Promise<boolean>(() => {}) } });
    const started = performance.now();
    expect(await requestPersistence(200)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
  it('an answer in time is taken', async () => {
    vi.stubGlobal('navigator', { storage: { persisted: async () => false, persist: async () => true } });
    expect(await requestPersistence(200)).toBe(true);
  });
});

const adapter = (architecture: string, isFallbackAdapter = false): EnvironmentReport['adapter'] =>
  ({ vendor: 'v', architecture, description: '', isFallbackAdapter, features: [], limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 } }) as unknown as EnvironmentReport['adapter'];
const env = (a: EnvironmentReport['adapter'], webgpu: EnvironmentReport['webgpu'] = a ? 'available' : 'no-adapter') =>
  ({ webgpu, adapter: a, crossOriginIsolated: true, hardwareConcurrency: 8 }) as unknown as EnvironmentReport;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return toZoetropeError(e);
  }
  throw new Error('not refused');
};

describe('requiresGpu', () => {
  it('auto on SwiftShader, on no adapter and on too small an adapter: refused in plain words', () => {
    const soft = refusal(() => chooseBackend('auto', env(adapter('swiftshader')), undefined, true));
    expect(soft).toMatchObject({ name: 'WebGPUUnavailableError', details: { webgpu: 'required' } });
    expect(soft.message).toBe('This model needs a GPU, and the only GPU here is a software one (swiftshader). It is too big or too slow to run on the CPU (WASM), so it was not started.');
    expect(friendlyError(soft).title).toBe('This model needs a GPU, and none suitable was found here.');
    expect(friendlyError(soft).next).toContain('choose WASM in Settings');
    expect(refusal(() => chooseBackend('auto', env(null, 'no-api'), undefined, true)).message).toContain('this browser has no WebGPU');
    expect(refusal(() => chooseBackend('auto', env(adapter('ampere')), { maxBufferSize: 2 ** 31 }, true)).message).toContain('needs GPU buffers of 2048 MiB');
  });
  it('auto on a hardware GPU runs it there; forced WASM or WebGPU is honoured', () => {
    expect(chooseBackend('auto', env(adapter('ampere')), undefined, true).backend).toBe('webgpu');
    expect(chooseBackend('wasm', env(adapter('swiftshader')), undefined, true).backend).toBe('wasm');
    expect(chooseBackend('webgpu', env(adapter('swiftshader')), undefined, true).backend).toBe('webgpu');
    expect(chooseBackend('auto', env(adapter('swiftshader'))).backend).toBe('wasm'); // without the field: as before
  });
});

describe('running out of memory', () => {
  it('while loading and while a video is made are told apart, both with the next step', async () => {
    const { ZoetropeError } = await import('../../src/shared/errors');
    const load = friendlyError(new ZoetropeError('OutOfMemoryError', 'The denoiser (1.4 GB of weights) does not fit…', { backend: 'wasm' }));
    // The run-time form, as ort-runtime.ts's runError words a std::bad_alloc inside session.run.
    const run = friendlyError(new ZoetropeError('OutOfMemoryError', 'The denoiser ran out of memory on WASM… (std::bad_alloc)', { backend: 'wasm', phase: 'run' }));
    expect(load.title).toBe('The model does not fit in the memory this backend has here, so it was not loaded.');
    expect(run.title).toBe('The model loaded, but making this video needed more memory than this backend has here.');
    expect(run.next).toContain('fewer frames');
    expect(run.detail).toContain('std::bad_alloc');
  });
});

describe('the requiresGpu field', async () => {
  const { readFileSync } = await import('node:fs');
  const { validateManifest } = await import('../../src/shared/manifest');
  const base = JSON.parse(readFileSync('tests/fixtures/fixture-pack/manifest.json', 'utf8')) as Record<string, unknown>;
  it('is kept when true, absent when absent, and anything but a boolean is a ManifestError naming it', () => {
    expect(validateManifest({ ...base, requiresGpu: true }).requiresGpu).toBe(true);
    expect(validateManifest(base).requiresGpu).toBeUndefined();
    expect(() => validateManifest({ ...base, requiresGpu: 'yes' })).toThrow(expect.objectContaining({ name: 'ManifestError', details: expect.objectContaining({ field: 'requiresGpu' }) }));
  });
});
