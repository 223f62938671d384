// Owns the validation tests' assertion shapes: a mutated manifest is refused with a
// ManifestError whose details and message name the field (every kind's validator keeps it),
// and the field an error names, read off any call that throws one.
import { expect } from 'vitest';
import { ZoetropeError } from '../../src/shared/errors';
import { validateManifest } from '../../src/shared/manifest';

export function expectManifestFieldError(m: Record<string, any>, mutate: (m: Record<string, any>) => void, field: string): void {
  mutate(m);
  let caught: unknown;
  try {
    validateManifest(m);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ZoetropeError);
  const error = caught as ZoetropeError;
  expect(error.name).toBe('ManifestError');
  expect(error.details['field']).toBe(field);
  expect(error.message.startsWith(`${field}: expected `)).toBe(true);
}

/** The field a thrown ZoetropeError names in its details ("no error" when nothing was thrown). */
export function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return String((e as { details?: { field?: string } }).details?.field);
  }
  return 'no error';
}
