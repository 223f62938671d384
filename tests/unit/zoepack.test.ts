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
    expect(verified.text).toContain('6 shards, every one matches its SHA-256');
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
