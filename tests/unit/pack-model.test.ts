// `npm run pack-model` on the TEST FIXTURE source folder: it reproduces the
// committed fixture pack byte for byte, shards by the requested size, names
// shards by their SHA-256, and leaves golden/ out; a source folder with graph
// variants gets them, and the files they read external data from, packed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/shared/manifest';
import { FIXTURE_MODEL, FIXTURE_PACK } from './golden';

const out = mkdtempSync(join(tmpdir(), 'zoetrope-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function pack(args: string[]): string {
  return execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/pack-model.mjs'), ...args], { encoding: 'utf8', stdio: 'pipe' });
}

describe('pack-model', () => {
  it('reproduces the committed fixture pack (128 KiB shards)', () => {
    pack([FIXTURE_MODEL, '--out', out, '--shard-size', '131072']);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(readFileSync(join(FIXTURE_PACK, 'manifest.json'), 'utf8'));
    expect(readdirSync(join(out, 'shards')).sort()).toEqual(readdirSync(join(FIXTURE_PACK, 'shards')).sort());
  });
  it('writes a valid manifest whose shards hash to their names and rebuild each file', () => {
    const manifest = validateManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(manifest.files.map((f) => f.path).sort()).toEqual(['denoiser.cond.onnx', 'denoiser.onnx', 'text_encoder.onnx', 'tokenizer.json']);
    for (const file of manifest.files) {
      const parts = file.shards.map((s) => readFileSync(join(out, 'shards', s.sha256)));
      for (const [i, part] of parts.entries()) {
        expect(createHash('sha256').update(part).digest('hex')).toBe(file.shards[i]!.sha256);
        expect(part.byteLength).toBeLessThanOrEqual(131072);
      }
      expect(Buffer.concat(parts).equals(readFileSync(join(FIXTURE_MODEL, file.path)))).toBe(true);
    }
  });
  it('defaults to 32 MiB shards: one shard per small file', () => {
    const big = join(out, 'default');
    pack([FIXTURE_MODEL, '--out', big]);
    const manifest = JSON.parse(readFileSync(join(big, 'manifest.json'), 'utf8')) as { shardSize: number; files: { shards: unknown[] }[] };
    expect(manifest.shardSize).toBe(32 * 1024 * 1024);
    expect(manifest.files.every((f) => f.shards.length === 1)).toBe(true);
  });
  it('packs the graph variants model.json names, and the files their external data lives in', () => {
    const src = join(out, 'src-variants');
    cpSync(FIXTURE_MODEL, src, { recursive: true });
    cpSync(join(src, 'denoiser.onnx'), join(src, 'denoiser.wasm.onnx')); // any bytes do: pack-model does not parse graphs
    writeFileSync(join(src, 'weights.bin'), 'external data');
    const model = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8')) as Record<string, unknown>;
    model['variants'] = { wasm: { denoiser: { file: 'denoiser.wasm.onnx', externalData: ['weights.bin'] } } };
    writeFileSync(join(src, 'model.json'), JSON.stringify(model));
    const dst = join(out, 'variants');
    pack([src, '--out', dst]);
    const manifest = validateManifest(JSON.parse(readFileSync(join(dst, 'manifest.json'), 'utf8')));
    expect(manifest.files.map((f) => f.path).sort()).toEqual(['denoiser.onnx', 'denoiser.wasm.onnx', 'text_encoder.onnx', 'tokenizer.json', 'weights.bin']);
    expect(manifest.variants).toEqual({ wasm: { denoiser: { file: 'denoiser.wasm.onnx', externalData: ['weights.bin'] } } });
  });
  it('fails with a clear message for a missing folder', () => {
    expect(() => pack([join(out, 'nope')])).toThrow(/model\.json does not exist/);
  });
});
