// The incremental SHA-256 that checks multi-GB packs shard by shard
// (src/common/sha256-stream.ts) against Node's own, on random bytes cut into
// random pieces (block boundaries, empty pieces, the 55/56/64-byte padding
// edges), and readCheckedFile (src/common/pack-file.ts) on a file read shard by
// shard: the right bytes, and IntegrityError for a changed, missing or extra byte.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../src/common/sha256-stream';
import { readCheckedFile } from '../../src/common/pack-file';
import type { FileEntry } from '../../src/shared/manifest';

const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('Sha256 (incremental)', () => {
  it('matches Node for the padding edges and the empty input', () => {
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
      const b = new Uint8Array(randomBytes(n));
      expect(new Sha256().update(b).hex()).toBe(nodeHex(b));
    }
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives the same digest however the bytes are cut', () => {
    const b = new Uint8Array(randomBytes(100_003));
    for (let trial = 0; trial < 20; trial++) {
      const h = new Sha256();
      for (let at = 0; at < b.byteLength; ) {
        const next = Math.min(b.byteLength, at + Math.floor(Math.random() * 3000));
        h.update(b.subarray(at, next));
        at = next;
      }
      expect(h.hex()).toBe(nodeHex(b));
    }
  });
});

describe('readCheckedFile', () => {
  const bytes = new Uint8Array(randomBytes(10_000));
  const cuts = [0, 4096, 8192, 10_000];
  const shards = cuts.slice(1).map((end, i) => bytes.slice(cuts[i], end));
  const names = shards.map((s) => nodeHex(s));
  const file: FileEntry = { path: 'w.onnx.data', size: bytes.byteLength, sha256: nodeHex(bytes), shards: shards.map((s, i) => ({ sha256: names[i]!, size: s.byteLength })) };
  const missing = () => Object.assign(new Error('gone'), { name: 'ModelNotInstalledError' });
  const store = (parts: Uint8Array[]) => async (s: { sha256: string }) => parts[names.indexOf(s.sha256)];

  it('returns the file, byte for byte', async () => {
    expect(Buffer.from(await readCheckedFile(file, store(shards), missing, 'storage')).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses one changed byte, a short shard or a long one with IntegrityError naming the file; a missing shard with the source error', async () => {
    const changed = shards.map((s) => s.slice());
    changed[1]![7] = changed[1]![7]! ^ 1;
    await expect(readCheckedFile(file, store(changed), missing, 'storage')).rejects.toMatchObject({ name: 'IntegrityError', details: { file: 'w.onnx.data', stored: true } });
    const short = [shards[0]!, shards[1]!.subarray(1), shards[2]!];
    await expect(readCheckedFile(file, store(short), missing, 'storage')).rejects.toMatchObject({ name: 'IntegrityError' });
    const long = [shards[0]!, shards[1]!, new Uint8Array([...shards[2]!, 0])];
    await expect(readCheckedFile(file, store(long), missing, 'zoepack')).rejects.toMatchObject({ name: 'IntegrityError', details: { origin: 'zoepack' } });
    await expect(readCheckedFile(file, store([shards[0]!]), missing, 'storage')).rejects.toMatchObject({ name: 'ModelNotInstalledError' });
  });

  it('hashes at a usable speed (figure printed)', () => {
    const big = new Uint8Array(64 * 1024 * 1024);
    const t = performance.now();
    new Sha256().update(big).hex();
    const mbps = big.byteLength / 1e6 / ((performance.now() - t) / 1000);
    console.log(`[sha256-stream] ${mbps.toFixed(0)} MB/s`);
    expect(mbps).toBeGreaterThan(20);
  });
});
