// Owns the embed's URL parameters: model, default steps/seed/guidance, theme,
// hidden controls, language, allowed host origins, backend and codec. Each is
// checked up front; a bad value is reported with the parameter's name and the
// default is used instead, so a typo in a host page never leaves a dead frame.

import { fieldError, type ZoetropeError } from '../shared/errors';
import { MAX_SEED, parseBackendPreference, parseCodecPreference, type BackendPreference, type CodecPreference } from '../shared/options';
import { resolveAllowList, type AllowList } from './origins';
import { parseLanguage, type Language } from './strings';

export const THEMES = ['auto', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** Parts of the compact UI a host may hide (for example when it drives the frame itself). */
export const HIDEABLE = ['prompt', 'settings', 'generate', 'progress', 'result', 'model'] as const;
export type Hideable = (typeof HIDEABLE)[number];

export interface EmbedOptions {
  /** A manifest URL, or the id (`id` or `id@version`) of a pack installed in this frame. Null: the built-in model. */
  model: string | null;
  seed: number | null;
  steps: number | null;
  guidance: number | null;
  theme: Theme;
  hide: Set<Hideable>;
  language: Language;
  allow: AllowList;
  backend: BackendPreference;
  codec: CodecPreference;
  /** One OptionsError per parameter that was ignored. */
  problems: ZoetropeError[];
}

const param = (name: string) => `${name} (URL parameter)`;

function numberParam(params: URLSearchParams, name: string, problems: ZoetropeError[], min: number, max: number, integer: boolean): number | null {
  const raw = params.get(name);
  if (raw === null || raw === '') return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    problems.push(fieldError('OptionsError', param(name), `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`, raw));
    return null;
  }
  return value;
}

export function readEmbedOptions(search: string, buildOrigins: string, browserLanguage: string): EmbedOptions {
  const params = new URLSearchParams(search);
  const problems: ZoetropeError[] = [];

  const themeRaw = params.get('theme') ?? 'auto';
  const theme = (THEMES as readonly string[]).includes(themeRaw) ? (themeRaw as Theme) : 'auto';
  if (theme !== themeRaw) problems.push(fieldError('OptionsError', param('theme'), THEMES.join(', '), themeRaw));

  const hide = new Set<Hideable>();
  for (const part of (params.get('hide') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if ((HIDEABLE as readonly string[]).includes(part)) hide.add(part as Hideable);
    else problems.push(fieldError('OptionsError', param('hide'), `a comma-separated list of ${HIDEABLE.join(', ')}`, part));
  }

  const langRaw = params.get('lang');
  const language = parseLanguage(langRaw) ?? parseLanguage(browserLanguage) ?? 'en';
  if (langRaw !== null && parseLanguage(langRaw) === null) problems.push(fieldError('OptionsError', param('lang'), 'en or it', langRaw));

  const backendRaw = params.get('backend');
  const backend = parseBackendPreference(backendRaw) ?? 'auto';
  if (backendRaw !== null && parseBackendPreference(backendRaw) === null) problems.push(fieldError('OptionsError', param('backend'), 'auto, webgpu or wasm', backendRaw));

  const codecRaw = params.get('codec');
  const codec = parseCodecPreference(codecRaw) ?? 'auto';
  if (codecRaw !== null && parseCodecPreference(codecRaw) === null) problems.push(fieldError('OptionsError', param('codec'), 'auto, avc or vp9', codecRaw));

  const allow = resolveAllowList(params.get('origins'), buildOrigins);
  for (const entry of allow.rejected) problems.push(fieldError('OptionsError', param('origins'), 'origins the deployer allows, such as https://school.example', entry));

  return {
    model: params.get('model') || null,
    seed: numberParam(params, 'seed', problems, 0, MAX_SEED, true),
    steps: numberParam(params, 'steps', problems, 1, 200, true),
    guidance: numberParam(params, 'guidance', problems, 0, 30, false),
    theme,
    hide,
    language,
    allow,
    backend,
    codec,
    problems,
  };
}

/** A model parameter that names an installed pack rather than a URL. */
export function isModelId(model: string): boolean {
  return /^[a-z0-9][a-z0-9-]*(@[0-9A-Za-z.+-]+)?$/.test(model);
}
