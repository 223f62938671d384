// umT5's token table outside the graph (workers/pipelines/wan/token-table.ts): rows looked up
// across several files of whole rows, in float32, float16 (every binary16 class: normal,
// subnormal, zero, infinity) and int8 with a float32 scale per row, little-endian; an id outside
// the table and a missing or short file are refused with UnsupportedModelError.
import { describe, expect, it } from 'vitest';
import { halfToFloat, TokenTable, type TokenTableSpec } from '../../workers/pipelines/wan/token-table';

const ROWS = 5;
const DIM = 3;
/** Row r, column j of the reference table. */
const value = (r: number, j: number) => (r + 1) * 0.25 * (j % 2 === 0 ? 1 : -1) + j / 8;

function bytesOf(write: (view: DataView) => void, length: number): Uint8Array {
  // One buffer with a 1-byte head, so the table must cope with files that do not start aligned.
  const buffer = new ArrayBuffer(length + 1);
  write(new DataView(buffer, 1, length));
  return new Uint8Array(buffer, 1, length);
}

/** The table split 3 + 2 rows over two files in `dtype`. */
function filesFor(dtype: TokenTableSpec['dtype']): Map<string, Uint8Array> {
  const split = [
    [0, 3],
    [3, 5],
  ] as const;
  const files = new Map<string, Uint8Array>();
  split.forEach(([from, to], i) => {
    const rows = to - from;
    const bytes = dtype === 'float32' ? 4 : dtype === 'float16' ? 2 : 1;
    files.set(
      `t.${i}.bin`,
      bytesOf((view) => {
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < DIM; j++) {
            const at = (r * DIM + j) * bytes;
            const v = value(from + r, j);
            // Multiples of 1/8 up to 2: exact in binary16, and v · 8 is a whole int8.
            if (dtype === 'float32') view.setFloat32(at, v, true);
            else if (dtype === 'float16') view.setUint16(at, floatToHalfExact(v), true);
            else view.setInt8(at, v * 8);
          }
      }, rows * DIM * bytes),
    );
  });
  files.set('t.scales.bin', bytesOf((view) => Array.from({ length: ROWS }, (_, r) => view.setFloat32(r * 4, 1 / 8, true)), ROWS * 4));
  return files;
}

/** binary16 bits of a number that binary16 holds exactly (normal range), for the test's own tables. */
function floatToHalfExact(v: number): number {
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const fraction = (a / 2 ** e - 1) * 1024;
  if (!Number.isInteger(fraction)) throw new Error(`${v} is not exact in binary16`);
  return sign | ((e + 15) << 10) | fraction;
}

const spec = (dtype: TokenTableSpec['dtype']): TokenTableSpec => ({ files: ['t.0.bin', 't.1.bin'], dtype, rows: ROWS, dim: DIM, ...(dtype === 'int8' ? { scales: 't.scales.bin' } : {}) });

describe('the token table', () => {
  it.each(['float32', 'float16', 'int8'] as const)('looks rows up across files in %s', (dtype) => {
    const table = new TokenTable(spec(dtype), filesFor(dtype));
    const ids = [4, 0, 2, 3, 3, 1];
    const out = table.lookup(ids);
    expect(out.length).toBe(ids.length * DIM);
    ids.forEach((id, i) => {
      for (let j = 0; j < DIM; j++) expect(out[i * DIM + j]).toBe(value(id, j));
    });
  });

  it('scales each int8 row by its own float32 scale', () => {
    const files = filesFor('int8');
    const scales = new DataView(files.get('t.scales.bin')!.buffer, 1, ROWS * 4);
    scales.setFloat32(3 * 4, 0.3, true);
    const out = new TokenTable(spec('int8'), files).lookup([3]);
    const scale = Math.fround(0.3);
    for (let j = 0; j < DIM; j++) expect(out[j]).toBe(Math.fround(value(3, j) * 8 * scale));
  });

  it('decodes every kind of binary16', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('refuses an id outside the table', () => {
    const table = new TokenTable(spec('float32'), filesFor('float32'));
    expect(() => table.lookup([ROWS])).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: { id: ROWS } }));
    expect(() => table.lookup([-1])).toThrow(expect.objectContaining({ name: 'UnsupportedModelError' }));
  });

  it('refuses a file it was not given, a file of part rows, too few rows and int8 without scales', () => {
    const files = filesFor('float32');
    files.delete('t.1.bin');
    expect(() => new TokenTable(spec('float32'), files)).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: { file: 't.1.bin' } }));
    const short = filesFor('float32');
    short.set('t.1.bin', short.get('t.1.bin')!.subarray(0, 10));
    expect(() => new TokenTable(spec('float32'), short)).toThrow(expect.objectContaining({ name: 'UnsupportedModelError', details: { file: 't.1.bin' } }));
    expect(() => new TokenTable({ ...spec('float32'), rows: 6 }, filesFor('float32'))).toThrow(expect.objectContaining({ name: 'UnsupportedModelError' }));
    const { scales: _, ...noScales } = spec('int8');
    expect(() => new TokenTable(noScales, filesFor('int8'))).toThrow(expect.objectContaining({ name: 'UnsupportedModelError' }));
  });
});
