// Owns the choice between WebGPU and WASM. Pure: it looks only at what the
// probe found, so it is unit-tested without a browser. Software adapters
// (SwiftShader) run our DiT ~100x slower than WASM (see the measurements in
// shared/notes), so "auto" only picks WebGPU on hardware.

import type { AdapterSummary, BackendChoice, EnvironmentReport } from '../src/shared/engine-api';
import { ZoetropeError } from '../src/shared/errors';
import type { BackendPreference } from '../src/shared/options';

export function isSoftwareAdapter(adapter: AdapterSummary): boolean {
  return adapter.isFallbackAdapter || adapter.architecture.toLowerCase() === 'swiftshader';
}

export function chooseBackend(preference: BackendPreference, env: EnvironmentReport): BackendChoice {
  const adapter = env.adapter;
  if (preference === 'wasm') return { backend: 'wasm', reason: 'WASM was requested.' };
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
