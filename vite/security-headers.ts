// Owns the HTTP security headers of the app and of the embed, in one place:
// the dev and preview servers send them, so every test runs under them;
// README.md ("Embedding") lists them for a deployer's own static host.
//  - Content-Security-Policy: scripts, workers and styles only from our own
//    origin; 'wasm-unsafe-eval' because onnxruntime-web compiles WebAssembly
//    (no 'unsafe-eval': nothing needs JavaScript eval).
//  - frame-ancestors: the app may only be framed by itself; embed.html by
//    itself and the allowed host origins.
//  - connect-src: 'self' plus the deployer's pack hosts (ZOETROPE_CSP_CONNECT).
//    The service worker adds the hosts a user allowed to each page it serves
//    (src/sw/sw.ts), in the cached header and the <meta> tag alike.
//    The build also writes the policy into every page as a <meta> tag, so it
//    holds on a static host that sends no headers (a school's laptop); a meta
//    policy cannot carry frame-ancestors, which stays a header.
//  - Cross-Origin-Resource-Policy: cross-origin on embed.html, so hosts that
//    are cross-origin isolated (COEP) may frame it too; and on the host client
//    module, which hosts import from their own pages (with CORS).

import { parseOriginList } from '../src/embed/origins.ts';

export interface PolicyInputs {
  /** ZOETROPE_EMBED_ORIGINS: the deployer's host list (also the embed's default allow-list). */
  embedOrigins: string;
  /** ZOETROPE_CSP_CONNECT: extra sources the app may fetch model packs from (the dev server defaults to this machine). */
  connect: string;
  /** The dev server injects styles with JavaScript (hot reload), which needs 'unsafe-inline' styles. */
  dev: boolean;
}

/** What the dev and preview servers allow when the deployer set nothing: hosts on this machine, any port. */
export const LOCAL_SOURCES = 'http://localhost:* http://127.0.0.1:*';

export const CLIENT_MODULE_PATH = '/embed/zoetrope-client.js';

export function readPolicyInputs(env: NodeJS.ProcessEnv, dev: boolean): PolicyInputs {
  return {
    embedOrigins: env['ZOETROPE_EMBED_ORIGINS'] ?? '',
    // The dev server lets a developer try packs on any local port; a build (and
    // the preview of it) allows only what the deployer listed.
    connect: env['ZOETROPE_CSP_CONNECT'] ?? (dev ? LOCAL_SOURCES : ''),
    dev,
  };
}

/** The frame-ancestors sources for embed.html. */
export function embedAncestors(embedOrigins: string): string {
  const list = parseOriginList(embedOrigins);
  if (list.any) return '*';
  if (list.origins.length === 0) return `'self' ${LOCAL_SOURCES}`;
  return ["'self'", ...list.origins].join(' ');
}

export function contentSecurityPolicy(page: 'app' | 'embed' | 'meta', inputs: PolicyInputs): string {
  const directives: [string, string][] = [
    ['default-src', "'self'"],
    ['script-src', "'self' 'wasm-unsafe-eval'"],
    ['worker-src', "'self'"],
    ['connect-src', `'self' ${inputs.connect}`.trim()],
    ['img-src', "'self' data: blob:"],
    ['media-src', "'self' blob:"],
    ['style-src', inputs.dev ? "'self' 'unsafe-inline'" : "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
    ['frame-ancestors', page === 'embed' ? embedAncestors(inputs.embedOrigins) : "'self'"],
  ];
  // A <meta> policy ignores frame-ancestors (and the browser warns about it).
  if (page === 'meta') directives.pop();
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}

export function isEmbedPage(pathname: string): boolean {
  return pathname === '/embed.html' || pathname === '/embed';
}

/** The headers one response gets, by its path (COOP/COEP come from vite.config.ts for every response). */
export function headersFor(pathname: string, inputs: PolicyInputs): Record<string, string> {
  if (pathname === CLIENT_MODULE_PATH) {
    return { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' };
  }
  if (isEmbedPage(pathname)) {
    return { 'Content-Security-Policy': contentSecurityPolicy('embed', inputs), 'Cross-Origin-Resource-Policy': 'cross-origin' };
  }
  return { 'Content-Security-Policy': contentSecurityPolicy('app', inputs) };
}
