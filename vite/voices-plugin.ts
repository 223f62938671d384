// Owns how the text-to-speech voice data ships: espeak-ng's espeak-ng.data
// (24 MB, every language) from @echogarden/espeak-ng-emscripten, with its
// licence text, at /voices/espeak-ng/, beside a manifest.json with the file's
// size and SHA-256 measured here, at build time. The page downloads it only
// when a caption is first spoken (src/lib/voice-install.ts) and checks it
// against that hash. Served in dev and preview, copied into the build, and
// kept out of the service worker's precache (vite/pwa.ts ignores voices/**):
// people who never use a voice never download it.

import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { ISOLATION_HEADERS, byteRange } from './zoetrope-plugin.ts';

const PACKAGE = '@echogarden/espeak-ng-emscripten';
const DATA_FILE = 'espeak-ng.data';
export const VOICES_URL = '/voices/espeak-ng/';

interface Shipped {
  manifest: string;
  files: Record<string, { path: string; type: string }>;
}

let cached: { root: string; shipped: Shipped } | null = null;

/** The manifest (hashing the 24 MB file once per process) and the files it ships. */
export function voiceFiles(root: string): Shipped {
  if (cached?.root === root) return cached.shipped;
  const dir = join(root, 'node_modules', PACKAGE);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license: string };
  const data = readFileSync(join(dir, DATA_FILE));
  const manifest = {
    format: 'zoetrope-voice-data-1',
    engine: 'espeak-ng',
    package: PACKAGE,
    packageVersion: pkg.version,
    file: DATA_FILE,
    size: data.byteLength,
    sha256: createHash('sha256').update(data).digest('hex'),
    license: pkg.license,
  };
  const shipped: Shipped = {
    manifest: `${JSON.stringify(manifest, null, 2)}\n`,
    files: {
      [DATA_FILE]: { path: join(dir, DATA_FILE), type: 'application/octet-stream' },
      // GPL-3.0 section 4: the licence travels with what is conveyed.
      COPYING: { path: join(dir, 'COPYING'), type: 'text/plain; charset=utf-8' },
    },
  };
  cached = { root, shipped };
  return shipped;
}

function middleware(root: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    if (!path.startsWith(VOICES_URL)) return next();
    const name = path.slice(VOICES_URL.length);
    const shipped = voiceFiles(root);
    for (const [header, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(header, value);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-cache');
    if (name === 'manifest.json') {
      res.setHeader('Content-Type', 'application/json');
      res.end(shipped.manifest);
      return;
    }
    const file = shipped.files[name];
    if (!file) {
      res.statusCode = 404;
      res.end('Not found');
      return;
    }
    const size = statSync(file.path).size;
    res.setHeader('Content-Type', file.type);
    res.setHeader('Accept-Ranges', 'bytes');
    // An interrupted download resumes with `Range: bytes=<start>-`, as a model shard does.
    const range = byteRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${size}`);
      res.end();
      return;
    }
    if (range) {
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      res.setHeader('Content-Length', range.end - range.start + 1);
      createReadStream(file.path, range).pipe(res);
      return;
    }
    res.setHeader('Content-Length', size);
    createReadStream(file.path).pipe(res);
  };
}

export function voices(): Plugin {
  let root = process.cwd();
  let outDir = 'dist';
  return {
    name: 'zoetrope-voices',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(middleware(root));
    },
    // Before preview's static files: the same answers (Range included) as in dev.
    configurePreviewServer(server) {
      server.middlewares.use(middleware(root));
    },
    async writeBundle() {
      const shipped = voiceFiles(root);
      const target = join(outDir, VOICES_URL.slice(1));
      await mkdir(target, { recursive: true });
      await writeFile(join(target, 'manifest.json'), shipped.manifest);
      for (const [name, file] of Object.entries(shipped.files)) await cp(file.path, join(target, name));
    },
  };
}
