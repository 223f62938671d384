// Owns the offline app shell: vite-plugin-pwa (Workbox generateSW) precaches
// every file of the build, onnxruntime-web's wasm runtime under /ort/
// included (our zoetrope plugin copies it into dist/ before the service
// worker is generated), so that after one visit the page, the engine and the
// runtime load with no network. Model packs are not precached: they live in
// IndexedDB once installed, and a built-in pack in dist/models/ would double
// the storage. Every URL is our own origin; nothing comes from a CDN.
import { VitePWA } from 'vite-plugin-pwa';

export function offlineShell() {
  return VitePWA({
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
    workbox: {
      // woff2: the lesson captions' bundled font.
      globPatterns: ['**/*.{html,js,mjs,css,wasm,svg,webmanifest,woff2}'],
      globIgnores: ['models/**'],
      // ORT's two wasm builds (WebGPU's Asyncify one, the WASM backend's plain one) are 27 and 14 MB.
      maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
      // Every address of the app (?model=…, ?view=library) opens the same page.
      navigateFallback: 'index.html',
      navigateFallbackDenylist: [/^\/models\//, /^\/ort\//],
      // A precached page answers whatever its query: /embed.html?model=…&origins=… is embed.html.
      // Workbox ignores only utm_* and fbclid by default, so such an address fell through to
      // index.html, which frame-ancestors 'self' then blocked in a host's frame on its second visit.
      ignoreURLParametersMatching: [/./],
      clientsClaim: true,
      skipWaiting: true,
      cleanupOutdatedCaches: true,
    },
    devOptions: { enabled: false },
  });
}
