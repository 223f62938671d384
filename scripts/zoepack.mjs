#!/usr/bin/env node
// @ts-check
// Owns `npm run zoepack -- pack <packdir> [--out <file.zoepack>]` and
// `npm run zoepack -- verify <file.zoepack>`: a school's IT person prepares
// .zoepack files ahead (from a pack folder: manifest.json + shards/, as
// pack-model writes it) and checks a copy before handing it out. It uses the
// app's own format code (src/shared/zoepack*.ts) and manifest validator, so a
// file it accepts is a file the app accepts. Streams: one shard in memory.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run zoepack -- pack <packdir> [--out <file.zoepack>]\n       npm run zoepack -- verify <file.zoepack>';

/** @param {string} message @returns {never} */
function die(message) {
  console.error(`zoepack: ${message}`);
  process.exit(1);
}

/** @param {string} path */
async function load(path) {
  return /** @type {any} */ ((await runnerImport(join(ROOT, path), { configFile: false, logLevel: 'error' })).module);
}

/** @param {string} dir @param {string | null} out */
async function pack(dir, out) {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) die(`${manifestPath} does not exist: give a pack folder (manifest.json + shards/)`);
  const { validateManifest } = await load('src/shared/manifest.ts');
  const { writeZoepack } = await load('src/shared/zoepack-writer.ts');
  let manifest;
  try {
    manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')));
  } catch (error) {
    die(`${manifestPath}: ${error instanceof Error ? error.message : error}`);
  }
  const target = out ?? `${manifest.id}-${manifest.version}.zoepack`;
  const handle = await open(target, 'w');
  let written = 0;
  try {
    await writeZoepack(
      manifest,
      /** @param {string} sha */ async (sha) => {
        const file = join(dir, 'shards', sha);
        if (!existsSync(file)) throw new Error(`shard ${file} is missing`);
        return new Uint8Array(readFileSync(file));
      },
      /** @param {Uint8Array} chunk */ async (chunk) => {
        await handle.write(chunk);
        written += chunk.byteLength;
      },
    );
  } catch (error) {
    await handle.close();
    die(error instanceof Error ? error.message : String(error));
  }
  await handle.close();
  console.log(`wrote ${target}: ${manifest.name} ${manifest.version}, ${written} bytes`);
}

/** @param {string} file */
async function verify(file) {
  if (!existsSync(file)) die(`${file} does not exist`);
  const { readZoepackDirectory, readZoepackEntry, ZOEPACK_MANIFEST, zoepackShardName } = await load('src/shared/zoepack.ts');
  const { validateManifest } = await load('src/shared/manifest.ts');
  const handle = await open(file, 'r');
  const size = (await handle.stat()).size;
  /** @param {number} start @param {number} end */
  const readAt = async (start, end) => {
    const buffer = new Uint8Array(Math.max(0, end - start));
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, start);
    return buffer.subarray(0, bytesRead);
  };
  try {
    const entries = await readZoepackDirectory(readAt, size);
    const manifestEntry = entries.get(ZOEPACK_MANIFEST);
    if (!manifestEntry) throw new Error('the file has no manifest.json');
    const manifest = validateManifest(JSON.parse(new TextDecoder().decode(await readZoepackEntry(readAt, manifestEntry))));
    const shards = new Map();
    for (const f of manifest.files) for (const s of f.shards) shards.set(s.sha256, s.size);
    for (const [sha, expected] of shards) {
      const entry = entries.get(zoepackShardName(sha));
      if (!entry) throw new Error(`shard ${sha} is missing`);
      const bytes = await readZoepackEntry(readAt, entry);
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (bytes.byteLength !== expected || digest !== sha) throw new Error(`shard ${sha} does not match its SHA-256 (got ${digest})`);
    }
    console.log(`ok: ${basename(file)} holds ${manifest.name} ${manifest.version}, ${shards.size} shards, every one matches its SHA-256`);
  } catch (error) {
    die(`${file} is not a usable .zoepack: ${error instanceof Error ? error.message : error}`);
  } finally {
    await handle.close();
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'pack') {
  const outAt = rest.indexOf('--out');
  const out = outAt >= 0 ? (rest[outAt + 1] ?? die('--out needs a file name')) : null;
  const dir = rest.find((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1));
  if (!dir) die(USAGE);
  await pack(dir, out);
} else if (command === 'verify') {
  if (!rest[0]) die(USAGE);
  await verify(rest[0]);
} else {
  console.log(USAGE);
  process.exit(command === '--help' || command === '-h' ? 0 : 1);
}
