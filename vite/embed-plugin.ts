// Owns what the embed adds to the build and the servers:
//  - embed.html as a second page of the app (beside index.html);
//  - the deployer's allowed host origins (ZOETROPE_EMBED_ORIGINS) compiled in
//    as the embed's default allow-list;
//  - the security headers of vite/security-headers.ts on every response of
//    the dev and preview servers, and the same Content-Security-Policy as a
//    <meta> tag in every built page; the connect-src list is compiled in too,
//    for the dev server (which writes no meta tag) and the library's list of hosts;
//  - the host client (src/embed/client.ts) built on its own, as one
//    dependency-free ES module at /embed/zoetrope-client.js, for host pages
//    to import; the dev server serves the TypeScript source at that path.

import { resolve } from 'node:path';
import { build, type Connect, type Plugin } from 'vite';
import { CLIENT_MODULE_PATH, contentSecurityPolicy, headersFor, readPolicyInputs } from './security-headers.ts';

const CLIENT_ENTRY = 'src/embed/client.ts';

function headerMiddleware(dev: boolean): Connect.NextHandleFunction {
  const inputs = readPolicyInputs(process.env, dev);
  return (req, res, next) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    for (const [name, value] of Object.entries(headersFor(pathname, inputs))) res.setHeader(name, value);
    if (dev && pathname === CLIENT_MODULE_PATH) req.url = `/${CLIENT_ENTRY}`;
    next();
  };
}

export function embed(): Plugin {
  let root = process.cwd();
  let outDir = 'dist';
  let building = false;
  return {
    name: 'zoetrope-embed',
    config(config, { command }) {
      const base = config.root ?? process.cwd();
      building = command === 'build';
      return {
        define: {
          __ZOETROPE_EMBED_ORIGINS__: JSON.stringify(process.env['ZOETROPE_EMBED_ORIGINS'] ?? ''),
          __ZOETROPE_CSP_CONNECT__: JSON.stringify(readPolicyInputs(process.env, !building).connect),
        },
        build: { rolldownOptions: { input: { main: resolve(base, 'index.html'), embed: resolve(base, 'embed.html') } } },
      };
    },
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    transformIndexHtml() {
      if (!building) return [];
      const content = contentSecurityPolicy('meta', readPolicyInputs(process.env, false));
      return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content }, injectTo: 'head-prepend' }];
    },
    configureServer(server) {
      server.middlewares.use(headerMiddleware(true));
    },
    configurePreviewServer(server) {
      server.middlewares.use(headerMiddleware(false));
    },
    async writeBundle() {
      // A separate library build: hosts get one self-contained file, not chunks shared with the app.
      await build({
        configFile: false,
        root,
        logLevel: 'warn',
        publicDir: false,
        build: {
          outDir: resolve(outDir, 'embed'),
          emptyOutDir: false,
          target: 'es2022',
          minify: false,
          lib: { entry: resolve(root, CLIENT_ENTRY), formats: ['es'], fileName: () => 'zoetrope-client.js' },
        },
      });
    },
  };
}
