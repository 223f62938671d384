// Owns finding out what the worker's browser offers (WebGPU adapter,
// isolation, cores, WebCodecs). The answer feeds backend-choice.ts.

import type { AdapterSummary, EnvironmentReport } from '../src/shared/engine-api';

export async function probeEnvironment(): Promise<EnvironmentReport> {
  const base = {
    crossOriginIsolated: self.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
    webcodecs: typeof VideoEncoder !== 'undefined',
  };
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ...base, webgpu: 'no-api', adapter: null };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    adapter = null;
  }
  if (!adapter) return { ...base, webgpu: 'no-adapter', adapter: null };
  return { ...base, webgpu: 'available', adapter: summarize(adapter) };
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  // isFallbackAdapter moved from the adapter to adapter.info; read both.
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean(info?.isFallbackAdapter ?? legacy ?? false),
    limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
    // Sorted, so that a report reads the same each time; graph variants may require some (graph-variants.ts).
    features: [...adapter.features].sort(),
  };
}
