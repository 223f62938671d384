#!/usr/bin/env node
// @ts-check
// Owns `npm run pack-model -- <srcdir> [--out <packdir>] [--shard-size <bytes>] [--golden]`:
// turns a model source folder (model.json + tokenizer.json + ONNX graphs, as
// the Python exporter writes it; see models/README.md) into a pack v1:
// manifest.json plus shards/<sha256>, each shard at most --shard-size bytes
// (default 32 MiB). golden/ and anything model.json does not name are left
// out of the pack; --golden copies golden/ beside it (<packdir>/golden/, never
// served) so the unit tests can hold the shipped graphs to PyTorch's numbers.
// The manifest is checked with the app's own validator before writing.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SHARD_SIZE = 32 * 1024 * 1024;
const DESCRIPTOR_KEYS = ['id', 'name', 'version', 'license', 'fixture', 'description', 'pipeline', 'video', 'sample', 'scheduler', 'tokenizer', 'graphs', 'variants', 'vocabulary', 'latent', 'embeddings', 'decoder', 'licenseText', 'sources', 'gpuLimits', 'requiresGpu'];

/** @param {string} message @returns {never} */
function die(message) {
  console.error(`pack-model: ${message}`);
  process.exit(1);
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ src: string | null; out: string | null; shardSize: number; golden: boolean }} */
  const args = { src: null, out: null, shardSize: DEFAULT_SHARD_SIZE, golden: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') args.out = argv[++i] ?? die('--out needs a folder');
    else if (a === '--shard-size') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) die(`--shard-size: expected a whole number of bytes, got ${argv[i]}`);
      args.shardSize = n;
    } else if (a === '--golden') args.golden = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run pack-model -- <srcdir> [--out <packdir>] [--shard-size <bytes>] [--golden]');
      process.exit(0);
    } else if (a?.startsWith('--')) die(`unknown option ${a}`);
    else if (args.src === null) args.src = a ?? null;
    else die(`unexpected argument ${a}`);
  }
  if (!args.src) die('usage: npm run pack-model -- <srcdir> [--out <packdir>] [--shard-size <bytes>] [--golden]');
  return args;
}

/** @param {Buffer | Uint8Array} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const src = resolve(process.cwd(), /** @type {string} */ (args.src));
  const descriptorPath = join(src, 'model.json');
  if (!existsSync(descriptorPath)) die(`${descriptorPath} does not exist`);
  /** @type {Record<string, any>} */
  let descriptor;
  try {
    descriptor = JSON.parse(readFileSync(descriptorPath, 'utf8'));
  } catch (error) {
    die(`${descriptorPath} is not valid JSON: ${error}`);
  }
  if (typeof descriptor.id !== 'string') die('model.json: id: expected a string');
  const out = resolve(process.cwd(), args.out ?? join(ROOT, 'models', descriptor.id));
  if (out === src) die('--out must differ from the source folder');

  const graphs = descriptor.graphs ?? {};
  // Per-backend graph variants (src/shared/graph-variants.ts) and the files they read external data from.
  const variantFiles = Object.values(descriptor.variants ?? {}).flatMap((roles) =>
    Object.values(/** @type {Record<string, { file?: unknown; externalData?: unknown[] }>} */ (roles ?? {})).flatMap((v) => [v?.file, ...(v?.externalData ?? [])]),
  );
  /** @type {unknown[]} */
  // A default graph is a path or { file, externalData } (its weights in ONNX external data files).
  const graphFiles = [graphs.textEncoder, graphs.denoiser, graphs.decoder].flatMap((g) =>
    g && typeof g === 'object' ? [g.file, ...(Array.isArray(g.externalData) ? g.externalData : [])] : [g],
  );
  // Pack files a kind reads besides its graphs (the wan kind's token table, outside the text encoder).
  const embeddings = descriptor.embeddings ?? {};
  const tableFiles = [...(Array.isArray(embeddings.files) ? embeddings.files : []), embeddings.scales];
  const named = [descriptor.tokenizer?.file, ...graphFiles, ...variantFiles, ...tableFiles];
  /** @type {string[]} */
  const wanted = [...new Set(named.filter((p) => typeof p === 'string').map(String))];
  for (const f of readdirSync(src)) {
    if (f !== 'model.json' && f !== 'golden' && !wanted.includes(f)) console.warn(`pack-model: leaving out ${f} (model.json does not name it)`);
  }

  // Rebuild the shards folder from scratch so a pack never keeps stale shards.
  rmSync(join(out, 'shards'), { recursive: true, force: true });
  mkdirSync(join(out, 'shards'), { recursive: true });
  const files = [];
  let totalBytes = 0;
  for (const path of wanted) {
    const file = join(src, path);
    if (!existsSync(file) || !statSync(file).isFile()) die(`model.json names ${path}, but ${file} does not exist`);
    const bytes = readFileSync(file);
    const shards = [];
    for (let offset = 0; offset < bytes.byteLength; offset += args.shardSize) {
      const part = bytes.subarray(offset, Math.min(bytes.byteLength, offset + args.shardSize));
      const digest = sha256(part);
      writeFileSync(join(out, 'shards', digest), part);
      shards.push({ sha256: digest, size: part.byteLength });
    }
    files.push({ path, size: bytes.byteLength, sha256: sha256(bytes), shards });
    totalBytes += bytes.byteLength;
  }

  /** @type {Record<string, unknown>} */
  const manifest = { format: 'zoetrope-pack', formatVersion: 1 };
  for (const key of DESCRIPTOR_KEYS) if (descriptor[key] !== undefined) manifest[key] = descriptor[key];
  Object.assign(manifest, { shardSize: args.shardSize, totalBytes, files });

  // The same validator the app runs, so a pack that packs is a pack that loads.
  const { module } = await runnerImport(join(ROOT, 'src/shared/manifest.ts'), { configFile: false, logLevel: 'error' });
  try {
    /** @type {{ validateManifest(v: unknown): unknown }} */ (module).validateManifest(manifest);
  } catch (error) {
    die(`the manifest would be invalid: ${error instanceof Error ? error.message : error}`);
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (args.golden) {
    if (!existsSync(join(src, 'golden', 'golden.json'))) die(`--golden: ${join(src, 'golden')} has no golden.json`);
    rmSync(join(out, 'golden'), { recursive: true, force: true });
    cpSync(join(src, 'golden'), join(out, 'golden'), { recursive: true });
  }
  const shardCount = files.reduce((n, f) => n + f.shards.length, 0);
  console.log(`pack-model: ${descriptor.id}@${descriptor.version}: ${files.length} files, ${shardCount} shards, ${totalBytes} bytes -> ${relative(process.cwd(), out) || '.'}`);
}

await main();
