// readCheckedFile (src/common/pack-file.ts), which reads a multi-GB pack's
// files one shard at a time, each checked against its SHA-256: the right
// bytes, and IntegrityError for a changed, missing or extra byte; a missing
// shard is the source's own error.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readCheckedFile } from '../../src/common/pack-file';
import type { FileEntry } from '../../src/shared/manifest';

const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

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
    await expect(readCheckedFile(file, store(changed), missing, 'storage')).rejects.toMatchObject({ name: 'IntegrityError', details: { file: 'w.onnx.data', stored: true, shard: names[1] } });
    const short = [shards[0]!, shards[1]!.subarray(1), shards[2]!];
    await expect(readCheckedFile(file, store(short), missing, 'storage')).rejects.toMatchObject({ name: 'IntegrityError' });
    const long = [shards[0]!, shards[1]!, new Uint8Array([...shards[2]!, 0])];
    await expect(readCheckedFile(file, store(long), missing, 'zoepack')).rejects.toMatchObject({ name: 'IntegrityError', details: { origin: 'zoepack' } });
    await expect(readCheckedFile(file, store([shards[0]!]), missing, 'storage')).rejects.toMatchObject({ name: 'ModelNotInstalledError' });
  });
});
