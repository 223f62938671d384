// Owns the checks every pipeline kind makes on its ORT sessions and the run
// options, so that a graph with the wrong I/O or a job the kind cannot run is
// refused in the same words whatever the kind: the inputs and outputs a graph
// must have (UnsupportedModelError naming the graph and the name), an
// output's length, a graph's size as the manifest lists it (for the warm-up
// rule), and a distilled sampler's step counts with no guidance and no
// continued clip (OptionsError naming the field).

import { ZoetropeError, fieldError } from '../../src/shared/errors';
import type { GraphRef, PackManifest } from '../../src/shared/manifest';
import type { GenerateOptions } from '../../src/shared/options';
import type { ModelSession, OutputTensor } from '../ort-runtime';

/** A denoiser up to this size (graph and external data) is warmed up at load; a bigger one is not. */
export const WARM_UP_MAX_BYTES = 64 * 1024 * 1024;

/** The bytes of a graph's files as the manifest lists them (its weights, mostly). */
export function graphBytes(manifest: Pick<PackManifest, 'files'>, ref: GraphRef): number {
  const paths = new Set(typeof ref === 'string' ? [ref] : [ref.file, ...ref.externalData]);
  return manifest.files.reduce((sum, f) => sum + (paths.has(f.path) ? f.size : 0), 0);
}

/**
 * The graph must have these inputs and outputs. With `only`, it must have no other input either:
 * one the kind does not know could only be fed garbage.
 */
export function requireIo(session: ModelSession, inputs: readonly string[], outputs: readonly string[], label: string, only = false): void {
  for (const name of inputs) {
    if (!session.inputNames.includes(name)) throw new ZoetropeError('UnsupportedModelError', `The ${label} has no input named "${name}".`, { graph: label, input: name });
  }
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) throw new ZoetropeError('UnsupportedModelError', `The ${label} has no output named "${name}".`, { graph: label, output: name });
  }
  if (!only) return;
  for (const name of session.inputNames) {
    if (!inputs.includes(name)) throw new ZoetropeError('UnsupportedModelError', `The ${label} input "${name}" is not one this kind feeds.`, { graph: label, input: name });
  }
}

/** A float output of exactly `length` values; `dims` is only for the message. */
export function outputOf(outputs: Record<string, OutputTensor>, name: string, length: number, label: string, dims: string): Float32Array {
  const out = outputs[name];
  if (!out || out.data.length !== length) {
    throw new ZoetropeError('UnsupportedModelError', `The ${label} output "${name}" does not have the shape ${dims}.`, { graph: label, output: name });
  }
  return out.data;
}

/** A distilled few-step sampler: only the step counts it was distilled for, no guidance, no continued clip. */
export function checkDistilledOptions(options: GenerateOptions, steps: readonly number[], distilled: string): void {
  if (!steps.includes(options.steps)) {
    throw fieldError('OptionsError', 'steps', `one of ${steps.join(', ')} (the step counts this ${distilled} was distilled for)`, options.steps);
  }
  if (options.guidance !== 0) throw fieldError('OptionsError', 'guidance', '0 (this model has no classifier-free guidance)', options.guidance);
  if (options.knownFrames) throw fieldError('OptionsError', 'knownFrames', 'nothing (this model cannot continue a clip)', 'known frames');
}
