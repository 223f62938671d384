// Owns what Vite serves and ships besides the app itself:
//  - model packs: `models/<id>/` (manifest.json + shards/<sha256> only, never
//    the Python sources beside them) at /models/<id>/, served in dev and
//    preview and copied into the build. ZOETROPE_EXTRA_PACKS (comma-separated
//    folders, used by the e2e tests for the fixture pack) adds packs by id.
//  - onnxruntime-web's wasm runtime files at /ort/, from our own origin.

import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';

// The WebGPU bundle's Asyncify build, and the plain WASM-only build the WASM backend runs on (workers/ort-runtime.ts).
export const ORT_FILES = [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];
const SHARD_RE = /^[0-9a-f]{64}$/;

interface PackDir {
  id: string;
  dir: string;
}

export function findPacks(root: string, extra: string | undefined): PackDir[] {
  const packs: PackDir[] = [];
  const modelsDir = join(root, 'models');
  if (existsSync(modelsDir)) {
    for (const name of readdirSync(modelsDir)) {
      const dir = join(modelsDir, name);
      if (statSync(dir).isDirectory() && existsSync(join(dir, 'manifest.json'))) packs.push({ id: name, dir });
    }
  }
  for (const folder of (extra ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const dir = resolve(root, folder);
    const manifest = join(dir, 'manifest.json');
    if (!existsSync(manifest)) throw new Error(`ZOETROPE_EXTRA_PACKS: ${manifest} does not exist`);
    const id = (JSON.parse(readFileSync(manifest, 'utf8')) as { id?: unknown }).id;
    if (typeof id !== 'string') throw new Error(`ZOETROPE_EXTRA_PACKS: ${manifest} has no id`);
    packs.push({ id, dir });
  }
  return packs;
}

function resolveRequest(root: string, url: string): { file: string; type: string; immutable: boolean } | null {
  const path = decodeURIComponent(url.split('?')[0] ?? '');
  const ort = /^\/ort\/([^/]+)$/.exec(path);
  if (ort && ORT_FILES.includes(ort[1]!)) {
    const file = join(root, 'node_modules/onnxruntime-web/dist', ort[1]!);
    return { file, type: ort[1]!.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', immutable: false };
  }
  const model = /^\/models\/([a-z0-9-]+)\/(manifest\.json|shards\/([0-9a-f]{64}))$/.exec(path);
  if (!model) return null;
  const pack = findPacks(root, process.env['ZOETROPE_EXTRA_PACKS']).find((p) => p.id === model[1]);
  if (!pack) return null;
  if (model[2] === 'manifest.json') return { file: join(pack.dir, 'manifest.json'), type: 'application/json', immutable: false };
  if (!SHARD_RE.test(model[3] ?? '')) return null;
  // Shards are content-addressed, so a URL's bytes never change.
  return { file: join(pack.dir, 'shards', model[3]!), type: 'application/octet-stream', immutable: true };
}

/** COOP + COEP make the page cross-origin isolated, which WASM threads need. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function middleware(root: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const hit = req.url ? resolveRequest(root, req.url) : null;
    if (!hit || !existsSync(hit.file)) {
      // A missing pack file must be a real 404, not the SPA's index.html.
      if (req.url?.startsWith('/models/') || req.url?.startsWith('/ort/')) {
        res.statusCode = 404;
        res.end('Not found');
        return;
      }
      next();
      return;
    }
    const size = statSync(hit.file).size;
    res.setHeader('Content-Type', hit.type);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', hit.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    // Packs are public static files: other origins (a school's own page, an
    // embedding site) may install them, which under COEP needs CORS or CORP.
    const isPack = req.url?.startsWith('/models/') ?? false;
    res.setHeader('Cross-Origin-Resource-Policy', isPack ? 'cross-origin' : 'same-origin');
    if (isPack) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      // Without this a cross-origin page cannot read Content-Range, so it cannot resume inside a shard.
      res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Retry-After');
    }
    // These responses bypass Vite's own header middleware; the ORT glue also
    // starts the WASM thread workers, which must be isolated like the page.
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
    // An interrupted shard download resumes with `Range: bytes=<start>-`.
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
      createReadStream(hit.file, range).pipe(res);
      return;
    }
    res.setHeader('Content-Length', size);
    createReadStream(hit.file).pipe(res);
  };
}

/** One `bytes=a-` or `bytes=a-b` range; null (whole file) for anything else. */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}


export function zoetrope(): Plugin {
  let root = process.cwd();
  let outDir = 'dist';
  return {
    name: 'zoetrope-packs-and-runtime',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(middleware(root));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(root));
    },
    async writeBundle() {
      await mkdir(join(outDir, 'ort'), { recursive: true });
      for (const f of ORT_FILES) await cp(join(root, 'node_modules/onnxruntime-web/dist', f), join(outDir, 'ort', f));
      // Only models/ packs ship; test packs are served, never built in.
      for (const pack of findPacks(root, undefined)) {
        const target = join(outDir, 'models', pack.id);
        await mkdir(join(target, 'shards'), { recursive: true });
        await cp(join(pack.dir, 'manifest.json'), join(target, 'manifest.json'));
        if (existsSync(join(pack.dir, 'shards'))) await cp(join(pack.dir, 'shards'), join(target, 'shards'), { recursive: true });
      }
    },
  };
}
