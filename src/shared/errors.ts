// Owns Zoetrope's error vocabulary: every failure that crosses a module or
// thread boundary is one of these names. The `name` is the stable part of the
// contract (the UI switches on it); `details` carries the numbers a person
// needs (bytes needed, bytes free, the field that was wrong) so that they
// survive structured cloning through comlink, where class identity does not.

export const ERROR_NAMES = [
  'ManifestError',
  'ModelNotFoundError',
  'ModelNotInstalledError',
  'DownloadError',
  'IntegrityError',
  'StorageQuotaError',
  'StorageUnavailableError',
  'StorageEvictedError',
  'PackFileError',
  'WebGPUUnavailableError',
  'BackendError',
  'DeviceLostError',
  'OutOfMemoryError',
  'UnsupportedModelError',
  'OptionsError',
  'EncoderUnavailableError',
  'EngineCrashedError',
  'EngineStalledError',
  'AbortError',
  'ProtocolError',
  'LessonFileError',
  'NotZoetropeVideoError',
  'MicrophoneDeniedError',
  'MicrophoneUnavailableError',
  'AudioFileError',
] as const;

export type ZoetropeErrorName = (typeof ERROR_NAMES)[number];

export type ErrorDetails = Record<string, string | number | boolean | null>;

export class ZoetropeError extends Error {
  override readonly name: ZoetropeErrorName;
  readonly details: ErrorDetails;

  constructor(name: ZoetropeErrorName, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = name;
    this.details = details;
  }
}

/** Thrown by manifest and option validation; `field` is a dotted path such as `video.frames`. */
export function fieldError(
  name: 'ManifestError' | 'OptionsError',
  field: string,
  expected: string,
  got: unknown,
): ZoetropeError {
  return new ZoetropeError(name, `${field}: expected ${expected}, got ${describeValue(got)}`, {
    field,
    expected,
  });
}

export function abortError(message = 'The job was cancelled.'): ZoetropeError {
  return new ZoetropeError('AbortError', message);
}

export function isZoetropeErrorName(name: unknown): name is ZoetropeErrorName {
  return typeof name === 'string' && (ERROR_NAMES as readonly string[]).includes(name);
}

/** Normalises anything thrown (including DOMException AbortError) into a ZoetropeError. */
export function toZoetropeError(error: unknown): ZoetropeError {
  if (error instanceof ZoetropeError) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; message?: unknown; details?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(error);
    if (isZoetropeErrorName(e.name)) {
      const details = isDetails(e.details) ? e.details : {};
      return new ZoetropeError(e.name, message, details);
    }
    if (e.name === 'QuotaExceededError') return new ZoetropeError('StorageQuotaError', message);
    return new ZoetropeError('BackendError', message, { cause: typeof e.name === 'string' ? e.name : null });
  }
  return new ZoetropeError('BackendError', String(error));
}

function isDetails(value: unknown): value is ErrorDetails {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
