// Owns the embed's postMessage protocol, version 1: the message shapes a host
// page and the framed embed exchange, and the validation of what a host sends.
// Both sides import this file (the frame in src/embed/, hosts through
// client.ts), so it holds no DOM access and no engine code.

import { describeValue } from '../shared/errors';
import type { ZoetropeErrorName } from '../shared/errors';

/** The protocol version: every message carries it as `zoetrope`. */
export const PROTOCOL_VERSION = 1;

/** A host's request id, echoed in every reply about that request. */
export type RequestId = string | number;

export interface GenerateRequest {
  prompt: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  /** Must equal the model's frame count when given: packs make a fixed number of frames. */
  frames?: number;
}

export type HostMessage =
  | ({ zoetrope: 1; type: 'generate'; id: RequestId } & GenerateRequest)
  | { zoetrope: 1; type: 'cancel'; id: RequestId }
  | { zoetrope: 1; type: 'getStatus'; id: RequestId }
  | { zoetrope: 1; type: 'installModel'; id: RequestId; manifestUrl: string }
  /** A .zoepack the host supplies (a File or Blob is passed by reference; an ArrayBuffer may be transferred). */
  | { zoetrope: 1; type: 'installPack'; id: RequestId; pack: Blob | ArrayBuffer; name: string };

export const HOST_MESSAGE_TYPES = ['generate', 'cancel', 'getStatus', 'installModel', 'installPack'] as const;

/** The name an installPack without one is recorded under (`file:<name>`). */
export const DEFAULT_PACK_NAME = 'host.zoepack';

export type EmbedState = 'checking' | 'needs-install' | 'installing' | 'loading' | 'ready' | 'failed';

/**
 * Coarse phases of a request, in the order they happen. `decode`: a model with a decoder graph (a VAE)
 * turns its latents into frames; `frames`: the frames are checked and hashed before encoding.
 */
export type ProgressPhase = 'queued' | 'install' | 'load' | 'text' | 'denoise' | 'decode' | 'frames' | 'encode' | 'done';

export interface StatusFields {
  /** The app's version (package.json), not the protocol's. */
  version: string;
  backend: 'webgpu' | 'wasm' | null;
  /** Keys (`id@version`) of the packs installed in this frame's storage. */
  models: string[];
}

export interface ResultFields {
  mp4: ArrayBuffer;
  mimeType: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  seed: number;
  /** The model key (`id@version`) that made the video. */
  model: string;
  backend: 'webgpu' | 'wasm';
}

export type EmbedMessage =
  /** Sent once the model is loaded; `id` is null because no request asked for it. */
  | ({ zoetrope: 1; type: 'ready'; id: null } & StatusFields)
  | ({
      zoetrope: 1;
      type: 'status';
      id: RequestId;
      state: EmbedState;
      model: string | null;
      queued: number;
      running: RequestId | null;
      /** Why the state is `failed` or `needs-install`, when something went wrong. */
      error: { name: ZoetropeErrorName; message: string } | null;
    } & StatusFields)
  | { zoetrope: 1; type: 'progress'; id: RequestId; phase: ProgressPhase; fraction: number }
  | ({ zoetrope: 1; type: 'result'; id: RequestId } & ResultFields)
  | { zoetrope: 1; type: 'installed'; id: RequestId; model: string }
  | { zoetrope: 1; type: 'error'; id: RequestId | null; name: ZoetropeErrorName; message: string };

export type EmbedMessageOf<T extends EmbedMessage['type']> = Extract<EmbedMessage, { type: T }>;

/** Why a host message was refused; the frame answers it with an `error` reply. */
export interface ProtocolProblem {
  problem: string;
  /** The request id when the message had a usable one, so the host can match the error. */
  id: RequestId | null;
}

const MAX_ID_LENGTH = 200;

export function isRequestId(value: unknown): value is RequestId {
  if (typeof value === 'string') return value.length > 0 && value.length <= MAX_ID_LENGTH;
  return typeof value === 'number' && Number.isFinite(value);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the envelope and the fields of one message from a host. Field values
 * (prompt length, step range...) are checked later by validateGenerateOptions,
 * whose errors name the field; here only the types are.
 */
export function parseHostMessage(data: unknown): HostMessage | ProtocolProblem {
  if (!isObject(data)) return { problem: `expected an object {zoetrope: 1, type, id}, got ${describeValue(data)}`, id: null };
  const id = isRequestId(data['id']) ? data['id'] : null;
  if (data['zoetrope'] !== PROTOCOL_VERSION) {
    return { problem: `zoetrope: expected the protocol version ${PROTOCOL_VERSION}, got ${describeValue(data['zoetrope'])}`, id };
  }
  const type = data['type'];
  if (typeof type !== 'string' || !(HOST_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return { problem: `type: expected one of ${HOST_MESSAGE_TYPES.join(', ')}, got ${describeValue(type)}`, id };
  }
  if (id === null) return { problem: `id: expected a request id (a string of 1 to ${MAX_ID_LENGTH} characters, or a number), got ${describeValue(data['id'])}`, id };
  switch (type) {
    case 'generate': {
      if (typeof data['prompt'] !== 'string') return { problem: `prompt: expected text, got ${describeValue(data['prompt'])}`, id };
      for (const field of ['seed', 'steps', 'guidance', 'frames'] as const) {
        const v = data[field];
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) return { problem: `${field}: expected a number, got ${describeValue(v)}`, id };
      }
      const request: GenerateRequest = { prompt: data['prompt'] };
      if (typeof data['seed'] === 'number') request.seed = data['seed'];
      if (typeof data['steps'] === 'number') request.steps = data['steps'];
      if (typeof data['guidance'] === 'number') request.guidance = data['guidance'];
      if (typeof data['frames'] === 'number') request.frames = data['frames'];
      return { zoetrope: 1, type, id, ...request };
    }
    case 'installModel': {
      const url = data['manifestUrl'];
      if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return { problem: `manifestUrl: expected an absolute http(s) URL, got ${describeValue(url)}`, id };
      return { zoetrope: 1, type, id, manifestUrl: url };
    }
    case 'installPack': {
      const pack = data['pack'];
      const isBlob = typeof Blob !== 'undefined' && pack instanceof Blob;
      if (!isBlob && !(pack instanceof ArrayBuffer)) return { problem: `pack: expected the .zoepack file as a Blob, File or ArrayBuffer, got ${describeValue(pack)}`, id };
      if ((isBlob ? (pack as Blob).size : (pack as ArrayBuffer).byteLength) === 0) return { problem: 'pack: expected the .zoepack file, got an empty one', id };
      const name = data['name'] ?? (typeof File !== 'undefined' && pack instanceof File ? pack.name : DEFAULT_PACK_NAME);
      if (typeof name !== 'string' || name.length === 0 || name.length > MAX_ID_LENGTH) return { problem: `name: expected a file name of 1 to ${MAX_ID_LENGTH} characters, got ${describeValue(name)}`, id };
      return { zoetrope: 1, type, id, pack: pack as Blob | ArrayBuffer, name };
    }
    default:
      return { zoetrope: 1, type: type as 'cancel' | 'getStatus', id };
  }
}

export function isProtocolProblem(value: HostMessage | ProtocolProblem): value is ProtocolProblem {
  return 'problem' in value;
}
