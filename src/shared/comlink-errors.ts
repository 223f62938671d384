// Owns how errors cross the worker boundary. comlink's default "throw"
// handler keeps only message/name/stack, which would drop ZoetropeError's
// `details` (for example how many bytes a StorageQuotaError needs). Both the
// worker and the UI call installErrorTransfer() before using comlink.

import * as Comlink from 'comlink';
import { toZoetropeError, type ErrorDetails } from './errors';

interface SerializedError {
  name: string;
  message: string;
  details: ErrorDetails;
}

interface ThrownValue {
  value: unknown;
}

let installed = false;

export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  // comlink does not export its thrown-value marker, so reuse the default
  // handler's test for "this is a thrown value" and replace only the payload.
  const original = Comlink.transferHandlers.get('throw');
  if (!original) throw new Error('comlink has no default throw handler');
  const handler: Comlink.TransferHandler<ThrownValue, SerializedError> = {
    canHandle: (value: unknown): value is ThrownValue => original.canHandle(value),
    serialize(thrown) {
      const error = toZoetropeError(thrown.value);
      return [{ name: error.name, message: error.message, details: error.details }, []];
    },
    deserialize(serialized) {
      throw toZoetropeError(serialized);
    },
  };
  Comlink.transferHandlers.set('throw', handler as Comlink.TransferHandler<unknown, unknown>);
}

