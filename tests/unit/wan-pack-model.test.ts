// `npm run pack-model` on the wan TEST FIXTURE's source folder (tests/fixtures/wan-tiny-model): it
// packs the files the kind reads besides its graphs and tokenizer (the token table's files, and an
// int8 table's scales), keeps the kind's own manifest fields (embeddings, decoder), leaves golden/
// out, and reproduces the committed tests/fixtures/wan-tiny-pack byte for byte at its shard size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/shared/manifest';
import { readJson } from './golden';
import { WAN_MODEL, WAN_PACK, wanModelJson } from './wan-golden';

const out = mkdtempSync(join(tmpdir(), 'zoetrope-wan-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('pack-model on the wan TEST FIXTURE', () => {
  it('reproduces the committed pack, token table included and golden/ left out', () => {
    const committed = readJson<{ shardSize: number }>(join(WAN_PACK, 'manifest.json'));
    execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/pack-model.mjs'), WAN_MODEL, '--out', out, '--shard-size', String(committed.shardSize)], { stdio: 'pipe' });
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(readFileSync(join(WAN_PACK, 'manifest.json'), 'utf8'));
    expect(readdirSync(join(out, 'shards')).sort()).toEqual(readdirSync(join(WAN_PACK, 'shards')).sort());

    const manifest = validateManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    if (manifest.pipeline !== 'wan') throw new Error(`packed as ${manifest.pipeline}`);
    const model = wanModelJson();
    expect(manifest.embeddings).toEqual(model['embeddings']);
    expect(manifest.decoder).toEqual(model['decoder']);
    const paths = manifest.files.map((f) => f.path);
    for (const p of [...manifest.embeddings.files, ...(manifest.embeddings.scales ? [manifest.embeddings.scales] : [])]) expect(paths).toContain(p);
    expect(paths.some((p) => p.startsWith('golden'))).toBe(false);
  });
});
