// Owns the choice between WebGPU and WASM. Pure: it looks only at what the
// probe found, so it is unit-tested without a browser. Software adapters
// (SwiftShader) run our DiT ~100x slower than WASM (see the measurements in
// shared/notes), so "auto" only picks WebGPU on hardware.

import type { AdapterSummary, BackendChoice, EnvironmentReport, GpuLimits } from '../src/shared/engine-api';
import { ZoetropeError } from '../src/shared/errors';
import type { BackendPreference } from '../src/shared/options';

export function isSoftwareAdapter(adapter: AdapterSummary): boolean {
  return adapter.isFallbackAdapter || adapter.architecture.toLowerCase() === 'swiftshader';
}

/** The first limit the adapter falls short of for a pack, as a sentence; null when it has enough (or nothing is known). */
export function limitShortfall(adapter: AdapterSummary, needs: Partial<GpuLimits> | undefined): string | null {
  if (!needs || !adapter.limits) return null;
  for (const key of ['maxBufferSize', 'maxStorageBufferBindingSize'] as const) {
    const need = needs[key];
    const have = adapter.limits[key];
    if (need !== undefined && have < need) return `this model needs GPU buffers of ${mib(need)} (${key}), and this GPU allows ${mib(have)}`;
  }
  return null;
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * `requiresGpu` (manifest): the pack is too big or too slow for WASM, so "auto" without a suitable hardware
 * GPU refuses it with a plain sentence instead of starting it on WASM; a forced backend is honoured.
 */
export function chooseBackend(preference: BackendPreference, env: EnvironmentReport, needs?: Partial<GpuLimits>, requiresGpu = false): BackendChoice {
  const adapter = env.adapter;
  if (preference === 'wasm') return { backend: 'wasm', reason: 'WASM was requested.' };
  const short = adapter ? limitShortfall(adapter, needs) : null;
  if (requiresGpu && preference === 'auto') {
    const missing = !adapter
      ? env.webgpu === 'no-api'
        ? 'this browser has no WebGPU'
        : 'the browser offered no WebGPU adapter'
      : short
        ? short
        : isSoftwareAdapter(adapter)
          ? `the only GPU here is a software one (${adapter.architecture || 'fallback'})`
          : null;
    if (missing) {
      throw new ZoetropeError('WebGPUUnavailableError', `This model needs a GPU, and ${missing}. It is too big or too slow to run on the CPU (WASM), so it was not started.`, {
        webgpu: 'required',
      });
    }
  }
  if (short && preference === 'webgpu') {
    throw new ZoetropeError('WebGPUUnavailableError', `WebGPU was requested, but ${short}.`, { webgpu: 'limits' });
  }
  if (short) return { backend: 'wasm', reason: `WASM runs the model: ${short}.` };
  if (preference === 'webgpu') {
    if (!adapter) {
      throw new ZoetropeError(
        'WebGPUUnavailableError',
        env.webgpu === 'no-api'
          ? 'WebGPU was requested, but this browser has no WebGPU.'
          : 'WebGPU was requested, but the browser offered no WebGPU adapter.',
        { webgpu: env.webgpu },
      );
    }
    return { backend: 'webgpu', reason: `WebGPU was requested (${adapter.architecture || adapter.vendor || 'unknown adapter'}).` };
  }
  if (!adapter) {
    return { backend: 'wasm', reason: env.webgpu === 'no-api' ? 'This browser has no WebGPU, so WASM runs the model.' : 'No WebGPU adapter was found, so WASM runs the model.' };
  }
  if (isSoftwareAdapter(adapter)) {
    return { backend: 'wasm', reason: `The WebGPU adapter is a software one (${adapter.architecture || 'fallback'}), and WASM is much faster than it.` };
  }
  return { backend: 'webgpu', reason: `WebGPU on ${adapter.vendor || 'a hardware'} ${adapter.architecture || 'GPU'}.`.replace(/\s+/g, ' ') };
}

/** WASM threads need cross-origin isolation (SharedArrayBuffer); 4 is ORT's own cap. */
export function wasmThreadCount(env: Pick<EnvironmentReport, 'crossOriginIsolated' | 'hardwareConcurrency'>): number {
  if (!env.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, env.hardwareConcurrency || 1));
}
