#!/usr/bin/env node
// @ts-check
// Owns `npm run example`: serves examples/host/ (a host page on its own
// origin that frames Zoetrope's embed.html) with a tiny static server, so the
// integration can be seen working across two origins on one machine.
// Usage: npm start (the app on :4173), then npm run example [-- --port 4180]
// The e2e tests import startStaticServer to host their pages the same way.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/**
 * Serves the files under `root`, plus `pages` (path → HTML) kept in memory.
 * @param {{ root: string, port: number, host?: string, pages?: Record<string, string> }} options
 * @returns {Promise<import('node:http').Server>}
 */
export function startStaticServer({ root, port, host = '127.0.0.1', pages = {} }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const name = path.endsWith('/') ? `${path}index.html` : path;
    const page = pages[name];
    if (page !== undefined) {
      res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' });
      res.end(page);
      return;
    }
    const file = normalize(join(base, name));
    if (!file.startsWith(base)) {
      res.writeHead(403).end('Forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      const type = TYPES[/** @type {keyof typeof TYPES} */ (extname(file))] ?? 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end('Not found');
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--port');
  const port = i >= 0 ? Number(args[i + 1]) : 4180;
  const root = fileURLToPath(new URL('../examples/host/', import.meta.url));
  // Opened as localhost, while the app is opened as 127.0.0.1: two different origins.
  await startStaticServer({ root, port });
  console.log(`Host page: http://localhost:${port}/  (it frames http://127.0.0.1:4173/embed.html; ?embed=<origin> to change)`);
}
