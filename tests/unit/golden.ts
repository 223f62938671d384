// Reads the golden vectors that the Python exporter (models/export.py) writes
// beside a model: the TEST FIXTURE model source (tests/fixtures/fixture-model/
// golden/) and the built-in pack (models/zoetrope-shapes/golden/, copied there
// by `pack-model --golden`), and the graphs they belong to.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_MODEL = join(import.meta.dirname, '../fixtures/fixture-model');
export const FIXTURE_PACK = join(import.meta.dirname, '../fixtures/fixture-pack');
export const BUILT_IN_PACK = join(import.meta.dirname, '../../models/zoetrope-shapes');

export interface Golden {
  prompt: string;
  input_ids: number[][];
  seed: number;
  noise_head: number[];
  /** kind and corrections: packs exported since the multistep samplers (the fixture predates them). */
  scheduler: {
    kind?: string;
    steps: number;
    shift: number;
    timesteps: number[];
    corrections?: number[];
    /** Packs exported since guidance on an interval: the interval, and which steps it guides. */
    guidance_interval?: number[];
    guided?: boolean[];
  };
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
  /** x after each of the first `steps` steps of the pack's sampler, from the seeded noise: [steps, C, T, H, W]. */
  trajectory?: { steps: number; file: string; tolerance: number };
  /** The golden step's sample and t through the conditional half alone, at batch 1 (velocity [1, C, T, H, W]). */
  conditional?: { velocity: string; velocity_shape: number[] };
  /**
   * Per-backend graph variants (models/export.py --wasm-variant, --conditional-graph): the graph file of
   * each role, each held to the variant's stated tolerance (denoiser: the golden step; conditionalDenoiser:
   * the conditional velocity).
   */
  variants?: Record<string, { denoiser?: string; conditionalDenoiser?: string; tolerance: { velocity: number; velocity_mean: number; next_sample: number } }>;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function loadGolden(modelDir: string): Golden {
  return readJson<Golden>(join(modelDir, 'golden', 'golden.json'));
}

/** Little-endian float32 file, as golden.json describes. */
export function goldenFloats(name: string, modelDir = FIXTURE_MODEL): Float32Array {
  const bytes = readFileSync(join(modelDir, 'golden', name));
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The fixture's golden vectors, which most unit tests share. */
export const golden = loadGolden(FIXTURE_MODEL);

interface PackFile {
  path: string;
  size: number;
  sha256: string;
  shards: { sha256: string; size: number }[];
}

/**
 * One file of a pack, reassembled from its shards exactly as the engine does
 * in the browser, with the whole-file SHA-256 checked.
 */
export function readPackFile(packDir: string, path: string): Uint8Array {
  const manifest = readJson<{ files: PackFile[] }>(join(packDir, 'manifest.json'));
  const file = manifest.files.find((f) => f.path === path);
  if (!file) throw new Error(`${packDir}/manifest.json lists no ${path}`);
  const out = new Uint8Array(file.size);
  let at = 0;
  for (const s of file.shards) {
    const bytes = readFileSync(join(packDir, 'shards', s.sha256));
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  const digest = createHash('sha256').update(out).digest('hex');
  if (at !== file.size || digest !== file.sha256) throw new Error(`${path} in ${packDir} does not match its manifest`);
  return out;
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
