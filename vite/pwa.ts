// Owns the offline app shell: vite-plugin-pwa builds our own service worker
// (src/sw/sw.ts, Workbox's injectManifest strategy) and hands it the list of
// every file of the build to precache, onnxruntime-web's wasm runtime under /ort/
// included (our zoetrope plugin copies it into dist/ before the service
// worker is generated), so that after one visit the page, the engine and the
// runtime load with no network. Model packs are not precached: they live in
// IndexedDB once installed, and a built-in pack in dist/models/ would double
// the storage; nor is the text-to-speech voice data (vite/voices-plugin.ts). Every URL is our own origin; nothing comes from a CDN.
// The worker is ours, not a generated one, because it also adds the origins
// the user allowed to each page's connect-src (see src/sw/sw.ts); the routes
// it sets up are the ones the generated worker had.
import { VitePWA } from 'vite-plugin-pwa';

export function offlineShell() {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/sw',
    filename: 'sw.ts',
    registerType: 'autoUpdate',
    injectRegister: 'script-defer',
    manifest: {
      name: 'Zoetrope',
      short_name: 'Zoetrope',
      description: 'Type a prompt, get a short video, generated entirely in your browser.',
      start_url: '.',
      display: 'standalone',
      background_color: '#f7f7f4',
      theme_color: '#1d4ed8',
      icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
    },
    injectManifest: {
      // woff2: the lesson captions' bundled font.
      globPatterns: ['**/*.{html,js,mjs,css,wasm,svg,webmanifest,woff2}'],
      // Voice data (voices/espeak-ng/, 24 MB) is an optional download, stored in IndexedDB when first used.
      globIgnores: ['models/**', 'voices/**'],
      // ORT's two wasm builds (WebGPU's Asyncify one, the WASM backend's plain one) are 27 and 14 MB.
      maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
      // One classic script, as the generated worker was: no module service worker needed.
      rollupFormat: 'iife',
    },
    devOptions: { enabled: false },
  });
}
