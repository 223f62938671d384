// Owns umT5's token table for the wan kind (manifest `embeddings`,
// models/wan/CONTRACT.md): the rows the text encoder's `inputs_embeds` is
// made of, kept outside its graph because umT5-XXL's table alone is 256384 ×
// 4096 (4 GB in float32), which one ONNX initializer, one ArrayBuffer or
// one WebGPU buffer could not hold, and because a prompt needs only
// maxLength of its rows. The rows lie in order across several files of whole
// rows, as float32, float16, or int8 with a float32 scale per row
// (row r = int8 row · scales[r]); all little-endian. A lookup gives float32.

import { ZoetropeError } from '../../../src/shared/errors';
import { EMBEDDING_BYTES, type EmbeddingDtype } from '../../../src/shared/pipelines/wan';

export interface TokenTableSpec {
  files: readonly string[];
  dtype: EmbeddingDtype;
  scales?: string | undefined;
  rows: number;
  dim: number;
}

/** IEEE 754 binary16 bits to the number they stand for (exact in float32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

interface Part {
  /** The first row this file holds. */
  start: number;
  rows: number;
  view: DataView;
}

export class TokenTable {
  readonly rows: number;
  readonly dim: number;
  private readonly dtype: EmbeddingDtype;
  private readonly parts: Part[] = [];
  private readonly scales: DataView | null = null;
  /** binary16 → float32 for every bit pattern, built once: 65536 lookups beat 2M decodes per prompt. */
  private halfs: Float32Array | null = null;

  constructor(spec: TokenTableSpec, files: ReadonlyMap<string, Uint8Array>) {
    const bytes = (path: string): Uint8Array => {
      const data = files.get(path);
      if (!data) throw new ZoetropeError('UnsupportedModelError', `The token table file ${path} was not read with the pack.`, { file: path });
      return data;
    };
    this.rows = spec.rows;
    this.dim = spec.dim;
    this.dtype = spec.dtype;
    const rowBytes = spec.dim * EMBEDDING_BYTES[spec.dtype];
    let start = 0;
    for (const path of spec.files) {
      const data = bytes(path);
      // The manifest's sizes were checked against rows · dim (src/shared/pipelines/wan.ts), and the bytes against the manifest.
      if (data.byteLength % rowBytes !== 0) throw new ZoetropeError('UnsupportedModelError', `The token table file ${path} is not a whole number of ${rowBytes}-byte rows.`, { file: path });
      const rows = data.byteLength / rowBytes;
      this.parts.push({ start, rows, view: new DataView(data.buffer, data.byteOffset, data.byteLength) });
      start += rows;
    }
    if (start !== spec.rows) throw new ZoetropeError('UnsupportedModelError', `The token table files hold ${start} rows, not ${spec.rows}.`, { rows: start });
    if (spec.dtype === 'int8') {
      if (!spec.scales) throw new ZoetropeError('UnsupportedModelError', 'An int8 token table needs its scales file.', { field: 'embeddings.scales' });
      const data = bytes(spec.scales);
      if (data.byteLength !== spec.rows * 4) throw new ZoetropeError('UnsupportedModelError', `The token table's scales file holds ${data.byteLength} bytes, not ${spec.rows * 4}.`, { file: spec.scales });
      this.scales = new DataView(data.buffer, data.byteOffset, data.byteLength);
    }
  }

  private part(row: number): Part {
    // At most 64 files: a binary search over their first rows.
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.parts[mid]!.start <= row) lo = mid;
      else hi = mid - 1;
    }
    return this.parts[lo]!;
  }

  /** Row `id` into out[at : at + dim], as float32. */
  private copyRow(id: number, out: Float32Array, at: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.rows) {
      throw new ZoetropeError('UnsupportedModelError', `Token id ${id} is not a row of the pack's token table (${this.rows} rows).`, { id });
    }
    const part = this.part(id);
    const { view } = part;
    const dim = this.dim;
    const local = id - part.start;
    if (this.dtype === 'float32') {
      const base = local * dim * 4;
      for (let j = 0; j < dim; j++) out[at + j] = view.getFloat32(base + j * 4, true);
    } else if (this.dtype === 'float16') {
      const halfs = (this.halfs ??= Float32Array.from({ length: 65536 }, (_, bits) => halfToFloat(bits)));
      const base = local * dim * 2;
      for (let j = 0; j < dim; j++) out[at + j] = halfs[view.getUint16(base + j * 2, true)]!;
    } else {
      const base = local * dim;
      // int8 × float32 is exact in float64, so one rounding to float32: PyTorch's float32 product.
      const scale = this.scales!.getFloat32(id * 4, true);
      for (let j = 0; j < dim; j++) out[at + j] = view.getInt8(base + j) * scale;
    }
  }

  /** The rows of `ids`, back to back: float32 [ids.length · dim] (the text encoder's inputs_embeds [1, L, dim]). */
  lookup(ids: readonly number[], out = new Float32Array(ids.length * this.dim)): Float32Array {
    if (out.length !== ids.length * this.dim) throw new RangeError(`out holds ${out.length} values, not ${ids.length} × ${this.dim}`);
    ids.forEach((id, i) => this.copyRow(id, out, i * this.dim));
    return out;
  }
}
