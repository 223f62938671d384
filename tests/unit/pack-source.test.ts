// The engine's pack source for a .zoepack held in memory (no IndexedDB), on
// the TEST FIXTURE pack written into a Blob: every file it hands the engine is
// the pack's own file, byte for byte; a file with one byte changed inside a
// shard is refused with IntegrityError (the same whole-file check as for an
// installed pack, src/common/pack-file.ts); a cut-short file or one holding
// another model is refused with PackFileError before any file is read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelKey, validateManifest } from '../../src/shared/manifest';
import { writeZoepack } from '../../src/shared/zoepack-writer';
import { assemblePackFile } from '../../src/common/pack-file';
import { openPackSource } from '../../src/common/pack-source';
import { FIXTURE_PACK } from './golden';

const manifest = validateManifest(JSON.parse(readFileSync(join(FIXTURE_PACK, 'manifest.json'), 'utf8')));
const key = modelKey(manifest);
const shardBytes = (sha: string) => new Uint8Array(readFileSync(join(FIXTURE_PACK, 'shards', sha)));

async function packBytes(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeZoepack(manifest, async (sha) => shardBytes(sha), (chunk) => void chunks.push(chunk));
  return new Uint8Array(Buffer.concat(chunks));
}

const source = (bytes: Uint8Array, fileName = 'fixture.zoepack') => ({ kind: 'zoepack' as const, file: new Blob([bytes as Uint8Array<ArrayBuffer>]), fileName });

describe('a .zoepack held in memory, as the engine reads it', () => {
  it('gives every file of the pack, byte for byte', async () => {
    const reader = await openPackSource({ modelKey: key, source: source(await packBytes()) });
    expect(modelKey(reader.manifest)).toBe(key);
    for (const f of manifest.files) {
      const expected = Buffer.concat(f.shards.map((s) => shardBytes(s.sha256)));
      expect(Buffer.from(await reader.readFile(f)).equals(expected)).toBe(true);
    }
  });

  it('refuses a file with one byte changed inside a shard with IntegrityError, naming the file', async () => {
    const bytes = await packBytes();
    const graph = manifest.files.find((f) => f.path === manifest.graphs.denoiser)!;
    // The stored bytes of the denoiser's first shard begin right after its name in the local header.
    const name = new TextEncoder().encode(`shards/${graph.shards[0]!.sha256}`);
    const at = Buffer.from(bytes).indexOf(Buffer.from(name)) + name.byteLength + 100;
    bytes[at] = bytes[at]! ^ 0x01;
    const reader = await openPackSource({ modelKey: key, source: source(bytes) });
    await expect(reader.readFile(graph)).rejects.toMatchObject({
      name: 'IntegrityError',
      message: expect.stringContaining(`${graph.path} in the .zoepack file does not match its SHA-256`),
      details: { origin: 'zoepack', stored: false, expected: graph.sha256 },
    });
  });

  it('refuses a file cut short, or one that holds another model, before reading any weights', async () => {
    const bytes = await packBytes();
    await expect(openPackSource({ modelKey: key, source: source(bytes.subarray(0, bytes.byteLength >> 1)) })).rejects.toMatchObject({ name: 'PackFileError', details: { reason: 'truncated' } });
    await expect(openPackSource({ modelKey: 'other@1.0.0', source: source(bytes) })).rejects.toMatchObject({ name: 'PackFileError', details: { reason: 'other-model' } });
  });
});

describe('the whole-file check shared by installed and in-memory packs', () => {
  it('accepts the right shards and refuses missing or extra bytes', async () => {
    const f = manifest.files[0]!;
    const parts = f.shards.map((s) => shardBytes(s.sha256));
    expect((await assemblePackFile(f, parts, 'storage')).byteLength).toBe(f.size);
    await expect(assemblePackFile(f, [...parts, new Uint8Array(1)], 'storage')).rejects.toMatchObject({ name: 'IntegrityError', details: { stored: true } });
    await expect(assemblePackFile(f, parts.slice(0, -1).concat(parts.at(-1)!.subarray(1)), 'storage')).rejects.toMatchObject({ name: 'IntegrityError' });
  });
});
