// Reads the wan TEST FIXTURE's golden vectors (models/wan/CONTRACT.md, "Golden vectors": the
// converter's source folder tests/fixtures/wan-tiny-model/golden/, PyTorch's numbers on random
// weights) and makes the ModelSession the kind's runtime takes over onnxruntime-web's own WASM
// build under Node (the runtime and version the browser runs). A missing fixture file throws,
// so every test that reads one fails rather than passing on nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ModelSession } from '../../workers/ort-runtime';
import { nodeSession as sharedNodeSession } from './node-session';
import { goldenFloats, readJson } from './golden';

export const WAN_MODEL = join(import.meta.dirname, '../fixtures/wan-tiny-model');
export const WAN_PACK = join(import.meta.dirname, '../fixtures/wan-tiny-pack');

export interface WanGolden {
  prompt: string;
  input_ids: number[] | number[][];
  attention_mask: number[] | number[][];
  seed: number;
  steps: number;
  scheduler: { sigmaMax: number; midT: number[] };
  /** The RF times, steps + 1 values. */
  s: number[];
  /** The DiT's timestep input per step, when the converter writes it. */
  timesteps?: number[];
  files: Record<string, string>;
  shapes: Record<string, number[]>;
  tolerance: Record<string, number>;
  /** For the graphs of variants.webgpu (fp16, "requires": ["shader-f16"]). */
  tolerance_fp16?: Record<string, number>;
  magnitude?: Record<string, number>;
}

export const wanGolden = (): WanGolden => readJson<WanGolden>(join(WAN_MODEL, 'golden', 'golden.json'));

/** golden.json's file for `role` (CONTRACT.md's names: inputs_embeds, context, noise, velocity0, …), as float32. */
export function wanFloats(golden: WanGolden, role: string): Float32Array {
  const name = golden.files[role];
  expect(name, `golden.json files.${role}`).toBeTypeOf('string');
  const data = goldenFloats(name!, WAN_MODEL);
  const shape = golden.shapes[role];
  if (shape) expect(data.length, `${role} holds ${shape.join(' × ')} values`).toBe(shape.reduce((a, b) => a * b, 1));
  return data;
}

/** The first of `keys` a golden.json tolerance table (tolerance, tolerance_fp16) states; one without any fails the test. */
export function wanTolerance(table: Record<string, number> | undefined, ...keys: string[]): number {
  expect(table, 'golden.json tolerance table').toBeDefined();
  const key = keys.find((k) => typeof table![k] === 'number');
  expect(key, `golden.json tolerance.${keys.join(' or ')}`).toBeDefined();
  return table![key!]!;
}

/**
 * final_latent's tolerance: golden.json's own when it states one, else velocity0's (the converter
 * states none). Each step takes the DiT's velocity into x with a factor below 1 (s_i · (1 − s_{i+1}),
 * and s_i < 1 at the last), so on the fixture's few steps the final latent's error stays of the order
 * of one velocity's, which velocity0's tolerance (about 10x the measured error) covers; the tests log
 * the error they find.
 */
export function finalLatentTolerance(table: Record<string, number> | undefined): number {
  return wanTolerance(table, 'final_latent', 'velocity0');
}

export const flatIds = (ids: number[] | number[][]): number[] => (ids as (number | number[])[]).flat();

/** The source folder's model.json: the manifest's fields without files (what pack-model packs). */
export const wanModelJson = () => readJson<Record<string, any>>(join(WAN_MODEL, 'model.json'));

export function modelFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(WAN_MODEL, path)));
}

/** tests/unit/node-session.ts's session, on one WASM thread. */
export function nodeSession(bytes: Uint8Array, externalData: { path: string; data: Uint8Array }[] = []): Promise<ModelSession> {
  return sharedNodeSession(bytes, externalData, { threads: 1 });
}

/** max and mean |a − b|; NaN in either gives a NaN max, which no tolerance passes. */
export function errors(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}
