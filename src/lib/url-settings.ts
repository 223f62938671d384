// Owns the settings a page address can carry (?backend=webgpu|wasm|auto,
// ?model=<manifest URL>, ?codec=auto|avc|vp9, the engine tuning of
// src/shared/engine-tuning.ts) and the backend setting kept in localStorage.
// The address wins over the stored setting, so a link (or a test) can force it.

import { DEFAULT_TUNING, tuningFromParams, type EngineTuning } from '../shared/engine-tuning';
import { toZoetropeError, type ZoetropeError } from '../shared/errors';
import { parseBackendPreference, parseCodecPreference, type BackendPreference, type CodecPreference } from '../shared/options';

export const BUILT_IN_MODEL_ID = 'zoetrope-shapes';
const BACKEND_KEY = 'zoetrope.backend';

export function builtInManifestUrl(): string {
  return new URL(`${import.meta.env.BASE_URL}models/${BUILT_IN_MODEL_ID}/manifest.json`, location.href).href;
}

export interface PageSettings {
  manifestUrl: string;
  isBuiltIn: boolean;
  backend: BackendPreference;
  backendFromUrl: boolean;
  /** ?codec=vp9 forces the VP9 path (also how the tests exercise the fallback). */
  codec: CodecPreference;
  /** ?threads=, ?wasmRuntime=, ?gpuLatents=, ?streamEncode=, ?upscaleWorker=, ?backendGraphs= (the defaults are the fastest measured). */
  tuning: EngineTuning;
  /** A bad tuning parameter: the page says so and uses the defaults. */
  tuningError: ZoetropeError | null;
}

export function readPageSettings(search = location.search, defaultModelUrl: string | null = null): PageSettings {
  const params = new URLSearchParams(search);
  const model = params.get('model');
  const manifestUrl = model ? new URL(model, location.href).href : (defaultModelUrl ?? builtInManifestUrl());
  const fromUrl = parseBackendPreference(params.get('backend'));
  let tuning = DEFAULT_TUNING;
  let tuningError: ZoetropeError | null = null;
  try {
    tuning = tuningFromParams(params);
  } catch (e) {
    tuningError = toZoetropeError(e);
  }
  return {
    tuning,
    tuningError,
    manifestUrl,
    isBuiltIn: manifestUrl === builtInManifestUrl(),
    backend: fromUrl ?? storedBackend() ?? 'auto',
    backendFromUrl: fromUrl !== null,
    codec: parseCodecPreference(params.get('codec')) ?? 'auto',
  };
}

function storedBackend(): BackendPreference | null {
  try {
    return parseBackendPreference(localStorage.getItem(BACKEND_KEY));
  } catch {
    return null;
  }
}

export function storeBackend(preference: BackendPreference): void {
  try {
    localStorage.setItem(BACKEND_KEY, preference);
  } catch {
    // Storage may be blocked; the setting then lasts for this page only.
  }
}

export function isSameOrigin(url: string): boolean {
  return new URL(url).origin === location.origin;
}
