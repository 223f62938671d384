// `npm run zoepack -- pack|verify` on the TEST FIXTURE pack, and the shared
// .zoepack reader the browser uses: a packed file verifies, reads back shard
// for shard, packs to the same bytes twice, and a truncated or tampered copy
// is rejected with a message that says why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readZoepackDirectory, readZoepackEntry, ZOEPACK_MANIFEST, zoepackShardName } from '../../src/shared/zoepack';
import { validateManifest } from '../../src/shared/manifest';
import { checkZoepackSize, writeZoepack, ZOEPACK_LIMIT } from '../../src/shared/zoepack-writer';
import { FIXTURE_PACK } from './golden';

const out = mkdtempSync(join(tmpdir(), 'zoetrope-zoepack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function cli(args: string[]): { code: number; text: string } {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '../../scripts/zoepack.mjs'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, text: `${r.stdout}${r.stderr}` };
}

const file = join(out, 'fixture.zoepack');

describe('zoepack CLI', () => {
  it('packs a pack folder and verifies the result', () => {
    expect(cli(['pack', FIXTURE_PACK, '--out', file]).code).toBe(0);
    const verified = cli(['verify', file]);
    expect(verified.code).toBe(0);
    expect(verified.text).toContain('7 shards, every one matches its SHA-256');
  });

  it('gives the same bytes when packing the same folder twice', () => {
    const again = join(out, 'again.zoepack');
    cli(['pack', FIXTURE_PACK, '--out', again]);
    expect(readFileSync(again).equals(readFileSync(file))).toBe(true);
  });

  it('rejects a truncated copy', () => {
    const cut = join(out, 'cut.zoepack');
    writeFileSync(cut, readFileSync(file).subarray(0, 300_000));
    const r = cli(['verify', cut]);
    expect(r.code).toBe(1);
    expect(r.text).toContain('cut short');
  });

  it('rejects a copy with one changed byte', () => {
    const bad = join(out, 'bad.zoepack');
    const bytes = readFileSync(file);
    bytes[200_000] = bytes[200_000]! ^ 0x01;
    writeFileSync(bad, bytes);
    const r = cli(['verify', bad]);
    expect(r.code).toBe(1);
    expect(r.text).toContain('does not match its SHA-256');
  });
});

describe('zoepack reader', () => {
  it('reads the manifest and every shard back through the central directory', async () => {
    const bytes = new Uint8Array(readFileSync(file));
    const readAt = async (start: number, end: number) => bytes.subarray(start, end);
    const entries = await readZoepackDirectory(readAt, bytes.byteLength);
    const manifest = validateManifest(JSON.parse(new TextDecoder().decode(await readZoepackEntry(readAt, entries.get(ZOEPACK_MANIFEST)!))));
    for (const f of manifest.files) {
      for (const s of f.shards) {
        const shard = await readZoepackEntry(readAt, entries.get(zoepackShardName(s.sha256))!);
        expect(Buffer.from(shard).equals(readFileSync(join(FIXTURE_PACK, 'shards', s.sha256)))).toBe(true);
      }
    }
  });
});

describe('the 4 GiB limit (no ZIP64)', () => {
  const manifest = validateManifest(JSON.parse(readFileSync(join(FIXTURE_PACK, 'manifest.json'), 'utf8')));
  /** The fixture's manifest with one more file of `bytes`, in 1 GiB shards that are never read. */
  const withFile = (bytes: number) => {
    const shards = [];
    for (let at = 0, i = 0; at < bytes; at += 2 ** 30, i++) shards.push({ sha256: i.toString(16).padStart(64, 'f'), size: Math.min(2 ** 30, bytes - at) });
    return { ...manifest, files: [...manifest.files, { path: 'big.bin', size: bytes, sha256: 'e'.repeat(64), shards }], totalBytes: manifest.totalBytes + bytes };
  };

  it('refuses a pack past 4 GiB before reading or writing a byte, naming the limit', async () => {
    const big = withFile(4 * 2 ** 30);
    expect(() => checkZoepackSize(big)).toThrow(/larger than 4 GiB, the most a \.zoepack can hold/);
    let touched = 0;
    const writing = writeZoepack(big, async () => { touched++; return new Uint8Array(); }, () => { touched++; });
    await expect(writing).rejects.toMatchObject({ name: 'PackFileError', details: { reason: 'too-large' } });
    expect(touched).toBe(0);
  });

  it('accepts a pack that ends just under 4 GiB', () => {
    expect(() => checkZoepackSize(withFile(ZOEPACK_LIMIT - 2 ** 20))).not.toThrow();
  });

  it('says plainly that a ZIP64 file cannot be read, instead of misreading its offsets', async () => {
    const made = spawnSync('python3', ['-c', [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED, allowZip64=True)',
      // More than 65,535 entries: Python then writes the ZIP64 end records, as it does past 4 GiB.
      'for i in range(65536): z.writestr(f"e{i}", b"")',
      'z.close()',
    ].join('\n'), join(out, 'zip64.zoepack')]);
    expect(made.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(join(out, 'zip64.zoepack')));
    const reading = readZoepackDirectory(async (start, end) => bytes.subarray(start, end), bytes.byteLength);
    await expect(reading).rejects.toMatchObject({ name: 'PackFileError', details: { reason: 'too-large' }, message: expect.stringContaining('ZIP64') });
  });
});
