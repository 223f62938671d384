// Vite + Vitest configuration. The zoetrope plugin serves model packs and
// onnxruntime-web's wasm files from our own origin; COOP/COEP headers make
// the page cross-origin isolated so WASM can use threads; the offline
// shell (vite/pwa.ts) precaches the built app for use with no network. The
// embed plugin adds embed.html, the host client module and the CSP headers;
// test pages (vite/test-pages.ts) are built only for the e2e tests.
/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { ISOLATION_HEADERS, zoetrope } from './vite/zoetrope-plugin.ts';
import { offlineShell } from './vite/pwa.ts';
import { embed } from './vite/embed-plugin.ts';
import { voices } from './vite/voices-plugin.ts';
import { testPages } from './vite/test-pages.ts';

export default defineConfig({
  plugins: [svelte(), zoetrope(), voices(), embed(), testPages(), offlineShell()],
  resolve: {
    alias: [
      {
        // The non-bundled WebGPU build loads its wasm glue from /ort/ (see
        // workers/ort-runtime.ts); the "bundle" build would inline it into our
        // worker chunk and start that whole chunk again for each WASM thread.
        find: /^onnxruntime-web\/webgpu$/,
        replacement: fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs', import.meta.url)),
      },
      {
        // The WASM-only build, for the WASM backend (faster than the WebGPU bundle's Asyncify build).
        find: /^onnxruntime-web\/wasm$/,
        replacement: fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/ort.wasm.min.mjs', import.meta.url)),
      },
    ],
  },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
