// Reads the golden vectors that the Python exporter (models/export.py) wrote
// beside the TEST FIXTURE model source: tests/fixtures/fixture-model/golden/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_MODEL = join(import.meta.dirname, '../fixtures/fixture-model');
export const FIXTURE_PACK = join(import.meta.dirname, '../fixtures/fixture-pack');
const GOLDEN_DIR = join(FIXTURE_MODEL, 'golden');

export interface Golden {
  prompt: string;
  input_ids: number[][];
  seed: number;
  noise_head: number[];
  scheduler: { steps: number; shift: number; timesteps: number[] };
  guidance: number;
  text: { states: string; states_shape: number[]; mask: number[][] };
  step: {
    index: number;
    t: number;
    t_next: number;
    sample: string;
    sample_shape: number[];
    velocity: string;
    velocity_shape: number[];
    next_sample: string;
  };
  tolerance: { text_states: number; velocity: number; next_sample: number };
}

export const golden = JSON.parse(readFileSync(join(GOLDEN_DIR, 'golden.json'), 'utf8')) as Golden;

/** Little-endian float32 file, as golden.json describes. */
export function goldenFloats(name: string): Float32Array {
  const bytes = readFileSync(join(GOLDEN_DIR, name));
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
